"""Office scope on review pages: a supervisor sees and decides only review items whose
persons are all in their offices' scope."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from access.conftest import Offices
from immigrationos.audit.models import AuditEvent


@pytest.fixture
def los_review(offices: Offices) -> str:
    """Create a review item pairing the LOS person PL with the case-less person PF."""
    from immigrationos.cases.models import ReviewItem, SourceRecord

    for uid, person_id, given in (("visas:V1", "PL", "Luis"), ("visas:V2", "PF", "Fern")):
        SourceRecord.objects.create(
            record_uid=uid,
            person_id=person_id,
            source="visas",
            record_id=uid.split(":")[1],
            given_name=given,
            family_name="Testperson",
            dob=date(1975, 6, 26),
            event_date=date(2024, 5, 1),
        )
    ReviewItem.objects.create(
        review_id="RLOS",
        kind="pair",
        record_uids=["visas:V1", "visas:V2"],
        person_ids=["PL", "PF"],
        match_probability=0.8,
        reason="names agree, dates of birth agree",
    )
    return "RLOS"


def test_review_item_out_of_scope_404(role_client: Any, los_review: str) -> None:
    response = role_client("supervisor").get(f"/review/{los_review}/")

    assert response.status_code == 404
    assert "Luis" not in response.content.decode()
    denial = AuditEvent.objects.filter(action="access_denied", outcome="denied")
    assert denial.count() == 1


def test_review_item_in_scope_analyst(role_client: Any, los_review: str) -> None:
    response = role_client("analyst", office=None).get(f"/review/{los_review}/")

    assert response.status_code == 200


def test_review_queue_hides_out_of_scope(role_client: Any, los_review: str) -> None:
    response = role_client("supervisor").get("/review/")

    assert response.status_code == 200
    assert los_review not in response.content.decode()
    event = AuditEvent.objects.get(action="review_queue_view")
    assert "PL" not in event.object_ids


def test_review_decide_out_of_scope_rejected(role_client: Any, los_review: str) -> None:
    from immigrationos.cases.models import ReviewItem

    response = role_client("supervisor").post(
        f"/review/{los_review}/decide/",
        {"decision": "accept", "reason": "Same person: names and dates of birth agree."},
    )

    assert response.status_code == 404
    assert ReviewItem.objects.get(review_id=los_review).decision == ""


def test_reverse_out_of_scope_rejected(role_client: Any, los_review: str) -> None:
    from immigrationos.cases.models import IdentityChange, ReviewDecision

    reason = "Same person: names and dates of birth agree."
    analyst = role_client("analyst", office=None)
    # The two records differ only in given name (a twins veto), so the merge needs the
    # reviewer's confirmation that they checked it.
    decided = analyst.post(
        f"/review/{los_review}/decide/",
        {"decision": "accept", "reason": reason, "conflicts_confirmed": "on"},
    )
    assert decided.status_code == 302
    change = IdentityChange.objects.get()
    decision = ReviewDecision.objects.get()
    supervisor = role_client("supervisor")

    reverse = supervisor.post(f"/review/changes/{change.pk}/reverse/", {"reason": reason})
    revoke = supervisor.post(f"/review/decisions/{decision.pk}/revoke/", {"reason": reason})

    assert reverse.status_code == 404
    assert revoke.status_code == 404
    change.refresh_from_db()
    decision.refresh_from_db()
    assert change.reversed_at is None
    assert decision.revoked_at is None


def test_review_item_event_names_persons(role_client: Any, los_review: str) -> None:
    role_client("analyst", office=None).get(f"/review/{los_review}/")

    event = AuditEvent.objects.get(action="review_item_view")
    assert event.object_ids == [los_review]
    assert event.details["person_ids"] == ["PF", "PL"]
    assert event.purpose == "case_work"


def test_rejected_decision_page_audited(role_client: Any, los_review: str) -> None:
    analyst = role_client("analyst", office=None)

    response = analyst.post(f"/review/{los_review}/decide/", {"decision": "accept", "reason": ""})

    # The page shown again with the form error carries the records' names.
    assert response.status_code == 400
    assert "Luis" in response.content.decode()
    views = AuditEvent.objects.filter(action="review_item_view", outcome="ok")
    assert views.count() == 1


def test_missing_and_hidden_items_alike(role_client: Any, los_review: str) -> None:
    supervisor = role_client("supervisor")

    hidden = supervisor.get(f"/review/{los_review}/").content.decode()
    missing = supervisor.get("/review/RNONE/").content.decode()

    def main_text(page: str) -> str:
        return page[page.index("<main") : page.index("</main>")].replace("RNONE", los_review)

    assert main_text(hidden) == main_text(missing)


def test_person_page_hides_paired_name(role_client: Any, los_review: str) -> None:
    # PF has no case, so the NYC officer may open it; its review item pairs it with PL (LOS).
    officer_page = role_client("officer").get("/persons/PF/").content.decode()
    analyst_page = role_client("analyst", office=None).get("/persons/PF/").content.decode()

    assert "Luis" not in officer_page
    assert los_review not in officer_page
    assert los_review in analyst_page
    assert "Luis" in analyst_page


def test_review_item_current_owner_checked(role_client: Any, los_review: str) -> None:
    from immigrationos.cases.models import ReviewItem

    # Linkage named only PF, but visas:V1 belongs to the LOS person PL now.
    ReviewItem.objects.filter(review_id=los_review).update(person_ids=["PF"])

    response = role_client("supervisor").get(f"/review/{los_review}/")

    assert response.status_code == 404
    assert "Luis" not in response.content.decode()


def test_review_queue_checks_record_owner(role_client: Any, los_review: str) -> None:
    from immigrationos.cases.models import ReviewItem

    ReviewItem.objects.filter(review_id=los_review).update(person_ids=["PF"])

    response = role_client("supervisor").get("/review/")

    assert los_review not in response.content.decode()
