"""Record disclosures, file and decide amendment requests.

Each service writes its audit event in the same transaction as its rows, so a disclosure
or decision whose event cannot be stored is rolled back (fail closed).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from immigrationos.audit.services import audit_record
from immigrationos.cases.models import Person
from immigrationos.privacy.errors import AmendmentError, PrivacyError
from immigrationos.privacy.models import (
    AmendmentNotice,
    AmendmentRequest,
    AmendmentStatus,
    DisclosedPerson,
    DisclosedRecord,
    Disclosure,
    DisclosureKind,
)
from immigrationos.privacy.workdays import working_days_add

logger = logging.getLogger(__name__)

# 5 U.S.C. 552a(d)(2)(A): acknowledge a request to amend within 10 days, excluding
# Saturdays, Sundays and legal public holidays, after receiving it.
ACKNOWLEDGE_WORKING_DAYS = 10


def _request_user(request: HttpRequest | None) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def disclosure_record(
    *,
    recipient: str,
    purpose: str,
    person_ids: Sequence[str],
    record_ids: Sequence[str],
    kind: str,
    request: HttpRequest | None,
) -> Disclosure:
    """Account for one disclosure outside the agency and audit it; return the accounting.

    ``record_ids`` are source record uids; ``kind`` is a ``DisclosureKind`` value. Call it
    before the data leaves (for an API read, before the response is returned), so a failed
    accounting stops the disclosure.
    """
    if kind not in DisclosureKind.values:
        raise PrivacyError(
            f"invalid disclosure kind {kind!r}: expected one of {sorted(DisclosureKind.values)}"
        )
    if not recipient.strip() or not purpose.strip():
        raise PrivacyError(
            f"a disclosure needs a recipient and a purpose; got recipient={recipient!r}, "
            f"purpose={purpose!r}"
        )
    if not person_ids and not record_ids:
        raise PrivacyError("a disclosure needs at least one person id or record id")

    user = _request_user(request)
    disclosure = Disclosure.objects.create(
        disclosed_at=timezone.now(),
        kind=kind,
        recipient=recipient.strip(),
        purpose=purpose.strip(),
        disclosed_by=user,
        username=user.get_username() if user is not None else "",
        request_id=getattr(request, "request_id", "") if request is not None else "",
    )
    DisclosedPerson.objects.bulk_create(
        DisclosedPerson(disclosure=disclosure, person_id=str(person_id))
        for person_id in sorted(set(person_ids))
    )
    DisclosedRecord.objects.bulk_create(
        DisclosedRecord(disclosure=disclosure, record_uid=str(record_uid))
        for record_uid in sorted(set(record_ids))
    )
    event = audit_record(
        request=request,
        action="disclosure",
        object_type="person",
        object_ids=sorted(set(person_ids)),
        details={
            "disclosure_id": disclosure.pk,
            "kind": kind,
            "recipient": disclosure.recipient,
            "record_count": len(set(record_ids)),
        },
        purpose=disclosure.purpose,
    )
    disclosure.audit_seq = event.seq
    disclosure.save(update_fields=["audit_seq"])
    return disclosure


def disclosure_list_for_person(*, person_id: str) -> list[Disclosure]:
    """Return every disclosure that named ``person_id``, newest first, with its records."""
    return list(
        Disclosure.objects.filter(persons__person_id=person_id)
        .prefetch_related("records", "notices")
        .distinct()
    )


def _tracking_number(amendment: AmendmentRequest) -> str:
    return f"AMD-{amendment.filed_at:%Y}-{amendment.pk:06d}"


@transaction.atomic
def amendment_request_file(
    *,
    person_id: str,
    record_uids: Sequence[str],
    requested_change: str,
    received_on: date,
    request: HttpRequest | None,
) -> AmendmentRequest:
    """File a request to correct records about ``person_id``, give it a tracking number and
    an acknowledgement due date 10 working days after ``received_on``; return it."""
    if not person_id.strip():
        raise AmendmentError("an amendment request needs the person id it concerns")
    if not Person.objects.filter(person_id=person_id.strip()).exists():
        raise AmendmentError(
            f"no person with id {person_id.strip()!r}; copy the id from the person's page"
        )
    if not requested_change.strip():
        raise AmendmentError(
            f"the amendment request for person {person_id!r} has no requested change: "
            "describe what is wrong and what it should say"
        )
    now = timezone.now()
    amendment = AmendmentRequest.objects.create(
        tracking_number=f"pending-{now.timestamp()}",
        person_id=person_id.strip(),
        record_uids=sorted({uid.strip() for uid in record_uids if uid.strip()}),
        requested_change=requested_change.strip(),
        received_on=received_on,
        acknowledge_by=working_days_add(received_on, ACKNOWLEDGE_WORKING_DAYS),
        filed_by=_request_user(request),
        filed_at=now,
    )
    amendment.tracking_number = _tracking_number(amendment)
    amendment.save(update_fields=["tracking_number"])
    audit_record(
        request=request,
        action="amendment_file",
        object_type="person",
        object_ids=[amendment.person_id],
        details={
            "tracking_number": amendment.tracking_number,
            "record_uids": amendment.record_uids,
        },
    )
    return amendment


def amendment_get(*, tracking_number: str) -> AmendmentRequest:
    """Return the amendment request; raise AmendmentRequest.DoesNotExist when unknown."""
    return AmendmentRequest.objects.prefetch_related("notices").get(tracking_number=tracking_number)


def amendment_list(*, status: str = "") -> list[AmendmentRequest]:
    """Return amendment requests, open ones first by acknowledgement due date."""
    rows = AmendmentRequest.objects.all()
    if status:
        rows = rows.filter(status=status)
    return sorted(rows, key=lambda row: (row.status != AmendmentStatus.OPEN, row.acknowledge_by))


def _notices_send(amendment: AmendmentRequest, corrected: list[str]) -> list[AmendmentNotice]:
    """Record a notice to every earlier recipient of a corrected record (552a(c)(4)).

    A disclosure of the person that lists no record ids may have included the corrected
    records, so its recipient is notified too.
    """
    of_records = Q(records__record_uid__in=corrected)
    of_person_unlisted = Q(persons__person_id=amendment.person_id, records__isnull=True)
    disclosures = (
        Disclosure.objects.filter(of_records | of_person_unlisted)
        .filter(disclosed_at__lte=amendment.decided_at)
        .distinct()
        .order_by("disclosed_at", "pk")
    )
    notices = []
    for disclosure in disclosures:
        listed = set(disclosure.records.values_list("record_uid", flat=True))
        notified_uids = sorted(listed & set(corrected)) if listed else corrected
        # NOTE: "sent" means recorded for the outgoing channel to deliver; this slice has no
        # channel to partners, so delivery itself is outside the application.
        notices.append(
            AmendmentNotice.objects.create(
                amendment=amendment,
                disclosure=disclosure,
                recipient=disclosure.recipient,
                record_uids=notified_uids,
                sent_at=timezone.now(),
            )
        )
    return notices


@transaction.atomic
def amendment_request_decide(
    *,
    tracking_number: str,
    status: str,
    reasons: str,
    corrected_record_uids: Sequence[str],
    request: HttpRequest | None,
) -> AmendmentRequest:
    """Decide an open amendment request with reasons; on a correction, notify every earlier
    recipient of a corrected record. Return the decided request.

    A grant (whole or in part) must name the corrected records; a denial names none.
    """
    amendment = AmendmentRequest.objects.select_for_update().get(tracking_number=tracking_number)
    corrected = sorted({uid.strip() for uid in corrected_record_uids if uid.strip()})
    _decision_check(amendment, status=status, reasons=reasons, corrected=corrected)

    amendment.status = status
    amendment.decision_reasons = reasons.strip()
    amendment.corrected_record_uids = corrected
    amendment.decided_by = _request_user(request)
    amendment.decided_at = timezone.now()
    amendment.save()
    notices = _notices_send(amendment, corrected)
    audit_record(
        request=request,
        action="amendment_decide",
        object_type="person",
        object_ids=[amendment.person_id],
        details={
            "tracking_number": amendment.tracking_number,
            "status": status,
            "corrected_record_uids": corrected,
            "notices": [
                {"disclosure_id": notice.disclosure_id, "recipient": notice.recipient}
                for notice in notices
            ],
        },
    )
    logger.info(
        "amendment decided: tracking_number=%s status=%s notices=%d",
        amendment.tracking_number,
        status,
        len(notices),
    )
    return amendment


def _decision_check(
    amendment: AmendmentRequest, *, status: str, reasons: str, corrected: list[str]
) -> None:
    if amendment.status != AmendmentStatus.OPEN:
        raise AmendmentError(
            f"amendment request {amendment.tracking_number!r} was already decided "
            f"({amendment.status!r}); file a new request to reopen it"
        )
    decisions = {AmendmentStatus.GRANTED, AmendmentStatus.PARTLY_GRANTED, AmendmentStatus.DENIED}
    if status not in decisions:
        raise AmendmentError(
            f"invalid decision {status!r}: expected one of {sorted(str(d) for d in decisions)}"
        )
    if not reasons.strip():
        raise AmendmentError(
            f"the decision on {amendment.tracking_number!r} needs its reasons; a refusal must "
            "give them to the requester (5 U.S.C. 552a(d)(2)(B)(ii))"
        )
    if status == AmendmentStatus.DENIED and corrected:
        raise AmendmentError(
            f"a denial corrects no records, but {corrected!r} were named as corrected"
        )
    if status != AmendmentStatus.DENIED and not corrected:
        raise AmendmentError(
            f"a decision of {status!r} must name the corrected record ids, so their earlier "
            "recipients can be notified"
        )
