"""Work queue pages: my cases and the office queue, claim, release and assignment, bulk
actions, saved filters, notifications and the review of safeguard overrides.

Every form works without JavaScript (POST, then a redirect back). With htmx, claim, release
and assign swap only the case's table row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from immigrationos.access.context import request_access
from immigrationos.access.policy import SUPERVISOR
from immigrationos.access.scope import access_denial_record, case_in_scope, case_queryset_scope
from immigrationos.access.views import not_found_page
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.cases.bulk_actions import (
    ASSIGN,
    BULK_ACTIONS,
    BULK_MAX_CASES,
    REASON_MISSING_MESSAGE,
    REASON_REQUIRED,
    bulk_targets_parse,
    cases_bulk_apply,
)
from immigrationos.cases.errors import CaseActionRefused, CaseVersionConflict
from immigrationos.cases.models import Case, GuardOverride, Notification
from immigrationos.cases.queue import (
    PROPOSALS_WAITING_MAX,
    QUEUE_ROWS_PER_PAGE,
    QueueFilters,
    my_cases_get,
    office_queue_get,
    office_staff_get,
    overrides_for_review_get,
    proposals_waiting_get,
    queue_rows_build,
    queue_state_choices,
    workload_get,
)
from immigrationos.cases.saved_filters import (
    SAVED_FILTER_PAGES,
    SavedFilterInvalid,
    saved_filter_delete,
    saved_filter_save,
)
from immigrationos.cases.workflow import (
    case_assign,
    case_claim,
    case_release,
    notifications_mark_read,
    notifications_unread_count,
    override_review,
)
from immigrationos.web.forms_queue import (
    BulkActionForm,
    CaseActionForm,
    CaseAssignForm,
    NotificationsReadForm,
    OverrideReviewForm,
    QueueFilterForm,
    SavedFilterForm,
)
from immigrationos.web.request_helpers import is_htmx, local_path_or, request_user
from immigrationos.workflow.transitions import Refusal

logger = logging.getLogger(__name__)

NOTIFICATIONS_PER_PAGE = 50
OVERRIDES_PER_PAGE = 50
# Refusal codes that mean the user may not act on the case at all get 403. Every other
# refusal (the case is closed, already taken...) gets 400.
_FORBIDDEN_CODES = frozenset({"role", "office"})


def _form_errors(form: forms.Form) -> list[str]:
    return [
        f"{name}: {' '.join(str(error) for error in errors)}"
        for name, errors in form.errors.items()
    ]


def _query_without(request: HttpRequest, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


# --- the queue page -----------------------------------------------------------------------


def _office_tiers(office_codes: frozenset[str]) -> list[int]:
    tiers = (
        Case.objects.filter(office_id__in=sorted(office_codes), tier__isnull=False)
        .order_by()
        .values_list("tier", flat=True)
        .distinct()
    )
    return sorted(tier for tier in tiers if tier is not None)


def _queue_pages(
    request: HttpRequest, query: QueryDict
) -> tuple[QueueFilterForm, Page[Case], Page[Case]]:
    """Return the filter form and the pages of "My cases" and the office queue that the
    queue page with ``query`` shows."""
    access = request_access(request)
    today = timezone.localdate()
    codes = access.office_codes
    form = QueueFilterForm(query, states=queue_state_choices(), tiers=_office_tiers(codes))
    filters = QueueFilters()
    if form.is_valid():
        filters = QueueFilters(
            state=form.cleaned_data["state"] or "",
            tier=form.cleaned_data["tier"],
            overdue=form.cleaned_data["overdue"],
            priority_review=form.cleaned_data["priority_review"],
        )

    mine = case_queryset_scope(cases=my_cases_get(user=request_user(request)), access=access)
    mine_page = Paginator(mine, QUEUE_ROWS_PER_PAGE).get_page(query.get("mine_page"))
    office = office_queue_get(office_codes=codes, filters=filters, today=today)
    office_page = Paginator(office, QUEUE_ROWS_PER_PAGE).get_page(query.get("page"))
    return form, mine_page, office_page


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Show the user's own cases and their offices' unassigned cases; supervisors also see
    the workload of each officer."""
    access = request_access(request)
    user = request_user(request)
    today = timezone.localdate()
    codes = access.office_codes
    form, mine_page, office_page = _queue_pages(request, request.GET)
    is_supervisor = access.role == SUPERVISOR

    mine_rows = queue_rows_build(mine_page, today=today)
    office_rows = queue_rows_build(office_page, today=today)
    waiting = proposals_waiting_get(office_codes=codes, user=user, whole_office=is_supervisor)
    proposals = list(waiting[:PROPOSALS_WAITING_MAX])
    # The tables name each case's person, so the page is one read of person data.
    case_ids = [row.case.pk for row in [*mine_rows, *office_rows]]
    case_ids += [proposal.case_id for proposal in proposals if proposal.case_id not in case_ids]
    audit_record(
        request=request,
        action="queue_view",
        object_type="case",
        object_ids=[str(case_id) for case_id in case_ids],
        outcome=Outcome.OK,
        details={"office_queue_count": office_page.paginator.count},
    )
    context = {
        "form": form,
        "today": today,
        "mine_page": mine_page,
        "mine_rows": mine_rows,
        "office_page": office_page,
        "office_rows": office_rows,
        "is_supervisor": is_supervisor,
        "staff": office_staff_get(office_codes=codes) if is_supervisor else [],
        "workload": workload_get(office_codes=codes, today=today) if is_supervisor else [],
        "workload_states": queue_state_choices(),
        "filter_query": _query_without(request, "page", "mine_page"),
        "office_codes": sorted(codes),
        "bulk_max": BULK_MAX_CASES,
        "proposals": proposals,
        "proposals_total": (
            waiting.count() if len(proposals) == PROPOSALS_WAITING_MAX else len(proposals)
        ),
    }
    return render(request, "web/queue.html", context)


# --- claim, release, assign ---------------------------------------------------------------


# The row id prefixes of the queue tables: "" in the office queue, "mine-" in "My cases".
_ROW_PREFIXES = frozenset({"", "mine-"})


def _row_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    access = request_access(request)
    is_supervisor = access.role == SUPERVISOR
    row_prefix = request.POST.get("row_prefix", "")
    return {
        "row": queue_rows_build([case], today=today)[0],
        "is_supervisor": is_supervisor,
        "staff": office_staff_get(office_codes=[case.office_id]) if is_supervisor else [],
        "next": request.POST.get("next", ""),
        "row_prefix": row_prefix if row_prefix in _ROW_PREFIXES else "",
        **extra,
    }


def _lists_context(request: HttpRequest, next_path: str) -> dict[str, Any]:
    """Return the counts and rows of both queue tables as the page at ``next_path`` (its
    filters and page numbers) shows them now, for the out-of-band refresh after a change.
    """
    today = timezone.localdate()
    query = QueryDict(urlsplit(next_path).query)
    _form, mine_page, office_page = _queue_pages(request, query)
    is_supervisor = request_access(request).role == SUPERVISOR
    # The refreshed tables name the persons of other cases than the changed one, so they
    # are recorded as a read of the queue, beside the change's own event.
    audit_record(
        request=request,
        action="queue_view",
        object_type="case",
        # The response refreshes the table the changed row is not in (see
        # _queue_action_response.html), so those are the cases it shows.
        object_ids=sorted(
            str(case.pk)
            for case in (office_page if request.POST.get("row_prefix") == "mine-" else mine_page)
        ),
        details={"refresh": True},
    )
    return {
        "refresh": True,
        "mine_page": mine_page,
        "mine_rows": queue_rows_build(mine_page, today=today),
        "office_page": office_page,
        "office_rows": queue_rows_build(office_page, today=today),
        "staff": (
            office_staff_get(office_codes=request_access(request).office_codes)
            if is_supervisor
            else []
        ),
    }


def _case_for_row(case_id: int) -> Case:
    return Case.objects.select_related("person", "office", "assignee").get(pk=case_id)


def _action_failed(
    request: HttpRequest,
    *,
    case_id: int,
    action: str,
    form: CaseActionForm,
    errors: list[str],
    status: int,
    current: Case | None,
) -> HttpResponse:
    """Show why an action failed, with the case as it is now and the user's form filled in
    again (at the current version, so a retry is a deliberate second try).

    The response shows the case and its person, so the failure is recorded as a read of
    them, with the HTTP status and never the user's text.
    """
    audit_record(
        request=request,
        action=f"case_{action.lower()}",
        object_type="case",
        object_ids=[str(case_id)],
        outcome=Outcome.DENIED if status == 403 else Outcome.FAILED,
        details={"status": status},
    )
    if current is None:
        current = Case.objects.select_related("office", "assignee").filter(pk=case_id).first()
    data = request.POST.copy()
    if current is not None:
        data["version"] = str(current.version)
    retry = type(form)(data)
    retry.is_valid()
    if is_htmx(request) and current is not None:
        # NOTE: htmx does not swap 4xx responses by default, so the row with the message is
        # sent as 200; a request without htmx gets the full page with the 4xx status.
        context = _row_context(request, _case_for_row(current.pk), errors=errors, action=action)
        return render(request, "web/_queue_row.html", context)
    staff: list[User] = []
    if current is not None and request_access(request).role == SUPERVISOR:
        staff = office_staff_get(office_codes=[current.office_id])
    context = {
        "action": action,
        "errors": errors,
        "case": current,
        "case_id": case_id,
        "form": retry,
        "staff": staff,
        "next": local_path_or(request, request.POST.get("next", ""), reverse("web:queue")),
        "conflict": status == 409,
    }
    return render(request, "web/queue_action_failed.html", context, status=status)


def _case_action(
    request: HttpRequest,
    *,
    case_id: int,
    action: str,
    form: CaseActionForm,
    run: Callable[[dict[str, Any]], tuple[Case, str]],
) -> HttpResponse:
    """Validate ``form``, call ``run`` with its data, and return the row or a redirect.

    ``run`` returns the changed case and the success message. Refusals and version
    conflicts become a page that keeps what the user typed.
    """
    if not form.is_valid():
        errors = _form_errors(form)
        return _action_failed(
            request,
            case_id=case_id,
            action=action,
            form=form,
            errors=errors,
            status=400,
            current=None,
        )
    try:
        case, notice = run(form.cleaned_data)
    except Case.DoesNotExist:
        return not_found_page(request, object_type="case")
    except CaseVersionConflict as exc:
        logger.info("%s on case %s: version conflict: %s", action, case_id, exc)
        current = exc.current if isinstance(exc.current, Case) else None
        return _action_failed(
            request,
            case_id=case_id,
            action=action,
            form=form,
            errors=[str(exc)],
            status=409,
            current=current,
        )
    except CaseActionRefused as exc:
        logger.info("%s on case %s refused: %s", action, case_id, exc)
        codes = {getattr(refusal, "code", "") for refusal in exc.refusals}
        return _action_failed(
            request,
            case_id=case_id,
            action=action,
            form=form,
            errors=[str(getattr(refusal, "message", refusal)) for refusal in exc.refusals],
            status=403 if codes & _FORBIDDEN_CODES else 400,
            current=None,
        )
    if is_htmx(request):
        context = _row_context(request, _case_for_row(case.pk), notice=notice)
        next_path = local_path_or(request, form.cleaned_data.get("next") or "", "")
        if urlsplit(next_path).path == reverse("web:queue"):
            context.update(_lists_context(request, next_path))
        return render(request, "web/_queue_action_response.html", context)
    messages.success(request, notice)
    target = local_path_or(request, form.cleaned_data.get("next") or "", reverse("web:queue"))
    return HttpResponseRedirect(target)


@require_POST
def case_claim_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Claim an unassigned case of the user's office."""
    user = request_user(request)

    def run(data: dict[str, Any]) -> tuple[Case, str]:
        case = case_claim(case_id=case_id, actor=user, version=data["version"], request=request)
        return case, f"Case {case.pk} claimed: it is now in your cases."

    form = CaseActionForm(request.POST)
    return _case_action(request, case_id=case_id, action="Claim", form=form, run=run)


@require_POST
def case_release_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Give a case back to the office queue."""
    user = request_user(request)

    def run(data: dict[str, Any]) -> tuple[Case, str]:
        case = case_release(
            case_id=case_id,
            actor=user,
            version=data["version"],
            reason=data["reason"],
            request=request,
        )
        return case, f"Case {case.pk} released to the office queue."

    form = CaseActionForm(request.POST)
    return _case_action(request, case_id=case_id, action="Release", form=form, run=run)


@require_POST
def case_assign_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Assign a case to an officer or supervisor of its office (supervisors only)."""
    user = request_user(request)

    def run(data: dict[str, Any]) -> tuple[Case, str]:
        assignee = User.objects.filter(pk=data["assignee"], is_active=True).first()
        if assignee is None:
            message = f"no active user with id {data['assignee']}; choose one from the list"
            raise CaseActionRefused([Refusal("assignee", message)], action="Assign")
        case = case_assign(
            case_id=case_id,
            assignee=assignee,
            actor=user,
            version=data["version"],
            reason=data["reason"],
            request=request,
        )
        return case, f"Case {case.pk} assigned to {assignee.get_username()}."

    form = CaseAssignForm(request.POST)
    return _case_action(request, case_id=case_id, action="Assign", form=form, run=run)


# --- bulk actions -------------------------------------------------------------------------


@require_POST
def cases_bulk(request: HttpRequest) -> HttpResponse:
    """Run one action on each selected case and list every case's result."""
    access = request_access(request)
    form = BulkActionForm(request.POST)
    back = local_path_or(request, request.POST.get("next", ""), reverse("web:queue"))
    targets, invalid = bulk_targets_parse(request.POST.getlist("case"))
    errors: list[str] = []
    if not form.is_valid():
        errors += _form_errors(form)
    if invalid:
        errors.append(f"invalid case selections {', '.join(invalid[:5])}; reload the page")
    if not targets and not invalid:
        errors.append("no cases selected; tick the cases to act on")
    if len(targets) > BULK_MAX_CASES:
        errors.append(
            f"{len(targets)} cases selected; a bulk action takes at most {BULK_MAX_CASES}. "
            "Narrow the filter or select fewer cases, then try again."
        )
    if (
        form.is_valid()
        and form.cleaned_data["action"] in REASON_REQUIRED
        and not form.cleaned_data["reason"]
    ):
        errors.append(REASON_MISSING_MESSAGE)
    assignee: User | None = None
    if form.is_valid() and form.cleaned_data["action"] == ASSIGN:
        assignee_id = form.cleaned_data["assignee"]
        if assignee_id is None:
            errors.append("choose the officer to assign the cases to")
        else:
            assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
            if assignee is None:
                errors.append(f"no active user with id {assignee_id}")
    if errors:
        # The form comes back filled in, with the same cases selected, to correct and resend.
        context = {
            "errors": errors,
            "results": [],
            "back": back,
            "selected": len(targets),
            "posted": request.POST,
            "staff": office_staff_get(office_codes=access.office_codes),
        }
        return render(request, "web/cases_bulk_result.html", context, status=400)

    results = cases_bulk_apply(
        targets=targets,
        action=form.cleaned_data["action"],
        actor=request_user(request),
        reason=form.cleaned_data["reason"],
        assignee=assignee,
        case_visible=lambda case_id: case_in_scope(case_id=case_id, access=access),
        request=request,
    )
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    context = {
        "errors": [],
        "results": results,
        "counts": counts,
        "action_label": BULK_ACTIONS[form.cleaned_data["action"]],
        "back": back,
        "selected": len(targets),
    }
    return render(request, "web/cases_bulk_result.html", context)


# --- saved filters ------------------------------------------------------------------------


@require_POST
def saved_filter_save_view(request: HttpRequest) -> HttpResponse:
    """Save the posted filter query under a name for the signed-in user."""
    form = SavedFilterForm(request.POST)
    page = request.POST.get("page", "")
    route = SAVED_FILTER_PAGES.get(page, "web:queue")
    # Re-encoded, so the redirect below carries a well-formed query whatever was posted.
    query = QueryDict(request.POST.get("query", "").lstrip("?")).urlencode()
    if not form.is_valid():
        errors = "; ".join(_form_errors(form))
        messages.error(request, f"The filter was not saved: {errors}")
    else:
        try:
            saved = saved_filter_save(
                user=request_user(request),
                page=form.cleaned_data["page"],
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
            )
        except SavedFilterInvalid as exc:
            messages.error(request, f"The filter was not saved: {exc}")
        else:
            messages.success(request, f"Filter {saved.name!r} saved.")
            query = saved.query
    target = reverse(route)
    return HttpResponseRedirect(f"{target}?{query}" if query else target)


@require_POST
def saved_filter_delete_view(request: HttpRequest, filter_id: int) -> HttpResponse:
    """Delete one of the signed-in user's saved filters; another user's is not found."""
    deleted = saved_filter_delete(user=request_user(request), filter_id=filter_id)
    if deleted is None:
        return not_found_page(request, object_type="saved filter")
    messages.success(request, f"Filter {deleted.name!r} deleted.")
    return HttpResponseRedirect(reverse(SAVED_FILTER_PAGES.get(deleted.page, "web:queue")))


# --- notifications ------------------------------------------------------------------------


@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """List the user's notifications, newest first."""
    user = request_user(request)
    items = Notification.objects.filter(user=user).select_related("case")
    page = Paginator(items.order_by("-created_at", "-id"), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "unread": notifications_unread_count(user=user)}
    return render(request, "web/notifications.html", context)


@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark the ticked notifications read, or all of them."""
    user = request_user(request)
    form = NotificationsReadForm(request.POST)
    form.is_valid()
    ids = [int(value) for value in request.POST.getlist("notification") if value.isdigit()]
    if form.cleaned_data.get("all"):
        count = notifications_mark_read(user=user)
    elif ids:
        count = notifications_mark_read(user=user, ids=ids)
    else:
        count = 0
        messages.error(request, "No notification selected; tick the ones to mark read.")
    if count:
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    back = local_path_or(request, request.POST.get("next", ""), reverse("web:notifications"))
    return HttpResponseRedirect(back)


# --- override review ----------------------------------------------------------------------


@require_GET
def overrides(request: HttpRequest) -> HttpResponse:
    """List the safeguard overrides on the offices' cases, those waiting for review first."""
    access = request_access(request)
    items = overrides_for_review_get(office_codes=access.office_codes)
    page = Paginator(items, OVERRIDES_PER_PAGE).get_page(request.GET.get("page"))
    # A justification and the overridden safeguards describe the case's person.
    audit_record(
        request=request,
        action="override_list_view",
        object_type="case",
        object_ids=sorted({str(override.case_id) for override in page}),
        outcome=Outcome.OK,
    )
    waiting = items.filter(reviewed_at__isnull=True).count()
    context = {"page": page, "waiting": waiting, "form": OverrideReviewForm()}
    return render(request, "web/overrides.html", context)


@require_POST
def override_review_view(request: HttpRequest, override_id: int) -> HttpResponse:
    """Record another supervisor's review of an override."""
    access = request_access(request)
    override = GuardOverride.objects.select_related("case").filter(pk=override_id).first()
    if override is None:
        return not_found_page(request, object_type="override")
    if override.case.office_id not in access.office_codes:
        # The override id in the URL names no case, so the middleware cannot check its
        # office. An override of another office gets the same 404 as a missing one.
        access_denial_record(
            request=request,
            route="override_review",
            reason="override outside the user's office scope",
            object_type="case",
            object_ids=(str(override.case_id),),
        )
        return not_found_page(request, object_type="override")
    form = OverrideReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Override {override_id} not reviewed: write what you found.")
    else:
        try:
            override_review(
                override_id=override_id,
                actor=request_user(request),
                note=form.cleaned_data["note"],
                request=request,
            )
        except CaseActionRefused as exc:
            messages.error(request, f"Override {override_id} not reviewed: {exc}")
        else:
            messages.success(request, f"Override {override_id} marked reviewed.")
    return HttpResponseRedirect(reverse("web:overrides"))
