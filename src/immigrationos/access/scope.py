"""Office scope of cases and persons, and the audit of every denied access."""

from __future__ import annotations

import logging

from django.db.models import QuerySet
from django.http import HttpRequest

from immigrationos.access.context import AccessContext
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.cases.models import Case

logger = logging.getLogger(__name__)


def case_queryset_scope(*, cases: QuerySet[Case], access: AccessContext) -> QuerySet[Case]:
    """Return ``cases`` limited to the offices ``access`` may see."""
    if not access.office_scoped:
        return cases
    return cases.filter(office_id__in=sorted(access.office_codes))


def case_in_scope(*, case_id: int, access: AccessContext) -> bool:
    """Return whether case ``case_id`` exists and ``access`` may see it."""
    cases = case_queryset_scope(cases=Case.objects.filter(pk=case_id), access=access)
    return cases.exists()


def person_in_scope(*, person_id: str, access: AccessContext) -> bool:
    """Return whether ``access`` may see person ``person_id``.

    For an office-scoped user, a person whose every case belongs to other offices is out of
    scope, because the person page shows that case's subject. A person with no case, or with
    a case in one of the user's offices, is in scope. A missing person is reported in scope
    so that the caller returns its usual 404.
    """
    if not access.office_scoped:
        return True
    offices = set(Case.objects.filter(person_id=person_id).values_list("office_id", flat=True))
    return not offices or bool(offices & access.office_codes)


def persons_in_scope(*, person_ids: list[str], access: AccessContext) -> set[str]:
    """Return the ids among ``person_ids`` that ``access`` may see (see ``person_in_scope``)."""
    if not access.office_scoped:
        return set(person_ids)
    offices: dict[str, set[str]] = {}
    rows = Case.objects.filter(person_id__in=person_ids).values_list("person_id", "office_id")
    for person_id, office_id in rows:
        offices.setdefault(person_id, set()).add(office_id)
    return {
        person_id
        for person_id in person_ids
        if person_id not in offices or offices[person_id] & access.office_codes
    }


def url_objects_out_of_scope(
    *, url_kwargs: dict[str, object], access: AccessContext
) -> tuple[str, str] | None:
    """Return (object type, id) of the first URL argument naming an object outside the
    user's office scope, or None when every named object is in scope or missing.

    Routes name persons and cases by these argument names, so checking them here covers
    every page, partial, API operation and download that takes one in its path.

    NOTE: an id sent in a form body or query string is not seen here; a view that takes one
    must call ``person_in_scope`` or ``case_in_scope`` itself.
    """
    if not access.office_scoped:
        return None
    person_id = url_kwargs.get("person_id")
    if person_id is not None and not person_in_scope(person_id=str(person_id), access=access):
        return "person", str(person_id)
    case_id = url_kwargs.get("case_id")
    if case_id is not None:
        number = int(str(case_id))
        exists = Case.objects.filter(pk=number).exists()
        if exists and not case_in_scope(case_id=number, access=access):
            return "case", str(case_id)
    return None


def url_scope_check(
    *, request: HttpRequest, route: str, url_kwargs: dict[str, object], access: AccessContext
) -> tuple[str, str] | None:
    """Return (object type, id) of an object named in the URL outside the user's office
    scope, after recording the denial, or None when every named object is in scope."""
    outside = url_objects_out_of_scope(url_kwargs=url_kwargs, access=access)
    if outside is None:
        return None
    object_type, object_id = outside
    access_denial_record(
        request=request,
        route=route,
        reason=f"{object_type} outside the user's office scope",
        object_type=object_type,
        object_ids=(object_id,),
    )
    return outside


def access_denial_record(
    *,
    request: HttpRequest,
    route: str,
    reason: str,
    object_type: str = "",
    object_ids: tuple[str, ...] = (),
) -> None:
    """Record a denied request as an audit event with outcome ``denied``."""
    logger.info(
        "access denied on route %s for user id %s: %s",
        route,
        getattr(getattr(request, "user", None), "pk", None),
        reason,
    )
    audit_record(
        request=request,
        action="access_denied",
        object_type=object_type,
        object_ids=list(object_ids),
        outcome=Outcome.DENIED,
        details={"route": route, "reason": reason},
    )
