"""Read audit events for the auditor's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from immigrationos.audit.models import AuditEvent

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    username: str = ""
    person: str = ""
    case: int | None = None
    purpose: str = ""
    action: str = ""
    start: date | None = None
    end: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _object_id_match(
    rows: QuerySet[AuditEvent], object_type: str, object_id: str
) -> QuerySet[AuditEvent]:
    # object_ids is a JSON list of strings; matching the quoted id in its text finds exact
    # ids only ("P1" does not match "P10").
    # NOTE: this is a scan of the filtered rows, not an index lookup.
    return rows.filter(object_type=object_type, object_ids__icontains=f'"{object_id}"')


def audit_event_page_get(*, filters: AuditFilters, page: str | int | None) -> Page[AuditEvent]:
    """Return one page of events matching ``filters``, newest first."""
    rows = AuditEvent.objects.all()
    if filters.username:
        rows = rows.filter(username=filters.username)
    if filters.person:
        rows = _object_id_match(rows, "person", filters.person)
    if filters.case is not None:
        rows = _object_id_match(rows, "case", str(filters.case))
    if filters.purpose:
        rows = rows.filter(purpose=filters.purpose)
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.start:
        rows = rows.filter(at__gte=_day_start(filters.start))
    if filters.end:
        rows = rows.filter(at__lt=_day_start(filters.end + timedelta(days=1)))
    return Paginator(rows.order_by("-seq"), PAGE_SIZE).get_page(page)
