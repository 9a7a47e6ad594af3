"""Which roles may open each route, and which routes show person data.

Every named route must appear in ``ROUTE_POLICY``. A route that is missing is denied to
everyone, so a new page stays closed until someone decides who may open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

ANALYST: Final = "analyst"
OFFICER: Final = "officer"
SUPERVISOR: Final = "supervisor"
AUDITOR: Final = "auditor"
PRIVACY_OFFICER: Final = "privacy_officer"
PARTNER: Final = "partner"
ADMIN: Final = "admin"
# A source system that sends departure and arrival events (carrier manifests, exit apps).
EVENT_SOURCE: Final = "event_source"

ROLES: Final = (
    ANALYST, OFFICER, SUPERVISOR, AUDITOR, PRIVACY_OFFICER, PARTNER, ADMIN, EVENT_SOURCE
)  # fmt: skip
# Roles that sign in to the API with a token only, never to the web pages.
TOKEN_ROLES: Final = frozenset({PARTNER, EVENT_SOURCE})
STAFF_ROLES: Final = frozenset({ANALYST, OFFICER, SUPERVISOR})

# The session key under which the purpose of use a signed-in user chose is stored.
PURPOSE_SESSION_KEY: Final = "immigrationos.purpose"


@dataclass(frozen=True)
class RoutePolicy:
    """The roles allowed on a route, and whether it shows person data (then a purpose is
    required before it renders)."""

    roles: frozenset[str]
    person_data: bool = False
    public: bool = False


ROUTE_POLICY: Final[dict[str, RoutePolicy]] = {
    "login": RoutePolicy(roles=frozenset(), public=True),
    # Single sign-on start and callback, routed only when IMMIGRATIONOS_OIDC_ENABLED=1.
    "oidc_authentication_init": RoutePolicy(roles=frozenset(), public=True),
    "oidc_authentication_callback": RoutePolicy(roles=frozenset(), public=True),
    # Public so that a user left without a role can still sign out.
    "logout": RoutePolicy(roles=frozenset(), public=True),
    "healthz": RoutePolicy(roles=frozenset(), public=True),
    "dashboard": RoutePolicy(roles=STAFF_ROLES | {AUDITOR, PRIVACY_OFFICER, ADMIN}),
    "search": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "person": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "review": RoutePolicy(roles=frozenset({ANALYST, SUPERVISOR}), person_data=True),
    "review_item": RoutePolicy(roles=frozenset({ANALYST, SUPERVISOR}), person_data=True),
    "review_decide": RoutePolicy(roles=frozenset({ANALYST, SUPERVISOR}), person_data=True),
    "review_change_reverse": RoutePolicy(roles=frozenset({SUPERVISOR}), person_data=True),
    "review_decision_revoke": RoutePolicy(roles=frozenset({SUPERVISOR}), person_data=True),
    "person_split": RoutePolicy(roles=frozenset({SUPERVISOR}), person_data=True),
    # Aggregate counts of admissions only, so no purpose of use is needed.
    "report_overstay": RoutePolicy(roles=frozenset({ANALYST, SUPERVISOR, OFFICER, AUDITOR})),
    "cases": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "case": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    # The case page's forms. Officers and supervisors act on a case. Any staff role that can
    # open the case may record a claim of citizenship, watch it and download its attachments.
    "case_transition": RoutePolicy(roles=frozenset({OFFICER, SUPERVISOR}), person_data=True),
    "case_note_add": RoutePolicy(roles=frozenset({OFFICER, SUPERVISOR}), person_data=True),
    "case_attachment_add": RoutePolicy(roles=frozenset({OFFICER, SUPERVISOR}), person_data=True),
    "case_attachment_get": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "case_proposal_decide": RoutePolicy(roles=frozenset({OFFICER, SUPERVISOR}), person_data=True),
    "citizenship_claim_add": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "citizenship_claim_decide": RoutePolicy(roles=frozenset({SUPERVISOR}), person_data=True),
    "case_watch": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "case_summary_pdf": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "cases_csv": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    # Work queue: officers and supervisors work cases; analysts read the case list only.
    "queue": RoutePolicy(roles=frozenset({OFFICER, SUPERVISOR}), person_data=True),
    "case_claim": RoutePolicy(roles=frozenset({OFFICER, SUPERVISOR}), person_data=True),
    "case_release": RoutePolicy(roles=frozenset({OFFICER, SUPERVISOR}), person_data=True),
    "case_assign": RoutePolicy(roles=frozenset({SUPERVISOR}), person_data=True),
    "cases_bulk": RoutePolicy(roles=frozenset({SUPERVISOR}), person_data=True),
    "saved_filter_save": RoutePolicy(roles=STAFF_ROLES),
    "saved_filter_delete": RoutePolicy(roles=STAFF_ROLES),
    # Notification texts name cases by id and users by username, never a person.
    "notifications": RoutePolicy(roles=STAFF_ROLES),
    "notifications_read": RoutePolicy(roles=STAFF_ROLES),
    "overrides": RoutePolicy(roles=frozenset({SUPERVISOR}), person_data=True),
    "override_review": RoutePolicy(roles=frozenset({SUPERVISOR}), person_data=True),
    # Applied departure and arrival events, and the dashboard's live panel of departures. The
    # view limits the page's rejected-events tab to analysts and supervisors.
    "departures": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "departures_live": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "purpose": RoutePolicy(roles=frozenset(ROLES) - TOKEN_ROLES),
    "break_glass_request": RoutePolicy(roles=frozenset({OFFICER, SUPERVISOR})),
    "break_glass_list": RoutePolicy(roles=frozenset({SUPERVISOR, ADMIN})),
    "break_glass_review": RoutePolicy(roles=frozenset({SUPERVISOR, ADMIN})),
    "office_grants": RoutePolicy(roles=frozenset({ADMIN})),
    "office_grant_end": RoutePolicy(roles=frozenset({ADMIN})),
    "audit_events": RoutePolicy(roles=frozenset({AUDITOR})),
    "privacy_disclosures": RoutePolicy(roles=frozenset({PRIVACY_OFFICER})),
    "amendments": RoutePolicy(roles=frozenset({PRIVACY_OFFICER})),
    "amendment": RoutePolicy(roles=frozenset({PRIVACY_OFFICER})),
    "amendment_new": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    # API operations, keyed by "namespace:url name". The API's auth checks these roles and
    # requires an X-Purpose header where person_data is set.
    "api-v1:person_get": RoutePolicy(roles=STAFF_ROLES | {PARTNER}, person_data=True),
    # Events carry identity data in, but return only match outcomes and ids, so no purpose.
    "api-v1:events": RoutePolicy(roles=frozenset({EVENT_SOURCE})),
    "api-v1:event_get": RoutePolicy(roles=frozenset({EVENT_SOURCE})),
    "api-v1:openapi-json": RoutePolicy(roles=frozenset(ROLES)),
    "api-v1:api-root": RoutePolicy(roles=frozenset(ROLES)),
}
