"""Synthetic departure and arrival events: schema, determinism, mix, defects and truth."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from immigrationos.cli import main
from immigrationos.departures.geography import inside_united_states, outside_border_by
from immigrationos.departures.schema import events_parse
from immigrationos.synth import names
from immigrationos.synth.errors import InvalidArgumentError
from immigrationos.synth.events import (
    ARRIVAL_KNOWN,
    ARRIVAL_REENTRY,
    ARRIVAL_UNKNOWN,
    DEPARTURE_KNOWN,
    DEPARTURE_UNKNOWN,
    DOB_SWAP,
    MISSING_PASSPORT,
    NAME_TYPO,
    EventOptions,
    GeneratedEvents,
    events_generate,
    events_write,
    truth_read,
)
from immigrationos.synth.generator import SynthSummary
from immigrationos.synth.travellers import Population, population_read

Generate = Callable[..., tuple[Path, SynthSummary]]
PERSONS = 3000
COUNT = 1200
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def folder(population: Generate) -> Path:
    out, _ = population(persons=PERSONS, seed=11)
    return out


@pytest.fixture(scope="module")
def world(folder: Path) -> Population:
    return population_read(extracts_dir=folder / "extracts")


@pytest.fixture(scope="module")
def generated(world: Population) -> GeneratedEvents:
    return events_generate(population=world, options=EventOptions(count=COUNT, seed=5))


def _truth_persons(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "truth" / "persons.csv").open(encoding="utf-8", newline="") as handle:
        return {row["person_id"]: row for row in csv.DictReader(handle)}


def _roles(generated: GeneratedEvents) -> Counter[str]:
    return Counter(item.role for item in generated.truth)


def _folded(text: str) -> str:
    return names.fold(text).upper()


def test_events_same_seed_identical(world: Population, generated: GeneratedEvents) -> None:
    again = events_generate(population=world, options=EventOptions(count=COUNT, seed=5))

    assert again.events == generated.events
    assert again.truth == generated.truth


def test_events_other_seed_differs(world: Population, generated: GeneratedEvents) -> None:
    other = events_generate(population=world, options=EventOptions(count=COUNT, seed=6))

    assert [e["event_id"] for e in other.events] != [e["event_id"] for e in generated.events]
    assert [t.person_id for t in other.truth] != [t.person_id for t in generated.truth]


def test_every_event_passes_schema(generated: GeneratedEvents) -> None:
    accepted, rejected = events_parse(generated.events)

    assert [rejection.message for rejection in rejected] == []
    assert len(accepted) == COUNT


def test_event_ids_unique(generated: GeneratedEvents) -> None:
    ids = [event["event_id"] for event in generated.events]

    assert len(set(ids)) == COUNT
    assert ids == [item.event_id for item in generated.truth]


def test_timestamps_in_order_from_start(world: Population) -> None:
    options = EventOptions(count=200, seed=5, start=START, interval=timedelta(seconds=10))
    events = events_generate(population=world, options=options).events
    stamps = [datetime.fromisoformat(event["timestamp"]) for event in events]

    assert all(stamp.utcoffset() is not None for stamp in stamps)
    assert stamps == sorted(stamps)
    assert START <= stamps[0] < START + timedelta(seconds=10)
    assert stamps[-1] < START + timedelta(seconds=2000)


def test_default_start_ends_at_as_of(world: Population, generated: GeneratedEvents) -> None:
    midnight = datetime(world.as_of.year, world.as_of.month, world.as_of.day, tzinfo=UTC)
    last = datetime.fromisoformat(generated.events[-1]["timestamp"])

    assert midnight - timedelta(seconds=30) <= last <= midnight


def test_shares_roughly_as_asked(generated: GeneratedEvents) -> None:
    roles = _roles(generated)
    arrivals = roles[ARRIVAL_REENTRY] + roles[ARRIVAL_KNOWN] + roles[ARRIVAL_UNKNOWN]
    departures = roles[DEPARTURE_KNOWN] + roles[DEPARTURE_UNKNOWN]
    defects = sum(1 for item in generated.truth if item.defect)

    assert arrivals + departures == COUNT
    assert 0.12 <= arrivals / COUNT <= 0.18
    assert 0.07 <= roles[DEPARTURE_UNKNOWN] / departures <= 0.13
    assert 0.17 <= defects / COUNT <= 0.23
    assert roles[ARRIVAL_REENTRY] > 0
    assert roles[ARRIVAL_KNOWN] > 0


@pytest.mark.parametrize(
    ("arrival_share", "unknown_share", "defect_rate"), [(0.0, 0.0, 0.0), (0.3, 0.25, 0.5)]
)
def test_shares_follow_options(
    world: Population, arrival_share: float, unknown_share: float, defect_rate: float
) -> None:
    options = EventOptions(
        count=800,
        seed=9,
        arrival_share=arrival_share,
        unknown_share=unknown_share,
        defect_rate=defect_rate,
    )
    generated = events_generate(population=world, options=options)
    roles = _roles(generated)
    departures = roles[DEPARTURE_KNOWN] + roles[DEPARTURE_UNKNOWN]
    defects = sum(1 for item in generated.truth if item.defect)

    assert abs((800 - departures) / 800 - arrival_share) <= 0.05
    assert abs(roles[DEPARTURE_UNKNOWN] / departures - unknown_share) <= 0.05
    assert abs(defects / 800 - defect_rate) <= 0.05


def test_known_truth_ids_exist(folder: Path, generated: GeneratedEvents) -> None:
    persons = _truth_persons(folder)
    out_of_country = {"departed", "removed", "self_departed"}

    for item in generated.truth:
        if item.role == DEPARTURE_KNOWN:
            assert item.person_id in persons, item
            assert persons[item.person_id]["true_status"] not in out_of_country, item
        elif item.role == ARRIVAL_KNOWN:
            assert item.person_id in persons, item
            assert persons[item.person_id]["true_status"] in out_of_country, item


def test_unknown_persons_are_new(folder: Path, generated: GeneratedEvents) -> None:
    persons = _truth_persons(folder)
    unknown = [t for t in generated.truth if t.role in (DEPARTURE_UNKNOWN, ARRIVAL_UNKNOWN)]

    assert unknown
    assert all(item.person_id not in persons for item in unknown)
    assert len({item.person_id for item in unknown}) == len(unknown)


def test_unknown_passports_not_in_extracts(folder: Path, generated: GeneratedEvents) -> None:
    unknown = {t.event_id for t in generated.truth if t.role == DEPARTURE_UNKNOWN}
    passports = {e.get("passport_no") for e in generated.events if e["event_id"] in unknown} - {
        None
    }
    text = "\n".join(
        (folder / "extracts" / f"{source}.csv").read_text(encoding="utf-8")
        for source in ("visas", "arrivals", "departures", "students", "benefits")
    )

    assert passports
    assert [number for number in passports if number in text] == []


def test_reentries_follow_departure(generated: GeneratedEvents) -> None:
    departed_at: dict[str, int] = {}

    for position, item in enumerate(generated.truth):
        if item.role == ARRIVAL_REENTRY:
            assert item.person_id in departed_at, item
            assert departed_at.pop(item.person_id) < position
        elif item.role.startswith("departure"):
            departed_at[item.person_id] = position


def test_known_departure_carries_identity(
    folder: Path, world: Population, generated: GeneratedEvents
) -> None:
    persons = _truth_persons(folder)
    clean = [
        (event, item)
        for event, item in zip(generated.events, generated.truth, strict=True)
        if item.role == DEPARTURE_KNOWN and not item.defect
    ]

    assert clean
    for event, item in clean:
        person = persons[item.person_id]
        assert event["dob"] == person["dob"]
        assert _folded(event["family_name"]) in {
            _folded(person["family_name"]),
            names.transcribe(person["family_name"]).upper(),
        }
        passport = world.travellers[item.person_id].passport
        assert event.get("passport_no") == (passport[0] if passport else None)


def test_defects_change_the_record(folder: Path, generated: GeneratedEvents) -> None:
    persons = _truth_persons(folder)
    pairs = list(zip(generated.events, generated.truth, strict=True))
    kinds = Counter(item.defect for _, item in pairs if item.defect)

    assert kinds[NAME_TYPO] > 0
    assert kinds[MISSING_PASSPORT] > 0
    assert kinds[DOB_SWAP] > 0
    for event, item in pairs:
        if item.role not in (DEPARTURE_KNOWN, ARRIVAL_KNOWN):
            continue
        person = persons[item.person_id]
        if item.defect == MISSING_PASSPORT:
            assert "passport_no" not in event, item
        elif item.defect == DOB_SWAP:
            true_dob = date.fromisoformat(person["dob"])
            assert (
                event["dob"] == true_dob.replace(day=true_dob.month, month=true_dob.day).isoformat()
            )
        elif item.defect == NAME_TYPO:
            written = (_folded(event["given_name"]), _folded(event["family_name"]))
            assert written != (_folded(person["given_name"]), _folded(person["family_name"]))


def test_land_exits_have_locations(generated: GeneratedEvents) -> None:
    located = [e for e in generated.events if e["evidence_kind"] in ("land_exit", "self_reported")]
    points = [(e["location"]["latitude"], e["location"]["longitude"]) for e in located]
    outside = [point for point in points if outside_border_by(*point, km=5.0)]
    inside = [point for point in points if inside_united_states(*point)]

    assert located
    assert all(isinstance(event["face_match"], bool) for event in located)
    assert len(outside) + len(inside) == len(points)
    assert 0.5 <= len(outside) / len(points) <= 0.9
    other = [
        e for e in generated.events if e["evidence_kind"] not in ("land_exit", "self_reported")
    ]
    assert all("location" not in event for event in other)


def test_mix_of_evidence_and_modes(generated: GeneratedEvents) -> None:
    evidence = Counter(event["evidence_kind"] for event in generated.events)
    modes = Counter(event["mode"] for event in generated.events)
    departures = [e for e in generated.events if e["kind"] == "departure"]

    for kind in ("carrier_manifest", "boarding_confirmation", "biometric_confirmation",
                 "land_exit", "self_reported", "admission"):  # fmt: skip
        assert evidence[kind] > 0, kind
    assert set(modes) == {"air", "sea", "land"}
    assert all(("carrier" in e) == (e["mode"] in ("air", "sea")) for e in departures)
    arrivals = [e for e in generated.events if e["kind"] == "arrival"]
    assert all(e["class_of_admission"] in ("WT", "B2") and e["admit_until"] for e in arrivals)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": 0}, "count 0 must be at least 1"),
        ({"arrival_share": 1.5}, "arrival_share 1.5 must be between 0 and 1"),
        ({"interval": timedelta(0)}, "interval 0.0 s must be positive"),
        ({"start": datetime(2026, 1, 1)}, "has no UTC offset"),
    ],
)
def test_invalid_options_rejected(world: Population, changes: dict[str, Any], message: str) -> None:
    options = EventOptions(**{"count": 10, "seed": 1, **changes})

    with pytest.raises(InvalidArgumentError, match=message):
        events_generate(population=world, options=options)


def test_too_many_departures_rejected(world: Population) -> None:
    options = EventOptions(count=PERSONS * 2, seed=1, arrival_share=0.0, unknown_share=0.0)

    with pytest.raises(InvalidArgumentError, match="persons in the country, too few"):
        events_generate(population=world, options=options)


def test_write_and_truth_read(tmp_path: Path, generated: GeneratedEvents) -> None:
    out, truth = tmp_path / "events.jsonl", tmp_path / "truth.csv"
    events_write(generated=generated, out=out, truth=truth)

    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == generated.events
    assert truth_read(truth) == generated.truth


def test_cli_writes_events_and_truth(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, truth = tmp_path / "events.jsonl", tmp_path / "truth.csv"
    code = main(
        ["synth-events", "--extracts", str(folder / "extracts"), "--out", str(out),
         "--count", "50", "--seed", "3", "--start", "2026-12-01T08:00:00+00:00",
         "--truth", str(truth)]
    )  # fmt: skip

    assert code == 0
    assert "50 events" in capsys.readouterr().out
    assert len(out.read_text(encoding="utf-8").splitlines()) == 50
    assert len(truth_read(truth)) == 50


def test_cli_missing_truth_fails_cleanly(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["synth-events", "--extracts", str(folder), "--out", str(tmp_path / "e.jsonl"),
         "--count", "5"]
    )  # fmt: skip

    assert code == 2
    assert "meta.json" in capsys.readouterr().err
