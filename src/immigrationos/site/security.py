"""Read the security settings from the environment and check them together.

``security_config_read`` runs once when the settings module loads, so a misconfigured server
fails at start with every missing or invalid setting named in one error, instead of failing
on the first request that needs one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "production")

# Django's check --deploy (security.W009) rejects shorter keys.
SECRET_KEY_MIN_LENGTH = 50

# NIST SP 800-63B (rev. 3, section 4.2.3) requires AAL2 re-authentication after 30 minutes
# of inactivity and at least once every 12 hours whatever the activity.
DEFAULT_SESSION_IDLE_MINUTES = 30
DEFAULT_SESSION_MAX_HOURS = 12

DEFAULT_LOCKOUT_FAILURES = 5
DEFAULT_LOCKOUT_COOLOFF_MINUTES = 15

# NIST SP 800-53 AC-2(3) has accounts disabled after an inactivity period the organisation
# sets; 90 days is only this project's default.
DEFAULT_ACCOUNT_INACTIVE_DAYS = 90

_OIDC_PREFIX = "IMMIGRATIONOS_OIDC_"
_OIDC_REQUIRED = (
    "CLIENT_ID",
    "CLIENT_SECRET",
    "AUTHORIZATION_ENDPOINT",
    "TOKEN_ENDPOINT",
    "USER_ENDPOINT",
)
_OIDC_SIGN_ALGOS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256")


@dataclass(frozen=True)
class OidcConfig:
    """Agency single sign-on through an OpenID Connect provider."""

    client_id: str
    client_secret: str = field(repr=False)
    authorization_endpoint: str
    token_endpoint: str
    user_endpoint: str
    jwks_endpoint: str
    sign_algo: str
    require_mfa: bool
    acr_values: tuple[str, ...]
    scopes: str
    create_users: bool


@dataclass(frozen=True)
class SecurityConfig:
    """The security settings of one server process."""

    production: bool
    https: bool
    secret_key: str = field(repr=False)
    allowed_hosts: tuple[str, ...]
    csrf_trusted_origins: tuple[str, ...]
    session_idle_minutes: int
    session_max_hours: int
    lockout_failures: int
    lockout_cooloff_minutes: int
    account_inactive_days: int
    oidc: OidcConfig | None


def security_config_read(env: Mapping[str, str]) -> SecurityConfig:
    """Read every security setting from ``env``.

    Raises ImproperlyConfigured naming every missing or invalid variable at once.
    """
    problems: list[str] = []

    environment = env.get("IMMIGRATIONOS_ENV", "development")
    if environment not in ENVIRONMENTS:
        problems.append(f"IMMIGRATIONOS_ENV={environment!r} is invalid; use one of {ENVIRONMENTS}.")
    production = environment == "production"

    config = SecurityConfig(
        production=production,
        https=production or env.get("IMMIGRATIONOS_HTTPS") == "1",
        secret_key=env.get("IMMIGRATIONOS_SECRET_KEY", ""),
        allowed_hosts=_list(env, "IMMIGRATIONOS_ALLOWED_HOSTS"),
        csrf_trusted_origins=_list(env, "IMMIGRATIONOS_CSRF_TRUSTED_ORIGINS"),
        session_idle_minutes=_positive_int(
            env, "IMMIGRATIONOS_SESSION_IDLE_MINUTES", DEFAULT_SESSION_IDLE_MINUTES, problems
        ),
        session_max_hours=_positive_int(
            env, "IMMIGRATIONOS_SESSION_MAX_HOURS", DEFAULT_SESSION_MAX_HOURS, problems
        ),
        lockout_failures=_positive_int(
            env, "IMMIGRATIONOS_LOCKOUT_FAILURES", DEFAULT_LOCKOUT_FAILURES, problems
        ),
        lockout_cooloff_minutes=_positive_int(
            env, "IMMIGRATIONOS_LOCKOUT_COOLOFF_MINUTES", DEFAULT_LOCKOUT_COOLOFF_MINUTES, problems
        ),
        account_inactive_days=_positive_int(
            env, "IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS", DEFAULT_ACCOUNT_INACTIVE_DAYS, problems
        ),
        oidc=_oidc_config(env, production=production, problems=problems),
    )
    if production:
        problems.extend(_production_problems(env, config))

    if problems:
        listed = "\n".join(f"- {problem}" for problem in problems)
        raise ImproperlyConfigured(f"Invalid security settings:\n{listed}")
    return config


def _production_problems(env: Mapping[str, str], config: SecurityConfig) -> list[str]:
    problems: list[str] = []
    if len(config.secret_key) < SECRET_KEY_MIN_LENGTH:
        state = "missing" if not config.secret_key else "too short"
        problems.append(
            f"IMMIGRATIONOS_SECRET_KEY is {state}; production needs a random key of at least "
            f"{SECRET_KEY_MIN_LENGTH} characters shared by every server, for example from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if not config.allowed_hosts:
        problems.append(
            "IMMIGRATIONOS_ALLOWED_HOSTS is missing; set the comma-separated host names the "
            "server answers to, for example 'ios.agency.example'."
        )
    if not env.get("DATABASE_URL"):
        problems.append(
            "DATABASE_URL is missing; production keeps the operational store in PostgreSQL, "
            "for example postgresql://ios@db.internal:5432/immigrationos."
        )
    if env.get("IMMIGRATIONOS_DEBUG") == "1":
        problems.append(
            "IMMIGRATIONOS_DEBUG=1 is invalid in production, because debug pages show "
            "settings and personal data; unset it."
        )
    return problems


def _oidc_config(
    env: Mapping[str, str], *, production: bool, problems: list[str]
) -> OidcConfig | None:
    if env.get(f"{_OIDC_PREFIX}ENABLED") != "1":
        return None

    values = {name: env.get(f"{_OIDC_PREFIX}{name}", "") for name in _OIDC_REQUIRED}
    for name, value in values.items():
        if not value:
            problems.append(f"{_OIDC_PREFIX}{name} is missing; single sign-on needs it.")

    sign_algo = env.get(f"{_OIDC_PREFIX}SIGN_ALGO", "RS256")
    if sign_algo not in _OIDC_SIGN_ALGOS:
        problems.append(
            f"{_OIDC_PREFIX}SIGN_ALGO={sign_algo!r} is invalid; use one of {_OIDC_SIGN_ALGOS}."
        )
    jwks_endpoint = env.get(f"{_OIDC_PREFIX}JWKS_ENDPOINT", "")
    if sign_algo != "HS256" and not jwks_endpoint:
        problems.append(
            f"{_OIDC_PREFIX}JWKS_ENDPOINT is missing; {sign_algo} ID tokens are checked "
            "against the provider's published keys."
        )

    endpoints = {
        "AUTHORIZATION_ENDPOINT": values["AUTHORIZATION_ENDPOINT"],
        "TOKEN_ENDPOINT": values["TOKEN_ENDPOINT"],
        "USER_ENDPOINT": values["USER_ENDPOINT"],
        "JWKS_ENDPOINT": jwks_endpoint,
    }
    if production:
        for name, url in endpoints.items():
            if url and not url.startswith("https://"):
                problems.append(
                    f"{_OIDC_PREFIX}{name}={url!r} is invalid in production; use an https:// URL."
                )

    return OidcConfig(
        client_id=values["CLIENT_ID"],
        client_secret=values["CLIENT_SECRET"],
        authorization_endpoint=values["AUTHORIZATION_ENDPOINT"],
        token_endpoint=values["TOKEN_ENDPOINT"],
        user_endpoint=values["USER_ENDPOINT"],
        jwks_endpoint=jwks_endpoint,
        sign_algo=sign_algo,
        require_mfa=env.get(f"{_OIDC_PREFIX}REQUIRE_MFA", "1") != "0",
        acr_values=_list(env, f"{_OIDC_PREFIX}ACR_VALUES"),
        scopes=env.get(f"{_OIDC_PREFIX}SCOPES", "openid email"),
        create_users=env.get(f"{_OIDC_PREFIX}CREATE_USERS") == "1",
    )


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _positive_int(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        problems.append(f"{name}={raw!r} is invalid; use a whole number of at least 1.")
        return default
    return value
