"""Response bodies of the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Schema


class SourceRecordOut(Schema):
    record_uid: str
    source: str
    record_id: str
    event_date: date | None
    match_probability: float | None
    link_rule: str


class StatusOut(Schema):
    status: str
    as_of: date | None
    since: date | None
    rule_id: str
    citation: str
    explanation: str
    evidence: Any
    flags: Any
    overstay_days: int | None
    unconfirmed: bool


class PriorityOut(Schema):
    tier: int | None
    score: int | None
    protected: bool
    protection: str
    reasons: Any
    policy_version: str


class PersonOut(Schema):
    person_id: str
    given_name: str
    family_name: str
    aliases: list[str]
    dob: date | None
    # Person fields masked for the caller's role. Each masked value is null in this response.
    masked_fields: list[str]
    nationality: str
    identity_in_review: bool
    superseded: bool
    # The person a reviewer merged this one into; empty unless merged. A merged person's
    # records, status and priority belong to that person, so read it there.
    merged_into: str
    status: StatusOut
    priority: PriorityOut
    records: list[SourceRecordOut]


class ErrorOut(Schema):
    message: str
    details: dict[str, Any] = {}
