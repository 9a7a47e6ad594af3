"""The whole pipeline on a generated population, checked against its ground truth."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from immigrationos import paths, staging
from immigrationos.cli import main as cli_main
from immigrationos.evaluation import evaluate
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.pipeline import run_pipeline
from immigrationos.progress import NullProgress
from immigrationos.synth.generator import generate

AS_OF = date(2026, 12, 4)
PERSONS = 2_000

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def population(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path / "home"))
    out = tmp_path / "synth"
    generate(
        persons=PERSONS,
        seed=7,
        out_dir=out,
        profile="default",
        as_of=AS_OF,
        progress=NullProgress(),
    )
    return out


def _staging_scalar(sql: str) -> int:
    con = staging.connect(paths.staging_path(), read_only=True)
    try:
        return int(con.execute(sql).fetchall()[0][0])
    finally:
        con.close()


def test_pipeline_meets_accuracy_targets(population: Path) -> None:
    from immigrationos.cases.models import Case, Person, SourceRecord

    result = run_pipeline(extracts_dir=population / "extracts", as_of=AS_OF)
    assert result.ok, result.render()
    assert list(result.stages) == ["ingest", "link", "derive", "prioritise", "load"]
    # 2,000 persons are enough to train, so u was sampled with the configured seed.
    assert result.counts["linkage_seed"] == LinkageSettings().seed

    con = staging.connect(paths.staging_path(), read_only=True)
    try:
        figures = evaluate(con=con, truth_dir=population / "truth")
    finally:
        con.close()
    assert figures["pairwise_precision"] >= 0.995
    assert figures["pairwise_recall"] >= 0.95
    assert figures["protected_with_tier"] == 0

    persons = _staging_scalar("SELECT count(DISTINCT person_id) FROM person_records")
    records = _staging_scalar("SELECT count(*) FROM records")
    assert Person.objects.count() == persons
    assert SourceRecord.objects.count() == records
    assert Case.objects.filter(person__protected=True).count() == 0
    assert Case.objects.count() > 0


def test_rerun_keeps_person_ids_and_cases(population: Path) -> None:
    from immigrationos.cases.models import Case, Person

    first = run_pipeline(extracts_dir=population / "extracts", as_of=AS_OF)
    assert first.ok, first.render()
    ids_before = set(Person.objects.values_list("person_id", flat=True))
    cases_before = set(Case.objects.values_list("person_id", flat=True))

    second = run_pipeline(extracts_dir=population / "extracts", as_of=AS_OF)
    assert second.ok, second.render()
    assert set(Person.objects.values_list("person_id", flat=True)) == ids_before
    assert set(Case.objects.values_list("person_id", flat=True)) == cases_before
    assert Case.objects.count() == len(cases_before)


def test_evaluate_json_has_documented_keys(
    population: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_pipeline(extracts_dir=population / "extracts", as_of=AS_OF, load_operational=False)
    assert result.ok, result.render()
    capsys.readouterr()

    assert cli_main(["evaluate", "--truth", str(population / "truth"), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    for key in (
        "pairwise_precision",
        "pairwise_recall",
        "pairwise_f1",
        "wrongful_merges",
        "status_accuracy",
        "protected_with_tier",
    ):
        assert key in figures
    assert isinstance(figures["status_accuracy"], dict)
    assert 0.0 <= figures["pairwise_f1"] <= 1.0
