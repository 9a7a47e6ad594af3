"""Read-only queries behind the pages: dashboard counts, person detail, case lists."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet

from immigrationos.cases.models import (
    Case,
    CaseState,
    Office,
    Person,
    PipelineRun,
    ReviewItem,
    SourceRecord,
    StatusPeriod,
)

# Statuses that rest on missing evidence rather than a recorded event.
UNCONFIRMED_STATUSES = frozenset({"potential_overstay_unconfirmed"})
# Protections that do not end on their own. Every other protection (a pending application,
# TPS, deferred action, minority, an identity under review, ...) lasts only as long as its
# ground. The policy withholds the permanent-resident protection after a qualifying
# conviction, so a person who has it has no such conviction on record.
LASTING_PROTECTIONS = frozenset({"citizen", "lawful_permanent_resident"})
CASES_PER_PAGE = 50
REVIEW_ITEMS_PER_PAGE = 50
_TIMELINE_FIELDS = 6
# Ids per IN (...) query, below SQLite's default limit of bound parameters.
_ID_CHUNK = 900
# Source fields the timeline always shows for these sources, first and even when empty:
# an admission's end date and mode, and how a departure is known.
_TIMELINE_KEY_FIELDS = {
    "arrivals": ("class_of_admission", "admit_until", "mode", "port"),
    "departures": ("evidence_kind", "mode", "port", "carrier"),
}
# Fields the timeline line repeats elsewhere (the record id is in its label).
_TIMELINE_SKIPPED_FIELDS = frozenset({"record_id", "event_local_date"})


@dataclass(frozen=True)
class Dashboard:
    """Counts for the dashboard and the latest pipeline run."""

    persons_by_status: list[tuple[str, int]]
    persons_by_tier: list[tuple[int | None, int]]
    cases_by_state: list[tuple[str, int]]
    persons_total: int
    review_items_pending: int
    last_run: PipelineRun | None
    last_run_timings: list[tuple[str, float]]


def dashboard_get(*, office_codes: Iterable[str] | None = None) -> Dashboard:
    """Return persons by status and tier, cases by state and the latest pipeline run.

    ``office_codes`` limits the case counts to those offices (None: every office), so an
    office-scoped user sees the counts of the cases they can open.
    """
    by_status = (
        Person.objects.values_list("status").annotate(n=Count("person_id")).order_by("status")
    )
    by_tier = Person.objects.values_list("tier").annotate(n=Count("person_id")).order_by("tier")
    cases = Case.objects.all()
    if office_codes is not None:
        cases = cases.filter(office_id__in=sorted(office_codes))
    by_state = cases.values_list("state").annotate(n=Count("id")).order_by("state")
    last_run = PipelineRun.objects.order_by("-started_at").first()
    timings = (
        [(name, float(seconds)) for name, seconds in last_run.timings.items()] if last_run else []
    )
    return Dashboard(
        persons_by_status=[(status or "not derived", n) for status, n in by_status],
        persons_by_tier=list(by_tier),
        cases_by_state=list(by_state),
        persons_total=Person.objects.count(),
        review_items_pending=ReviewItem.objects.filter(decision="").count(),
        last_run=last_run,
        last_run_timings=timings,
    )


@dataclass(frozen=True)
class RecordRef:
    """A cited record id and the person it is linked to (None when unlinked or unknown)."""

    record_uid: str
    person_id: str | None


@dataclass(frozen=True)
class PersonRef:
    """A person named by a review item; ``person`` is None when the id is not loaded."""

    person_id: str
    person: Person | None
    has_open_case: bool


@dataclass(frozen=True)
class ReviewRow:
    """One review item as shown, with its persons and records resolved to their owners."""

    item: ReviewItem
    persons: list[PersonRef]
    records: list[RecordRef]
    touches_open_case: bool


@dataclass(frozen=True)
class Reason:
    """One priority reason as shown: its text, points, rule and evidence records."""

    text: str
    points: object
    rule: str
    evidence: list[RecordRef]


@dataclass(frozen=True)
class TimelineEntry:
    """One dated line of a person's timeline: a source record or a status period."""

    on: date | None
    kind: str
    label: str
    record: SourceRecord | None = None
    period: StatusPeriod | None = None
    details: str = ""
    evidence: list[RecordRef] = field(default_factory=list)


@dataclass
class PersonDetail:
    """Everything the person page shows."""

    person: Person
    records: list[SourceRecord]
    periods: list[StatusPeriod]
    timeline: list[TimelineEntry]
    reasons: list[Reason]
    cases: list[Case]
    status_unconfirmed: bool
    flags: list[str] = field(default_factory=list)
    status_evidence: list[RecordRef] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)
    review_items_pending: int = 0
    protection_lasting: bool = False


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def _reason(raw: Any, *, owners: dict[str, str]) -> Reason:
    # Reasons are expected as objects (reason, rule, points, evidence). Any other value is
    # shown as text rather than dropped.
    if not isinstance(raw, dict):
        return Reason(text=str(raw), points="", rule="", evidence=[])
    text = raw.get("reason") or raw.get("text") or raw.get("description") or raw.get("rule", "")
    evidence = _as_list(raw.get("evidence") or raw.get("evidence_ids"))
    return Reason(
        text=str(text),
        points=raw.get("points", ""),
        rule=str(raw.get("rule") or raw.get("rule_id") or ""),
        evidence=[RecordRef(record_uid=uid, person_id=owners.get(uid)) for uid in evidence],
    )


def _flags(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {item}" if item is not True else str(key) for key, item in value.items()]
    return _as_list(value)


def person_detail_get(*, person_id: str) -> PersonDetail:
    """Return the person with records, timeline, status, priority reasons and cases.

    Raises Person.DoesNotExist when no person has ``person_id``.
    """
    person = Person.objects.get(person_id=person_id)
    records = list(person.records.all().order_by("event_date", "record_uid"))
    periods = list(person.status_periods.all().order_by("seq"))

    timeline = [
        TimelineEntry(
            on=record.event_date,
            kind="record",
            label=f"{record.source} {record.record_id}",
            record=record,
            details=_record_details(record),
        )
        for record in records
    ]
    own_record_uids = [record.record_uid for record in records]
    reasons_raw = _as_reasons(person.priority_reasons)
    owners = _evidence_owners(
        person_id=person_id,
        own_record_uids=own_record_uids,
        cited=[
            *_as_list(person.status_evidence),
            *(uid for period in periods for uid in _as_list(period.evidence)),
            *(
                uid
                for raw in reasons_raw
                if isinstance(raw, dict)
                for uid in _as_list(raw.get("evidence") or raw.get("evidence_ids"))
            ),
        ],
    )
    timeline += [
        TimelineEntry(
            on=period.start_date,
            kind="status",
            label=period.status,
            period=period,
            evidence=[
                RecordRef(record_uid=uid, person_id=owners.get(uid))
                for uid in _as_list(period.evidence)
            ],
        )
        for period in periods
    ]
    timeline.sort(key=lambda entry: (entry.on or date.min, entry.kind != "status", entry.label))

    flags = _flags(person.status_flags)
    unconfirmed = person.status in UNCONFIRMED_STATUSES or any(
        "unconfirmed" in flag for flag in flags
    )
    reviews = person_reviews_get(person_id=person_id, record_uids=own_record_uids)
    return PersonDetail(
        person=person,
        records=records,
        periods=periods,
        timeline=timeline,
        reasons=[_reason(raw, owners=owners) for raw in reasons_raw],
        cases=list(person.cases.select_related("office").order_by("-opened_at")),
        status_unconfirmed=unconfirmed,
        flags=flags,
        status_evidence=[
            RecordRef(record_uid=uid, person_id=owners.get(uid))
            for uid in _as_list(person.status_evidence)
        ],
        reviews=reviews,
        review_items_pending=sum(1 for row in reviews if not row.item.decision),
        protection_lasting=person.protected and person.protection in LASTING_PROTECTIONS,
    )


def _evidence_owners(
    *, person_id: str, own_record_uids: list[str], cited: list[str]
) -> dict[str, str]:
    """Map each cited record id to the person it is linked to.

    Evidence is mostly the person's own records, but a protection such as an identity under
    review can cite another person's record. Ids linked to nobody are left out.
    """
    owners = dict.fromkeys(own_record_uids, person_id)
    foreign = sorted(set(cited) - owners.keys())
    for start in range(0, len(foreign), _ID_CHUNK):
        rows = SourceRecord.objects.filter(
            record_uid__in=foreign[start : start + _ID_CHUNK], person__isnull=False
        ).values_list("record_uid", "person_id")
        owners.update(rows)
    return owners


def _record_details(record: SourceRecord) -> str:
    """Return the record's main source fields as "name value" pairs for the timeline.

    The key fields of the record's source come first and are shown even when empty ("not
    recorded"), then other non-empty fields up to ``_TIMELINE_FIELDS`` in all.
    """
    attrs = record.attrs if isinstance(record.attrs, dict) else {}
    key_fields = _TIMELINE_KEY_FIELDS.get(record.source, ())
    shown = [(key, _field_text(key, attrs.get(key))) for key in key_fields]
    shown += [
        (key, _field_text(key, value))
        for key, value in attrs.items()
        if key not in key_fields
        and key not in _TIMELINE_SKIPPED_FIELDS
        and value not in (None, "", [], {})
    ]
    limit = max(_TIMELINE_FIELDS, len(key_fields))
    return " · ".join(f"{key.replace('_', ' ')} {value}" for key, value in shown[:limit])


def _field_text(key: str, value: Any) -> str:
    if value in (None, "", [], {}):
        return "not recorded"
    if key == "admit_until" and str(value).upper() == "D/S":
        # An admission for duration of status has no end date: it lasts while the person
        # keeps the status (a student's programme, for example).
        return "D/S (duration of status)"
    return str(value)


def person_reviews_get(*, person_id: str, record_uids: list[str]) -> list[ReviewRow]:
    """Return the review items naming ``person_id`` or citing one of ``record_uids``.

    Undecided items come first, then higher match probability, then the review id.
    """
    condition = _json_list_contains("person_ids", person_id)
    for record_uid in record_uids:
        condition |= _json_list_contains("record_uids", record_uid)
    own_records = set(record_uids)
    matching = [
        item
        for item in ReviewItem.objects.filter(condition).order_by("review_id")
        # The text match on SQLite may find an id inside a longer one, so membership is
        # checked exactly here.
        if person_id in _as_list(item.person_ids)
        or own_records.intersection(_as_list(item.record_uids))
    ]
    matching.sort(
        key=lambda item: (
            bool(item.decision),
            -(item.match_probability if item.match_probability is not None else -1.0),
        )
    )
    return _review_rows(matching)


def _json_list_contains(field_name: str, value: str) -> Q:
    """Return a condition that the JSON list in ``field_name`` may contain ``value``."""
    if connection.features.supports_json_field_contains:
        return Q(**{f"{field_name}__contains": [value]})
    # SQLite has no JSON containment lookup, so the quoted value is searched in the JSON
    # text. This can also match a differently cased value, which the caller filters out.
    return Q(**{f"{field_name}__icontains": json.dumps(value)})


def _persons_with_open_case(person_ids: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(person_ids)
    for start in range(0, len(ordered), _ID_CHUNK):
        chunk = ordered[start : start + _ID_CHUNK]
        open_cases = Case.objects.filter(person_id__in=chunk).exclude(state=CaseState.CLOSED)
        found.update(open_cases.values_list("person_id", flat=True))
    return found


def _review_rows(items: list[ReviewItem]) -> list[ReviewRow]:
    """Resolve the persons and record owners of ``items`` with one query each."""
    person_ids = {pid for item in items for pid in _as_list(item.person_ids)}
    record_uids = {uid for item in items for uid in _as_list(item.record_uids)}
    persons = Person.objects.in_bulk(list(person_ids))
    owners = dict(
        SourceRecord.objects.filter(record_uid__in=list(record_uids)).values_list(
            "record_uid", "person_id"
        )
    )
    open_case_persons = _persons_with_open_case(person_ids)
    rows = []
    for item in items:
        refs = [
            PersonRef(
                person_id=pid, person=persons.get(pid), has_open_case=pid in open_case_persons
            )
            for pid in _as_list(item.person_ids)
        ]
        rows.append(
            ReviewRow(
                item=item,
                persons=refs,
                records=[
                    RecordRef(record_uid=uid, person_id=owners.get(uid))
                    for uid in _as_list(item.record_uids)
                ],
                touches_open_case=any(ref.has_open_case for ref in refs),
            )
        )
    return rows


def _as_reasons(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if value:
        return [value]
    return []


@dataclass(frozen=True)
class CaseFilters:
    """Case list filters; an empty value means no filter."""

    state: str = ""
    tier: int | None = None
    office: str = ""


def case_list(*, filters: CaseFilters) -> QuerySet[Case]:
    """Return the cases matching ``filters``, highest priority (lowest tier) first."""
    cases = Case.objects.select_related("person", "office")
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.tier is not None:
        cases = cases.filter(tier=filters.tier)
    if filters.office:
        cases = cases.filter(office_id=filters.office)
    return cases.order_by("tier", "opened_at", "id")


def case_page_get(*, filters: CaseFilters, page: str | int | None) -> Page[Case]:
    """Return one page of the filtered case list; a bad page number gives the nearest page."""
    return Paginator(case_list(filters=filters), CASES_PER_PAGE).get_page(page)


def case_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Return the values offered in the case list filters."""
    tiers = {tier for tier in Case.objects.values_list("tier", flat=True) if tier is not None}
    return {
        "states": list(CaseState.choices),
        "tiers": [(str(tier), f"Tier {tier}") for tier in sorted(tiers)],
        "offices": [
            (office.code, f"{office.name} ({office.code})") for office in Office.objects.all()
        ],
    }
