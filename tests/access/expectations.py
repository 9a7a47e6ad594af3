"""Who may open each route: written by hand, independent of the route policy in the code.

A route added to the URL configuration must be added here too, or the permission matrix
test fails. ``scoped`` names the URL argument that points at an office-scoped object.
"""

from __future__ import annotations

from dataclasses import dataclass

ANALYST = "analyst"
OFFICER = "officer"
SUPERVISOR = "supervisor"
AUDITOR = "auditor"
PRIVACY_OFFICER = "privacy_officer"
PARTNER = "partner"
ADMIN = "admin"
EVENT_SOURCE = "event_source"
ALL_ROLES = frozenset(
    {ANALYST, OFFICER, SUPERVISOR, AUDITOR, PRIVACY_OFFICER, PARTNER, ADMIN, EVENT_SOURCE}
)
TOKEN_ROLES = frozenset({PARTNER, EVENT_SOURCE})
STAFF = frozenset({ANALYST, OFFICER, SUPERVISOR})
OFFICE_SCOPED_ROLES = frozenset({OFFICER, SUPERVISOR})


@dataclass(frozen=True)
class Expect:
    """The roles that may open a route, and what the route shows."""

    roles: frozenset[str]
    public: bool = False
    person_data: bool = False
    scoped: str | None = None
    # Routed only when a setting enables it (single sign-on, for example).
    optional: bool = False


EXPECTED: dict[str, Expect] = {
    "login": Expect(roles=ALL_ROLES, public=True),
    "healthz": Expect(roles=ALL_ROLES, public=True),
    "oidc_authentication_init": Expect(roles=ALL_ROLES, public=True, optional=True),
    "oidc_authentication_callback": Expect(roles=ALL_ROLES, public=True, optional=True),
    "logout": Expect(roles=ALL_ROLES, public=True),
    "dashboard": Expect(roles=ALL_ROLES - TOKEN_ROLES),
    "search": Expect(roles=STAFF, person_data=True),
    "person": Expect(roles=STAFF, person_data=True, scoped="person_id"),
    "review": Expect(roles=frozenset({ANALYST, SUPERVISOR}), person_data=True),
    "review_item": Expect(roles=frozenset({ANALYST, SUPERVISOR}), person_data=True),
    "review_decide": Expect(roles=frozenset({ANALYST, SUPERVISOR}), person_data=True),
    "review_change_reverse": Expect(roles=frozenset({SUPERVISOR}), person_data=True),
    "review_decision_revoke": Expect(roles=frozenset({SUPERVISOR}), person_data=True),
    "person_split": Expect(roles=frozenset({SUPERVISOR}), person_data=True, scoped="person_id"),
    "cases": Expect(roles=STAFF, person_data=True),
    "case": Expect(roles=STAFF, person_data=True, scoped="case_id"),
    "case_transition": Expect(roles=OFFICE_SCOPED_ROLES, person_data=True, scoped="case_id"),
    "case_note_add": Expect(roles=OFFICE_SCOPED_ROLES, person_data=True, scoped="case_id"),
    "case_attachment_add": Expect(roles=OFFICE_SCOPED_ROLES, person_data=True, scoped="case_id"),
    "case_proposal_decide": Expect(roles=OFFICE_SCOPED_ROLES, person_data=True, scoped="case_id"),
    "citizenship_claim_decide": Expect(
        roles=frozenset({SUPERVISOR}), person_data=True, scoped="case_id"
    ),
    # Analysts may use these three too. They are not marked scoped because the matrix
    # expects an analyst's GET to return 200, and these return 405 to a GET (POST only) or
    # 404 (no attachment with the sample id). tests/web/test_case_page.py checks that an
    # officer gets 404 for another office's case on each of them.
    "case_attachment_get": Expect(roles=STAFF, person_data=True),
    "citizenship_claim_add": Expect(roles=STAFF, person_data=True),
    "case_watch": Expect(roles=STAFF, person_data=True),
    "case_summary_pdf": Expect(roles=STAFF, person_data=True, scoped="case_id"),
    "cases_csv": Expect(roles=STAFF, person_data=True),
    "queue": Expect(roles=OFFICE_SCOPED_ROLES, person_data=True),
    "case_claim": Expect(roles=OFFICE_SCOPED_ROLES, person_data=True, scoped="case_id"),
    "case_release": Expect(roles=OFFICE_SCOPED_ROLES, person_data=True, scoped="case_id"),
    "case_assign": Expect(roles=frozenset({SUPERVISOR}), person_data=True, scoped="case_id"),
    "cases_bulk": Expect(roles=frozenset({SUPERVISOR}), person_data=True),
    "saved_filter_save": Expect(roles=STAFF),
    "saved_filter_delete": Expect(roles=STAFF),
    "notifications": Expect(roles=STAFF),
    "notifications_read": Expect(roles=STAFF),
    "overrides": Expect(roles=frozenset({SUPERVISOR}), person_data=True),
    "override_review": Expect(roles=frozenset({SUPERVISOR}), person_data=True),
    "departures": Expect(roles=STAFF, person_data=True),
    "departures_live": Expect(roles=STAFF, person_data=True),
    "audit_events": Expect(roles=frozenset({AUDITOR})),
    "privacy_disclosures": Expect(roles=frozenset({PRIVACY_OFFICER})),
    "amendments": Expect(roles=frozenset({PRIVACY_OFFICER})),
    "amendment": Expect(roles=frozenset({PRIVACY_OFFICER})),
    "amendment_new": Expect(roles=STAFF, person_data=True),
    # Counts of admissions, with no person data.
    "report_overstay": Expect(roles=STAFF | {AUDITOR}),
    "purpose": Expect(roles=ALL_ROLES - TOKEN_ROLES),
    "break_glass_request": Expect(roles=OFFICE_SCOPED_ROLES),
    "break_glass_list": Expect(roles=frozenset({SUPERVISOR, ADMIN})),
    "break_glass_review": Expect(roles=frozenset({SUPERVISOR, ADMIN})),
    "office_grants": Expect(roles=frozenset({ADMIN})),
    "office_grant_end": Expect(roles=frozenset({ADMIN})),
    "api-v1:person_get": Expect(roles=STAFF | {PARTNER}, person_data=True, scoped="person_id"),
    "api-v1:events": Expect(roles=frozenset({EVENT_SOURCE})),
    "api-v1:event_get": Expect(roles=frozenset({EVENT_SOURCE})),
    "api-v1:openapi-json": Expect(roles=ALL_ROLES),
    "api-v1:api-root": Expect(roles=ALL_ROLES),
}
