"""The departures page (applied and rejected events) and the dashboard's live panel.

The filter form works without JavaScript (a GET that reloads the page). With htmx it
replaces only the results, and the live panel polls ``departures_live`` every 10 seconds.
Each render that shows events writes one audit event naming the persons it shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from immigrationos.access.context import AccessContext, request_access
from immigrationos.access.masking import FIELD_KEYS
from immigrationos.access.middleware import denied_page
from immigrationos.access.policy import ANALYST, ROUTE_POLICY, SUPERVISOR
from immigrationos.access.scope import access_denial_record
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.events.models import IncomingEvent
from immigrationos.events.selectors import (
    departures_live_get,
    event_list,
    event_queryset_scope,
    event_rows_build,
    rejected_list,
)
from immigrationos.web.forms_departures import departure_filters_parse
from immigrationos.web.request_helpers import is_htmx

DEPARTURES_PER_PAGE = 50
REJECTED_PER_PAGE = 50
LIVE_LATEST = 10
# How often the dashboard panel requests fresh counts, in seconds (the template's hx-trigger).
LIVE_POLL_SECONDS = 10
REJECTED_TAB = "rejected"
# Rejected events are a data quality matter: analysts and supervisors review them.
REJECTED_ROLES = frozenset({ANALYST, SUPERVISOR})
_PAGE_KEYS = ("page", "tab")


def _office_scope(access: AccessContext) -> frozenset[str] | None:
    return access.office_codes if access.office_scoped else None


def _filter_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    for key in _PAGE_KEYS:
        query.pop(key, None)
    return query.urlencode()


def _partial_requested(request: HttpRequest) -> bool:
    # A history restore needs the whole page, because htmx swaps the response into <body>.
    htmx = getattr(request, "htmx", None)
    return is_htmx(request) and not getattr(htmx, "history_restore_request", False)


@require_GET
def departures(request: HttpRequest) -> HttpResponse:
    """List applied departure and arrival events with filters, or the rejected events."""
    access = request_access(request)
    if request.GET.get("tab") == REJECTED_TAB:
        return _rejected(request, access)

    form, filters = departure_filters_parse(request.GET)
    events = event_queryset_scope(
        events=event_list(filters=filters), office_codes=_office_scope(access)
    )
    page = Paginator(events, DEPARTURES_PER_PAGE).get_page(request.GET.get("page"))
    rows = event_rows_build(page)
    # Each row names its person, so the page is one read of those persons. The filters are
    # the user's own input.
    audit_record(
        request=request,
        action="departures_view",
        object_type="person",
        object_ids=sorted({row.event.person_id for row in rows}),
        outcome=Outcome.OK,
        details={
            "count": page.paginator.count,
            "page": page.number,
            "filters": {
                key: value for key, value in form.data.items() if key in form.fields and value
            },
        },
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filter_query": _filter_query(request),
        "rejected_visible": access.role in REJECTED_ROLES,
        "tab": "events",
    }
    if _partial_requested(request):
        return render(request, "web/_departures_results.html", {**context, "refresh": True})
    return render(request, "web/departures.html", context)


def _rejected(request: HttpRequest, access: AccessContext) -> HttpResponse:
    """List rejected events with their errors, for the roles that review them."""
    if access.role not in REJECTED_ROLES:
        reason = f"role {access.role!r} may not list rejected events"
        access_denial_record(request=request, route="departures", reason=reason)
        return denied_page(request, reason=f"Your role may not open this page ({reason}).")
    page = Paginator(rejected_list(), REJECTED_PER_PAGE).get_page(request.GET.get("page"))
    # The error messages can quote values from the rejected payload, so this is a read too.
    # The payloads themselves are never shown.
    audit_record(
        request=request,
        action="rejected_events_view",
        object_type="rejected_event",
        object_ids=[str(rejected.pk) for rejected in page],
        outcome=Outcome.OK,
        details={"count": page.paginator.count, "page": page.number},
    )
    for rejected in page:
        rejected.errors = _errors_masked(rejected.errors, access)
    context = {"page": page, "rejected_visible": True, "tab": REJECTED_TAB}
    return render(request, "web/departures_rejected.html", context)


def _errors_masked(errors: list[dict[str, str]], access: AccessContext) -> list[dict[str, str]]:
    """Return ``errors`` with the message of each field the role sees masked withheld.

    A message quotes the invalid value, which for a masked field is the value itself.
    """
    masked_keys = {key for field in access.masked_fields for key in FIELD_KEYS.get(field, ())}
    return [
        {**error, "message": "invalid value (withheld for your role)"}
        if str(error.get("field", "")).split(".")[0] in masked_keys
        else error
        for error in errors or []
    ]


def live_panel_allowed(access: AccessContext) -> bool:
    """Return whether the dashboard shows the live panel to ``access``'s role."""
    return access.role in ROUTE_POLICY["departures_live"].roles


def departures_live_context(request: HttpRequest) -> dict[str, Any]:
    """Return the live panel's counts and latest departures, and record the read."""
    access = request_access(request)
    now = timezone.now()
    events = event_queryset_scope(
        events=IncomingEvent.objects.all(), office_codes=_office_scope(access)
    )
    live = departures_live_get(events=events, now=now, latest=LIVE_LATEST)
    audit_record(
        request=request,
        action="departures_live_view",
        object_type="person",
        object_ids=sorted({row.event.person_id for row in live.latest}),
        outcome=Outcome.OK,
        details={window.key: window.total for window in live.windows},
    )
    return {
        "live": live,
        "refreshed_at": now,
        "poll_seconds": LIVE_POLL_SECONDS,
        # Each render hands its time to the next poll, so that an event applied in between
        # is highlighted exactly once.
        "fresh_since": _since_parse(request.GET.get("since", "")),
    }


def _since_parse(value: str) -> datetime | None:
    """Return the time of the panel's previous render, or None when absent or invalid."""
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        return None
    return since if since.tzinfo is not None else None


@require_GET
def departures_live(request: HttpRequest) -> HttpResponse:
    """Return the live panel's content, which the dashboard polls."""
    return render(request, "web/_departures_live.html", departures_live_context(request))
