"""careerpath settings: one module, driven by the environment, failing loudly on bad values."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(_TRUE | _FALSE)}, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (in development, set DEBUG=1 or use "
            "`make run`; to deploy, see docs/operations.md)"
        )
    # Development only: a fixed key keeps sessions valid across restarts of `make run`.
    SECRET_KEY = "careerpath-development-key-not-for-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "careerpath.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "accounts",
    "roles",
    "assessments",
    "coaching",
]

MIDDLEWARE = [
    "careerpath.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Catalogue pages for anonymous visitors, from this process's memory (roles/cache.py):
    # after the HTTPS redirect and security headers, before everything a page per visitor
    # needs (session, CSRF, user, messages).
    "roles.cache.PublicPageMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (static files come compressed from WhiteNoise, above it). Django's
    # GZip pads each response at random, against BREACH-style guessing of page secrets.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the user and messages are known, so its 400 page renders like any other.
    "careerpath.middleware.NullCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "careerpath.middleware.HtmxMessagesMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "careerpath.urls"
WSGI_APPLICATION = "careerpath.wsgi.application"

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
                "coaching.context_processors.coaching",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    # Connections are kept CONN_MAX_AGE seconds and checked before reuse, so a worker whose
    # database went away and came back reconnects by itself instead of failing once.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails a request in seconds (a 503 page), not after minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a writer instead of failing at once when two requests save together.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file, not memory, so threads (live server, concurrency tests) really
    # share one database and wait on its locks as production does; one file per run, so
    # two runs side by side do not collide.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"careerpath-test-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_careerpath_{os.getpid()}"}

# Shared state for several app servers: with REDIS_URL, the cache (throttling counters and
# the like) and sessions live in Redis, sessions backed by the database so that a Redis
# restart logs nobody out and loses no visitor's draft. Without it (`make run`, tests),
# a per-process memory cache and database sessions: nothing to install beyond Python.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, not {REDIS_URL!r}")
    CACHES = {
        "default": {
            # Django's backend, sharing its Redis client between calls (careerpath/cache.py).
            "BACKEND": "careerpath.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "careerpath",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# Static files are served one of two ways (docs/operations.md, "Static files"):
# - collected, in production: `collectstatic` (run by `make serve`, at build time) copies
#   every file, Bootstrap included, into STATIC_ROOT under content-hashed names with gzip and
#   brotli copies; WhiteNoise serves that folder only, hashed names with a year-long
#   immutable Cache-Control, so node_modules is not needed at run time;
# - from their source folders, with DEBUG on (`make run`) and under the test suite, which
#   runs with DEBUG off as production does but never runs collectstatic. The collected way
#   needs the manifest that collectstatic writes: without it every page would fail.
TESTING = "pytest" in sys.modules
STATIC_FROM_SOURCE = DEBUG or TESTING
_BOOTSTRAP_DIST = BASE_DIR / "node_modules" / "bootstrap" / "dist"
# Bootstrap comes from npm at set-up (`npm ci`); only its built files are exposed. Once
# collected, the app runs without node_modules.
STATICFILES_DIRS = [BASE_DIR / "static"]
if STATIC_FROM_SOURCE or _BOOTSTRAP_DIST.is_dir():
    STATICFILES_DIRS.append(("bootstrap", _BOOTSTRAP_DIST))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_SOURCE
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCE
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The role the home page offers a one-click assessment of (while it is published).
FEATURED_ROLE = os.environ.get("FEATURED_ROLE", "ml-team-lead")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "roles:list"
LOGOUT_REDIRECT_URL = "roles:list"

# A request body larger than this is refused with a 400 before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1_000_000)

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "careerpath <noreply@localhost>")

# Task queue (Celery, careerpath/celery.py): mail and report PDFs leave the request. The
# broker is CELERY_BROKER_URL, else REDIS_URL; with neither, tasks run eagerly in the
# process that queues them (`make run`, `make test`), and a task that fails records its
# failure in the database instead of raising into the request. No result backend: task
# state lives on the rows (Invitation.mail_status, ReportPDF.status). docs/operations.md
_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not _BROKER_URL)
if not CELERY_TASK_ALWAYS_EAGER and not _BROKER_URL:
    raise ImproperlyConfigured("Tasks are queued (not eager): set CELERY_BROKER_URL or REDIS_URL")
# Eagerly nothing leaves the process: the in-memory transport stands in for a broker.
CELERY_BROKER_URL = _BROKER_URL or "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when done, so a worker killed mid-task leaves it to another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that queues while the broker is down waits about a second, then gives up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Mail: attempts after the first, and the first wait (doubled each time) in seconds.
MAIL_RETRIES = env_int("MAIL_RETRIES", 3)
MAIL_RETRY_BACKOFF_SECONDS = env_int("MAIL_RETRY_BACKOFF_SECONDS", 30)
# An SMTP server that stops answering must not hold a worker (or, eagerly, a request).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)

# HTTPS (docs/operations.md, "Environment"). Behind a proxy that ends TLS, the app sees
# plain HTTP: X-Forwarded-Proto tells it the browser used HTTPS, but only a proxy that sets
# (and overwrites) that header may be believed, so it is trusted only when switched on.
# Without it, every form post through such a proxy fails the CSRF origin check.
TRUST_X_FORWARDED_PROTO = env_bool("TRUST_X_FORWARDED_PROTO", default=False)
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The same proxy appends the browser's address to X-Forwarded-For; believed only when
# switched on, else every client behind the proxy would share one address (and one
# login lock-out). Only the last entry is the proxy's own word: earlier ones are the client's.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", default=TRUST_X_FORWARDED_PROTO)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
# Load balancers probe over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)
# `manage.py purge_expired` (scheduled, docs/operations.md) deletes a visitor's draft left
# untouched this many days; expired sessions and share links go whatever their age.
VISITOR_DRAFT_DAYS = env_int("VISITOR_DRAFT_DAYS", 30)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): every script and stylesheet is a static file, so
# no 'unsafe-inline' and no 'unsafe-eval' anywhere; charts are inline SVG elements, and
# Bootstrap's form controls draw their arrows with data: images. docs/operations.md
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# htmx reads the CSRF token from this cookie (static/js/careerpath.js), so scripts need it.
CSRF_COOKIE_HTTPONLY = False

# Throttling. Logins (the site's and the admin's) through django-axes: LOGIN_FAILURE_LIMIT
# failures from one address for one account within LOGIN_COOLOFF_MINUTES lock that pair
# out for LOGIN_COOLOFF_MINUTES after the last failure; a successful login starts afresh.
# Password reset requests and coach join codes use the same numbers through the cache
# (accounts/throttling.py), shared by every process when REDIS_URL is set.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be 1 or more")
# With a shared cache (Redis), the signed-in user is kept there between requests and
# dropped when their row is saved (accounts/backends.py). A cache per process could not
# be told of a password changed in another process, so without Redis every request reads
# the user from the database, as Django does.
USER_BACKEND = (
    "accounts.backends.CachedModelBackend"
    if REDIS_URL
    else "django.contrib.auth.backends.ModelBackend"
)
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", USER_BACKEND]
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.request_address"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.throttling.login_username"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# Failures are what throttling needs; a row per successful login would only keep addresses.
AXES_DISABLE_ACCESS_LOG = True

# Logs: one line per event on standard error, each with the id of the request it belongs
# to (careerpath.middleware.RequestLogMiddleware logs every request once, with its status);
# errors with their traceback. docs/operations.md, "Logs".
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in logging.getLevelNamesMapping():
    raise ImproperlyConfigured(f"LOG_LEVEL must be a logging level such as INFO, not {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "careerpath.log.RequestIdFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own defaults give "django" a console handler of its own under DEBUG, and
        # the record then propagated to ours as well: every line printed twice. Here it has
        # none and only propagates.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # A 4xx is already in the request's line; django.request adds the 5xx tracebacks.
        "django.request": {"level": "ERROR"},
        # The development server's own request lines would repeat ours.
        "django.server": {"handlers": [], "level": "ERROR", "propagate": True},
        # WeasyPrint reports every CSS rule it skips; only its errors matter here.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}
