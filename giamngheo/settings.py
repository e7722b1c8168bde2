"""Django settings, read from the environment through small typed helpers that reject bad values.

Defaults give the embedded set-up (SQLite in ./var, background tasks queued in the same database and run by
``giamngheo worker``); production sets
GIAMNGHEO_DATABASE_URL to a PostgreSQL server, GIAMNGHEO_SECRET_KEY and GIAMNGHEO_DEBUG=0.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("GIAMNGHEO_VAR_DIR", Path.cwd() / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def database_from_url(url: str) -> dict[str, object]:
    """Parse ``sqlite:///path`` or ``postgres://user:pass@host:port/name?host=/socket/dir``."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path) or ":memory:"}
    if parsed.scheme in {"postgres", "postgresql"}:
        query = dict(part.split("=", 1) for part in parsed.query.split("&") if "=" in part)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": unquote(query.get("host", parsed.hostname or "")),
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise ImproperlyConfigured(f"GIAMNGHEO_DATABASE_URL has an unsupported scheme: {parsed.scheme!r}")


# Fail closed: debug pages (local variables, settings, SQL) and the fixed development key only when asked for
# with GIAMNGHEO_DEBUG=1, as `make demo`, `make serve` and the tests do. A forgotten variable in production
# must not publish citizen data on the first error.
DEBUG = env_bool("GIAMNGHEO_DEBUG", False)
SECRET_KEY = os.environ.get("GIAMNGHEO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "GIAMNGHEO_SECRET_KEY must be set in production (debug is off unless GIAMNGHEO_DEBUG=1, "
            "which is for development and the demo only)"
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
ALLOWED_HOSTS = [h for h in os.environ.get("GIAMNGHEO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
# Largest request body read into memory (file uploads aside): a household of 100 members is ~100 KB of JSON or form
# fields, so 1 MiB leaves room and refuses a flood; larger bodies answer 413 (API) or 400, never 500 (issue 13).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# A survey form posts ~25 fields per member; the record allows 100 members (standards/record.py), so Django's
# default of 1,000 fields would refuse a large household's form with a bare 400.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4000

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Background tasks (docs/adr/0007): the django.tasks API (Django 6 ships it; the package backports it to
    # 5.2) and its database backend, whose table is the queue.
    "django_tasks",
    "django_tasks_db",
    # Only for its static files and templates: the API docs page (Swagger UI) is then served from this site
    # instead of a CDN, which the Content-Security-Policy would block anyway.
    "ninja",
    "giamngheo.core",
    "giamngheo.geo",
    "giamngheo.accounts",
    "giamngheo.households",
    "giamngheo.reviews",
    "giamngheo.imports",
    "giamngheo.support",
    "giamngheo.stats",
    "giamngheo.privacy",
    "giamngheo.api",
    "giamngheo.offline",
    # Two-factor log-in (TOTP), optional per user, required where a province asks for it (docs/security.md).
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "giamngheo.core.security_headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "giamngheo.core.input_guard.NulGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "giamngheo.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Form widgets are drawn by Jinja2 from Django's own Jinja2 copies of its widget templates: the same HTML (checked
# page by page when this was switched: only blank lines differ), in half the time. The survey and household forms
# draw 400-700 widgets, and under 100 officers these pages were the slowest (docs/performance.md, "Load").
FORM_RENDERER = "django.forms.renderers.Jinja2"

ROOT_URLCONF = "giamngheo.urls"
WSGI_APPLICATION = "giamngheo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "giamngheo.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("GIAMNGHEO_DATABASE_URL", f"sqlite:///{VAR_DIR / 'giamngheo.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: reads never block writes (and the task worker, `giamngheo worker`, writes while pages read).
    # IMMEDIATE: every transaction takes the write lock at its start, so two writers queue up instead of
    # one failing at once with "database is locked" when it upgrades a read lock; "timeout" is how long
    # a writer waits for the lock (seconds) before giving up.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

# Background tasks (docs/adr/0007): queued as rows of our own database, whichever it is, and run by
# `giamngheo worker` processes, so no broker or other service is needed. Every queue a task may name must be
# listed here (enqueueing on another is refused); the worker serves all of them unless told otherwise.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"  # reviews.views.dashboard.landing: the start page of each role
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "giamngheo.accounts.hashers.OwaspArgon2PasswordHasher",  # argon2id; why these parameters: the module
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Session: expires after inactivity (Law 91/2025: sensitive data on shared commune PCs).
SESSION_COOKIE_AGE = env_int("GIAMNGHEO_SESSION_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Transport and browser hardening (docs/security.md, "Headers"). In production the site is HTTPS only: plain
# HTTP is redirected and browsers are told (HSTS) never to try it again. Behind a proxy that terminates TLS,
# Django sees plain HTTP; it trusts the proxy's X-Forwarded-Proto only when GIAMNGHEO_TRUST_X_FORWARDED_PROTO=1
# says the proxy sets (and overwrites) that header — otherwise any client could claim to be on HTTPS.
SECURE_SSL_REDIRECT = env_bool("GIAMNGHEO_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("GIAMNGHEO_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
# The app runs on a host name of its own (giamngheo.<province>.gov.vn), so its subdomains are covered too by
# default; an operator serving it on a shared domain whose subdomains still speak plain HTTP turns this off.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GIAMNGHEO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading is a submission to the browsers' list, possible only for a registrable domain (a province's host is a
# subdomain of gov.vn) and hard to undo: off unless the operator asks. Its reminder in `check --deploy` is then
# silenced, so that the check is clean on a correct production configuration (tests/test_deploy_check.py).
SECURE_HSTS_PRELOAD = env_bool("GIAMNGHEO_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env_bool("GIAMNGHEO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The client address used by the log-in throttle: REMOTE_ADDR, unless the operator says how many reverse
# proxies (each appending to X-Forwarded-For) stand in front of the app. Never trusted by default: a client
# can put anything in that header.
GIAMNGHEO_PROXY_COUNT = env_int("GIAMNGHEO_PROXY_COUNT", 0)

# Throttling of failed log-ins (accounts/login_throttle.py, docs/security.md "Log-in"), all over a sliding
# window of LOGIN_LOCKOUT_SECONDS: per username and address, per address, and per username from anywhere.
LOGIN_MAX_FAILURES = env_int("GIAMNGHEO_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = env_int("GIAMNGHEO_LOGIN_LOCKOUT_SECONDS", 15 * 60)
LOGIN_ADDRESS_MAX_FAILURES = env_int("GIAMNGHEO_LOGIN_ADDRESS_MAX_FAILURES", 50)
LOGIN_USERNAME_MAX_FAILURES = env_int("GIAMNGHEO_LOGIN_USERNAME_MAX_FAILURES", 4 * LOGIN_MAX_FAILURES)
if min(LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_SECONDS, LOGIN_ADDRESS_MAX_FAILURES) < 1:
    raise ImproperlyConfigured("GIAMNGHEO_LOGIN_* limits must be positive")
if LOGIN_USERNAME_MAX_FAILURES <= LOGIN_MAX_FAILURES:
    # One address adds at most LOGIN_MAX_FAILURES per window to a username's count; at or below that, a single
    # stranger could lock an officer out from everywhere, which the per-address limits exist to prevent.
    raise ImproperlyConfigured(
        "GIAMNGHEO_LOGIN_USERNAME_MAX_FAILURES must be greater than GIAMNGHEO_LOGIN_MAX_FAILURES"
    )

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["giamngheo.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# giamngheo/static (app.css, vendored htmx) belongs to no single app, so the app finder would miss it.
STATICFILES_DIRS = [BASE_DIR / "static"]

# Demo users (xa, xa2, tinh with password "demo") may only exist in a database created by `giamngheo demo`.
GIAMNGHEO_DEMO = env_bool("GIAMNGHEO_DEMO", False)
# Area type of a special zone (đặc khu): "rural" or "urban" (wards are urban, communes rural); see docs/units.md.
GIAMNGHEO_SPECIAL_ZONE_AREA = os.environ.get("GIAMNGHEO_SPECIAL_ZONE_AREA", "rural")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GIAMNGHEO_LOG_LEVEL", "WARNING")},
}

# --- issue 11 A: account lifecycle and two-factor log-in (docs/security.md, "Log-in") ---
# An account nobody has signed in to for this many days is switched off (`giamngheo expire_idle_accounts`, and
# at its next log-in even before the command runs); 0 turns this off. Bounded: under 30 days a holiday would
# switch off a commune's staff, over ten years is the same as off.
GIAMNGHEO_IDLE_ACCOUNT_DAYS = env_int("GIAMNGHEO_IDLE_ACCOUNT_DAYS", 90)
if GIAMNGHEO_IDLE_ACCOUNT_DAYS != 0 and not 30 <= GIAMNGHEO_IDLE_ACCOUNT_DAYS <= 3650:
    raise ImproperlyConfigured("GIAMNGHEO_IDLE_ACCOUNT_DAYS must be 0 (off) or between 30 and 3650")
# The name authenticator apps show beside the account (the otpauth:// URL of the QR code).
OTP_TOTP_ISSUER = "giamngheo"
# After a must-change-password, must-enrol or second-step state, the pages a user may still reach.
MIDDLEWARE.insert(MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1, "giamngheo.accounts.gate.AccountGateMiddleware")

# --- issue 11 P: read audit and personal-data requests (docs/privacy.md) ---
# Reads of households (page, certificate, export, API) are kept this many days, then `giamngheo purge_reads`
# deletes them. Bounded: under 90 days a complaint about last season could not be traced; over ten years is
# keeping personal data about officers' work longer than any purpose needs.
GIAMNGHEO_READ_AUDIT_DAYS = env_int("GIAMNGHEO_READ_AUDIT_DAYS", 730)
if not 90 <= GIAMNGHEO_READ_AUDIT_DAYS <= 3650:
    raise ImproperlyConfigured("GIAMNGHEO_READ_AUDIT_DAYS must be between 90 and 3650")
# Answer periods of data-subject requests, hours by kind, e.g. "access=72,correction=72" (privacy/deadlines.py).
GIAMNGHEO_DATA_REQUEST_HOURS = os.environ.get("GIAMNGHEO_DATA_REQUEST_HOURS", "")
# Reads noted by views are written in one insert after the answer (privacy/reads.py).
MIDDLEWARE.append("giamngheo.privacy.reads.ReadAuditMiddleware")

# --- issue 12: the offline survey app (docs/offline.md, docs/security.md "Offline survey app") ---
# Days the cases downloaded to a phone are kept there before the app deletes them (unsent drafts too). Bounded:
# a survey round lasts days, not months; a lost phone must not carry a hamlet's households for long.
GIAMNGHEO_OFFLINE_KEEP_DAYS = env_int("GIAMNGHEO_OFFLINE_KEEP_DAYS", 7)
if not 1 <= GIAMNGHEO_OFFLINE_KEEP_DAYS <= 30:
    raise ImproperlyConfigured("GIAMNGHEO_OFFLINE_KEEP_DAYS must be between 1 and 30")
# Minutes without a touch after which the app locks and asks for the PIN again.
GIAMNGHEO_OFFLINE_LOCK_MINUTES = env_int("GIAMNGHEO_OFFLINE_LOCK_MINUTES", 5)
if not 1 <= GIAMNGHEO_OFFLINE_LOCK_MINUTES <= 60:
    raise ImproperlyConfigured("GIAMNGHEO_OFFLINE_LOCK_MINUTES must be between 1 and 60")
# At most this many cases go to one phone in one download (a commune officer's whole commune would not fit).
GIAMNGHEO_OFFLINE_MAX_CASES = env_int("GIAMNGHEO_OFFLINE_MAX_CASES", 300)
if not 1 <= GIAMNGHEO_OFFLINE_MAX_CASES <= 2000:
    raise ImproperlyConfigured("GIAMNGHEO_OFFLINE_MAX_CASES must be between 1 and 2000")
