"""Django settings for the operational store and the web UI.

Values come from the environment when the process starts. Domain thresholds (for example
``IMMIGRATIONOS_CASE_OPEN_MAX_TIER``) are not settings here: services read them when they
run, so a test or an operator can change them without reloading Django.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

from immigrationos.paths import data_home, operational_sqlite_path

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

SECRET_KEY = _secret_key()
DEBUG = os.environ.get("IMMIGRATIONOS_DEBUG") == "1"
ALLOWED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "[::1]",
    *(host.strip() for host in os.environ.get("IMMIGRATIONOS_ALLOWED_HOSTS", "").split(",")),
]
ALLOWED_HOSTS = [host for host in ALLOWED_HOSTS if host]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "immigrationos.cases",
    "immigrationos.audit",
    "immigrationos.web",
    "immigrationos.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "immigrationos.web.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "immigrationos.web.middleware.NoStoreMiddleware",
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# NOTE: Secure cookies and HSTS need HTTPS, which a reverse proxy provides in production;
# set IMMIGRATIONOS_HTTPS=1 there.
if os.environ.get("IMMIGRATIONOS_HTTPS") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"immigrationos": {"handlers": ["console"], "level": "INFO"}},
}
