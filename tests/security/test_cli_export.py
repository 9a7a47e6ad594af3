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


def test_quarantine_csv_export_fresh_process(tmp_path: Path) -> None:
    # A fresh process has no Django settings until the command sets them up, unlike this
    # test process, so the export runs as an operator would run it.
    import os
    import subprocess
    import sys

    env = {**os.environ, "IMMIGRATIONOS_HOME": str(tmp_path / "home")}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "immigrationos.cli"]
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    (extracts / "court.csv").write_text(
        "record_id,case_number,a_number,given_name,family_name,nta_date,decision\n"
        "C-2,EOIR2,A0123,Ana,Lemos,2024-01-10,pending\n",
        encoding="utf-8",
    )
    target = tmp_path / "quarantine.csv"

    steps = [
        [*command, "manage", "migrate", "--verbosity", "0"],
        [*command, "ingest", str(extracts)],
        [*command, "quarantine", "--csv", str(target)],
    ]
    results = [subprocess.run(step, env=env, capture_output=True, text=True) for step in steps]

    assert [result.returncode for result in results] == [0, 0, 0], results[-1].stderr
    assert "A0123" in target.read_text(encoding="utf-8")
