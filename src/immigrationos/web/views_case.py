"""The case page and the forms it posts.

Every form works without JavaScript: it posts, and the view redirects back to the page, or
re-renders the page with the error and the user's typed text. With htmx, the actions panel,
the notes and the attachments swap in place, and a change also refreshes the header, history
and proposals out of band, so every version number on the page stays current.

The services write the audit event of each change. When a change fails, the view records
one failed event instead, because the response still shows the case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from immigrationos.access.context import request_access
from immigrationos.access.policy import OFFICER, SUPERVISOR
from immigrationos.access.views import not_found_page
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record, audited_read
from immigrationos.cases import attachments as attachment_store
from immigrationos.cases.case_page import CasePage, case_page_get
from immigrationos.cases.conf import attachment_scan_command
from immigrationos.cases.errors import (
    AttachmentRejected,
    CaseActionRefused,
    CaseVersionConflict,
    ConfigurationError,
)
from immigrationos.cases.models import Case, CaseAttachment, CaseProposal
from immigrationos.cases.workflow import (
    case_note_add as note_add,
)
from immigrationos.cases.workflow import (
    case_transition as transition_make,
)
from immigrationos.cases.workflow import (
    case_watch_set,
    citizenship_claim_decide,
    citizenship_claim_record,
    citizenship_claims_for,
    proposal_decide,
)
from immigrationos.web.forms_case import (
    AttachmentForm,
    CitizenshipClaimForm,
    CitizenshipDecideForm,
    NoteForm,
    ProposalDecideForm,
    TransitionForm,
    WatchForm,
)
from immigrationos.web.request_helpers import is_htmx, request_user
from immigrationos.workflow.transitions import JUSTIFICATION_MIN_CHARS

logger = logging.getLogger(__name__)

# Response status of a request the services refused or a form that is not valid.
REFUSED_STATUS = 422
CONFLICT_STATUS = 409


@dataclass
class Outcomes:
    """The notice, error and typed text a post shows on the re-rendered page or partial.

    ``typed`` contains the user's own text by field name, so nothing they wrote is lost.
    """

    section: str
    error: str = ""
    refusals: list[str] = field(default_factory=list)
    conflict: Case | None = None
    notice: str = ""
    typed: dict[str, str] = field(default_factory=dict)


def _case_url(case_id: int, section: str = "") -> str:
    anchor = f"#{section}" if section else ""
    return reverse("web:case", args=[case_id]) + anchor


def _context(
    request: HttpRequest, page: CasePage, outcome: Outcomes | None = None
) -> dict[str, Any]:
    role = request_access(request).role
    outcome = outcome or Outcomes(section="")
    is_supervisor = role == SUPERVISOR
    return {
        "page": page,
        "detail": page.person,
        "case": page.case,
        "person": page.person.person,
        "role": role,
        "can_act": role in (OFFICER, SUPERVISOR),
        "is_supervisor": is_supervisor,
        "assignable": _assignable(page.case) if is_supervisor else [],
        "justification_min": JUSTIFICATION_MIN_CHARS,
        "outcome": outcome,
        "typed_kept": _typed_kept(page, outcome, is_supervisor=is_supervisor),
        "scanner_status": _scanner_status(),
        "case_path": _case_url(page.case.pk),
    }


def _assignable(case: Case) -> list[User]:
    """Return the active officers and supervisors of the case's office, by username."""
    return list(
        User.objects.filter(
            office_membership__office_id=case.office_id,
            groups__name__in=(OFFICER, SUPERVISOR),
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def _typed_kept(page: CasePage, outcome: Outcomes, *, is_supervisor: bool) -> str:
    """Return the action text the user typed when no form on the page can show it again."""
    if outcome.section != "actions":
        return ""
    typed = (outcome.typed.get("reason"), outcome.typed.get("justification"))
    text = "\n".join(value for value in typed if value)
    offered = {
        check.transition.name
        for check in page.actions
        if check.allowed or (check.overridable and is_supervisor)
    }
    return "" if outcome.typed.get("transition") in offered else text


def _scanner_status() -> str:
    """Return "configured", "none", or the configuration error of the virus scanner setting."""
    try:
        return "none" if attachment_scan_command() is None else "configured"
    except ConfigurationError as exc:
        return str(exc)


@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    # AccessMiddleware has already returned 404 for a case outside the user's offices.
    try:
        page = audited_read(
            request=request,
            action="case_view",
            object_type="case",
            object_id=str(case_id),
            read=lambda: case_page_get(case_id=case_id, actor=request.user),
        )
    except Case.DoesNotExist:
        return not_found_page(request, object_type="case")
    return render(request, "web/case.html", _context(request, page))


def _failure_record(
    request: HttpRequest, *, case_id: int, action: str, outcome: Outcomes, code: str
) -> None:
    """Record one failed change, with the refusal code and never the user's text."""
    logger.info("%s on case %s failed: %s", action, case_id, code)
    audit_record(
        request=request,
        action=action,
        object_type="case",
        object_ids=[str(case_id)],
        outcome=Outcome.DENIED if code == "role" else Outcome.FAILED,
        details={"section": outcome.section, "rejected": code},
    )


def _respond(
    request: HttpRequest,
    *,
    case_id: int,
    partial: str,
    outcome: Outcomes,
    status: int = 200,
) -> HttpResponse:
    """Render the section ``partial`` (htmx) or the whole page with ``outcome`` shown."""
    try:
        page = case_page_get(case_id=case_id, actor=request.user)
    except Case.DoesNotExist:
        return not_found_page(request, object_type="case")
    context = _context(request, page, outcome)
    if is_htmx(request):
        context["oob"] = True
        context["focus_notice"] = True
        return render(request, partial, context, status=status)
    return render(request, "web/case.html", context, status=status)


def _done(request: HttpRequest, *, case_id: int, partial: str, outcome: Outcomes) -> HttpResponse:
    """Return the response to a change that succeeded: a redirect, or with htmx the section."""
    if is_htmx(request):
        return _respond(request, case_id=case_id, partial=partial, outcome=outcome)
    messages.success(request, outcome.notice)
    return HttpResponseRedirect(_case_url(case_id, outcome.section))


@dataclass(frozen=True)
class PostTarget:
    """The case a form posts to, the audit action of its change, and its htmx partial."""

    case_id: int
    action: str
    partial: str


def _failed(
    request: HttpRequest,
    target: PostTarget,
    *,
    outcome: Outcomes,
    code: str,
    status: int = REFUSED_STATUS,
) -> HttpResponse:
    _failure_record(
        request, case_id=target.case_id, action=target.action, outcome=outcome, code=code
    )
    return _respond(
        request, case_id=target.case_id, partial=target.partial, outcome=outcome, status=status
    )


def _form_errors(form: Any) -> str:
    parts = [
        f"{name.replace('_', ' ')}: {' '.join(str(error) for error in errors)}"
        for name, errors in form.errors.items()
    ]
    return "The form is not valid (" + "; ".join(parts) + ")."


def _refused_outcome(
    section: str, exc: CaseActionRefused, typed: dict[str, str], error: str = ""
) -> tuple[Outcomes, str]:
    """Return what a refused post shows, and the first refusal's code for the audit log."""
    outcome = Outcomes(
        section=section,
        error=error or f"{exc.action} was refused. Nothing was saved.",
        refusals=[str(getattr(refusal, "message", refusal)) for refusal in exc.refusals],
        typed=typed,
    )
    code = str(getattr(exc.refusals[0], "code", "refused")) if exc.refusals else "refused"
    return outcome, code


def _conflict_outcome(section: str, exc: CaseVersionConflict, typed: dict[str, str]) -> Outcomes:
    current = exc.current if isinstance(exc.current, Case) else None
    return Outcomes(section=section, error=str(exc), conflict=current, typed=typed)


# --- actions ------------------------------------------------------------------------------

ACTIONS_PARTIAL = "web/_case_actions_response.html"


@require_POST
def case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    form = TransitionForm(request.POST)
    typed = {
        "transition": request.POST.get("transition", ""),
        "reason": request.POST.get("reason", ""),
        "justification": request.POST.get("justification", ""),
    }
    fail = PostTarget(case_id, "case_transition", ACTIONS_PARTIAL)
    if not form.is_valid():
        outcome = Outcomes(section="actions", error=_form_errors(form), typed=typed)
        return _failed(request, fail, outcome=outcome, code="invalid")

    data = form.cleaned_data
    try:
        result = transition_make(
            case_id=case_id,
            name=data["transition"],
            actor=request_user(request),
            version=data["version"],
            reason=data["reason"],
            justification=data["justification"],
            request=request,
        )
    except Case.DoesNotExist:
        return not_found_page(request, object_type="case")
    except KeyError:
        outcome = Outcomes(
            section="actions", error=f"Unknown action {data['transition']!r}.", typed=typed
        )
        return _failed(request, fail, outcome=outcome, code="unknown")
    except CaseActionRefused as exc:
        outcome, code = _refused_outcome("actions", exc, typed)
        return _failed(request, fail, outcome=outcome, code=code)
    except CaseVersionConflict as exc:
        outcome = _conflict_outcome("actions", exc, typed)
        return _failed(request, fail, outcome=outcome, code="version", status=CONFLICT_STATUS)

    notice = f"Done: the case is now {result.case.get_state_display().lower()}."
    if result.override is not None:
        notice += " The override was recorded and is listed for another supervisor to review."
    return _done(
        request,
        case_id=case_id,
        partial=ACTIONS_PARTIAL,
        outcome=Outcomes(section="actions", notice=notice),
    )


# --- notes --------------------------------------------------------------------------------

NOTES_PARTIAL = "web/_case_notes_response.html"


@require_POST
def case_note_add(request: HttpRequest, case_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    typed = {"text": request.POST.get("text", "")}
    fail = PostTarget(case_id, "case_note_add", NOTES_PARTIAL)
    if not form.is_valid():
        outcome = Outcomes(section="notes", error=_form_errors(form), typed=typed)
        return _failed(request, fail, outcome=outcome, code="invalid")
    try:
        note_add(
            case_id=case_id,
            actor=request_user(request),
            text=form.cleaned_data["text"],
            request=request,
        )
    except Case.DoesNotExist:
        return not_found_page(request, object_type="case")
    except CaseActionRefused as exc:
        outcome, code = _refused_outcome("notes", exc, typed, "The note was not added.")
        return _failed(request, fail, outcome=outcome, code=code)
    return _done(
        request,
        case_id=case_id,
        partial=NOTES_PARTIAL,
        outcome=Outcomes(section="notes", notice="Note added."),
    )


# --- attachments --------------------------------------------------------------------------

ATTACHMENTS_PARTIAL = "web/_case_attachments_response.html"


@require_POST
def case_attachment_add(request: HttpRequest, case_id: int) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    typed = {"description": request.POST.get("description", "")}
    if not form.is_valid():
        outcome = Outcomes(section="attachments", error=_form_errors(form), typed=typed)
        target = PostTarget(case_id, "case_attachment_add", ATTACHMENTS_PARTIAL)
        return _failed(request, target, outcome=outcome, code="invalid")
    upload = form.cleaned_data["file"]
    try:
        # The service records its own audit event for a rejected file too.
        attachment = attachment_store.case_attachment_add(
            case_id=case_id,
            actor=request_user(request),
            upload=upload,
            filename=upload.name or "",
            description=form.cleaned_data["description"],
            request=request,
        )
    except Case.DoesNotExist:
        return not_found_page(request, object_type="case")
    except AttachmentRejected as exc:
        outcome = Outcomes(
            section="attachments", error=f"The file was not attached: {exc}.", typed=typed
        )
        return _respond(
            request,
            case_id=case_id,
            partial=ATTACHMENTS_PARTIAL,
            outcome=outcome,
            status=REFUSED_STATUS,
        )
    notice = f"Attached {attachment.filename}."
    if attachment.scan == CaseAttachment.Scan.NOT_SCANNED:
        notice += " No virus scanner is configured, so the file was not scanned."
    return _done(
        request,
        case_id=case_id,
        partial=ATTACHMENTS_PARTIAL,
        outcome=Outcomes(section="attachments", notice=notice),
    )


@require_GET
def case_attachment_get(
    request: HttpRequest, case_id: int, attachment_id: int
) -> HttpResponse | FileResponse:
    """Send a stored attachment as a download, recorded as a read of the case."""
    try:
        attachment = audited_read(
            request=request,
            action="case_attachment_get",
            object_type="case",
            object_id=str(case_id),
            read=lambda: CaseAttachment.objects.get(pk=attachment_id, case_id=case_id),
        )
    except CaseAttachment.DoesNotExist:
        return not_found_page(request, object_type="attachment")
    path = attachment_store.attachment_path(sha256=attachment.sha256)
    if not path.is_file():
        logger.error(
            "attachment %s of case %s is missing from %s", attachment.pk, case_id, path.parent
        )
        return not_found_page(request, object_type="attachment")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=attachment_store.download_name(
            filename=attachment.filename, content_type=attachment.content_type
        ),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- proposals, citizenship claims, watching ----------------------------------------------


@require_POST
def case_proposal_decide(request: HttpRequest, case_id: int) -> HttpResponse:
    form = ProposalDecideForm(request.POST)
    typed = {
        "proposal_id": request.POST.get("proposal_id", ""),
        "reason": request.POST.get("reason", ""),
    }
    fail = PostTarget(case_id, "case_proposal_decide", ACTIONS_PARTIAL)
    if not form.is_valid():
        outcome = Outcomes(section="proposals", error=_form_errors(form), typed=typed)
        return _failed(request, fail, outcome=outcome, code="invalid")

    data = form.cleaned_data
    # The proposal id comes from the form body, so it is checked against the URL's case,
    # whose office scope the middleware checked.
    if not CaseProposal.objects.filter(pk=data["proposal_id"], case_id=case_id).exists():
        return not_found_page(request, object_type="proposal")

    accept = data["decision"] == "accept"
    try:
        proposal_decide(
            proposal_id=data["proposal_id"],
            accept=accept,
            actor=request_user(request),
            version=data["version"],
            reason=data["reason"],
            request=request,
        )
    except CaseActionRefused as exc:
        outcome, code = _refused_outcome("proposals", exc, typed)
        return _failed(request, fail, outcome=outcome, code=code)
    except CaseVersionConflict as exc:
        outcome = _conflict_outcome("proposals", exc, typed)
        return _failed(request, fail, outcome=outcome, code="version", status=CONFLICT_STATUS)
    notice = "Proposal accepted." if accept else "Proposal rejected."
    return _done(
        request,
        case_id=case_id,
        partial=ACTIONS_PARTIAL,
        outcome=Outcomes(section="proposals", notice=notice),
    )


@require_POST
def citizenship_claim_add(request: HttpRequest, case_id: int) -> HttpResponse:
    form = CitizenshipClaimForm(request.POST)
    typed = {
        "source": request.POST.get("source", ""),
        "statement": request.POST.get("statement", ""),
    }
    fail = PostTarget(case_id, "citizenship_claim_record", ACTIONS_PARTIAL)
    if not form.is_valid():
        outcome = Outcomes(section="citizenship", error=_form_errors(form), typed=typed)
        return _failed(request, fail, outcome=outcome, code="invalid")

    case = Case.objects.filter(pk=case_id).only("person_id").first()
    if case is None:
        return not_found_page(request, object_type="case")
    try:
        citizenship_claim_record(
            person_id=case.person_id,
            actor=request_user(request),
            source=form.cleaned_data["source"],
            statement=form.cleaned_data["statement"],
            case_id=case_id,
            request=request,
        )
    except CaseActionRefused as exc:
        outcome, code = _refused_outcome("citizenship", exc, typed, "The claim was not recorded.")
        return _failed(request, fail, outcome=outcome, code=code)
    notice = (
        "Claim of citizenship recorded. Enforcement steps are refused until a supervisor "
        "decides it."
    )
    return _done(
        request,
        case_id=case_id,
        partial=ACTIONS_PARTIAL,
        outcome=Outcomes(section="citizenship", notice=notice),
    )


@require_POST
def citizenship_claim_decide_view(request: HttpRequest, case_id: int) -> HttpResponse:
    form = CitizenshipDecideForm(request.POST)
    typed = {
        "claim_id": request.POST.get("claim_id", ""),
        "evidence": request.POST.get("evidence", ""),
        "reason": request.POST.get("reason", ""),
    }
    fail = PostTarget(case_id, "citizenship_claim_decide", ACTIONS_PARTIAL)
    if not form.is_valid():
        outcome = Outcomes(section="citizenship", error=_form_errors(form), typed=typed)
        return _failed(request, fail, outcome=outcome, code="invalid")

    data = form.cleaned_data
    # The claim id comes from the form body, so it must name a claim on this case's person.
    person_id = Case.objects.filter(pk=case_id).values_list("person_id", flat=True).first()
    if person_id is None:
        return not_found_page(request, object_type="case")
    claim_found = citizenship_claims_for(person_id=person_id).filter(pk=data["claim_id"])
    if not claim_found.exists():
        return not_found_page(request, object_type="citizenship claim")

    upheld = data["decision"] == "upheld"
    try:
        citizenship_claim_decide(
            claim_id=data["claim_id"],
            actor=request_user(request),
            upheld=upheld,
            evidence=data["evidence"],
            reason=data["reason"],
            request=request,
        )
    except CaseActionRefused as exc:
        outcome, code = _refused_outcome("citizenship", exc, typed)
        return _failed(request, fail, outcome=outcome, code=code)
    notice = "Claim upheld." if upheld else "Claim decided: not substantiated."
    return _done(
        request,
        case_id=case_id,
        partial=ACTIONS_PARTIAL,
        outcome=Outcomes(section="citizenship", notice=notice),
    )


@require_POST
def case_watch(request: HttpRequest, case_id: int) -> HttpResponse:
    form = WatchForm(request.POST)
    watch = form.is_valid() and bool(form.cleaned_data["watch"])
    if not Case.objects.filter(pk=case_id).exists():
        return not_found_page(request, object_type="case")
    case_watch_set(case_id=case_id, actor=request_user(request), watch=watch)
    # Watching changes no case data, but the response shows the case, so it is a read.
    audit_record(
        request=request,
        action="case_watch",
        object_type="case",
        object_ids=[str(case_id)],
        details={"watch": watch},
    )
    notice = "You now watch this case." if watch else "You no longer watch this case."
    return _done(
        request,
        case_id=case_id,
        partial=ACTIONS_PARTIAL,
        outcome=Outcomes(section="watch", notice=notice),
    )
