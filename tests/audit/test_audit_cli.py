"""`immigrationos audit verify`, `anchor` and `restrict-role`: exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection

from audit.audit_helpers import events_write, tamper
from immigrationos.cli import main

pytestmark = pytest.mark.django_db


def test_verify_whole_chain_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    events_write(3)

    code = main(["audit", "verify"])

    assert code == 0
    assert "audit chain whole: 3 events, #1 to #3" in capsys.readouterr().out


def test_verify_broken_chain_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    events_write(3)
    tamper("UPDATE audit_auditevent SET purpose = 'other' WHERE seq = 2")

    code = main(["audit", "verify"])

    err = capsys.readouterr().err
    assert code == 1
    assert "broken at event #2" in err
    assert "edited" in err


def test_anchor_then_verify_detects_truncation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events_write(4)
    anchor_file = tmp_path / "head.json"

    assert main(["audit", "anchor", "--out", str(anchor_file)]) == 0
    anchor = json.loads(anchor_file.read_text(encoding="utf-8"))
    assert main(["audit", "verify", "--anchor", str(anchor_file)]) == 0
    tamper("DELETE FROM audit_auditevent WHERE seq = 4")
    code = main(["audit", "verify", "--anchor", str(anchor_file)])

    assert anchor["seq"] == 4
    assert len(anchor["hash"]) == 64
    assert anchor["at"].endswith("Z")
    assert code == 1
    assert "truncated" in capsys.readouterr().err


def test_anchor_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    events_write(1)

    assert main(["audit", "anchor"]) == 0

    assert json.loads(capsys.readouterr().out)["seq"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "invalid anchor file"),
        ('{"seq": "1", "hash": "x"}', "integer 'seq'"),
    ],
)
def test_verify_rejects_bad_anchor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    anchor_file = tmp_path / "head.json"
    anchor_file.write_text(content, encoding="utf-8")

    code = main(["audit", "verify", "--anchor", str(anchor_file)])

    assert code == 2
    assert message in capsys.readouterr().err


def test_verify_missing_anchor_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", "verify", "--anchor", str(tmp_path / "absent.json")])

    assert code == 2
    assert "not found" in capsys.readouterr().err


def test_verify_empty_chain_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", "verify"])

    assert code == 0
    assert "no events after #0" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the SQLite message")
def test_restrict_role_needs_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", "restrict-role", "app"])

    assert code == 2
    assert "needs PostgreSQL" in capsys.readouterr().err
