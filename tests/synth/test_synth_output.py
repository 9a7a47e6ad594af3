"""Output layout, determinism and truth consistency of generated populations."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from immigrationos.progress import NullProgress
from immigrationos.sources.contracts import CONTRACTS, DAY_FIRST, MONTH_FIRST, TWO_DIGIT_YEAR
from immigrationos.sources.ports import PORTS
from immigrationos.synth.errors import InvalidArgumentError
from immigrationos.synth.generator import SynthSummary, generate

AS_OF = date(2026, 12, 4)
Generate = Callable[..., tuple[Path, SynthSummary]]

SMALL = 800


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_files(population: Generate, tmp_path: Path) -> None:
    first, _ = population(persons=SMALL)
    generate(
        persons=SMALL,
        seed=7,
        out_dir=tmp_path,
        profile="default",
        as_of=AS_OF,
        progress=NullProgress(),
    )

    expected = _files(first)
    actual = _files(tmp_path)
    assert sorted(actual) == sorted(expected)
    for name, content in expected.items():
        assert actual[name] == content, name


def test_different_seeds_differ(population: Generate) -> None:
    first, _ = population(persons=SMALL, seed=7)
    second, _ = population(persons=SMALL, seed=8)

    for source in ("visas", "arrivals", "benefits"):
        path = Path("extracts") / f"{source}.csv"
        assert (first / path).read_bytes() != (second / path).read_bytes(), source


@pytest.mark.parametrize("source", sorted(CONTRACTS))
def test_extract_has_contract_columns(population: Generate, source: str) -> None:
    folder, _ = population(persons=SMALL)
    contract = CONTRACTS[source]
    raw = (folder / "extracts" / contract.file).read_bytes()

    with (folder / "extracts" / contract.file).open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert tuple(lines[0]) == contract.column_names
    assert len(lines) > 1
    assert {len(line) for line in lines} == {len(contract.column_names)}
    assert b"\r" not in raw
    for line in lines[1:]:
        row = dict(zip(contract.column_names, line, strict=True))
        missing = [name for name in contract.required_columns if not row[name]]
        assert missing == [], (row["record_id"], missing)


def test_every_record_in_truth_once(population: Generate) -> None:
    folder, summary = population(persons=SMALL)
    truth = _rows(folder / "truth" / "records.csv")
    persons = {row["person_id"] for row in _rows(folder / "truth" / "persons.csv")}

    in_truth = Counter((row["source"], row["record_id"]) for row in truth)
    in_extracts = Counter(
        (source, row["record_id"])
        for source, contract in CONTRACTS.items()
        for row in _rows(folder / "extracts" / contract.file)
    )
    assert in_extracts == in_truth
    assert max(in_truth.values()) == 1
    # Record ids are unique across sources, not only within one.
    assert len({record_id for _, record_id in in_truth}) == len(in_truth)
    assert {row["person_id"] for row in truth} <= persons
    assert sum(summary.record_counts.values()) == len(truth)


def test_dates_follow_contract_formats(population: Generate) -> None:
    folder, _ = population(persons=SMALL)
    extracts = folder / "extracts"

    for row in _rows(extracts / "visas.csv"):
        datetime.strptime(row["issue_date"], DAY_FIRST)
        if row["dob"]:
            datetime.strptime(row["dob"], DAY_FIRST)
    for row in _rows(extracts / "arrivals.csv"):
        if row["admit_until"] != "D/S":
            datetime.strptime(row["admit_until"], MONTH_FIRST)
        datetime.strptime(row["dob"], MONTH_FIRST)
    for row in _rows(extracts / "criminal.csv"):
        datetime.strptime(row["dob"], TWO_DIGIT_YEAR)
    for row in _rows(extracts / "benefits.csv"):
        date.fromisoformat(row["filed_date"])


def test_timestamps_carry_port_zone(population: Generate) -> None:
    folder, _ = population(persons=SMALL)
    offsets = Counter()

    for source, column in (("arrivals", "admission_ts"), ("departures", "departure_ts")):
        for row in _rows(folder / "extracts" / f"{source}.csv"):
            port = PORTS[row["port"]]
            assert row["port_tz"] == port.tz
            assert row["mode"] in port.modes, (row["record_id"], row["port"], row["mode"])
            stamp = datetime.fromisoformat(row[column])
            offsets[stamp.tzinfo is not None] += 1
    # Default profile: 15% of timestamps are local time without an offset.
    share_without = offsets[False] / (offsets[False] + offsets[True])
    assert 0.10 < share_without < 0.20


def test_protected_persons_have_no_priority(population: Generate) -> None:
    folder, _ = population(persons=SMALL)
    persons = _rows(folder / "truth" / "persons.csv")

    citizens = [row for row in persons if row["true_status"] == "citizen"]
    assert citizens
    for row in citizens:
        assert row["protected"] == "true"
        assert row["protection"] == "citizen"
        assert row["priority_category"] == "none"
    for row in persons:
        if row["protected"] == "true":
            assert row["priority_category"] == "none", row["person_id"]
            assert row["protection"] != ""


def test_clean_profile_has_no_defects(population: Generate) -> None:
    folder, summary = population(persons=SMALL, profile="clean")
    persons = {row["person_id"]: row for row in _rows(folder / "truth" / "persons.csv")}
    owner = {row["record_id"]: row["person_id"] for row in _rows(folder / "truth" / "records.csv")}

    assert sum(summary.defects_injected.values()) == 0
    assert all(row["defects"] == "" for row in persons.values())
    for source in ("visas", "benefits", "court", "criminal", "arrivals", "departures"):
        for row in _rows(folder / "extracts" / f"{source}.csv"):
            person = persons[owner[row["record_id"]]]
            assert (row["given_name"], row["family_name"]) == (
                person["given_name"],
                person["family_name"],
            ), row["record_id"]
            assert row["sex"] == person["sex"]


def test_dob_swaps_visible_in_extracts(population: Generate) -> None:
    folder, summary = population(persons=3000)
    persons = {row["person_id"]: row for row in _rows(folder / "truth" / "persons.csv")}
    owner = {row["record_id"]: row["person_id"] for row in _rows(folder / "truth" / "records.csv")}
    formats = {
        "visas": DAY_FIRST,
        "arrivals": MONTH_FIRST,
        "benefits": "%Y-%m-%d",
        "students": "%Y-%m-%d",
        "court": "%Y-%m-%d",
        "departures": "%Y-%m-%d",
        "enforcement": "%Y-%m-%d",
    }

    swapped = 0
    for source, pattern in formats.items():
        for row in _rows(folder / "extracts" / f"{source}.csv"):
            if not row["dob"]:
                continue
            written = datetime.strptime(row["dob"], pattern).date()
            true = date.fromisoformat(persons[owner[row["record_id"]]]["dob"])
            if written != true:
                assert (written.day, written.month, written.year) == (
                    true.month,
                    true.day,
                    true.year,
                ), row["record_id"]
                swapped += 1
    injected = summary.defects_injected["dob_day_month_swap"]
    criminal = sum(1 for _ in _rows(folder / "extracts" / "criminal.csv"))
    # Every swap not in the criminal extract shows, unless a missing-field defect blanked the
    # DOB or a late record was dropped, so the visible count is at most the injected one.
    assert 0.8 * (injected - 0.1 * criminal) <= swapped <= injected


def test_defect_rates_match_configuration(population: Generate) -> None:
    _, summary = population(persons=3000)

    checked = 0
    for kind in summary.rates.defect_kinds:
        rate = getattr(summary.rates, kind)
        chances = summary.defect_opportunities.get(kind, 0)
        if chances < 300 or rate == 0:
            continue
        realised = summary.defects_injected.get(kind, 0) / chances
        # Four binomial standard deviations around the configured rate.
        tolerance = 4 * (rate * (1 - rate) / chances) ** 0.5
        assert abs(realised - rate) <= tolerance, (kind, realised, rate)
        checked += 1
    assert checked >= 12


def test_person_defects_list_kinds(population: Generate) -> None:
    folder, summary = population(persons=3000)
    persons = _rows(folder / "truth" / "persons.csv")

    listed = Counter(kind for row in persons for kind in row["defects"].split(";") if kind)
    for kind, injected in summary.defects_injected.items():
        assert 0 < listed[kind] <= injected, kind
    assert listed["unrecorded_land_exit"] > 0


def test_meta_records_run(population: Generate) -> None:
    folder, summary = population(persons=SMALL)
    meta = json.loads((folder / "truth" / "meta.json").read_text(encoding="utf-8"))

    assert meta["seed"] == 7
    assert meta["persons"] == SMALL
    assert meta["profile"] == "default"
    assert meta["as_of"] == "2026-12-04"
    assert meta["defect_rates"] == summary.rates.as_dict()
    assert meta["generator_version"]


def test_households_share_surname_and_trip(population: Generate) -> None:
    folder, _ = population(persons=3000)
    persons = _rows(folder / "truth" / "persons.csv")
    owner = {row["record_id"]: row["person_id"] for row in _rows(folder / "truth" / "records.csv")}
    arrivals: dict[str, list[str]] = {}
    for row in _rows(folder / "extracts" / "arrivals.csv"):
        arrivals.setdefault(owner[row["record_id"]], []).append(row["admission_ts"][:10])

    households: dict[str, list[dict[str, str]]] = {}
    for row in persons:
        if row["household_id"]:
            households.setdefault(row["household_id"], []).append(row)
    assert len(households) > 20
    for members in households.values():
        assert len(members) >= 2
        assert len({row["family_name"] for row in members}) == 1
        assert len({row["nationality"] for row in members}) == 1
        assert len({tuple(arrivals[row["person_id"]]) for row in members}) == 1


def test_twins_share_surname_and_dob(population: Generate) -> None:
    folder, _ = population(persons=3000)
    persons = _rows(folder / "truth" / "persons.csv")

    pairs: dict[str, list[dict[str, str]]] = {}
    for row in persons:
        if row["twin_group"]:
            pairs.setdefault(row["twin_group"], []).append(row)
    assert pairs
    for twins in pairs.values():
        assert len(twins) == 2
        first, second = twins
        assert first["family_name"] == second["family_name"]
        assert first["dob"] == second["dob"]
        assert first["nationality"] == second["nationality"]
        assert first["given_name"] != second["given_name"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"profile": "harder"}, "unknown profile 'harder'"),
        ({"persons": 0}, "invalid persons 0"),
        ({"persons": 3_000_000}, "invalid persons 3000000"),
        ({"as_of": date(2024, 12, 4)}, "invalid as-of date '2024-12-04'"),
    ],
)
def test_invalid_arguments_rejected(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    call: dict[str, object] = {
        "persons": 10,
        "seed": 1,
        "out_dir": tmp_path,
        "profile": "default",
        "as_of": AS_OF,
        "progress": NullProgress(),
    }
    call.update(arguments)

    with pytest.raises(InvalidArgumentError, match=message):
        generate(**call)  # type: ignore[arg-type]


def _event_dates(folder: Path) -> list[tuple[str, str, date]]:
    """Return (source, record id, event date) for every extract row."""
    events = []
    for source, contract in CONTRACTS.items():
        column = contract.column(contract.event_date_column)
        for row in _rows(folder / "extracts" / contract.file):
            value = row[column.name]
            if column.kind == "datetime":
                on = date.fromisoformat(value[:10])
            else:
                on = datetime.strptime(value, column.date_format or "%Y-%m-%d").date()
            events.append((source, row["record_id"], on))
    return events


def test_records_dated_within_life(population: Generate) -> None:
    folder, _ = population(persons=3000)
    persons = {row["person_id"]: row for row in _rows(folder / "truth" / "persons.csv")}
    owner = {row["record_id"]: row["person_id"] for row in _rows(folder / "truth" / "records.csv")}

    for source, record_id, on in _event_dates(folder):
        born = date.fromisoformat(persons[owner[record_id]]["dob"])
        assert born <= on <= AS_OF, (source, record_id, on)
        if source in ("criminal", "court"):
            assert (on - born).days >= 16 * 365, (source, record_id)


def test_departed_status_has_evidence(population: Generate) -> None:
    folder, _ = population(persons=3000)
    owner = {row["record_id"]: row["person_id"] for row in _rows(folder / "truth" / "records.csv")}
    departed_on: dict[str, set[date]] = {}
    for source, record_id, on in _event_dates(folder):
        if source == "departures":
            departed_on.setdefault(owner[record_id], set()).add(on)

    checked = 0
    for person in _rows(folder / "truth" / "persons.csv"):
        if person["true_status"] not in ("departed", "self_departed"):
            continue
        # A departure is either in the extract on the status date, or its absence is a
        # defect the truth names.
        defects = set(person["defects"].split(";"))
        if defects & {"unrecorded_land_exit", "late_record"}:
            continue
        since = date.fromisoformat(person["status_since"])
        assert since in departed_on.get(person["person_id"], set()), person["person_id"]
        checked += 1
    assert checked > 100
