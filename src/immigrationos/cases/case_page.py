"""The read behind the case page: the case, its person, history, notes, attachments,
proposals, citizenship claims, and the actions the user may take now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from immigrationos.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    CaseProposal,
    CaseWatch,
    CitizenshipClaim,
    GuardOverride,
    SourceRecord,
)
from immigrationos.cases.selectors import PersonDetail, person_detail_get
from immigrationos.cases.workflow import case_actions_get, citizenship_claims_for
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.workflow.due import is_overdue
from immigrationos.workflow.transitions import TRANSITIONS_BY_NAME, ActionCheck


@dataclass(frozen=True)
class HistoryRow:
    """One case event as shown, with the override a supervisor made in it, if any."""

    event: CaseEvent
    override: GuardOverride | None


@dataclass(frozen=True)
class ProposalRow:
    """A pending proposal and the label of the transition it proposes."""

    proposal: CaseProposal
    label: str


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows."""

    case: Case
    person: PersonDetail
    history: list[HistoryRow]
    notes: list[CaseNote]
    attachments: list[CaseAttachment]
    proposals_pending: list[ProposalRow]
    claims: list[CitizenshipClaim]
    actions: list[ActionCheck]
    watching: bool
    overdue: bool
    link_threshold: float
    # The linked record joined by the lowest match probability, and whether that link is
    # below the automatic threshold (the identity then rests on a doubtful link). None when
    # the links all have the same probability and none is below the threshold.
    weakest_record: SourceRecord | None
    weakest_below_threshold: bool


def case_page_get(
    *, case_id: int, actor: User | AnonymousUser, today: date | None = None
) -> CasePage:
    """Return the case page of ``case_id`` with the actions and watch state of ``actor``.

    Raises Case.DoesNotExist.
    """
    case = Case.objects.select_related("person", "office", "assignee").get(pk=case_id)
    person = person_detail_get(person_id=case.person_id)
    threshold = LinkageSettings.from_env().link_threshold

    events = list(case.events.select_related("actor").order_by("at", "id"))
    overrides = {
        override.event_id: override
        for override in GuardOverride.objects.filter(case=case).select_related("overridden_by")
    }
    scored = [record for record in person.records if record.match_probability is not None]
    weakest = min(scored, key=lambda record: record.match_probability or 0.0, default=None)
    weakest_below = weakest is not None and (weakest.match_probability or 0.0) < threshold
    # When every link has the same probability and none is below the threshold, no link is
    # weaker than the others, so none is marked.
    if not weakest_below and len({record.match_probability for record in scored}) <= 1:
        weakest = None
    today = today if today is not None else timezone.localdate()
    return CasePage(
        case=case,
        person=person,
        history=[HistoryRow(event=event, override=overrides.get(event.pk)) for event in events],
        notes=list(case.notes.select_related("author").order_by("at", "id")),
        attachments=list(case.attachments.select_related("uploaded_by").order_by("uploaded_at")),
        proposals_pending=[
            ProposalRow(proposal=proposal, label=_transition_label(proposal.kind))
            for proposal in case.proposals.filter(status=CaseProposal.Status.PENDING).order_by(
                "created_at", "id"
            )
        ],
        claims=list(
            # The same claims the safeguards count, including those on merged persons.
            citizenship_claims_for(person_id=case.person_id)
            .select_related("recorded_by", "decided_by")
            .order_by("-recorded_at", "-id")
        ),
        actions=case_actions_get(case=case, actor=actor),
        watching=actor.is_authenticated
        and CaseWatch.objects.filter(case=case, user_id=actor.pk).exists(),
        overdue=case.state != "closed" and is_overdue(due=case.due_on, today=today),
        link_threshold=threshold,
        weakest_record=weakest,
        weakest_below_threshold=weakest_below,
    )


def _transition_label(name: str) -> str:
    transition = TRANSITIONS_BY_NAME.get(name)
    return transition.label if transition is not None else name
