"""Break-glass: justification, time limit, audit tagging and supervisor review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from access.conftest import Offices
from immigrationos.access.models import BreakGlass
from immigrationos.audit.models import AuditEvent

JUSTIFICATION = "Subject of LOS case detained in New York overnight; need the case to brief"


def _break_glass(client: Any, next_url: str = "/cases/") -> Any:
    return client.post("/break-glass/request/", {"justification": JUSTIFICATION, "next": next_url})


def test_short_justification_rejected(role_client: Any, offices: Offices) -> None:
    response = role_client("officer").post("/break-glass/request/", {"justification": "urgent"})
    assert response.status_code == 200
    assert "the justification has 6 characters; write at least 30" in response.content.decode()
    assert not BreakGlass.objects.exists()


def test_break_glass_opens_other_office(role_client: Any, offices: Offices) -> None:
    client = role_client("officer")
    url = f"/cases/{offices.los_case}/"
    not_found = client.get(url)
    assert not_found.status_code == 404
    assert "/break-glass/request/?next=" in not_found.content.decode()

    response = _break_glass(client, next_url=url)
    assert response.status_code == 302
    assert response["Location"] == url
    glass = BreakGlass.objects.get()
    assert glass.justification == JUSTIFICATION

    page = client.get(url)
    assert page.status_code == 200
    assert f"Break-glass {glass.id} is active" in page.content.decode()
    view = AuditEvent.objects.get(action="case_view", outcome="ok")
    assert view.break_glass_id == glass.id
    start = AuditEvent.objects.get(action="break_glass_start")
    assert start.object_ids == [glass.id]
    assert JUSTIFICATION not in str(start.details)


def test_break_glass_expires(
    role_client: Any, offices: Offices, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.IMMIGRATIONOS_BREAK_GLASS_MINUTES = 15
    client = role_client("officer")
    _break_glass(client)
    url = f"/cases/{offices.los_case}/"
    assert client.get(url).status_code == 200

    later = timezone.now() + timedelta(minutes=16)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="case_view", break_glass_id="").count() == 0


def test_analyst_has_no_break_glass(role_client: Any, offices: Offices) -> None:
    response = role_client("analyst", office=None).post(
        "/break-glass/request/", {"justification": JUSTIFICATION}
    )
    assert response.status_code == 403
    assert not BreakGlass.objects.exists()


def test_supervisor_reviews_break_glass(role_client: Any, offices: Offices) -> None:
    officer = role_client("officer", username="nyc-officer")
    _break_glass(officer)
    glass = BreakGlass.objects.get()
    supervisor = role_client("supervisor")
    listing = supervisor.get("/break-glass/").content.decode()
    assert f"<td>{glass.id}</td>" in listing
    assert "nyc-officer" in listing
    assert JUSTIFICATION in listing

    response = supervisor.post(f"/break-glass/{glass.id}/review/", {"note": "Confirmed by phone"})
    assert response.status_code == 302
    glass.refresh_from_db()
    assert glass.reviewed_at is not None
    assert glass.review_note == "Confirmed by phone"
    again = supervisor.post(f"/break-glass/{glass.id}/review/", {"note": "twice"}, follow=True)
    assert "was already reviewed" in again.content.decode()


def test_other_office_supervisor_does_not_see_it(role_client: Any, offices: Offices) -> None:
    _break_glass(role_client("officer"))
    glass = BreakGlass.objects.get()
    supervisor = role_client("supervisor", office="LOS")
    assert f"<td>{glass.id}</td>" not in supervisor.get("/break-glass/").content.decode()
    supervisor.post(f"/break-glass/{glass.id}/review/", {"note": "not mine"})
    glass.refresh_from_db()
    assert glass.reviewed_at is None


def test_supervisor_cannot_review_own(role_client: Any, offices: Offices) -> None:
    supervisor = role_client("supervisor")
    _break_glass(supervisor)
    glass = BreakGlass.objects.get()
    listing = supervisor.get("/break-glass/").content.decode()
    assert f"<td>{glass.id}</td>" not in listing
    assert "No break-glass windows to review." in listing
