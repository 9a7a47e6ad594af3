"""Review queue page, the dashboard's review count and the person page's review section."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cases.staging_builders import RUN_ID, base_staging, staging_write
from immigrationos.cases.models import ReviewItem
from immigrationos.cases.selectors import REVIEW_ITEMS_PER_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(role_client: Any) -> Any:
    """Return a client signed in as an analyst working on identity review."""
    return role_client("analyst", office=None, purpose="identity_review")


def _review(
    review_id: str, *, persons: list[str], records: list[str], probability: float
) -> dict[str, Any]:
    return {
        "review_id": review_id,
        "kind": "pair",
        "record_uids": json.dumps(records),
        "person_ids": json.dumps(persons),
        "match_probability": probability,
        "reason": f"reason of {review_id}",
    }


@pytest.fixture
def loaded_reviews(db: None, tmp_path: Path) -> Any:
    """Load the base store with three more review items and one decided item.

    R1 (base): P4, records V-0604 (P4) and V-0603 (P5), probability 0.61.
    R2: P1 and P5, records B-0601 (P1) and V-0603 (P5), probability 0.55. P1 has an open case.
    R3: P3, record A-1703 (P3), probability 0.90.
    R4: P5, probability 0.99, decided after the load, so it leaves the queue.
    """
    from immigrationos.cases.services import operational_store_load
    from immigrationos.progress import NullProgress

    tables = base_staging()
    tables["review_items"] += [
        _review(
            "R2",
            persons=["P1", "P5"],
            records=["benefits:B-0601", "visas:V-0603"],
            probability=0.55,
        ),
        _review("R3", persons=["P3"], records=["arrivals:A-1703"], probability=0.90),
        _review("R4", persons=["P5"], records=["visas:V-0603"], probability=0.99),
    ]
    con = staging_write(tmp_path / "staging.duckdb", tables)
    try:
        report = operational_store_load(con=con, run_id=RUN_ID, progress=NullProgress())
    finally:
        con.close()
    ReviewItem.objects.filter(review_id="R4").update(decision="distinct")
    return report


def test_review_queue_requires_sign_in(client: Any, loaded_reviews: Any) -> None:
    response = client.get("/review/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_review_queue_order_open_case_first(analyst_client: Any, loaded_reviews: Any) -> None:
    # R2 names P1, whose case is open, so it leads despite the lowest probability (0.55).
    # R3 (0.90) then R1 (0.61) follow by probability. R4 is decided and left out.
    response = analyst_client.get("/review/")
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [row.item.review_id for row in rows] == ["R2", "R3", "R1"]
    assert [row.touches_open_case for row in rows] == [True, False, False]


def test_review_queue_links_persons_and_records(analyst_client: Any, loaded_reviews: Any) -> None:
    text = analyst_client.get("/review/").content.decode()
    assert 'href="/persons/P1/"' in text
    assert 'href="/persons/P5/"' in text
    # Each record id links to the row of the person it is linked to.
    assert 'href="/persons/P5/#record-visas:V-0603"' in text
    assert 'href="/persons/P4/#record-visas:V-0604"' in text
    assert "reason of R2" in text
    assert "0.550" in text
    assert "every later linkage run obeys it" in text
    assert 'href="/review/R2/"' in text  # the item's detail page
    assert "protected from prioritisation" in text
    assert 'href="/review/" aria-current="page"' in text  # in the top navigation


def test_review_queue_paginates(analyst_client: Any, db: None) -> None:
    # 51 undecided items with probabilities 0.000 .. 0.050: page 1 holds the 50 highest, so
    # the lowest (R00, probability 0) is alone on page 2.
    ReviewItem.objects.bulk_create(
        ReviewItem(
            review_id=f"R{n:02d}",
            kind="pair",
            record_uids=[],
            person_ids=[],
            match_probability=n / 1000,
            reason="test",
        )
        for n in range(REVIEW_ITEMS_PER_PAGE + 1)
    )
    first = analyst_client.get("/review/").context["page"]
    second = analyst_client.get("/review/", {"page": "2"}).context["page"]
    assert len(first) == REVIEW_ITEMS_PER_PAGE
    assert first[0].item.review_id == "R50"
    assert [row.item.review_id for row in second] == ["R00"]


def test_dashboard_links_review_count(analyst_client: Any, loaded_reviews: Any) -> None:
    response = analyst_client.get("/")
    # R1, R2 and R3 are undecided; R4 is decided.
    assert response.context["dashboard"].review_items_pending == 3
    assert '<a href="/review/">3 review items</a>' in response.content.decode()


def test_person_page_review_section_links_others(analyst_client: Any, loaded_reviews: Any) -> None:
    response = analyst_client.get("/persons/P5/")
    text = response.content.decode()
    detail = response.context["detail"]
    # Undecided first, then by probability: R1 (0.61), R2 (0.55), then decided R4.
    assert [row.item.review_id for row in detail.reviews] == ["R1", "R2", "R4"]
    assert detail.review_items_pending == 2
    assert "pending review items: 2" in text
    # The other persons and their records are reachable; P5's own record is a local anchor.
    assert 'href="/persons/P4/"' in text
    assert 'href="/persons/P1/"' in text
    assert 'href="/persons/P4/#record-visas:V-0604"' in text
    assert 'href="/persons/P1/#record-benefits:B-0601"' in text
    assert 'href="#record-visas:V-0603"' in text
    assert "distinct" in text  # R4's decision


def test_person_page_without_reviews(analyst_client: Any, loaded_reviews: Any) -> None:
    text = analyst_client.get("/persons/P2/").content.decode()
    assert "No review items name this person." in text
    assert "pending review items" not in text


def test_person_reviews_match_whole_id(analyst_client: Any, loaded_reviews: Any) -> None:
    # "P1" must not match items naming only "P10" or "p1".
    ReviewItem.objects.create(
        review_id="R9", kind="pair", person_ids=["P10", "p1"], record_uids=[], reason="other"
    )
    detail = analyst_client.get("/persons/P1/").context["detail"]
    assert [row.item.review_id for row in detail.reviews] == ["R2"]


def test_review_queue_view_is_audited(analyst_client: Any, loaded_reviews: Any) -> None:
    from immigrationos.audit.models import AuditEvent

    analyst_client.get("/review/")

    event = AuditEvent.objects.get(action="review_queue_view")
    # R2 names P1 and P5, R3 names P3 and R1 names P4; the decided R4 is not shown.
    assert event.object_ids == ["P1", "P3", "P4", "P5"]
    assert event.outcome == "ok"


def test_dashboard_review_count_unlinked_for_officer(
    officer_client: Any, loaded_reviews: Any
) -> None:
    # Officers cannot open the review queue, so the dashboard shows the count without a link.
    text = officer_client.get("/").content.decode()
    assert "3 review items waiting" in text
    assert 'href="/review/"' not in text
