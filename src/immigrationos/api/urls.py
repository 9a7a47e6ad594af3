"""The API, with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Status
from ninja.security import django_auth

from immigrationos.api.schemas import ErrorOut, PersonOut
from immigrationos.audit.services import audited_read
from immigrationos.cases import selectors
from immigrationos.cases.errors import CasesError
from immigrationos.cases.models import Person

api = NinjaAPI(
    title="ImmigrationOS API",
    version="1",
    auth=django_auth,
    urls_namespace="api-v1",
    docs_url=None,
)


@api.exception_handler(CasesError)
def _cases_error(request: HttpRequest, exc: CasesError) -> HttpResponse:
    return api.create_response(request, {"message": str(exc), "details": {}}, status=400)


@api.get("/persons/{person_id}", response={200: PersonOut, 404: ErrorOut})
def person_get(request: HttpRequest, person_id: str) -> Status[dict[str, object]]:
    """Return one person with status, priority and linked source records."""
    try:
        detail = audited_read(
            request=request,
            action="api_person_view",
            object_type="person",
            object_id=person_id,
            read=lambda: selectors.person_detail_get(person_id=person_id),
        )
    except Person.DoesNotExist:
        return Status(404, {"message": f"no person with id {person_id!r}", "details": {}})
    person = detail.person
    return Status(
        200,
        {
            "person_id": person.person_id,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "aliases": person.aliases,
            "dob": person.dob,
            "nationality": person.nationality,
            "identity_in_review": person.identity_in_review,
            "superseded": person.superseded,
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

    The API returns 401 itself (session auth), so a client never receives a login page.
    """
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        callback = getattr(pattern, "callback", None)
        if callback is not None:
            callback.login_required = False
    return patterns, app_name, namespace
