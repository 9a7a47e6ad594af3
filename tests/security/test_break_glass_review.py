"""A break-glass review needs a note, so a window cannot be waved through blank."""

from __future__ import annotations

from typing import Any

from access.conftest import Offices
from immigrationos.access.models import BreakGlass
from immigrationos.audit.models import AuditEvent

JUSTIFICATION = "Detainee transfer tonight; need the LOS case file for the hand-over."


def test_review_without_note_rejected(role_client: Any, offices: Offices) -> None:
    officer = role_client("officer")
    officer.post("/break-glass/request/", {"justification": JUSTIFICATION})
    glass = BreakGlass.objects.get()
    supervisor = role_client("supervisor")

    response = supervisor.post(f"/break-glass/{glass.id}/review/", {"note": "   "}, follow=True)

    glass.refresh_from_db()
    assert glass.reviewed_at is None
    assert "write a note" in response.content.decode()
    event = AuditEvent.objects.get(action="break_glass_review")
    assert event.outcome == "failed"
