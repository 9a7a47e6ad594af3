"""Command-line exports of personal data write an audit event."""

from __future__ import annotations

from pathlib import Path

import pytest

from immigrationos.audit.models import AuditEvent
from immigrationos.cli import main


@pytest.mark.django_db
def test_quarantine_csv_export_audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path / "home"))
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    (extracts / "court.csv").write_text(
        "record_id,case_number,a_number,given_name,family_name,nta_date,decision\n"
        "C-1,EOIR1,A012345678,Ana,Lemos,2024-01-10,pending\n"
        "C-2,EOIR2,A0123,Ana,Lemos,2024-01-10,pending\n",
        encoding="utf-8",
    )
    assert main(["ingest", str(extracts)]) == 0
    target = tmp_path / "quarantine.csv"

    assert main(["quarantine", "--csv", str(target)]) == 0

    assert "A0123" in target.read_text(encoding="utf-8")
    event = AuditEvent.objects.get(action="quarantine_export")
    assert event.details["entries"] == 1
    assert event.details["file"] == str(target.resolve())
    assert event.username != ""
