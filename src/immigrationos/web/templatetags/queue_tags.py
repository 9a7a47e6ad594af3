"""Template tags of the work queue: the notifications badge, saved filters and the bulk form,
shared by the header, the case list and the queue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.http import QueryDict

from immigrationos.cases.bulk_actions import BULK_ACTIONS, BULK_MAX_CASES
from immigrationos.cases.queue import WorkloadRow, office_staff_get
from immigrationos.cases.saved_filters import SAVED_FILTER_PAGES, saved_filters_get
from immigrationos.cases.workflow import notifications_unread_count

register = template.Library()


@register.inclusion_tag("web/_notifications_badge.html", takes_context=True)
def notifications_badge(context: template.Context) -> dict[str, Any]:
    """Render the link to the notifications with the unread count: one indexed COUNT.

    The count is as of the page load. A timed refresh is left out on purpose, because each
    request extends the idle session (SESSION_SAVE_EVERY_REQUEST).
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    count = 0
    if user is not None and user.is_authenticated:
        count = notifications_unread_count(user=user)
    return {"unread_count": count}


@register.inclusion_tag("web/_saved_filters.html", takes_context=True)
def saved_filters(context: template.Context, page: str, query: str) -> dict[str, Any]:
    """Render the user's saved filters of ``page`` as links, and a form to save ``query``."""
    request = context.get("request")
    user = getattr(request, "user", None)
    filters = []
    if user is not None and user.is_authenticated:
        filters = list(saved_filters_get(user=user, page=page))
    return {
        "filters": filters,
        "page": page,
        "query": query,
        "route": SAVED_FILTER_PAGES[page],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("web/_bulk_form.html", takes_context=True)
def bulk_form(
    context: template.Context,
    staff: Iterable[Any] | None,
    next_url: str,
    posted: QueryDict | None = None,
) -> dict[str, Any]:
    """Render the supervisors' bulk action form; rows tick cases with ``form="bulk-form"``.

    With no ``staff`` given, the officers of the signed-in user's offices are offered. With
    ``posted`` (a rejected request's POST data), the form is filled in again and carries the
    selected cases as hidden fields.
    """
    if staff is None:
        access = getattr(context.get("request"), "access", None)
        codes: frozenset[str] = getattr(access, "office_codes", frozenset())
        staff = office_staff_get(office_codes=codes)
    return {
        "actions": list(BULK_ACTIONS.items()),
        "staff": staff,
        "next": next_url,
        "max": BULK_MAX_CASES,
        "csrf_token": context.get("csrf_token"),
        "chosen_action": posted.get("action", "") if posted is not None else "",
        "chosen_assignee": posted.get("assignee", "") if posted is not None else "",
        "typed_reason": posted.get("reason", "") if posted is not None else "",
        "selected_cases": posted.getlist("case") if posted is not None else [],
    }


@register.filter
def state_counts(row: WorkloadRow, states: Iterable[tuple[str, str]]) -> list[int]:
    """Return the row's case counts for ``states`` (value, label pairs), in that order."""
    return row.state_counts(value for value, _label in states)
