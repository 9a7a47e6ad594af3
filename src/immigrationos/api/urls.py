"""The API, with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Status
from ninja.errors import ValidationError

from immigrationos.access.masking import DOB, value_or_none
from immigrationos.api.auth import (
    ApiAccessError,
    PartnerTokenAuth,
    StaffSessionAuth,
    api_guarded,
)
from immigrationos.api.events import router as events_router
from immigrationos.api.schemas import ErrorOut, PersonOut
from immigrationos.audit.services import audited_read
from immigrationos.cases import selectors
from immigrationos.cases.errors import CasesError
from immigrationos.cases.merges import person_alias_resolve
from immigrationos.cases.models import Person
from immigrationos.privacy.models import DisclosureKind
from immigrationos.privacy.services import disclosure_record

api = NinjaAPI(
    title="ImmigrationOS API",
    version="1",
    auth=[PartnerTokenAuth(), StaffSessionAuth()],
    urls_namespace="api-v1",
    docs_url=None,
    docs_decorator=api_guarded,
)


api.add_router("/", events_router)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # One error format across the API: the message names each invalid parameter.
    problems = [
        f"{'.'.join(str(part) for part in error.get('loc', ())[1:]) or 'request'}: "
        f"{error.get('msg', 'invalid')}"
        for error in exc.errors
    ]
    return api.create_response(
        request,
        {"message": "invalid request: " + "; ".join(problems), "details": {"errors": exc.errors}},
        status=400,
    )


@api.exception_handler(CasesError)
def _cases_error(request: HttpRequest, exc: CasesError) -> HttpResponse:
    return api.create_response(request, {"message": str(exc), "details": {}}, status=400)


@api.exception_handler(ApiAccessError)
def _access_error(request: HttpRequest, exc: ApiAccessError) -> HttpResponse:
    return api.create_response(request, {"message": str(exc), "details": {}}, status=exc.status)


@api.get("/persons/{person_id}", response={200: PersonOut, 404: ErrorOut})
def person_get(request: HttpRequest, person_id: str) -> Status[dict[str, object]]:
    """Return one person with status, priority and linked source records.

    Fields the caller's role sees masked are null and named in ``masked_fields``. A person
    outside an office-scoped caller's offices returns 404, like a missing one, from the
    API's auth before this function runs.
    """
    access = request.auth  # type: ignore[attr-defined]
    missing: dict[str, object] = {"message": f"no person with id {person_id!r}", "details": {}}
    try:
        detail = audited_read(
            request=request,
            action="api_person_view",
            object_type="person",
            object_id=person_id,
            read=lambda: selectors.person_detail_get(person_id=person_id),
        )
    except Person.DoesNotExist:
        return Status(404, missing)
    person = detail.person
    partner = getattr(request, "partner_name", None)
    if partner is not None:
        # Privacy Act accounting (5 U.S.C. 552a(c)): recorded before the data leaves, so a
        # failed accounting stops the disclosure.
        disclosure_record(
            recipient=partner,
            purpose=access.purpose or "",
            person_ids=[person.person_id],
            record_ids=[record.record_uid for record in detail.records],
            kind=DisclosureKind.PARTNER_API,
            request=request,
        )
    return Status(
        200,
        {
            "person_id": person.person_id,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "aliases": person.aliases,
            "dob": value_or_none(access=access, field_name=DOB, value=person.dob),
            "masked_fields": sorted(access.masked_fields),
            "nationality": person.nationality,
            "identity_in_review": person.identity_in_review,
            "superseded": person.superseded,
            "merged_into": person_alias_resolve(person_id=person.person_id) or "",
            "status": {
                "status": person.status,
                "as_of": person.status_as_of,
                "since": person.status_since,
                "rule_id": person.status_rule_id,
                "citation": person.status_citation,
                "explanation": person.status_explanation,
                "evidence": person.status_evidence,
                "flags": person.status_flags,
                "overstay_days": person.overstay_days,
                "unconfirmed": detail.status_unconfirmed,
            },
            "priority": {
                "tier": person.tier,
                "score": person.score,
                "protected": person.protected,
                "protection": person.protection,
                "reasons": person.priority_reasons,
                "policy_version": person.policy_version,
            },
            "records": detail.records,
        },
    )


def api_urlpatterns() -> tuple[list[URLPattern | URLResolver], str, str]:
    """Return the API's URL patterns for ``path()``, exempt from the sign-in redirect.

    The API returns 401 itself (token or session auth), so a client never gets a login page.
    """
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            continue
        if pattern.name == "api-root":
            # ninja's root view only raises 404, but even that must wait for authentication.
            pattern.callback = api_guarded(pattern.callback)
        pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns, app_name, namespace
