"""Django settings for the operational store and the web UI.

Values come from the environment when the process starts. Domain thresholds (for example
``IMMIGRATIONOS_CASE_OPEN_MAX_TIER``) are not settings here: services read them when they
run, so a test or an operator can change them without reloading Django.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from immigrationos.paths import data_home, operational_sqlite_path
from immigrationos.site.security import security_config_read

_SECRET_KEY_FILE = "secret_key"


def _secret_key() -> str:
    """Return IMMIGRATIONOS_SECRET_KEY, else a key generated once and kept in the data folder."""
    from_env = os.environ.get("IMMIGRATIONOS_SECRET_KEY")
    if from_env:
        return from_env
    path = data_home() / _SECRET_KEY_FILE
    if not path.exists():
        # O_EXCL: two processes starting at once must not overwrite each other's key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text(encoding="ascii").strip()


def _databases() -> dict[str, dict[str, object]]:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Django's default of 0 closes the connection after each request; a server behind a
        # busy UI may set IMMIGRATIONOS_DB_CONN_MAX_AGE (seconds) to reuse connections.
        max_age = int(os.environ.get("IMMIGRATIONOS_DB_CONN_MAX_AGE", "0"))
        return {"default": dict(dj_database_url.parse(url, conn_max_age=max_age))}
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(operational_sqlite_path()),
            "OPTIONS": {
                # WAL lets page views read while a pipeline load writes; IMMEDIATE takes the
                # write lock at BEGIN, so concurrent writers wait instead of failing mid-way.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
        }
    }


BASE_DIR = Path(__file__).resolve().parent.parent

# Raises at start, naming every missing or invalid setting, before the settings below use them.
# IMMIGRATIONOS_ENV=production requires IMMIGRATIONOS_SECRET_KEY, so no key file is made there.
# Lower case, so Django does not take it as a setting and debug pages never show its secrets.
_security = security_config_read(os.environ)

SECRET_KEY = _secret_key()
DEBUG = os.environ.get("IMMIGRATIONOS_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *_security.allowed_hosts]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "immigrationos.cases",
    "immigrationos.audit",
    "immigrationos.web",
    "immigrationos.api",
    "immigrationos.access",
    "immigrationos.privacy",
    "immigrationos.events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "immigrationos.web.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "immigrationos.web.middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After sign-in checks: enforces the route policy and attaches request.access.
    "immigrationos.access.middleware.AccessMiddleware",
    # Turns an unstored audit event into a 503 with no data (fail closed).
    "immigrationos.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "immigrationos.web.middleware.NoStoreMiddleware",
    # django-axes documents its middleware as the last entry.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "immigrationos.site.urls"
WSGI_APPLICATION = "immigrationos.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # OWASP ASVS 4.0.3 (V2.1.1) requires passwords of at least 12 characters.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = data_home() / "static"
# whitenoise warns on every request when STATIC_ROOT is missing, even with finders on.
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the app folders, so `serve` works without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# A session ends IMMIGRATIONOS_SESSION_IDLE_MINUTES after its last request: every request
# saves the session, which moves its server-side expiry forward. SessionLifetimeMiddleware
# also ends it IMMIGRATIONOS_SESSION_MAX_HOURS after sign-in, however active the user is.
SESSION_COOKIE_AGE = _security.session_idle_minutes * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
IMMIGRATIONOS_SESSION_MAX_SECONDS = _security.session_max_hours * 60 * 60
# Lax, not Strict: the sign-in provider redirects back to the OIDC callback with a cross-site
# GET, which must carry the session that contains the OIDC state.
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_TRUSTED_ORIGINS = list(_security.csrf_trusted_origins)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production (or IMMIGRATIONOS_HTTPS=1) serves over HTTPS only.
# NOTE: HTTPS ends at a reverse proxy, which must overwrite X-Forwarded-Proto on every
# request, because Django takes that header as proof that the request came over HTTPS.
if _security.https:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # Load balancers probe the health check over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # NOTE: includeSubDomains makes browsers use HTTPS for every subdomain of the host too.
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content Security Policy (django-csp 4): scripts only from this site or with the request's
# nonce, no inline styles, and no framing. Templates put {{ request.csp_nonce }} on scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Sign-in. django-axes locks out a username from one client address after
# IMMIGRATIONOS_LOCKOUT_FAILURES failed attempts, for IMMIGRATIONOS_LOCKOUT_COOLOFF_MINUTES.
# Keying on the pair, not the username alone, keeps an attacker elsewhere from locking a user
# out. `immigrationos manage axes_reset_username NAME` lifts a lockout early.
# NOTE: axes takes the address from REMOTE_ADDR; behind a proxy every client has the proxy's
# address, so the lockout then acts per username.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "immigrationos.site.backends.InactivityModelBackend",
]
AXES_FAILURE_LIMIT = _security.lockout_failures
AXES_COOLOFF_TIME = timedelta(minutes=_security.lockout_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
# Accounts unused for this many days are disabled at their next sign-in attempt and by
# `immigrationos manage disable_inactive_accounts`.
IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS = _security.account_inactive_days

# Agency single sign-on (mozilla-django-oidc), on when IMMIGRATIONOS_OIDC_ENABLED=1.
IMMIGRATIONOS_OIDC_ENABLED = _security.oidc is not None
if _security.oidc is not None:
    AUTHENTICATION_BACKENDS.append("immigrationos.site.oidc.MfaOidcBackend")
    OIDC_RP_CLIENT_ID = _security.oidc.client_id
    OIDC_RP_CLIENT_SECRET = _security.oidc.client_secret
    OIDC_OP_AUTHORIZATION_ENDPOINT = _security.oidc.authorization_endpoint
    OIDC_OP_TOKEN_ENDPOINT = _security.oidc.token_endpoint
    OIDC_OP_USER_ENDPOINT = _security.oidc.user_endpoint
    OIDC_OP_JWKS_ENDPOINT = _security.oidc.jwks_endpoint or None
    OIDC_RP_SIGN_ALGO = _security.oidc.sign_algo
    OIDC_RP_SCOPES = _security.oidc.scopes
    OIDC_CREATE_USER = _security.oidc.create_users
    OIDC_USE_PKCE = True
    OIDC_TIMEOUT = 10
    LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"
    if _security.oidc.acr_values:
        # Ask the provider for one of the accepted authentication contexts.
        OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": " ".join(_security.oidc.acr_values)}
IMMIGRATIONOS_OIDC_REQUIRE_MFA = _security.oidc.require_mfa if _security.oidc else True
IMMIGRATIONOS_OIDC_ACR_VALUES = list(_security.oidc.acr_values) if _security.oidc else []

# Access control. Each signed-in user chooses one of these purposes of use before any person
# data is shown, and API clients send one in the X-Purpose header; audit events record it.
IMMIGRATIONOS_PURPOSES: dict[str, str] = {
    "case_work": "Case work",
    "identity_review": "Identity review",
    "supervision": "Supervision",
    "audit": "Audit",
    "data_quality": "Data quality",
    "partner_lookup": "Partner lookup",
    "event_intake": "Event intake",
}
# Shown above the sign-in form before anyone signs in (NIST SP 800-53 AC-8, system use
# notification). Agencies replace it with the wording their counsel approves.
IMMIGRATIONOS_SIGN_IN_NOTICE = os.environ.get(
    "IMMIGRATIONOS_SIGN_IN_NOTICE",
    "This is a U.S. government system for authorised use only. Every use is monitored, "
    "recorded and audited, and may be disclosed to law enforcement. Unauthorised use may "
    "lead to criminal, civil or administrative penalties. By signing in you consent to "
    "these terms.",
)
# Purposes each role may choose; a role not listed may choose any configured purpose. Each
# role is offered only the purposes of its own work, so the audit log's purpose is the real
# one. A partner agency's access is limited to the lookups its agreement covers.
IMMIGRATIONOS_ROLE_PURPOSES: dict[str, list[str]] = {
    "analyst": ["identity_review", "data_quality", "case_work"],
    "officer": ["case_work", "data_quality"],
    "supervisor": ["case_work", "supervision", "identity_review", "data_quality"],
    "auditor": ["audit"],
    "privacy_officer": ["audit", "data_quality"],
    "admin": ["audit"],
    "partner": ["partner_lookup"],
    "event_source": ["event_intake"],
}
# Break-glass access to another office's cases: minimum justification length (characters)
# and how long it lasts (minutes).
IMMIGRATIONOS_BREAK_GLASS_MIN_JUSTIFICATION = 30
IMMIGRATIONOS_BREAK_GLASS_MINUTES = int(os.environ.get("IMMIGRATIONOS_BREAK_GLASS_MINUTES", "60"))
# Days a new partner API token stays valid.
IMMIGRATIONOS_API_TOKEN_DAYS = 90
# The event path (docs/events.md). At most this many events per POST /api/v1/events.
IMMIGRATIONOS_EVENTS_MAX_BATCH = 1000
# NATS JetStream: server address, the stream and its subject that carry incoming events,
# the durable consumer that applies them, and the subject on which each applied event is
# announced once its effects are committed.
IMMIGRATIONOS_NATS_URL = os.environ.get("IMMIGRATIONOS_NATS_URL", "nats://127.0.0.1:4222")
IMMIGRATIONOS_EVENTS_STREAM = os.environ.get("IMMIGRATIONOS_EVENTS_STREAM", "IMMIGRATIONOS_EVENTS")
IMMIGRATIONOS_EVENTS_SUBJECT = os.environ.get(
    "IMMIGRATIONOS_EVENTS_SUBJECT", "immigrationos.events.in"
)
IMMIGRATIONOS_EVENTS_DURABLE = os.environ.get(
    "IMMIGRATIONOS_EVENTS_DURABLE", "immigrationos-matcher"
)
IMMIGRATIONOS_EVENTS_APPLIED_SUBJECT = os.environ.get(
    "IMMIGRATIONOS_EVENTS_APPLIED_SUBJECT", "immigrationos.events.applied"
)
# Person fields each role sees masked, on every page, API response and export. Fields:
# a_number, passport_number, address, dob. Roles not listed see every field.
IMMIGRATIONOS_MASKED_FIELDS: dict[str, list[str]] = {
    "analyst": ["a_number", "passport_number", "address", "dob"],
    "partner": ["a_number", "passport_number", "address", "dob"],
    "auditor": ["a_number", "passport_number", "address", "dob"],
    "privacy_officer": ["a_number", "passport_number", "address"],
}

# Retention, in days, read by `immigrationos retention`. Source records are purged by their
# event date, per source; a source not listed is kept. Audit events are purged by age behind
# a checkpoint that keeps the chain verifiable. Disclosure accountings are kept at least five
# years or the life of the record, whichever is longer (5 U.S.C. 552a(c)(2)), so values
# below 1,827 days are rejected.
# NOTE: the source and audit periods below are placeholders, not taken from a records
# schedule. Set each to the period the agency's approved schedule gives for that system.
IMMIGRATIONOS_RETENTION_DAYS: dict[str, int] = {
    "visas": 75 * 365,
    "arrivals": 75 * 365,
    "departures": 75 * 365,
    "students": 75 * 365,
    "benefits": 100 * 365,
    "court": 100 * 365,
    "criminal": 100 * 365,
    "enforcement": 100 * 365,
}
IMMIGRATIONOS_AUDIT_RETENTION_DAYS = int(
    os.environ.get("IMMIGRATIONOS_AUDIT_RETENTION_DAYS", "2557")
)
IMMIGRATIONOS_DISCLOSURE_RETENTION_DAYS = 1827
# The PostgreSQL role the application connects as, when it differs from the owner role that
# runs migrations. The audit migration revokes UPDATE, DELETE and TRUNCATE on audit tables
# from it.
IMMIGRATIONOS_DB_APP_ROLE = os.environ.get("IMMIGRATIONOS_DB_APP_ROLE", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # The root logger has the handler: waitress adds one to a root logger without one when
    # it starts, which printed every message twice.
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"immigrationos": {"level": "INFO"}},
}
