"""Events applied after a pipeline run staged its records, which its load must keep."""

from __future__ import annotations

from dataclasses import dataclass

from immigrationos.cases.models import ReviewItem, SourceRecord
from immigrationos.events.models import IncomingEvent


@dataclass(frozen=True)
class UnstagedEvents:
    """The records, persons and review items of events that the staged run does not hold."""

    record_uids: set[str]
    person_ids: set[str]
    review_ids: set[str]


def unstaged_events(*, staged: set[str]) -> UnstagedEvents:
    """Return what the events missing from ``staged`` (record uids) put in the store."""
    rows = [
        (record_uid, event_id)
        for record_uid, event_id in IncomingEvent.objects.values_list(
            "record_uid", "event_id"
        ).iterator(chunk_size=5000)
        if record_uid not in staged
    ]
    record_uids = {record_uid for record_uid, _ in rows}
    person_ids = {
        str(person_id)
        for person_id in SourceRecord.objects.filter(record_uid__in=record_uids)
        .exclude(person=None)
        .values_list("person_id", flat=True)
    }
    prefixes = tuple(f"event:{event_id}:" for _, event_id in rows)
    review_ids = (
        {
            review_id
            for review_id in ReviewItem.objects.filter(
                decision="", review_id__startswith="event:"
            ).values_list("review_id", flat=True)
            if review_id.startswith(prefixes)
        }
        if prefixes
        else set()
    )
    return UnstagedEvents(record_uids=record_uids, person_ids=person_ids, review_ids=review_ids)
