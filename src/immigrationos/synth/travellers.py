"""Read a generated population back as travellers, for the synthetic event generator.

A traveller is one true person: the identity from ``truth/persons.csv``, the true status on
the population's as-of date, and the travel documents the person's records show. Documents
come from the extracts, read and validated by the ingest readers (``sources.reader`` and
``sources.rows``), so an event carries a passport number exactly as the store has it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from immigrationos.sources.config import CONFIG_FILE, SourceConfig, sources_config_load
from immigrationos.sources.contracts import CONTRACTS, SourceContract
from immigrationos.sources.reader import csv_rows_read, extract_decode, header_check
from immigrationos.sources.rows import RowChecker
from immigrationos.synth.errors import InvalidArgumentError

# True statuses of persons who are outside the United States on the as-of date.
OUT_OF_COUNTRY_STATUSES = frozenset({"departed", "removed", "self_departed"})

_Value = TypeVar("_Value")


@dataclass(frozen=True)
class Traveller:
    """One true person of the population, as the event generator needs them.

    ``passport`` is the (number, issuing country) of the person's latest record that shows
    one, and ``a_number`` likewise; either is None when no record shows one.
    """

    person_id: str
    given: str
    family: str
    dob: date
    sex: str
    nationality: str
    status: str
    passport: tuple[str, str] | None
    a_number: str | None

    @property
    def index(self) -> int:
        """Return the person's 0-based index in the population (``P0000001`` is 0)."""
        return int(self.person_id[1:]) - 1

    @property
    def in_country(self) -> bool:
        """Return whether the person is in the United States on the as-of date."""
        return self.status not in OUT_OF_COUNTRY_STATUSES


@dataclass(frozen=True)
class Population:
    """A generated population: its generator arguments and its travellers by person id."""

    seed: int
    persons: int
    as_of: date
    travellers: dict[str, Traveller]


def population_read(*, extracts_dir: Path) -> Population:
    """Read the population whose extracts are in ``extracts_dir``, with its truth beside it.

    ``immigrationos synth --out DIR`` writes ``DIR/extracts`` and ``DIR/truth``; pass
    ``DIR/extracts``. Raises InvalidArgumentError when a truth file is missing, and
    SourceError when an extract is rejected whole (bad encoding, header or quoting).
    """
    truth_dir = extracts_dir.parent / "truth"
    seed, persons, as_of = _meta_read(truth_dir / "meta.json")
    documents = _documents_read(
        extracts_dir=extracts_dir,
        owners=_record_owners(truth_dir / "records.csv"),
        today=max(date.today(), as_of),
    )
    travellers: dict[str, Traveller] = {}
    for row in _truth_rows(truth_dir / "persons.csv"):
        person_id = row["person_id"]
        passport, a_number = documents.get(person_id, (None, None))
        travellers[person_id] = Traveller(
            person_id=person_id,
            given=row["given_name"],
            family=row["family_name"],
            dob=date.fromisoformat(row["dob"]),
            sex=row["sex"],
            nationality=row["nationality"],
            status=row["true_status"],
            passport=passport,
            a_number=a_number,
        )
    return Population(seed=seed, persons=persons, as_of=as_of, travellers=travellers)


def _truth_file(path: Path) -> Path:
    """Return ``path``; raise InvalidArgumentError when the truth file is missing."""
    if not path.is_file():
        raise InvalidArgumentError(
            f"truth file {str(path)!r} not found; pass the extracts/ folder that "
            "`immigrationos synth --out DIR` wrote (DIR/extracts), with DIR/truth beside it"
        )
    return path


def _truth_rows(path: Path) -> list[dict[str, str]]:
    with _truth_file(path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _meta_read(path: Path) -> tuple[int, int, date]:
    """Return the seed, the number of persons and the as-of date of the population."""
    meta = json.loads(_truth_file(path).read_text(encoding="utf-8"))
    return int(meta["seed"]), int(meta["persons"]), date.fromisoformat(meta["as_of"])


def _record_owners(path: Path) -> dict[tuple[str, str], str]:
    """Return the true person of each (source, record id)."""
    return {(row["source"], row["record_id"]): row["person_id"] for row in _truth_rows(path)}


def _documents_read(
    *, extracts_dir: Path, owners: dict[tuple[str, str], str], today: date
) -> dict[str, tuple[tuple[str, str] | None, str | None]]:
    """Return each person's latest passport and A-number across the extracts that carry them."""
    configs = sources_config_load(extracts_dir / CONFIG_FILE)
    # person id -> (record date, (number, country)) and (record date, A-number)
    passports: dict[str, tuple[date, tuple[str, str]]] = {}
    a_numbers: dict[str, tuple[date, str]] = {}
    for contract in CONTRACTS.values():
        names = contract.column_names
        if "passport_no" not in names and "a_number" not in names:
            continue
        path = extracts_dir / contract.file
        if not path.is_file():
            continue
        config = configs.get(contract.name, SourceConfig())
        for record in _records_read(path=path, contract=contract, config=config, today=today):
            person_id = owners.get((contract.name, str(record["record_id"])))
            on = record["event_date"]
            if person_id is None or not isinstance(on, date):
                continue
            number, country = record.get("passport_no"), record.get("passport_country")
            if isinstance(number, str) and isinstance(country, str):
                _latest_keep(passports, person_id, on, (number, country))
            a_number = record.get("a_number")
            if isinstance(a_number, str):
                _latest_keep(a_numbers, person_id, on, a_number)
    people = passports.keys() | a_numbers.keys()
    return {
        person_id: (
            passports[person_id][1] if person_id in passports else None,
            a_numbers[person_id][1] if person_id in a_numbers else None,
        )
        for person_id in people
    }


def _latest_keep(
    latest: dict[str, tuple[date, _Value]], person_id: str, on: date, value: _Value
) -> None:
    """Keep ``value`` as the person's latest unless a later record already gave one."""
    if person_id not in latest or latest[person_id][0] <= on:
        latest[person_id] = (on, value)


def _records_read(
    *, path: Path, contract: SourceContract, config: SourceConfig, today: date
) -> list[dict[str, object]]:
    """Return the records of one extract that pass ingest's row checks; skip the others."""
    text = extract_decode(
        data=path.read_bytes(), file_name=path.name, source=contract.name, encoding=config.encoding
    )
    header, rows = csv_rows_read(text=text, file_name=path.name)
    header_check(header=header, contract=contract, file_name=path.name)
    checker = RowChecker(contract=contract, config=config, header=header, today=today)
    records = []
    for row in rows:
        if len(row.fields) != len(header):
            continue
        outcome = checker.check(row.fields)
        if outcome.record is not None:
            records.append(outcome.record)
    return records
