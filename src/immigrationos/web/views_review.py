"""Review queue pages: the queue, one item with its weights, decisions and their reversal.

Every form posts without JavaScript and redirects back. With htmx the decision form swaps
only its own section.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from immigrationos.access.context import request_access
from immigrationos.access.masking import value_display
from immigrationos.access.roles import user_role_get
from immigrationos.access.scope import access_denial_record, persons_in_scope
from immigrationos.access.views import not_found_page
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.cases.errors import CasesError
from immigrationos.cases.models import IdentityChange, ReviewDecision, ReviewItem, SourceRecord
from immigrationos.cases.review_decisions import (
    DECIDER_ROLES,
    REASON_MIN_LENGTH,
    REVERSER_ROLES,
    identity_change_reverse_by_supervisor,
    merge_conflicts_find,
    person_record_split,
    review_decision_record,
    review_decision_revoke,
)
from immigrationos.cases.review_queue import (
    REVIEW_KINDS,
    ReviewDetail,
    review_item_detail_get,
    review_queue_page_get,
)
from immigrationos.cases.selectors import ReviewRow
from immigrationos.web.request_helpers import local_path_or

logger = logging.getLogger(__name__)

_REASON_HELP = f"Required for accept and reject: at least {REASON_MIN_LENGTH} characters."


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            (ReviewDecision.Kind.ACCEPT, "Same person"),
            (ReviewDecision.Kind.REJECT, "Different persons"),
            (ReviewDecision.Kind.SKIP, "Skip for now"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 3}), strip=True,
        help_text=_REASON_HELP,
    )  # fmt: skip
    target_uid = forms.CharField(label="Candidate record", required=False)
    conflicts_confirmed = forms.BooleanField(
        label="I checked these contradictions; merge anyway", required=False
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        decision = cleaned.get("decision")
        reason = cleaned.get("reason") or ""
        if decision in ("accept", "reject") and len(reason) < REASON_MIN_LENGTH:
            self.add_error("reason", f"Give a reason of at least {REASON_MIN_LENGTH} characters.")
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", min_length=REASON_MIN_LENGTH)


def _persons_outside(request: HttpRequest, person_ids: list[str]) -> list[str]:
    """Return the ids among ``person_ids`` outside the user's office scope."""
    visible = persons_in_scope(person_ids=person_ids, access=request_access(request))
    return sorted(set(person_ids) - visible)


def _scope_denial(
    request: HttpRequest, *, route: str, object_type: str, object_id: str, person_ids: list[str]
) -> HttpResponse | None:
    """Return the 404 page, after recording the denial, when any of ``person_ids`` is outside
    the user's office scope; return None when all are in scope.

    Review items, decisions and identity changes name persons only in their rows, not in the
    URL, so AccessMiddleware cannot check them.
    """
    outside = _persons_outside(request, person_ids)
    if not outside:
        return None
    access_denial_record(
        request=request,
        route=route,
        reason=f"{object_type} names a person outside the user's office scope",
        object_type=object_type,
        object_ids=(object_id,),
    )
    return not_found_page(request, object_type=object_type.replace("_", " "))


def _review_item_scope_denial(
    request: HttpRequest, review_id: str, route: str
) -> HttpResponse | None:
    item = ReviewItem.objects.filter(pk=review_id).values("person_ids", "record_uids").first()
    if item is None:
        return None
    # A decision acts on the records' owners now, which a later merge may have changed since
    # linkage named the persons, so both count.
    owners = SourceRecord.objects.filter(record_uid__in=list(item["record_uids"] or []))
    person_ids = sorted(
        {str(pid) for pid in item["person_ids"] or []}
        | {str(pid) for pid in owners.values_list("person_id", flat=True) if pid}
    )
    return _scope_denial(
        request,
        route=route,
        object_type="review_item",
        object_id=review_id,
        person_ids=person_ids,
    )


def _change_persons(changes: Any) -> list[str]:
    return sorted(
        {
            str(pid)
            for before, after in changes.values_list("person_ids_before", "person_ids_after")
            for pid in [*(before or []), *(after or [])]
        }
    )


def _row_person_ids(row: ReviewRow) -> set[str]:
    persons = {ref.person_id for ref in row.persons}
    return persons | {ref.person_id for ref in row.records if ref.person_id}


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in REVIEW_KINDS else ""
    page = review_queue_page_get(page=request.GET.get("page"), kind=kind)
    # Rows naming a person outside an office-scoped user's offices are left out.
    # NOTE: the page count and the item total still include the rows left out.
    # Record owners count too, as on the item page.
    named = {row.item.review_id: _row_person_ids(row) for row in page}
    hidden = set(_persons_outside(request, sorted(set().union(*named.values()))))
    page.object_list = [row for row in page if not named[row.item.review_id] & hidden]
    # The page names persons and their records, so it is a read of person data: the event
    # lists the persons shown.
    shown = sorted({person.person_id for row in page for person in row.persons})
    audit_record(
        request=request,
        action="review_queue_view",
        object_type="person",
        object_ids=shown,
        outcome=Outcome.OK,
    )
    context = {"page": page, "kinds": REVIEW_KINDS, "kind": kind}
    return render(request, "web/review.html", context)


def _mask(request: HttpRequest) -> Any:
    access = getattr(request, "access", None)
    return lambda field_name, value: value_display(
        access=access, field_name=field_name, value=value
    )


def _detail_context(request: HttpRequest, detail: ReviewDetail, form: Any = None) -> dict[str, Any]:
    role = user_role_get(user=request.user)
    item = detail.row.item
    return {
        "detail": detail,
        "item": item,
        "form": form or ReviewDecisionForm(),
        "may_decide": role in DECIDER_ROLES and not item.decision,
        "may_reverse": role in REVERSER_ROLES,
        "candidates": list(item.record_uids[1:]) if item.kind == "thin_record" else [],
        "merge_conflicts": (
            merge_conflicts_find(record_uids=[str(uid) for uid in item.record_uids])
            if role in DECIDER_ROLES and not item.decision
            else []
        ),
    }


@require_GET
def review_item(request: HttpRequest, review_id: str) -> HttpResponse:
    denied = _review_item_scope_denial(request, review_id, "review_item")
    if denied is not None:
        return denied
    detail = _review_detail_read(request, review_id)
    if detail is None:
        return not_found_page(request, object_type="review item")
    return render(request, "web/review_item.html", _detail_context(request, detail))


def _review_detail_read(request: HttpRequest, review_id: str) -> ReviewDetail | None:
    """Read a review item for the full page and record the view, naming its persons.

    Returns None for an unknown id, after recording a failed view. The caller then shows
    the same 404 page as for an item outside the user's office scope.
    """
    try:
        detail = review_item_detail_get(review_id=review_id, mask=_mask(request))
    except ReviewItem.DoesNotExist:
        audit_record(
            request=request,
            action="review_item_view",
            object_type="review_item",
            object_ids=[review_id],
            outcome=Outcome.FAILED,
        )
        return None
    # The page shows the persons' names and records, so the event names them for an auditor
    # who searches by person.
    person_ids = {person.person_id for person in detail.row.persons}
    person_ids.update(record.person_id for record in detail.records if record.person_id)
    audit_record(
        request=request,
        action="review_item_view",
        object_type="review_item",
        object_ids=[review_id],
        outcome=Outcome.OK,
        details={"person_ids": sorted(person_ids)},
    )
    return detail


@require_POST
def review_decide(request: HttpRequest, review_id: str) -> HttpResponse:
    denied = _review_item_scope_denial(request, review_id, "review_decide")
    if denied is not None:
        return denied
    form = ReviewDecisionForm(request.POST)
    error = notice = None
    if form.is_valid():
        try:
            review_decision_record(
                review_id=review_id,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                target_uid=form.cleaned_data["target_uid"] or None,
                conflicts_confirmed=form.cleaned_data["conflicts_confirmed"],
                user=request.user,  # type: ignore[arg-type]
                request=request,
            )
        except CasesError as exc:
            logger.info("decision on review item %s failed: %s", review_id, exc)
            error = str(exc)
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                messages.success(request, "Decision recorded.")
                return HttpResponseRedirect(reverse("web:review_item", args=[review_id]))
            notice = "Decision recorded."
            form = ReviewDecisionForm()

    if request.htmx:  # type: ignore[attr-defined]
        # The decision fragment shows no person data, so its read is not a view to record.
        try:
            detail = review_item_detail_get(review_id=review_id, mask=_mask(request))
        except ReviewItem.DoesNotExist:
            raise Http404("No review item with this id.") from None
        context = _detail_context(request, detail, form)
        context["error"] = error
        context["notice"] = notice
        return render(request, "web/review_decision.html", context)

    page_detail = _review_detail_read(request, review_id)
    if page_detail is None:
        return not_found_page(request, object_type="review item")
    context = _detail_context(request, page_detail, form)
    context["error"] = error
    context["notice"] = notice
    status = 400 if error or form.errors else 200
    return render(request, "web/review_item.html", context, status=status)


def _reasoned_action(
    request: HttpRequest, *, act: Callable[[str], str], failed: str, fallback: str
) -> HttpResponseRedirect:
    """Run ``act(reason)`` for a posted reason form and redirect back with its message.

    ``act`` returns the success message. A missing reason or a CasesError becomes an error
    message that starts with ``failed``.
    """
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, f"{failed}: give a reason of at least {REASON_MIN_LENGTH} characters."
        )
    else:
        try:
            messages.success(request, act(form.cleaned_data["reason"]))
        except CasesError as exc:
            logger.info("%s on %s failed: %s", failed, request.path, exc)
            messages.error(request, f"{failed}: {exc}")
    return HttpResponseRedirect(local_path_or(request, request.POST.get("next", ""), fallback))


@require_POST
def review_change_reverse(request: HttpRequest, change_id: int) -> HttpResponse:
    denied = _scope_denial(
        request,
        route="review_change_reverse",
        object_type="identity_change",
        object_id=str(change_id),
        person_ids=_change_persons(IdentityChange.objects.filter(pk=change_id)),
    )
    if denied is not None:
        return denied

    def act(reason: str) -> str:
        identity_change_reverse_by_supervisor(
            change_id=change_id,
            reason=reason,
            user=request.user,  # type: ignore[arg-type]
            request=request,
        )
        return f"Change {change_id} reversed."

    return _reasoned_action(request, act=act, failed="Not reversed", fallback=reverse("web:review"))


@require_POST
def review_decision_revoke_view(request: HttpRequest, decision_id: int) -> HttpResponse:
    changes = IdentityChange.objects.filter(decision_id=decision_id)
    ids = ReviewDecision.objects.filter(pk=decision_id).values_list("review_id", flat=True)
    items = ReviewItem.objects.filter(pk__in=list(ids)).values_list("person_ids", flat=True)
    item_persons = [str(pid) for person_ids in items for pid in person_ids or []]
    denied = _scope_denial(
        request,
        route="review_decision_revoke",
        object_type="review_decision",
        object_id=str(decision_id),
        person_ids=sorted({*_change_persons(changes), *item_persons}),
    )
    if denied is not None:
        return denied

    def act(reason: str) -> str:
        review_decision_revoke(
            decision_id=decision_id,
            reason=reason,
            user=request.user,  # type: ignore[arg-type]
            request=request,
        )
        return f"Decision {decision_id} revoked."

    return _reasoned_action(request, act=act, failed="Not revoked", fallback=reverse("web:review"))


@require_POST
def person_split(request: HttpRequest, person_id: str) -> HttpResponse:
    def act(reason: str) -> str:
        change = person_record_split(
            person_id=person_id,
            record_uid=request.POST.get("record_uid", ""),
            reason=reason,
            user=request.user,  # type: ignore[arg-type]
            request=request,
        )
        return f"Record split off into person {change.created_person_id}."

    return _reasoned_action(
        request, act=act, failed="Not split", fallback=reverse("web:person", args=[person_id])
    )
