"""Tiny builders of typed record views for status tests."""

from __future__ import annotations

from typing import Any

from immigrationos.status.records import RecordView, record_from_row


def view(source: str, record_id: str, **attrs: Any) -> RecordView:
    return record_from_row(
        {"record_uid": f"{source}:{record_id}", "source": source, "record_id": record_id,
         "attrs": attrs}
    )  # fmt: skip


def arrival(record_id: str, admitted: str, until: str | None, *, cls: str = "B2",
            mode: str = "air", dob: str | None = None) -> RecordView:  # fmt: skip
    return view("arrivals", record_id, admission_date=admitted, admit_until=until,
                class_of_admission=cls, mode=mode, dob=dob)  # fmt: skip


def departure(record_id: str, departed: str, *, mode: str = "air",
              kind: str = "carrier_manifest", **extra: Any) -> RecordView:  # fmt: skip
    return view("departures", record_id, departure_date=departed, mode=mode,
                evidence_kind=kind, **extra)  # fmt: skip


def benefit(record_id: str, form: str, filed: str, decision: str = "pending",
            decided: str | None = None, **extra: Any) -> RecordView:  # fmt: skip
    return view("benefits", record_id, form=form, filed_date=filed, decision=decision,
                decision_date=decided, **extra)  # fmt: skip


def court(record_id: str, nta: str, decision: str = "pending", decided: str | None = None,
          **extra: Any) -> RecordView:  # fmt: skip
    return view("court", record_id, nta_date=nta, decision=decision, decision_date=decided,
                **extra)  # fmt: skip


def student(record_id: str, cls: str, start: str, end: str, **extra: Any) -> RecordView:
    return view("students", record_id, visa_class=cls, program_start=start, program_end=end,
                student_status=extra.pop("student_status", "active"), **extra)  # fmt: skip


def enforcement(record_id: str, kind: str, day: str) -> RecordView:
    return view("enforcement", record_id, kind=kind, event_date=day, aor="NYC")


def conviction(record_id: str, day: str, category: str = "theft",
               severity: str = "misdemeanor") -> RecordView:  # fmt: skip
    return view("criminal", record_id, offence_category=category, severity=severity,
                conviction_date=day, violent=False, tco_related=False)  # fmt: skip
