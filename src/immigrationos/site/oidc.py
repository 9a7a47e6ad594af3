"""Agency single sign-on through OpenID Connect, accepted only with multi-factor sign-in.

The provider states how the user signed in with two ID token claims (OpenID Connect Core 1.0,
section 2). ``amr`` is a list of method names, where ``mfa`` means multiple factors
(RFC 8176). ``acr`` is an authentication context class that the provider defines. With
IMMIGRATIONOS_OIDC_REQUIRE_MFA on (the default), a token passes when ``amr`` contains
``mfa`` or ``acr`` is one of IMMIGRATIONOS_OIDC_ACR_VALUES. Only the signed ID token counts:
the userinfo response is not consulted for these claims.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, path
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.site.inactivity import user_inactive_disable, user_is_inactive

logger = logging.getLogger(__name__)

MFA_METHOD = "mfa"


def oidc_mfa_problem(
    *, claims: Mapping[str, Any], require_mfa: bool, acr_values: Sequence[str]
) -> str | None:
    """Return why the ID token ``claims`` fail the multi-factor rule, or None when they pass."""
    if not require_mfa:
        return None
    amr = claims.get("amr", [])
    # RFC 8176 makes amr a JSON array; a lone string is read as a one-item array.
    methods = [amr] if isinstance(amr, str) else amr
    if isinstance(methods, list) and MFA_METHOD in methods:
        return None
    acr = claims.get("acr")
    if acr_values and isinstance(acr, str) and acr in acr_values:
        return None
    expected = f"amr containing {MFA_METHOD!r}"
    if acr_values:
        expected += f" or acr in {list(acr_values)!r}"
    return f"the ID token has amr={amr!r} and acr={acr!r}; expected {expected}"


class MfaOidcBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """mozilla-django-oidc's backend, which rejects ID tokens without multi-factor claims."""

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: Mapping[str, Any]
    ) -> Any:
        problem = oidc_mfa_problem(
            claims=payload,
            require_mfa=settings.IMMIGRATIONOS_OIDC_REQUIRE_MFA,
            acr_values=settings.IMMIGRATIONOS_OIDC_ACR_VALUES,
        )
        if problem is not None:
            # The subject is the provider's opaque id for the user, not a name.
            subject = str(payload.get("sub", ""))
            logger.warning("OIDC sign-in rejected for sub=%s: %s", subject, problem)
            audit_record(
                request=self.request,
                action="sign_in_oidc",
                outcome=Outcome.FAILED,
                details={"reason": "mfa_missing", "sub": subject},
            )
            return None

        user = super().get_or_create_user(access_token, id_token, payload)
        # Single sign-on must not revive an account that inactivity has expired.
        if user is not None and user.is_active and user_is_inactive(user=user):
            user_inactive_disable(user=user, request=self.request)
            return None
        return user


def oidc_urlpatterns() -> list[URLPattern]:
    """Return the OIDC start and callback routes, which are open before sign-in."""
    return [
        path(
            "oidc/authenticate/",
            login_not_required(OIDCAuthenticationRequestView.as_view()),
            name="oidc_authentication_init",
        ),
        path(
            "oidc/callback/",
            login_not_required(OIDCAuthenticationCallbackView.as_view()),
            name="oidc_authentication_callback",
        ),
    ]
