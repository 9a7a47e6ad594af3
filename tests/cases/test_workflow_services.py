"""The case workflow services: transitions, safeguards, overrides, claims of citizenship,
proposals, concurrency, assignment, notes and escalation, on the real database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from immigrationos.audit.models import AuditEvent
from immigrationos.cases import workflow
from immigrationos.cases.cases_open import status_proposals_raise
from immigrationos.cases.conf import case_due_working_days
from immigrationos.cases.errors import (
    CaseActionRefused,
    CaseVersionConflict,
    ConfigurationError,
)
from immigrationos.cases.models import (
    Case,
    CaseEvent,
    CaseNote,
    CaseProposal,
    CitizenshipClaim,
    GuardOverride,
    Notification,
    Office,
    Person,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
JUSTIFICATION = "Identity confirmed by a fingerprint match at the 2026-12-01 encounter."


@dataclass
class World:
    case: Case
    officer: Any
    officer2: Any
    supervisor: Any
    supervisor2: Any
    analyst: Any


def _user(username: str, role: str, office: str | None = "NYC") -> Any:
    from django.contrib.auth import get_user_model

    from immigrationos.access.roles import user_role_assign

    user = get_user_model().objects.create_user(username=username, password="x")
    user_role_assign(user=user, role=role, office_code=office)
    return user


@pytest.fixture
def world(db: None) -> World:
    office = Office.objects.create(code="NYC", name="New York City")
    person = Person.objects.create(
        person_id="P-1",
        given_name="Nora",
        family_name="Testperson",
        status="overstay",
        status_since=date(2026, 3, 1),
        min_link_probability=0.999,
    )
    case = Case.objects.create(
        person=person, office=office, tier=1, opened_at=NOW, updated_at=NOW, state_entered_at=NOW
    )
    return World(
        case=case,
        officer=_user("officer1", "officer"),
        officer2=_user("officer2", "officer"),
        supervisor=_user("super1", "supervisor"),
        supervisor2=_user("super2", "supervisor"),
        analyst=_user("analyst1", "analyst", None),
    )


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _move(world: World, name: str, *, actor: Any = None, reason: str = "checked") -> Case:
    case = _fresh(world.case)
    result = workflow.case_transition(
        case_id=case.pk,
        name=name,
        actor=actor or world.officer,
        version=case.version,
        reason=reason,
        now=NOW,
    )
    return result.case


def _claimed(world: World) -> Case:
    case = _fresh(world.case)
    return workflow.case_claim(case_id=case.pk, actor=world.officer, version=case.version)


def test_transition_records_actor_time_states_reason_and_audit(world: World) -> None:
    _claimed(world)
    _move(world, "start_vetting")
    case = _move(world, "assign_for_action", reason="ready to act: address verified")

    assert case.state == "assigned"
    stored = _fresh(case)
    assert (stored.state, stored.version) == ("assigned", 4)
    # Due 20 working days after Monday 7 December 2026, skipping weekends, Christmas Day
    # and New Year's Day.
    assert stored.due_on == date(2027, 1, 6)
    event = CaseEvent.objects.filter(case=case, kind="transition").latest("id")
    assert (event.actor, event.at, event.from_state, event.to_state, event.reason) == (
        world.officer,
        NOW,
        "vetting",
        "assigned",
        "ready to act: address verified",
    )
    audit = AuditEvent.objects.filter(action="case_transition").order_by("seq").last()
    assert audit is not None
    assert audit.object_ids == [str(case.pk)]
    assert audit.details["transition"] == "assign_for_action"
    assert audit.username == "officer1"


def test_due_date_follows_the_state_setting(world: World, monkeypatch: Any) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_CASE_DUE_WORKING_DAYS", "vetting=3")
    case = _move(world, "start_vetting")
    # Three working days after Monday 7 December 2026.
    assert _fresh(case).due_on == date(2026, 12, 10)


def test_transition_without_reason_rejected(world: World) -> None:
    case = _fresh(world.case)
    with pytest.raises(CaseActionRefused) as refused:
        workflow.case_transition(
            case_id=case.pk, name="close_identity_error", actor=world.officer, version=1
        )
    assert [r.code for r in refused.value.refusals] == ["reason"]
    assert _fresh(case).state == "lead"
    assert not CaseEvent.objects.filter(case=case).exists()


def test_stale_version_gets_conflict(world: World) -> None:
    seen = _fresh(world.case).version
    workflow.case_transition(
        case_id=world.case.pk, name="start_vetting", actor=world.officer, version=seen
    )
    with pytest.raises(CaseVersionConflict) as conflict:
        workflow.case_transition(
            case_id=world.case.pk,
            name="close_identity_error",
            actor=world.officer2,
            version=seen,
            reason="wrong person",
        )
    assert conflict.value.current.state == "vetting"
    assert conflict.value.current.version == seen + 1
    assert "changed since you opened it" in str(conflict.value)
    assert _fresh(world.case).state == "vetting"
    assert CaseEvent.objects.filter(case=world.case).count() == 1


@pytest.mark.parametrize(
    ("person_change", "code"),
    [
        ({"identity_in_review": True}, "identity_in_review"),
        ({"min_link_probability": 0.95}, "weak_link"),
        ({"protected": True, "protection": "asylum_pending"}, "protected"),
    ],
)
def test_safeguard_refuses_then_a_supervisor_overrides_with_justification(
    world: World, person_change: dict[str, Any], code: str
) -> None:
    _claimed(world)
    _move(world, "start_vetting")
    Person.objects.filter(pk="P-1").update(**person_change)
    case = _fresh(world.case)
    with pytest.raises(CaseActionRefused) as refused:
        workflow.case_transition(
            case_id=case.pk,
            name="assign_for_action",
            actor=world.officer,
            version=case.version,
            reason="go",
        )
    assert [r.code for r in refused.value.refusals] == [code]

    # An officer's justification is not an override.
    with pytest.raises(CaseActionRefused) as officer_override:
        workflow.case_transition(
            case_id=case.pk,
            name="assign_for_action",
            actor=world.officer,
            version=case.version,
            reason="go",
            justification=JUSTIFICATION,
        )
    assert [r.code for r in officer_override.value.refusals] == ["override_role"]
    assert not GuardOverride.objects.exists()

    result = workflow.case_transition(
        case_id=case.pk,
        name="assign_for_action",
        actor=world.supervisor,
        version=case.version,
        reason="go",
        justification=JUSTIFICATION,
    )
    assert result.case.state == "assigned"
    override = GuardOverride.objects.get()
    assert override == result.override
    assert (override.transition, override.justification, override.overridden_by) == (
        "assign_for_action",
        JUSTIFICATION,
        world.supervisor,
    )
    assert [guard["code"] for guard in override.guards] == [code]
    assert result.event.data["overridden"] == [code]
    # Listed for review: the office's other supervisor is notified, not the author.
    told = Notification.objects.filter(kind="override").values_list("user__username", flat=True)
    assert list(told) == ["super2"]


def test_override_review_is_for_another_supervisor(world: World) -> None:
    _claimed(world)
    _move(world, "start_vetting")
    Person.objects.filter(pk="P-1").update(identity_in_review=True)
    case = _fresh(world.case)
    result = workflow.case_transition(
        case_id=case.pk,
        name="assign_for_action",
        actor=world.supervisor,
        version=case.version,
        reason="go",
        justification=JUSTIFICATION,
    )
    assert result.override is not None
    with pytest.raises(CaseActionRefused, match="their own override"):
        workflow.override_review(
            override_id=result.override.pk, actor=world.supervisor, note="fine"
        )
    reviewed = workflow.override_review(
        override_id=result.override.pk, actor=world.supervisor2, note="fingerprints on file"
    )
    assert reviewed.reviewed_by == world.supervisor2


def test_citizenship_claim_blocks_enforcement_until_a_supervisor_decides(world: World) -> None:
    _claimed(world)
    _move(world, "start_vetting")
    claim = workflow.citizenship_claim_record(
        person_id="P-1",
        case_id=world.case.pk,
        actor=world.analyst,
        source="the person, by phone to the field office",
        statement="Born in El Paso, Texas, in 1990.",
        now=NOW,
    )
    case = _fresh(world.case)
    # The claim bumped the case's version, so an edit begun before it cannot slip through.
    assert case.version == 4
    assert Notification.objects.filter(kind="citizenship", user=world.supervisor).exists()
    with pytest.raises(CaseActionRefused) as refused:
        workflow.case_transition(
            case_id=case.pk,
            name="assign_for_action",
            actor=world.supervisor,
            version=case.version,
            reason="go",
            justification=JUSTIFICATION,
        )
    assert [r.code for r in refused.value.refusals] == ["citizenship_claim_open"]

    with pytest.raises(CaseActionRefused, match="only a supervisor"):
        workflow.citizenship_claim_decide(
            claim_id=claim.pk, actor=world.officer, upheld=False, evidence="x", reason="x"
        )
    with pytest.raises(CaseActionRefused, match="evidence"):
        workflow.citizenship_claim_decide(
            claim_id=claim.pk, actor=world.supervisor, upheld=False, evidence="", reason="x"
        )
    workflow.citizenship_claim_decide(
        claim_id=claim.pk,
        actor=world.supervisor,
        upheld=False,
        evidence="Texas birth index has no record; passport MEX issued at birth.",
        reason="No evidence of birth in the US or of a citizen parent.",
    )
    case = _fresh(world.case)
    result = workflow.case_transition(
        case_id=case.pk,
        name="assign_for_action",
        actor=world.officer,
        version=case.version,
        reason="go",
    )
    assert result.case.state == "assigned"


def test_upheld_claim_blocks_for_good_and_proposes_closing(world: World) -> None:
    _claimed(world)
    _move(world, "start_vetting")
    claim = workflow.citizenship_claim_record(
        person_id="P-1", actor=world.officer, source="counsel", statement="N-600 approved"
    )
    workflow.citizenship_claim_decide(
        claim_id=claim.pk,
        actor=world.supervisor,
        upheld=True,
        evidence="Certificate of citizenship seen",
        reason="Derived citizenship through a parent",
    )
    case = _fresh(world.case)
    with pytest.raises(CaseActionRefused) as refused:
        workflow.case_transition(
            case_id=case.pk,
            name="assign_for_action",
            actor=world.supervisor,
            version=case.version,
            reason="go",
            justification=JUSTIFICATION,
        )
    # The person is now protected as a citizen as well.
    assert [r.code for r in refused.value.refusals] == ["protected", "citizenship_upheld"]
    proposal = CaseProposal.objects.get(case=case)
    assert (proposal.kind, proposal.status) == ("close_not_removable", "pending")


def test_merged_person_claim_still_blocks(world: World) -> None:
    Person.objects.create(person_id="P-OLD", merged_into="P-1")
    workflow.citizenship_claim_record(
        person_id="P-OLD", actor=world.officer, source="the person", statement="born in Ohio"
    )
    facts = workflow.case_facts_get(case=_fresh(world.case), actor=world.officer)
    assert facts.open_citizenship_claims == 1


def test_departure_proposal_waits_for_officer(
    world: World,
) -> None:
    Person.objects.filter(pk="P-1").update(
        status="departed", status_since=date(2026, 11, 30), status_rule_id="departure_recorded"
    )
    assert status_proposals_raise(person_ids={"P-1"}, now=NOW) == 1
    # A rerun of the pipeline raises nothing new.
    assert status_proposals_raise(person_ids={"P-1"}, now=NOW) == 0
    case = _fresh(world.case)
    assert case.state == "lead"  # never applied silently
    proposal = CaseProposal.objects.get(case=case)
    assert (proposal.kind, proposal.closed_reason, proposal.evidence["rule_id"]) == (
        "close_self_departed",
        "self_departed",
        "departure_recorded",
    )
    # No officer works the case, so the office's supervisors are notified.
    told = set(
        Notification.objects.filter(kind="proposal").values_list("user__username", flat=True)
    )
    assert told == {"super1", "super2"}

    workflow.proposal_decide(
        proposal_id=proposal.pk,
        accept=False,
        actor=world.officer,
        version=case.version,
        reason="the departure record belongs to a namesake",
    )
    assert CaseProposal.objects.get(pk=proposal.pk).status == "rejected"
    # The rejection stays in force while the status period is the same.
    assert status_proposals_raise(person_ids={"P-1"}, now=NOW) == 0
    # A later departure is a new status period and is proposed again; accepting closes.
    Person.objects.filter(pk="P-1").update(status_since=date(2026, 12, 5))
    assert status_proposals_raise(person_ids={"P-1"}, now=NOW) == 1
    second = CaseProposal.objects.get(case=case, status="pending")
    case = _fresh(world.case)
    workflow.proposal_decide(
        proposal_id=second.pk,
        accept=True,
        actor=world.officer,
        version=case.version,
        reason="manifest and boarding confirmation match",
    )
    case = _fresh(world.case)
    assert (case.state, case.closed_reason) == ("closed", "self_departed")
    assert case.closed_at is not None


def test_claim_release_and_assign_rules(world: World) -> None:
    case = _claimed(world)
    assert case.assignee == world.officer
    with pytest.raises(CaseActionRefused, match="already worked by officer1"):
        workflow.case_claim(case_id=case.pk, actor=world.officer2, version=case.version)
    with pytest.raises(CaseActionRefused, match="only the officer working the case"):
        workflow.case_release(case_id=case.pk, actor=world.officer2, version=case.version)
    with pytest.raises(CaseActionRefused, match="only a supervisor"):
        workflow.case_assign(
            case_id=case.pk, assignee=world.officer2, actor=world.officer, version=case.version
        )
    outsider = _user("la-officer", "officer", "LOS")
    with pytest.raises(CaseActionRefused, match="not an officer or supervisor of office NYC"):
        workflow.case_assign(
            case_id=case.pk, assignee=outsider, actor=world.supervisor, version=case.version
        )
    with pytest.raises(CaseActionRefused, match="belongs to office NYC"):
        workflow.case_claim(case_id=case.pk, actor=outsider, version=case.version)
    case = workflow.case_assign(
        case_id=case.pk, assignee=world.officer2, actor=world.supervisor, version=case.version
    )
    assert _fresh(case).assignee == world.officer2
    assigned = Notification.objects.get(kind="assigned")
    assert (assigned.user, assigned.case_id) == (world.officer2, case.pk)
    case = workflow.case_release(case_id=case.pk, actor=world.officer2, version=case.version)
    assert _fresh(case).assignee is None


def test_notes_are_append_only_in_the_database(world: World) -> None:
    note = workflow.case_note_add(
        case_id=world.case.pk, actor=world.officer, text="  Called the sponsor.  ", now=NOW
    )
    assert (note.text, note.author, note.at) == ("Called the sponsor.", world.officer, NOW)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseNote.objects.filter(pk=note.pk).update(text="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseNote.objects.filter(pk=note.pk).delete()
    assert CaseNote.objects.get(pk=note.pk).text == "Called the sponsor."
    with pytest.raises(CaseActionRefused, match="empty"):
        workflow.case_note_add(case_id=world.case.pk, actor=world.officer, text="   ")


def test_watchers_hear_of_changes_made_by_others(world: World) -> None:
    workflow.case_watch_set(case_id=world.case.pk, actor=world.officer2, watch=True)
    _move(world, "start_vetting")
    watched = Notification.objects.filter(kind="watched")
    assert [n.user for n in watched] == [world.officer2]
    assert workflow.notifications_unread_count(user=world.officer2) == 1
    assert workflow.notifications_mark_read(user=world.officer2) == 1
    assert workflow.notifications_unread_count(user=world.officer2) == 0


def test_overdue_case_escalated_once(world: World) -> None:
    _claimed(world)
    Case.objects.filter(pk=world.case.pk).update(due_on=date(2026, 12, 1))
    assert workflow.cases_escalate(today=date(2026, 12, 7), now=NOW) == 1
    assert workflow.cases_escalate(today=date(2026, 12, 8), now=NOW) == 0
    told = set(Notification.objects.filter(kind="overdue").values_list("user__username", flat=True))
    assert told == {"super1", "super2", "officer1"}
    assert CaseEvent.objects.filter(case=world.case, kind="escalation").count() == 1
    # A change of state clears the escalation, so the next state is escalated again.
    case = _move(world, "start_vetting")
    assert _fresh(case).escalated_at is None


def test_due_setting_errors_name_the_pair(monkeypatch: Any) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_CASE_DUE_WORKING_DAYS", "vetting=10,asigned=5")
    with pytest.raises(ConfigurationError, match="unknown state 'asigned'"):
        case_due_working_days()
    monkeypatch.setenv("IMMIGRATIONOS_CASE_DUE_WORKING_DAYS", "vetting=-1")
    with pytest.raises(ConfigurationError, match="'vetting=-1'"):
        case_due_working_days()
    monkeypatch.setenv("IMMIGRATIONOS_CASE_DUE_WORKING_DAYS", "vetting=12, lead=none")
    days = case_due_working_days()
    assert days["vetting"] == 12
    assert "lead" not in days


def test_closed_case_reopens_only_by_a_supervisor(world: World) -> None:
    _move(world, "close_identity_error", reason="records of two persons")
    with pytest.raises(CaseActionRefused) as refused:
        _move(world, "reopen", reason="the split fixed it")
    assert [r.code for r in refused.value.refusals] == ["role"]
    case = _move(world, "reopen", actor=world.supervisor, reason="the split fixed it")
    stored = _fresh(case)
    assert (stored.state, stored.closed_reason, stored.closed_at) == ("vetting", "", None)
    assert CitizenshipClaim.objects.count() == 0


def test_merge_carries_protection_to_case(world: World) -> None:
    from immigrationos.cases.merges import person_merge
    from immigrationos.cases.models import ReviewDecision, SourceRecord

    _claimed(world)
    _move(world, "start_vetting")
    citizen = Person.objects.create(
        person_id="P-0CIT", protected=True, protection="citizen", min_link_probability=1.0
    )
    for person, uid in ((citizen, "benefits:N1"), (world.case.person, "arrivals:A1")):
        SourceRecord.objects.create(record_uid=uid, person=person, source=uid.split(":")[0])
    SourceRecord.objects.create(record_uid="arrivals:A2", person=world.case.person, source="x")
    decision = ReviewDecision.objects.create(
        record_uids=["benefits:N1", "arrivals:A1"],
        decision="accept",
        reason="same person",
        decided_by=world.supervisor,
        decided_at=NOW,
    )
    change = person_merge(
        person_ids=("P-1", "P-0CIT"), decision=decision, user=world.supervisor, reason="same"
    )
    assert change.person_ids_after == ["P-1"]
    case = _fresh(world.case)
    with pytest.raises(CaseActionRefused) as refused:
        workflow.case_transition(
            case_id=case.pk,
            name="assign_for_action",
            actor=world.supervisor,
            version=case.version,
            reason="go",
            justification=JUSTIFICATION,
        )
    codes = [r.code for r in refused.value.refusals]
    # The citizen's protection moved to the merged person. The merge also makes the status
    # out of date until the next run. Neither refusal may be overridden.
    assert codes == ["protected", "identity_changed"]


def test_claim_decision_needs_evidence_and_another_supervisor(world: World) -> None:
    claim = workflow.citizenship_claim_record(
        person_id="P-1", actor=world.supervisor, source="counsel", statement="born in Ohio"
    )
    with pytest.raises(CaseActionRefused, match="at least 20 characters"):
        workflow.citizenship_claim_decide(
            claim_id=claim.pk, actor=world.supervisor2, upheld=False, evidence=".", reason="."
        )
    with pytest.raises(CaseActionRefused, match="they recorded themselves"):
        workflow.citizenship_claim_decide(
            claim_id=claim.pk,
            actor=world.supervisor,
            upheld=False,
            evidence="Ohio birth index searched: no record under any spelling",
            reason="No evidence of birth in the US",
        )
    decided = workflow.citizenship_claim_decide(
        claim_id=claim.pk,
        actor=world.supervisor2,
        upheld=False,
        evidence="Ohio birth index searched: no record under any spelling",
        reason="No evidence of birth in the US",
    )
    assert decided.status == "not_substantiated"


def test_justification_spaces_do_not_count(world: World) -> None:
    _claimed(world)
    _move(world, "start_vetting")
    Person.objects.filter(pk="P-1").update(identity_in_review=True)
    case = _fresh(world.case)
    with pytest.raises(CaseActionRefused, match="not counting spaces"):
        workflow.case_transition(
            case_id=case.pk,
            name="assign_for_action",
            actor=world.supervisor,
            version=case.version,
            reason="go",
            justification="a" + " " * 18 + "b",
        )
    assert not GuardOverride.objects.exists()


def test_upheld_claim_protects_person(world: World) -> None:
    _claimed(world)
    claim = workflow.citizenship_claim_record(
        person_id="P-1", actor=world.analyst, source="the person", statement="born in Ohio"
    )
    assert Notification.objects.filter(kind="citizenship", read_at__isnull=True).count() == 2
    workflow.citizenship_claim_decide(
        claim_id=claim.pk,
        actor=world.supervisor,
        upheld=True,
        evidence="Ohio birth certificate verified with the state registrar",
        reason="Born in the United States",
    )
    person = Person.objects.get(pk="P-1")
    assert (person.protected, person.protection, person.tier) == (True, "citizen", None)
    # The supervisors' "to decide" messages are read; the officer hears of the decision.
    unread = Notification.objects.filter(kind="citizenship", read_at__isnull=True)
    assert [(n.user.username, "decided" in n.text) for n in unread] == [("officer1", True)]
