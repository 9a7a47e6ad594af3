"""Read-only queries behind the pages: dashboard counts, person detail, case lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from immigrationos.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    Office,
    Person,
    PipelineRun,
    SourceRecord,
    StatusPeriod,
)

# Statuses that rest on missing evidence rather than a recorded event.
UNCONFIRMED_STATUSES = frozenset({"potential_overstay_unconfirmed"})
CASES_PER_PAGE = 50
_TIMELINE_FIELDS = 6


@dataclass(frozen=True)
class Dashboard:
    """Counts for the dashboard and the latest pipeline run."""

    persons_by_status: list[tuple[str, int]]
    persons_by_tier: list[tuple[int | None, int]]
    cases_by_state: list[tuple[str, int]]
    persons_total: int
    last_run: PipelineRun | None
    last_run_timings: list[tuple[str, float]]


def dashboard_get() -> Dashboard:
    """Return persons by status and tier, cases by state and the latest pipeline run."""
    by_status = (
        Person.objects.values_list("status").annotate(n=Count("person_id")).order_by("status")
    )
    by_tier = Person.objects.values_list("tier").annotate(n=Count("person_id")).order_by("tier")
    by_state = Case.objects.values_list("state").annotate(n=Count("id")).order_by("state")
    last_run = PipelineRun.objects.order_by("-started_at").first()
    timings = (
        [(name, float(seconds)) for name, seconds in last_run.timings.items()] if last_run else []
    )
    return Dashboard(
        persons_by_status=[(status or "not derived", n) for status, n in by_status],
        persons_by_tier=list(by_tier),
        cases_by_state=list(by_state),
        persons_total=Person.objects.count(),
        last_run=last_run,
        last_run_timings=timings,
    )


@dataclass(frozen=True)
class Reason:
    """One priority reason as shown: its text, points, rule and evidence record ids."""

    text: str
    points: object
    rule: str
    evidence: list[str]


@dataclass(frozen=True)
class TimelineEntry:
    """One dated line of a person's timeline: a source record or a status period."""

    on: date | None
    kind: str
    label: str
    record: SourceRecord | None = None
    period: StatusPeriod | None = None
    details: str = ""


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


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def _reason(raw: Any) -> Reason:
    # Reasons are expected as objects (reason, rule, points, evidence). Any other value is
    # shown as text rather than dropped.
    if not isinstance(raw, dict):
        return Reason(text=str(raw), points="", rule="", evidence=[])
    text = raw.get("reason") or raw.get("text") or raw.get("description") or raw.get("rule", "")
    return Reason(
        text=str(text),
        points=raw.get("points", ""),
        rule=str(raw.get("rule") or raw.get("rule_id") or ""),
        evidence=_as_list(raw.get("evidence") or raw.get("evidence_ids")),
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
    timeline += [
        TimelineEntry(on=period.start_date, kind="status", label=period.status, period=period)
        for period in periods
    ]
    timeline.sort(key=lambda entry: (entry.on or date.min, entry.kind != "status", entry.label))

    flags = _flags(person.status_flags)
    unconfirmed = person.status in UNCONFIRMED_STATUSES or any(
        "unconfirmed" in flag for flag in flags
    )
    return PersonDetail(
        person=person,
        records=records,
        periods=periods,
        timeline=timeline,
        reasons=[_reason(raw) for raw in _as_reasons(person.priority_reasons)],
        cases=list(person.cases.select_related("office").order_by("-opened_at")),
        status_unconfirmed=unconfirmed,
        flags=flags,
    )


def _record_details(record: SourceRecord) -> str:
    """Return the record's first few source fields as "name value" pairs for the timeline."""
    attrs = record.attrs if isinstance(record.attrs, dict) else {}
    shown = [(key, value) for key, value in attrs.items() if value not in (None, "", [], {})]
    return " · ".join(f"{key} {value}" for key, value in shown[:_TIMELINE_FIELDS])


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
        "offices": [(office.code, office.name) for office in Office.objects.all()],
    }


@dataclass(frozen=True)
class CaseDetail:
    """A case with its person and history."""

    case: Case
    events: list[CaseEvent]


def case_detail_get(*, case_id: int) -> CaseDetail:
    """Return the case and its events, oldest first. Raises Case.DoesNotExist."""
    case = Case.objects.select_related("person", "office").get(pk=case_id)
    events = list(case.events.select_related("actor").order_by("at", "id"))
    return CaseDetail(case=case, events=events)
