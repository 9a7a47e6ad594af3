"""The case workflow's transition table and safeguards, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from immigrationos.workflow.due import due_on, is_overdue
from immigrationos.workflow.transitions import (
    CLOSED,
    OPEN_STATES,
    TRANSITIONS,
    CaseFacts,
    actions_check,
    override_allowed,
    transition_get,
    transition_refusals,
)

OFFICER_FACTS = CaseFacts(
    state="vetting", actor_role="officer", actor_id=7, assignee_id=7, person_status="final_order"
)


def _codes(name: str, facts: CaseFacts) -> list[str]:
    return [refusal.code for refusal in transition_refusals(transition_get(name), facts)]


def test_states_reachable_and_closable() -> None:
    targets = {transition.target for transition in TRANSITIONS}
    assert set(OPEN_STATES) - {"lead"} <= targets
    for state in OPEN_STATES:
        closers = [t for t in TRANSITIONS if t.target == CLOSED and state in t.sources]
        assert {t.closed_reason for t in closers} >= {
            "self_departed",
            "status_obtained",
            "not_removable",
            "identity_error",
            "deprioritised",
        }, state


def test_closing_transitions_carry_a_reason_and_need_one() -> None:
    for transition in TRANSITIONS:
        assert (transition.target == CLOSED) == bool(transition.closed_reason), transition.name
        if transition.target == CLOSED:
            assert transition.reason_required, transition.name


def test_allowed_transition_has_no_refusals() -> None:
    assert _codes("assign_for_action", OFFICER_FACTS) == []


def test_wrong_state_and_role_are_refused() -> None:
    facts = replace(OFFICER_FACTS, state="lead", actor_role="analyst")
    assert _codes("assign_for_action", facts) == ["role", "state"]


def test_enforcement_needs_someone_working_the_case() -> None:
    facts = replace(OFFICER_FACTS, assignee_id=None)
    assert _codes("assign_for_action", facts) == ["no_assignee"]
    # A non-enforcement step does not.
    assert _codes("close_identity_error", facts) == []


@pytest.mark.parametrize(
    ("change", "code", "overridable"),
    [
        ({"person_protected": True, "protection": "asylum_pending"}, "protected", True),
        ({"person_protected": True, "protection": "citizen"}, "protected", False),
        (
            {"person_protected": True, "protection": "lawful_permanent_resident"},
            "protected",
            False,
        ),
        ({"open_citizenship_claims": 1}, "citizenship_claim_open", False),
        ({"upheld_citizenship_claims": 1}, "citizenship_upheld", False),
        ({"identity_in_review": True}, "identity_in_review", True),
        ({"min_link_probability": 0.93}, "weak_link", True),
        ({"person_merged_into": "P-2"}, "person_merged", False),
        (
            {"departure_reported": "unverified", "departure_date": "2026-12-01"},
            "departure_reported",
            True,
        ),
        ({"departure_reported": "verified"}, "departure_reported", True),
    ],
)
def test_each_safeguard_refuses_every_enforcement_transition(
    change: dict[str, object], code: str, overridable: bool
) -> None:
    facts = replace(OFFICER_FACTS, **change)  # type: ignore[arg-type]
    for name in ("assign_for_action", "record_action", "removal_pending"):
        transition = transition_get(name)
        refusals = transition_refusals(transition, replace(facts, state=transition.sources[0]))
        assert [(r.code, r.overridable) for r in refusals] == [(code, overridable)], name
    # Closing is never blocked by a safeguard: a protected person's case must be closable.
    assert _codes("close_not_removable", facts) == []


@pytest.mark.parametrize(
    ("status", "flags", "code", "overridable"),
    [
        ("removal_proceedings", ("appeal_pending",), "order_not_final", False),
        ("removal_proceedings", ("appeal_period_open",), "order_not_final", False),
        ("overstay", (), "no_final_order", True),
        ("", (), "no_final_order", True),
    ],
)
def test_removal_pending_needs_a_final_order(
    status: str, flags: tuple[str, ...], code: str, overridable: bool
) -> None:
    facts = replace(
        OFFICER_FACTS, state="actioned", person_status=status, person_status_flags=flags
    )
    refusals = transition_refusals(transition_get("removal_pending"), facts)
    assert [(r.code, r.overridable) for r in refusals] == [(code, overridable)]
    # Recording the action itself does not need one.
    assert _codes("record_action", replace(facts, state="assigned")) == []


def test_link_at_the_threshold_is_not_weak() -> None:
    facts = replace(OFFICER_FACTS, min_link_probability=0.99, link_threshold=0.99)
    assert _codes("assign_for_action", facts) == []


def test_actions_check_lists_reasons() -> None:
    facts = replace(OFFICER_FACTS, identity_in_review=True)
    checks = {check.transition.name: check for check in actions_check(facts)}
    assert set(checks) == {
        "return_to_lead",
        "assign_for_action",
        "close_self_departed",
        "close_status_obtained",
        "close_not_removable",
        "close_identity_error",
        "close_deprioritised",
    }
    assert not checks["assign_for_action"].allowed
    assert checks["assign_for_action"].overridable
    assert checks["close_identity_error"].allowed
    # Deprioritising is a supervisor's call.
    assert [r.code for r in checks["close_deprioritised"].refusals] == ["role"]


def test_override_rules() -> None:
    refusals = transition_refusals(
        transition_get("assign_for_action"), replace(OFFICER_FACTS, identity_in_review=True)
    )
    good = "Identity confirmed by fingerprint match on 2026-12-01."
    officer = override_allowed(refusals, actor_role="officer", justification=good)
    assert officer is not None and officer.code == "override_role"
    short = override_allowed(refusals, actor_role="supervisor", justification="ok")
    assert short is not None and short.code == "justification"
    assert override_allowed(refusals, actor_role="supervisor", justification=good) is None

    claim = transition_refusals(
        transition_get("assign_for_action"), replace(OFFICER_FACTS, open_citizenship_claims=1)
    )
    fixed = override_allowed(claim, actor_role="supervisor", justification=good)
    assert fixed is not None and fixed.code == "override_not_allowed"
    assert "citizenship" in fixed.message


def test_unknown_transition_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="start_vetting"):
        transition_get("arrest")


def test_due_dates_count_working_days_and_skip_holidays() -> None:
    days = {"vetting": 10}
    # Friday 18 December 2026: two weekends, Christmas and New Year's Day are skipped.
    assert due_on(state="vetting", entered=date(2026, 12, 18), working_days=days) == date(
        2027, 1, 5
    )
    assert due_on(state="in_proceedings", entered=date(2026, 12, 18), working_days=days) is None
    assert not is_overdue(due=date(2027, 1, 5), today=date(2027, 1, 5))
    assert is_overdue(due=date(2027, 1, 5), today=date(2027, 1, 6))
    assert not is_overdue(due=None, today=date(2030, 1, 1))
