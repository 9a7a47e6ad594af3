"""Review item page, decision form, split and reversal controls, and queue filters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cases.test_review_decisions import MARIA, MARIA_VISA, MARIO, review_store_build
from immigrationos.audit.models import AuditEvent
from immigrationos.cases.models import (
    IdentityChange,
    Person,
    ReviewDecision,
    ReviewItem,
    SourceRecord,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(db: None, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = review_store_build(tmp_path / "staging.duckdb")
    yield con
    con.close()


@pytest.fixture
def analyst_client(role_client: Any) -> Any:
    return role_client("analyst", office=None, purpose="identity_review")


@pytest.fixture
def supervisor_client(role_client: Any) -> Any:
    return role_client("supervisor", purpose="identity_review")


def _item() -> ReviewItem:
    return ReviewItem.objects.get()


def _owner(record_uid: str) -> str:
    return str(SourceRecord.objects.get(record_uid=record_uid).person_id)


def test_item_page_shows_waterfall(analyst_client: Any, store: Any) -> None:
    item = _item()
    response = analyst_client.get(f"/review/{item.review_id}/")
    text = response.content.decode()
    detail = response.context["detail"]

    assert response.status_code == 200
    labels = [step.label for step in detail.steps]
    assert labels[0] == "prior"
    assert {"name", "dob", "sex", "nationality"} <= set(labels)
    # The cumulative total ends at the stored match weight, whose probability is shown.
    assert detail.steps[-1].cumulative == pytest.approx(item.weights["match_weight"])
    assert detail.final_probability == pytest.approx(item.match_probability, abs=1e-9)
    assert "Weight waterfall" in text
    assert text.count("<svg") == len(detail.steps)
    assert "<script>" not in text.split("</head>")[1]
    sex_step = next(step for step in detail.steps if step.label == "sex")
    assert sex_step.positive is False


def test_item_page_aligns_and_marks_fields(analyst_client: Any, store: Any) -> None:
    response = analyst_client.get(f"/review/{_item().review_id}/")
    fields = {field.label: field for field in response.context["detail"].fields}
    text = response.content.decode()

    assert fields["Given name"].differs is True
    assert sorted(fields["Given name"].values) == ["Maria", "Mario"]
    assert fields["Family name"].differs is False
    assert "<mark>Mario</mark>" in text
    # Analysts see dates of birth masked, even on the review page.
    assert fields["Date of birth"].values == ["[masked]", "[masked]"]


def test_item_view_is_audited(analyst_client: Any, store: Any) -> None:
    review_id = _item().review_id
    analyst_client.get(f"/review/{review_id}/")
    event = AuditEvent.objects.filter(action="review_item_view").get()
    assert event.object_ids == [review_id]


def test_decide_without_reason_rejected(analyst_client: Any, store: Any) -> None:
    review_id = _item().review_id
    response = analyst_client.post(
        f"/review/{review_id}/decide/", {"decision": "accept", "reason": ""}
    )
    assert response.status_code == 400
    assert "Give a reason of at least 5 characters." in response.content.decode()
    assert ReviewDecision.objects.count() == 0
    assert _item().decision == ""


def test_decide_accept_without_js(analyst_client: Any, store: Any) -> None:
    review_id = _item().review_id
    maria, mario = _owner(MARIA), _owner(MARIO)

    response = analyst_client.post(
        f"/review/{review_id}/decide/", {"decision": "accept", "reason": "same passport photo"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/review/{review_id}/"
    assert _owner(MARIO) == maria
    page = analyst_client.get(f"/review/{review_id}/").content.decode()
    assert "Decision recorded." in page
    assert f'href="/persons/{maria}/"' in page
    # The absorbed id redirects to the surviving person.
    alias = analyst_client.get(f"/persons/{mario}/")
    assert alias.status_code == 302
    assert alias["Location"] == f"/persons/{maria}/"


def test_decide_with_htmx_returns_section(analyst_client: Any, store: Any) -> None:
    review_id = _item().review_id
    response = analyst_client.post(
        f"/review/{review_id}/decide/",
        {"decision": "reject", "reason": "different sex"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<section aria-labelledby="decision" id="decision-section">')
    assert "<html" not in text
    assert "Different persons" in text
    assert _item().decision == "reject"


@pytest.mark.parametrize(("role", "status"), [("officer", 403), ("auditor", 403)])
def test_decide_denied_for_role(role_client: Any, store: Any, role: str, status: int) -> None:
    client = role_client(role, purpose="identity_review")
    response = client.post(
        f"/review/{_item().review_id}/decide/", {"decision": "accept", "reason": "looks same"}
    )
    assert response.status_code == status
    assert ReviewDecision.objects.count() == 0


def test_split_and_reverse_on_person_page(
    supervisor_client: Any, analyst_client: Any, store: Any
) -> None:
    maria = _owner(MARIA)
    analyst_page = analyst_client.get(f"/persons/{maria}/").content.decode()
    assert "Split a record off this person" not in analyst_page
    assert "Reason to split off" not in analyst_page
    supervisor_page = supervisor_client.get(f"/persons/{maria}/").content.decode()
    assert "Split a record off this person" in supervisor_page
    assert f"Reason to split off {MARIA_VISA}" in supervisor_page

    response = supervisor_client.post(
        f"/persons/{maria}/split/", {"record_uid": MARIA_VISA, "reason": "visa DOB differs"}
    )
    assert response.status_code == 302
    change = IdentityChange.objects.get()
    assert _owner(MARIA_VISA) == change.created_person_id

    response = supervisor_client.post(
        f"/review/changes/{change.pk}/reverse/",
        {"reason": "DOB was a typo", "next": f"/persons/{maria}/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/persons/{maria}/"
    assert _owner(MARIA_VISA) == maria
    assert not Person.objects.filter(person_id=change.created_person_id).exists()


def test_reverse_denied_for_analyst(analyst_client: Any, store: Any) -> None:
    analyst_client.post(
        f"/review/{_item().review_id}/decide/",
        {"decision": "accept", "reason": "same passport photo"},
    )
    change = IdentityChange.objects.get()
    response = analyst_client.post(
        f"/review/changes/{change.pk}/reverse/", {"reason": "analyst wants it back"}
    )
    assert response.status_code == 403
    assert IdentityChange.objects.get().reversed_at is None


def test_queue_orders_by_tier_then_probability(analyst_client: Any, db: None) -> None:
    # No open cases: T1 names a tier-1 person, so it leads despite the lowest probability;
    # T3 (tier 3) follows; N1 and N2 name persons without a tier, higher probability first.
    Person.objects.create(person_id="PT1", tier=1)
    Person.objects.create(person_id="PT3", tier=3)
    Person.objects.create(person_id="PNONE")
    for review_id, person_ids, probability, kind in [
        ("N1", ["PNONE"], 0.9, "pair"),
        ("N2", ["PNONE"], 0.7, "thin_record"),
        ("T1", ["PT1", "PNONE"], 0.5, "pair"),
        ("T3", ["PT3"], 0.6, "veto"),
    ]:
        ReviewItem.objects.create(
            review_id=review_id,
            kind=kind,
            person_ids=person_ids,
            record_uids=[],
            match_probability=probability,
            reason="test",
        )

    everything = analyst_client.get("/review/").context["page"]
    assert [row.item.review_id for row in everything] == ["T1", "T3", "N1", "N2"]
    vetoes = analyst_client.get("/review/", {"kind": "veto"}).context["page"]
    assert [row.item.review_id for row in vetoes] == ["T3"]
    unknown = analyst_client.get("/review/", {"kind": "nonsense"}).context["page"]
    assert len(unknown) == 4


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_revoke_ignores_foreign_next(
    analyst_client: Any, supervisor_client: Any, store: Any, target: str
) -> None:
    analyst_client.post(
        f"/review/{_item().review_id}/decide/",
        {"decision": "accept", "reason": "same passport photo"},
    )
    decision = ReviewDecision.objects.get()

    response = supervisor_client.post(
        f"/review/decisions/{decision.pk}/revoke/",
        {"reason": "photo was of a cousin", "next": target},
    )

    assert response.status_code == 302
    assert response["Location"] == "/review/"
    decision.refresh_from_db()
    assert decision.revoked_at is not None
    assert _owner(MARIO) != _owner(MARIA)
