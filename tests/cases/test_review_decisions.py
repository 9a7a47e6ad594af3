"""Reviewer decisions: merges and splits at once, their reversal, and re-linking that obeys them.

The staging store holds three hand-made records that real linkage resolves (packaged model):

- arrivals:A-0901 Maria Lopez, born 1990-01-02, female, Mexican, no document;
- visas:V-0901 Maria Lopez, born 1991-01-02, female: linked to A-0901 automatically;
- benefits:B-0901 Mario Lopez, born 1990-01-02, male, passport X1: scored in the review band
  against A-0901, so it is a person of its own and the pair is one review item.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.contrib.auth import get_user_model

from cases.staging_builders import record, staging_write
from immigrationos.access.roles import user_role_assign
from immigrationos.audit.models import AuditEvent
from immigrationos.cases.merges import IdentityChangeError, person_alias_resolve
from immigrationos.cases.models import (
    IdentityChange,
    Person,
    ReviewDecision,
    ReviewItem,
    SourceRecord,
)
from immigrationos.cases.review_decisions import (
    ReviewDecisionError,
    ReviewPermissionDenied,
    identity_change_reverse_by_supervisor,
    person_record_split,
    review_constraints_build,
    review_constraints_export,
    review_decision_record,
    review_decision_revoke,
)
from immigrationos.cases.services import operational_store_load
from immigrationos.linkage.constraints import CANNOT_LINK, MUST_LINK, constraints_load
from immigrationos.linkage.pipeline import link
from immigrationos.progress import NullProgress

pytestmark = pytest.mark.django_db

MARIA = "arrivals:A-0901"
MARIA_VISA = "visas:V-0901"
MARIO = "benefits:B-0901"


def _records() -> list[dict[str, Any]]:
    rows = [
        record(MARIA, given="Maria", family="Lopez", dob=date(1990, 1, 2), nationality="MEX"),
        record(MARIA_VISA, given="Maria", family="Lopez", dob=date(1991, 1, 2),
               nationality="MEX"),
        record(MARIO, given="Mario", family="Lopez", dob=date(1990, 1, 2), nationality="MEX",
               passport="X1"),
    ]  # fmt: skip
    for row, sex in zip(rows, ("F", "F", "M"), strict=True):
        row["sex"] = sex
    return rows


def review_store_build(path: Path) -> duckdb.DuckDBPyConnection:
    """Stage the records at ``path``, link them, load the operational store; return staging."""
    con = staging_write(path, {"records": _records()})
    _relink(con, "run-1", export=False)
    return con


@pytest.fixture
def store(db: None, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = review_store_build(tmp_path / "staging.duckdb")
    yield con
    con.close()


def _relink(con: duckdb.DuckDBPyConnection, run_id: str, *, export: bool = True) -> None:
    if export:
        review_constraints_export(con=con)
    link(con=con, progress=NullProgress())
    operational_store_load(con=con, run_id=run_id, progress=NullProgress())


def _user(role: str, name: str) -> Any:
    user = get_user_model().objects.create_user(username=name, password="pw-tests-1")
    user_role_assign(user=user, role=role, office_code="NYC" if role != "analyst" else None)
    return user


@pytest.fixture
def analyst(db: None) -> Any:
    return _user("analyst", "ana")


@pytest.fixture
def supervisor(db: None) -> Any:
    return _user("supervisor", "sup")


def _owners() -> dict[str, str | None]:
    return dict(SourceRecord.objects.values_list("record_uid", "person_id"))


def _persons() -> dict[str, tuple[bool, str]]:
    return {p.person_id: (p.superseded, p.merged_into) for p in Person.objects.all()}


def _item() -> ReviewItem:
    return ReviewItem.objects.get()


def test_store_starts_with_one_review_pair(store: duckdb.DuckDBPyConnection) -> None:
    owners = _owners()
    assert owners[MARIA] == owners[MARIA_VISA] != owners[MARIO]
    item = _item()
    assert item.kind == "pair"
    assert sorted(item.record_uids) == sorted([MARIA, MARIO])
    assert item.weights is not None
    staged = store.execute(
        "SELECT match_weight FROM pairs WHERE record_uid_l = ? AND record_uid_r = ?",
        sorted([MARIA, MARIO]),
    ).fetchall()
    assert item.weights["match_weight"] == pytest.approx(staged[0][0])
    assert {part["comparison"] for part in item.weights["comparisons"]} >= {"name", "dob", "sex"}


def test_accept_merges_persons_at_once(store: duckdb.DuckDBPyConnection, analyst: Any) -> None:
    owners = _owners()
    maria, mario = owners[MARIA], owners[MARIO]
    assert maria is not None and mario is not None

    decision = review_decision_record(
        review_id=_item().review_id, decision="accept", reason="same passport photo", user=analyst
    )

    after = _owners()
    # Maria's person has two records and Mario's one, so Maria's id survives.
    assert set(after.values()) == {maria}
    absorbed = Person.objects.get(person_id=mario)
    assert absorbed.merged_into == maria
    assert absorbed.superseded is True
    assert person_alias_resolve(person_id=mario) == maria
    assert person_alias_resolve(person_id=maria) is None
    assert _item().decision == "accept"
    change = IdentityChange.objects.get()
    assert change.kind == "merge"
    assert change.decision == decision
    assert change.records_moved == {MARIO: [mario, maria]}
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["person_merge", "review_decision"]


def test_merge_reverse_restores_exactly(
    store: duckdb.DuckDBPyConnection, analyst: Any, supervisor: Any
) -> None:
    owners_before, persons_before = _owners(), _persons()
    review_decision_record(
        review_id=_item().review_id, decision="accept", reason="same passport photo", user=analyst
    )
    change = IdentityChange.objects.get()

    identity_change_reverse_by_supervisor(
        change_id=change.pk, reason="photo was of a cousin", user=supervisor
    )

    assert _owners() == owners_before
    assert _persons() == persons_before
    change.refresh_from_db()
    assert change.reversed_by == supervisor
    assert change.reverse_reason == "photo was of a cousin"
    decision = ReviewDecision.objects.get()
    assert decision.revoked_at is not None
    assert _item().decision == ""  # back in the queue
    assert AuditEvent.objects.filter(action="person_merge_reversed").count() == 1
    with pytest.raises(IdentityChangeError, match="reversed already"):
        identity_change_reverse_by_supervisor(
            change_id=change.pk, reason="second attempt", user=supervisor
        )


def test_split_then_reverse(store: duckdb.DuckDBPyConnection, supervisor: Any) -> None:
    owners_before, persons_before = _owners(), _persons()
    maria = owners_before[MARIA]

    change = person_record_split(
        person_id=str(maria), record_uid=MARIA_VISA, reason="visa DOB differs", user=supervisor
    )

    new_id = change.created_person_id
    assert new_id and new_id != maria
    assert _owners()[MARIA_VISA] == new_id
    assert _owners()[MARIA] == maria
    assert Person.objects.get(person_id=new_id).dob == date(1991, 1, 2)
    constraints = review_constraints_build()
    assert [(c.pair, c.kind) for c in constraints] == [
        (tuple(sorted((MARIA_VISA, MARIA))), CANNOT_LINK)
    ]
    assert AuditEvent.objects.filter(action="person_split").count() == 1

    identity_change_reverse_by_supervisor(
        change_id=change.pk, reason="DOB was a typo", user=supervisor
    )
    assert _owners() == owners_before
    assert _persons() == persons_before
    assert not Person.objects.filter(person_id=new_id).exists()
    assert review_constraints_build() == []


def test_reject_inside_one_person_splits(
    store: duckdb.DuckDBPyConnection, analyst: Any, supervisor: Any
) -> None:
    review_decision_record(
        review_id=_item().review_id, decision="accept", reason="same passport photo", user=analyst
    )
    merge = IdentityChange.objects.get()
    review_decision_revoke(
        decision_id=merge.decision_id, reason="photo was of a cousin", user=supervisor
    )
    assert len(set(_owners().values())) == 2

    # The item is pending again; rejecting it now keeps the persons apart without a split.
    review_decision_record(
        review_id=_item().review_id, decision="reject", reason="different sex", user=analyst
    )
    assert IdentityChange.objects.count() == 1
    assert [c.kind for c in review_constraints_build()] == [CANNOT_LINK]


def test_decision_requires_reason(store: duckdb.DuckDBPyConnection, analyst: Any) -> None:
    for decision in ("accept", "reject"):
        with pytest.raises(ReviewDecisionError, match="reason"):
            review_decision_record(
                review_id=_item().review_id, decision=decision, reason="  ", user=analyst
            )
    assert ReviewDecision.objects.count() == 0
    assert IdentityChange.objects.count() == 0


def test_skip_records_only_the_skip(store: duckdb.DuckDBPyConnection, analyst: Any) -> None:
    owners = _owners()
    review_decision_record(review_id=_item().review_id, decision="skip", reason="", user=analyst)

    assert _owners() == owners
    assert _item().decision == ""
    assert ReviewDecision.objects.get().decision == "skip"
    assert review_constraints_build() == []


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_only_analyst_or_supervisor_decides(store: duckdb.DuckDBPyConnection, role: str) -> None:
    user = _user(role, f"{role}-1")
    with pytest.raises(ReviewPermissionDenied):
        review_decision_record(
            review_id=_item().review_id, decision="accept", reason="looks the same", user=user
        )
    assert ReviewDecision.objects.count() == 0


def test_only_supervisor_reverses(
    store: duckdb.DuckDBPyConnection, analyst: Any, supervisor: Any
) -> None:
    decision = review_decision_record(
        review_id=_item().review_id, decision="accept", reason="same passport photo", user=analyst
    )
    change = IdentityChange.objects.get()
    with pytest.raises(ReviewPermissionDenied):
        identity_change_reverse_by_supervisor(
            change_id=change.pk, reason="analyst wants it back", user=analyst
        )
    with pytest.raises(ReviewPermissionDenied):
        review_decision_revoke(decision_id=decision.pk, reason="analyst revoke", user=analyst)
    with pytest.raises(ReviewPermissionDenied):
        person_record_split(
            person_id=change.person_ids_after[0],
            record_uid=MARIO,
            reason="analyst split",
            user=analyst,
        )
    assert IdentityChange.objects.get().reversed_at is None


def test_accept_holds_after_relink(
    store: duckdb.DuckDBPyConnection, analyst: Any, supervisor: Any
) -> None:
    owners_before = _owners()
    maria = owners_before[MARIA]
    decision = review_decision_record(
        review_id=_item().review_id, decision="accept", reason="same passport photo", user=analyst
    )

    _relink(store, "run-2")

    exported = constraints_load(con=store)
    assert [(c.pair, c.kind, c.decision_id) for c in exported] == [
        (tuple(sorted((MARIA, MARIO))), MUST_LINK, f"D{decision.pk}")
    ]
    staged = dict(store.execute("SELECT record_uid, person_id FROM person_records").fetchall())
    assert set(staged.values()) == {maria}
    assert set(_owners().values()) == {maria}
    assert not ReviewItem.objects.filter(decision="").exists()
    # The absorbed id stays as an alias after the re-load.
    assert person_alias_resolve(person_id=str(owners_before[MARIO])) == maria

    review_decision_revoke(decision_id=decision.pk, reason="photo was of a cousin", user=supervisor)
    _relink(store, "run-3")

    assert constraints_load(con=store) == []
    assert _owners() == owners_before
    assert ReviewItem.objects.filter(decision="").count() == 1


def test_reject_holds_after_relink(store: duckdb.DuckDBPyConnection, supervisor: Any) -> None:
    owners_before = _owners()
    maria = str(owners_before[MARIA])
    change = person_record_split(
        person_id=maria, record_uid=MARIA_VISA, reason="visa DOB differs", user=supervisor
    )

    _relink(store, "run-2")

    after = _owners()
    assert after[MARIA] == maria
    assert after[MARIA_VISA] == change.created_person_id
    assert after[MARIO] == owners_before[MARIO]

    review_decision_revoke(decision_id=change.decision_id, reason="DOB was a typo", user=supervisor)
    _relink(store, "run-3")
    assert _owners() == owners_before


def _case(person_id: str, state: str = "lead", closed_reason: str = "") -> Any:
    from django.utils import timezone

    from immigrationos.cases.models import Case, Office

    office, _ = Office.objects.get_or_create(code="NYC", defaults={"name": "New York"})
    now = timezone.now()
    return Case.objects.create(
        person_id=person_id,
        office=office,
        state=state,
        closed_reason=closed_reason,
        opened_at=now,
        updated_at=now,
    )


def test_merge_moves_cases_and_reverse_returns(
    store: duckdb.DuckDBPyConnection, analyst: Any, supervisor: Any
) -> None:
    owners = _owners()
    maria, mario = owners[MARIA], owners[MARIO]
    open_case, closed_case = _case(mario), _case(mario, "closed", "deprioritised")

    review_decision_record(
        review_id=_item().review_id, decision="accept", reason="same passport photo", user=analyst
    )
    change = IdentityChange.objects.get()
    open_case.refresh_from_db()
    closed_case.refresh_from_db()

    assert change.cases_moved == sorted([open_case.pk, closed_case.pk])
    assert open_case.person_id == maria
    assert closed_case.person_id == maria
    assert "identity change" in open_case.events.get().reason

    identity_change_reverse_by_supervisor(
        change_id=change.pk, reason="photo was of a cousin", user=supervisor
    )
    open_case.refresh_from_db()
    assert open_case.person_id == mario
    assert open_case.events.count() == 2


def test_merge_keeps_second_open_case_apart(store: duckdb.DuckDBPyConnection, analyst: Any) -> None:
    owners = _owners()
    maria, mario = owners[MARIA], owners[MARIO]
    survivor_case, absorbed_case = _case(maria), _case(mario)

    review_decision_record(
        review_id=_item().review_id, decision="accept", reason="same passport photo", user=analyst
    )
    absorbed_case.refresh_from_db()

    assert IdentityChange.objects.get().cases_moved == []
    assert absorbed_case.person_id == mario
    note = absorbed_case.events.get().reason
    assert f"open case {survivor_case.pk}" in note
    assert "Close one of the two cases" in note


@pytest.fixture
def conflicted_store(db: None, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    # Maria's visa now carries a Mexican passport other than Mario's, and the two differ in
    # sex: a veto between the visa and Mario's record, though not between the pair the
    # review item shows (Maria's arrival has no passport).
    rows = _records()
    rows[1]["passport_no"], rows[1]["passport_country"] = "X2", "MEX"
    con = staging_write(tmp_path / "staging.duckdb", {"records": rows})
    _relink(con, "run-1", export=False)
    yield con
    con.close()


def _pair_item() -> ReviewItem:
    (item,) = [
        item
        for item in ReviewItem.objects.all()
        if sorted(item.record_uids) == sorted([MARIA, MARIO])
    ]
    return item


def test_accept_over_hidden_veto_needs_confirmation(
    conflicted_store: duckdb.DuckDBPyConnection, analyst: Any
) -> None:
    item = _pair_item()
    before = _owners()

    with pytest.raises(ReviewDecisionError, match="records contradict"):
        review_decision_record(
            review_id=item.review_id, decision="accept", reason="same person", user=analyst
        )

    assert _owners() == before
    assert not ReviewDecision.objects.exists()


def test_confirmed_accept_holds_after_relink(
    conflicted_store: duckdb.DuckDBPyConnection, analyst: Any
) -> None:
    item = _pair_item()

    decision = review_decision_record(
        review_id=item.review_id,
        decision="accept",
        reason="same person",
        conflicts_confirmed=True,
        user=analyst,
    )
    _relink(conflicted_store, "run-2")

    assert "different passports of the same country and different sex" in decision.veto_seen
    assert len(set(_owners().values())) == 1


def test_item_page_lists_merge_conflicts(
    conflicted_store: duckdb.DuckDBPyConnection, role_client: Any
) -> None:
    client = role_client("analyst", office=None, purpose="identity_review")
    review_id = _pair_item().review_id

    page = client.get(f"/review/{review_id}/").content.decode()
    refused = client.post(
        f"/review/{review_id}/decide/", {"decision": "accept", "reason": "same person"}
    )
    accepted = client.post(
        f"/review/{review_id}/decide/",
        {"decision": "accept", "reason": "same person", "conflicts_confirmed": "on"},
    )

    assert "These persons' records contradict" in page
    assert f"{MARIA_VISA} and {MARIO}" in page
    assert 'name="conflicts_confirmed"' in page
    assert refused.status_code == 400
    assert accepted.status_code == 302
    assert ReviewDecision.objects.get().record_uids == [MARIA, MARIO, MARIA_VISA]


def test_api_names_merge_target(
    store: duckdb.DuckDBPyConnection, analyst: Any, role_client: Any
) -> None:
    owners = _owners()
    maria, mario = owners[MARIA], owners[MARIO]
    review_decision_record(
        review_id=_item().review_id, decision="accept", reason="same passport photo", user=analyst
    )
    client = role_client("officer")

    absorbed = client.get(f"/api/v1/persons/{mario}", headers={"X-Purpose": "case_work"})
    survivor = client.get(f"/api/v1/persons/{maria}", headers={"X-Purpose": "case_work"})

    assert absorbed.json()["merged_into"] == maria
    assert absorbed.json()["superseded"] is True
    assert survivor.json()["merged_into"] == ""


def test_person_page_flags_status_until_next_run(
    store: duckdb.DuckDBPyConnection, analyst: Any, role_client: Any
) -> None:
    maria = _owners()[MARIA]
    review_decision_record(
        review_id=_item().review_id, decision="accept", reason="same passport photo", user=analyst
    )
    client = role_client("analyst", office=None, purpose="identity_review")

    before_run = client.get(f"/persons/{maria}/").content.decode()
    _relink(store, "run-2")
    after_run = client.get(f"/persons/{maria}/").content.decode()

    assert "Status and priority are out of date" in before_run
    assert "Status and priority are out of date" not in after_run
