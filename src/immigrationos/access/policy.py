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

ROLES: Final = (ANALYST, OFFICER, SUPERVISOR, AUDITOR, PRIVACY_OFFICER, PARTNER, ADMIN)
STAFF_ROLES: Final = frozenset({ANALYST, OFFICER, SUPERVISOR})

# The session key that holds the purpose of use a signed-in user chose.
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
    "logout": RoutePolicy(roles=frozenset(ROLES)),
    "healthz": RoutePolicy(roles=frozenset(), public=True),
    "dashboard": RoutePolicy(roles=STAFF_ROLES | {AUDITOR, PRIVACY_OFFICER, ADMIN}),
    "search": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "person": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "review": RoutePolicy(roles=frozenset({ANALYST, SUPERVISOR}), person_data=True),
    "cases": RoutePolicy(roles=STAFF_ROLES, person_data=True),
    "case": RoutePolicy(roles=STAFF_ROLES, person_data=True),
}
