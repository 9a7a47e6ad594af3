"""Tiny hand-made persons and records for privacy tests."""

from __future__ import annotations

from datetime import date

from immigrationos.cases.models import Person, SourceRecord


def person_with_records(person_id: str, records: dict[str, tuple[str, date | None]]) -> Person:
    """Create ``person_id`` with records ``{record_uid: (source, event_date)}``."""
    person, _ = Person.objects.update_or_create(
        person_id=person_id, defaults={"given_name": "Test", "family_name": "Person"}
    )
    for uid, (source, event_date) in records.items():
        SourceRecord.objects.create(
            record_uid=uid,
            person=person,
            source=source,
            record_id=uid.split(":")[-1],
            event_date=event_date,
        )
    return person
