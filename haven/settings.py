"""Haven's one settings module, driven by environment variables.

Modes (``HAVEN_ENV``): ``development`` (default; SQLite under the data dir, generated secrets
kept in the data dir), ``test`` (chosen automatically under pytest) and ``production`` (every
secret must come from the environment or a ``*_FILE``, and unsafe values stop the start-up).
Every variable is listed in README.md.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    """Return ``name`` from the environment, or the contents of the file named by ``name_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_seconds(name: str, default: int) -> int | None:
    """Seconds as a whole number, or ``unlimited`` (``None``)."""
    if os.environ.get(name, "").strip().lower() == "unlimited":
        return None
    try:
        return env_int(name, default)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of seconds or 'unlimited', not {os.environ.get(name)!r}"
        ) from exc


def env_list(name: str, default: str = "") -> list[str]:
    raw = env_str(name, default) or ""
    return [item.strip() for item in raw.split(",") if item.strip()]


ENV = env_str("HAVEN_ENV", "test" if "pytest" in sys.modules else "development")
if ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"HAVEN_ENV must be development, test or production, not {ENV!r}")
PRODUCTION = ENV == "production"
TESTING = ENV == "test"

DATA_DIR = Path(env_str("HAVEN_DATA_DIR", str(BASE_DIR / "data")) or "data")


def _development_secrets() -> dict[str, str]:
    """Secrets generated once per checkout so a fresh clone runs with nothing configured.

    They live in the data dir next to the SQLite file they protect; production never uses them.
    """
    if TESTING:
        return {
            "secret_key": "test-only-secret-key-" + "x" * 40,
            "field_key": base64.urlsafe_b64encode(b"t" * 32).decode(),
        }
    path = DATA_DIR / "dev-secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    generated = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    path.write_text(json.dumps(generated), encoding="utf-8")
    path.chmod(0o600)
    return generated


_dev = {} if PRODUCTION else _development_secrets()

SECRET_KEY = env_str("HAVEN_SECRET_KEY") or _dev.get("secret_key", "")
# Field-encryption keys, newest first: values are encrypted with the first and decrypted with
# whichever matches, so a new key can be put in front without downtime (docs/threat-model.md).
FIELD_KEYS = env_list("HAVEN_FIELD_KEYS") or ([_dev["field_key"]] if "field_key" in _dev else [])
DEBUG = env_bool("HAVEN_DEBUG", ENV == "development")
ALLOWED_HOSTS = env_list("HAVEN_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("HAVEN_CSRF_TRUSTED_ORIGINS")

if PRODUCTION:
    problems = []
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        problems.append("HAVEN_SECRET_KEY must be set to 50 or more random characters")
    if not FIELD_KEYS:
        problems.append("HAVEN_FIELD_KEYS must hold at least one key (see README)")
    if DEBUG:
        problems.append("HAVEN_DEBUG must be off")
    if not ALLOWED_HOSTS:
        problems.append("HAVEN_ALLOWED_HOSTS must name the host names Haven is served on")
    if not env_str("DATABASE_URL"):
        problems.append("DATABASE_URL (or DATABASE_URL_FILE) must name the database")
    if problems:
        raise ImproperlyConfigured("Unsafe production settings: " + "; ".join(problems))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "rest_framework",
    "drf_spectacular",
    "haven.core",
    "haven.accounts",
    "haven.public",
    "haven.staff",
    "haven.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haven.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "haven.lib.headers.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "haven.urls"
WSGI_APPLICATION = "haven.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "haven" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "string_if_invalid": "INVALID[%s]" if TESTING else "",
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'haven.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_db) or _default_db,
        conn_max_age=env_seconds("HAVEN_DB_CONN_MAX_AGE", 0),
        # A kept connection is checked before a request uses it, so one broken by a database
        # restart is replaced instead of failing the request (docs/deployment.md).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at the
    # start of a transaction so two placements cannot both read a bed as free.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        # secure_delete overwrites the pages of erased people instead of leaving them free.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        ),
        "timeout": 20,
    }
    if not TESTING:
        DATA_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

CSRF_FAILURE_VIEW = "haven.public.views.csrf_failure"

# Every staff account has a second factor (TOTP, with one-time backup codes); the middleware
# sends a signed-in user without a verified device to set one up (docs/permissions.md).
OTP_TOTP_ISSUER = env_str("HAVEN_TOTP_ISSUER", "Haven")
TWO_FACTOR_LOGIN_TIMEOUT = 600
TWO_FACTOR_REMEMBER_COOKIE_AGE = None  # never skip the second factor on "remembered" browsers
# Sharing a person's file and changing roles ask for the password and a fresh code again;
# a confirmation holds this many minutes (haven/staff/reauth.py).
REAUTH_MINUTES = env_int("HAVEN_REAUTH_MINUTES", 5)

LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "staff:login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "haven" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "haven" / "static"]
STATIC_ROOT = Path(env_str("HAVEN_STATIC_ROOT", str(DATA_DIR / "static")) or "static")

SESSION_COOKIE_AGE = env_int("HAVEN_SESSION_SECONDS", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HAVEN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("HAVEN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HAVEN_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HAVEN_HSTS_PRELOAD", False)
    if env_bool("HAVEN_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

EMAIL_BACKEND = (
    "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else env_str("HAVEN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("HAVEN_LOG_LEVEL", "INFO")},
    # Django's own logger would print every line twice (its handler, then the root's).
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Reference codes and passphrases given to applicants. Passphrases are derived from the
# form's idempotency key with this key, so a resubmitted form shows the same passphrase.
PASSPHRASE_KEY = env_str("HAVEN_PASSPHRASE_KEY") or SECRET_KEY

# The intake queue (docs/jobs.md): with a worker, the form and the API store only a sealed
# received row and answer at once, and `manage.py process_intake --follow` stores the
# application. Without one (the default, and on SQLite) the request stores it itself.
INTAKE_WORKER = env_bool("HAVEN_INTAKE_WORKER", False)
# Passphrases are machine-made (about 59 bits), not chosen by people, so they are hashed with
# PBKDF2-SHA256 at this many iterations rather than Django's 1,000,000 for passwords
# (haven/lib/passphrases.py; the arithmetic is in docs/threat-model.md).
PASSPHRASE_ITERATIONS_FLOOR = 10_000
PASSPHRASE_ITERATIONS = env_int("HAVEN_PASSPHRASE_ITERATIONS", PASSPHRASE_ITERATIONS_FLOOR)
_fewest_iterations = PASSPHRASE_ITERATIONS_FLOOR if PRODUCTION else 1
if _fewest_iterations > PASSPHRASE_ITERATIONS:
    raise ImproperlyConfigured(
        f"HAVEN_PASSPHRASE_ITERATIONS={PASSPHRASE_ITERATIONS} is too low: production needs "
        f"at least {PASSPHRASE_ITERATIONS_FLOOR}"
    )
# Rate limits: digests of client addresses are keyed with this; the count of reverse proxies
# in front of Haven tells which X-Forwarded-For entry is the client.
RATELIMIT_KEY = env_str("HAVEN_RATELIMIT_KEY") or SECRET_KEY
HAVEN_PROXY_COUNT = env_int("HAVEN_PROXY_COUNT", 1 if PRODUCTION else 0)

# Nothing shared lives in Django's cache (rate limits are counted in the database:
# haven/lib/ratelimit.py), so each process keeps its own in memory.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Retention: people are erased this many days after a rejection is decided, and after the
# last check-out of a resident who moved out (daily job apply_retention, docs/jobs.md).
RETENTION_REJECTED_DAYS = env_int("HAVEN_RETENTION_REJECTED_DAYS", 90)
RETENTION_MOVED_OUT_DAYS = env_int("HAVEN_RETENTION_MOVED_OUT_DAYS", 365)

# A bed offered to someone is held this many hours for their answer, then returns to the pool
# (job expire_offers, and every placement run).
OFFER_HOURS = env_int("HAVEN_OFFER_HOURS", 48)

# Keys the blind indexes that spot possible duplicate applications without storing contacts.
FINGERPRINT_KEY = env_str("HAVEN_FINGERPRINT_KEY") or SECRET_KEY

# Backups (manage.py backup / restore, docs/deployment.md) are sealed with their own key, never
# a field key, so a stolen backup and a leaked field key are separate losses. Only the machine
# that makes or restores backups needs it; the app servers do not.
BACKUP_KEY = env_str("HAVEN_BACKUP_KEY") or ""

# Keys the pseudonyms in data exports (the same person gets the same pseudonym in every
# export made with this key; a new key makes new pseudonyms that cannot be linked to the old).
EXPORT_KEY = env_str("HAVEN_EXPORT_KEY") or SECRET_KEY

# The API (haven/api, docs/api.md): JSON only, token authentication, Haven's own rate limits
# (keyed digests, never addresses), errors as {"detail", "code", "errors"}.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["haven.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["haven.api.auth.RequestThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "haven.api.negotiation.JsonOnly",
    "DEFAULT_PAGINATION_CLASS": "haven.api.pagination.Page",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_METADATA_CLASS": None,
    "EXCEPTION_HANDLER": "haven.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Haven API",
    "DESCRIPTION": (
        "Shelters, beds, occupancy and waitlist counts in the scope of the token's roles, and "
        "sending in applications. Authentication, scopes, errors and limits: docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice labels are translated per request; the schema stays the same in every language.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "haven.api.schema.forbid_unknown_fields",
    ],
}
