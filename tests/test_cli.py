"""The command line: errors are one message and exit code 2, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from immigrationos.cli import main


def test_synth_rejects_zero_persons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["synth", "--persons", "0", "--out", str(tmp_path / "out")])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("immigrationos synth: invalid persons 0")
    assert "Traceback" not in err


def test_invalid_as_of_names_the_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["derive", "--as-of", "04/12/2026"])

    assert exited.value.code == 2
    assert "invalid date '04/12/2026': expected YYYY-MM-DD" in capsys.readouterr().err


def test_evaluate_without_truth_folder_fails_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path / "home"))
    from immigrationos import paths, staging

    staging.connect(paths.staging_path()).close()
    code = main(["evaluate", "--truth", str(tmp_path / "missing")])

    err = capsys.readouterr().err
    assert code == 2
    assert "records.csv" in err


@pytest.mark.parametrize("port", ["0", "-1", "99999", "http"])
def test_serve_rejects_invalid_port(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", port])

    assert exited.value.code == 2
    assert f"invalid port {port!r}: expected 1 to 65535" in capsys.readouterr().err


def test_synth_into_a_file_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    code = main(["synth", "--persons", "5", "--out", str(blocker), "--as-of", "2026-12-04"])

    assert code == 2
    assert str(blocker) in capsys.readouterr().err


def test_synth_rejects_far_future_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["synth", "--persons", "5", "--out", str(tmp_path), "--as-of", "9999-12-31"])

    assert code == 2
    assert "invalid as-of date '9999-12-31'" in capsys.readouterr().err


def test_quarantine_lists_ingest_rejects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
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
    capsys.readouterr()

    assert main(["quarantine", "--source", "court"]) == 0

    out = capsys.readouterr().out
    assert "court.csv row 2 (line 3):" in out
    assert out.count("court.csv") == 1
    assert "a_number" in out
    assert out.rstrip().endswith("1 quarantine entry")
    assert main(["quarantine", "--source", "courts"]) == 2
    assert "unknown source 'courts'" in capsys.readouterr().err
