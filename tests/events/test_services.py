"""Applying events: matching, status, case proposals, idempotency, rejections and order."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from events.world import AMARA, JORG, RENEE, TOMAS, event, world_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None, tmp_path: Path) -> None:
    world_load(tmp_path)


def _receive(*items: Any) -> list[Any]:
    from immigrationos.events.services import events_receive

    return events_receive(items=list(items), channel="api", username="feed")


def _pending(person_id: str) -> list[Any]:
    from immigrationos.cases.models import CaseProposal

    return list(
        CaseProposal.objects.filter(case__person_id=person_id, status="pending").order_by("id")
    )


def test_boarding_confirmation_attaches_and_proposes_closing(world: None) -> None:
    from immigrationos.audit.models import AuditEvent
    from immigrationos.cases.models import Person, SourceRecord
    from immigrationos.events.models import IncomingEvent

    [result] = _receive(event("EV-1", RENEE))

    assert (result.result, result.outcome, result.person_id) == ("applied", "matched", "P1")
    assert result.verification == "verified"
    record = SourceRecord.objects.get(record_uid="departures:event:EV-1")
    assert record.person_id == "P1"
    assert record.link_rule.startswith("realtime:")
    person = Person.objects.get(person_id="P1")
    assert person.status == "departed"
    assert "departures:event:EV-1" in person.status_evidence
    [proposal] = _pending("P1")
    assert proposal.kind == "close_self_departed"
    assert proposal.evidence["verification"] == "verified"
    assert proposal.origin == "event:EV-1"
    stored = IncomingEvent.objects.get(event_id="EV-1")
    assert stored.status_before == "potential_overstay_unconfirmed"
    assert stored.status_after == "departed"
    assert stored.case_id == proposal.case_id
    assert str(stored.local_date) == "2026-12-03"
    assert AuditEvent.objects.filter(action="event_apply", object_ids=["P1"]).count() == 1


def test_port_local_date_is_kept_for_a_late_evening_departure(world: None) -> None:
    from immigrationos.events.models import IncomingEvent

    # 23:30 in New York is already the next day in UTC.
    _receive(event("EV-LATE", RENEE, timestamp="2026-12-03T23:30:00-05:00"))
    assert str(IncomingEvent.objects.get(event_id="EV-LATE").local_date) == "2026-12-03"


def test_manifest_then_boarding_strengthens_one_proposal(world: None) -> None:
    [first] = _receive(event("EV-M", RENEE, evidence_kind="carrier_manifest"))
    assert first.verification == "unverified"
    [proposal] = _pending("P1")
    assert "not verified" in proposal.reason

    _receive(event("EV-B", RENEE, evidence_kind="boarding_confirmation"))
    [proposal] = _pending("P1")
    assert proposal.evidence["verification"] == "verified"
    assert proposal.evidence["event_id"] == "EV-B"


def test_redelivered_event_changes_nothing(world: None) -> None:
    from immigrationos.audit.models import AuditEvent
    from immigrationos.cases.models import CaseEvent, CaseProposal, SourceRecord
    from immigrationos.events.models import IncomingEvent

    body = event("EV-DUP", JORG)
    [first] = _receive(body)

    def counts() -> tuple[int, ...]:
        return (
            IncomingEvent.objects.count(),
            SourceRecord.objects.count(),
            CaseProposal.objects.count(),
            CaseEvent.objects.count(),
            AuditEvent.objects.filter(action="event_apply").count(),
        )

    before = counts()
    [again] = _receive(dict(body))
    assert again.result == "duplicate"
    assert (again.outcome, again.person_id, again.case_id) == (
        first.outcome,
        first.person_id,
        first.case_id,
    )
    assert counts() == before


def test_reused_event_id_with_other_content_is_rejected(world: None) -> None:
    from immigrationos.events.models import IncomingEvent

    _receive(event("EV-R", RENEE))
    [result] = _receive(event("EV-R", RENEE, port="EWR"))
    assert result.result == "rejected"
    assert result.errors[0]["field"] == "event_id"
    assert IncomingEvent.objects.get(event_id="EV-R").port == "JFK"


def test_malformed_events_are_rejected_one_by_one_and_kept(world: None) -> None:
    from immigrationos.events.models import IncomingEvent, RejectedEvent

    no_id = event("x", RENEE)
    del no_id["event_id"]
    bad_time = event("EV-T", RENEE, timestamp="yesterday")
    results = _receive(no_id, bad_time, "not an event", event("EV-OK", TOMAS))

    assert [r.result for r in results] == ["rejected", "rejected", "rejected", "applied"]
    assert results[0].errors[0]["field"] == "event_id"
    assert results[1].errors[0]["field"] == "timestamp"
    assert "event 1" in results[1].message and "EV-T" in results[1].message
    assert IncomingEvent.objects.filter(event_id="EV-OK").exists()
    kept = RejectedEvent.objects.order_by("id")
    assert kept.count() == 3
    assert kept[1].event_id == "EV-T"
    assert kept[1].errors[0]["field"] == "timestamp"
    assert "yesterday" in kept[1].payload


def test_unknown_traveller_becomes_a_new_person_that_later_events_match(world: None) -> None:
    from immigrationos.cases.models import Person

    stranger = {"given": "Ilse", "family": "Vandermeer", "dob": RENEE["dob"].replace(year=1961),
                "passport": "NX9911223", "nationality": "NLD"}  # fmt: skip
    [first] = _receive(
        event("EV-S1", stranger, kind="arrival", timestamp="2026-11-20T08:00:00-05:00")
    )
    assert first.outcome == "unmatched"
    person = Person.objects.get(person_id=first.person_id)
    assert person.family_name == "Vandermeer"
    assert person.status

    [second] = _receive(event("EV-S2", stranger))
    assert (second.outcome, second.person_id) == ("matched", first.person_id)


def test_doubtful_match_goes_to_review_with_candidates(world: None) -> None:
    from immigrationos.cases.models import Person, ReviewItem

    # No passport, and a DOB that agrees only with day and month transposed.
    body = event("EV-Q", RENEE, dob="1979-03-06")
    del body["passport_no"], body["passport_country"]
    [result] = _receive(body)
    assert result.outcome == "review"
    person = Person.objects.get(person_id=result.person_id)
    assert person.identity_in_review
    items = ReviewItem.objects.filter(review_id__startswith="event:EV-Q:")
    assert items.count() >= 1
    assert items[0].record_uids[0] == "departures:event:EV-Q"
    assert "P1" in items[0].person_ids
    assert _pending("P1") == []


def test_verified_departure_under_final_order_is_self_removal(world: None) -> None:
    from immigrationos.cases.models import Person

    [result] = _receive(event("EV-SR", JORG, port="MIA"))
    assert result.verification == "verified"
    person = Person.objects.get(person_id="P2")
    assert person.status_rule_id == "self_removal"
    [proposal] = _pending("P2")
    assert proposal.kind == "close_removed"
    assert "INA 101(g)" in proposal.reason


def test_enforcement_is_refused_while_a_departure_waits(world: None) -> None:
    from immigrationos.cases.models import Case
    from immigrationos.cases.workflow import case_facts_get
    from immigrationos.workflow.transitions import safeguard_refusals

    _receive(event("EV-W", JORG, evidence_kind="carrier_manifest", port="MIA"))
    case = Case.objects.get(person_id="P2")
    codes = [refusal.code for refusal in safeguard_refusals(case_facts_get(case=case, actor=None))]
    assert "departure_reported" in codes


def test_reentry_withdraws_the_departure_proposal(world: None) -> None:
    from immigrationos.cases.models import CaseProposal

    _receive(event("EV-D", RENEE, timestamp="2026-12-01T10:00:00-05:00"))
    assert len(_pending("P1")) == 1
    [arrival] = _receive(
        event("EV-A", RENEE, kind="arrival", timestamp="2026-12-03T09:00:00-05:00")
    )
    assert arrival.outcome == "matched"
    assert _pending("P1") == []
    assert CaseProposal.objects.filter(case__person_id="P1", status="superseded").count() == 1


def test_reentry_after_self_departure_asks_to_reopen_the_closed_case(world: None) -> None:
    from immigrationos.cases.models import Case

    _receive(event("EV-AD", AMARA, port="ATL", timestamp="2026-01-20T12:00:00-05:00"))
    [arrival] = _receive(
        event("EV-AA", AMARA, kind="arrival", port="ATL", timestamp="2026-12-02T07:00:00-05:00")
    )
    case = Case.objects.get(person_id="P3")
    [proposal] = case.proposals.filter(status="pending")
    assert proposal.kind == "reopen"
    assert "re-entered on 2026-12-02" in proposal.reason
    assert arrival.case_id == case.pk


def _state() -> dict[str, Any]:
    """Return the store's state in a form that does not depend on event order."""
    from immigrationos.cases.models import CaseProposal, Person, SourceRecord
    from immigrationos.events.models import IncomingEvent

    members: dict[str, set[str]] = {}
    for uid, pid in SourceRecord.objects.values_list("record_uid", "person_id"):
        members.setdefault(str(pid), set()).add(uid)
    group = {pid: tuple(sorted(uids)) for pid, uids in members.items()}
    persons = {
        group[p.person_id]: (p.status, p.status_since, p.status_rule_id)
        for p in Person.objects.filter(person_id__in=list(group))
    }
    # Whichever event of a new traveller comes first creates the person ("unmatched") and
    # the others match it, so the outcome is compared as attached or in review.
    events = {
        e.event_id: (e.outcome == "review", group[e.person_id], e.verification, tuple(e.flags))
        for e in IncomingEvent.objects.all()
    }
    pending = sorted(
        (p.case_id, p.kind, str(p.evidence.get("verification")))
        for p in CaseProposal.objects.filter(status="pending")
    )
    return {"persons": persons, "events": events, "pending": pending}


def test_out_of_order_events_end_in_the_same_state(world: None) -> None:
    stranger = {"given": "Keoni", "family": "Makoa", "dob": TOMAS["dob"].replace(year=1970),
                "passport": "US0000001", "nationality": "PHL"}  # fmt: skip
    stream = [
        event(
            "O-1", RENEE, evidence_kind="carrier_manifest", timestamp="2026-12-01T10:00:00-05:00"
        ),
        event("O-2", RENEE, timestamp="2026-12-01T10:05:00-05:00"),
        event("O-3", RENEE, kind="arrival", timestamp="2026-12-03T09:00:00-05:00"),
        event("O-4", JORG, port="MIA", evidence_kind="carrier_manifest"),
        event(
            "O-5", stranger, evidence_kind="carrier_manifest", timestamp="2026-11-01T10:00:00-04:00"
        ),
        event("O-6", stranger, kind="arrival", timestamp="2026-11-20T10:00:00-05:00"),
        event("O-7", TOMAS, port="IAH", mode="land", evidence_kind="land_exit"),
    ]
    states = []
    orders = [stream, list(reversed(stream)), random.Random(7).sample(stream, len(stream))]
    for order in orders:
        with transaction.atomic():
            results = _receive(*order)
            assert all(r.result == "applied" for r in results)
            states.append(_state())
            transaction.set_rollback(True)
    assert states[0]["events"].keys() == {e["event_id"] for e in stream}
    for state in states[1:]:
        for key in ("persons", "events", "pending"):
            assert state[key] == states[0][key], key
    # Duplicates mixed into the stream change nothing either.
    with transaction.atomic():
        _receive(*stream, *stream[:3])
        again = _state()
        for key in states[0]:
            assert again[key] == states[0][key], key
        transaction.set_rollback(True)


@pytest.mark.parametrize("reverse", [False, True])
def test_same_day_return_in_either_order(world: None, reverse: bool) -> None:
    from immigrationos.cases.models import Person

    left = event("SD-1", RENEE, timestamp="2026-12-03T09:00:00-05:00")
    back = event("SD-2", RENEE, kind="arrival", timestamp="2026-12-03T18:00:00-05:00")
    for body in [back, left] if reverse else [left, back]:
        _receive(body)

    person = Person.objects.get(person_id="P1")
    assert person.status == "in_status"
    assert _pending("P1") == []


def test_same_day_departure_after_arrival_still_proposes(world: None) -> None:
    from immigrationos.cases.models import Person

    _receive(event("SA-2", RENEE, timestamp="2026-12-03T18:00:00-05:00"))
    _receive(event("SA-1", RENEE, kind="arrival", timestamp="2026-12-03T07:00:00-05:00"))

    assert Person.objects.get(person_id="P1").status == "departed"
    assert [p.origin for p in _pending("P1")] == ["event:SA-2"]


def test_conflicting_event_id_is_kept_as_rejected(world: None) -> None:
    from immigrationos.events.models import RejectedEvent

    _receive(event("EV-C", RENEE))
    _receive(event("EV-C", RENEE, carrier="AA"))
    kept = RejectedEvent.objects.get(event_id="EV-C")
    assert kept.errors[0]["field"] == "event_id"
    assert '"AA"' in kept.payload
