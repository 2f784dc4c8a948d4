"""Settings, read from the environment only (see README's configuration table).

Safe defaults make `make run` need nothing: SQLite in the data dir, mail to the console,
a secret key generated once into the data dir.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP

from bookwithme.environ import (
    ConfigError,
    cache,
    env_bool,
    env_frame_ancestors,
    env_int,
    env_networks,
    env_str,
    env_url,
    mailers,
    private_dir,
    private_file,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent
# Only this user may read the data dir (0700) and the SQLite file (0600): they hold the
# secret key and everyone's bookings.
DATA_DIR = private_dir(Path(env_str("BOOKWITHME_DATA_DIR", "data")).resolve())

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("DEBUG", False)

BOOKWITHME_BASE_URL = env_url("BOOKWITHME_BASE_URL", "http://127.0.0.1:8000")
_base = urlsplit(BOOKWITHME_BASE_URL)
ALLOWED_HOSTS = [
    h.strip()
    for h in env_str("ALLOWED_HOSTS", f"{_base.hostname},127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

# Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed; from any other
# peer those headers are dropped (bookwithme/clients.py, docs/security.md).
BOOKWITHME_TRUSTED_PROXIES = env_networks("BOOKWITHME_TRUSTED_PROXIES")

# No script reads a cookie; over https none travels in the clear either.
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = LANGUAGE_COOKIE_HTTPONLY = True
if _base.scheme == "https":
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("BOOKWITHME_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("BOOKWITHME_HSTS_INCLUDE_SUBDOMAINS", False)
    # A request is known to be https through a trusted proxy's X-Forwarded-Proto (others'
    # are dropped first). Without trusted proxies nothing says so, and redirecting to https
    # would loop behind a proxy: the redirect is then off unless asked for.
    if BOOKWITHME_TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("BOOKWITHME_SSL_REDIRECT", bool(BOOKWITHME_TRUSTED_PROXIES))
    # Health checks and scrapes come over plain http from the host itself.
    SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$"]

# Scripts and styles from this site only (the admin's few inline blocks carry a nonce), no
# framing: the booking pages widen frame-ancestors to BOOKWITHME_FRAME_ANCESTORS
# (web/pages.py `embeddable`).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
BOOKWITHME_FRAME_ANCESTORS = env_frame_ancestors("BOOKWITHME_FRAME_ANCESTORS", "*")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",
    "bookwithme",
    "bookwithme.directory",
    "bookwithme.calendars",
    "bookwithme.booking",
    "bookwithme.notify",
    "bookwithme.web",
    "bookwithme.api",
]

MIDDLEWARE = [
    "bookwithme.clients.ForwardedHeadersMiddleware",
    # Request id, access line and latency per route (docs/operations.md).
    "bookwithme.observe.logs.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Outside the rest, so that their 4xx answers under /api/ (a bad Host header) get the
    # error shape too; inside the headers above, which its answers keep.
    "bookwithme.api.errors.ErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "bookwithme.urls"
WSGI_APPLICATION = "bookwithme.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Database: SQLite in the data dir unless DATABASE_URL says otherwise.
# SQLite runs every write transaction as BEGIN IMMEDIATE, so a booking's re-check and its
# insert cannot interleave with another writer's; WAL lets readers go on meanwhile.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
    ),
}
_database_url = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'bookwithme.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(_database_url, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    if DATABASES["default"]["NAME"] not in {"", ":memory:"}:
        # Made here, 0600, before SQLite creates it with the umask's permissions.
        private_file(Path(DATABASES["default"]["NAME"]))
# Keep connections across requests: opening one (and its PRAGMAs) costs more than a query.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
# The shared cache (CACHE_URL, default the database's own table): rate limits and sign-in
# lockouts count there, site-wide. Slot answers stay in each process's memory ("slots"): their
# keys hold the owner's availability version, so no process can serve a stale one, and a
# local read costs microseconds where a shared one costs a round trip.
CACHES = {
    "default": cache(env_str("CACHE_URL", "db://")),
    "slots": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "slots",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "directory.Person"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Time: aware UTC everywhere; conversions happen at the edges with zoneinfo.
USE_TZ = True
TIME_ZONE = "UTC"

USE_I18N = True
# The organizer app signs people in with their email and password.
LOGIN_URL = "app:login"
LOGIN_REDIRECT_URL = "app:dashboard"
LOGOUT_REDIRECT_URL = "app:login"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static files come straight from the apps through whitenoise: nothing to collect first.
WHITENOISE_USE_FINDERS = True

# Background work: tasks stored in the database, run by `bookwithme worker` (or the workers
# that `bookwithme serve` starts beside the web server). Each queue has its own worker, so a
# slow calendar never holds up mail: `mail` (the outbox, reminders), `calendars` (syncs and
# write-back), `default` (anything else, with the calendars worker).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail", "calendars", "webhooks"],
    }
}

MAILERS = mailers(env_str("EMAIL_URL", "console://"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"bookwithme <noreply@{_base.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Online meetings: "jitsi" (a fresh room per booking), "fixed" (the type's own URL) or "none".
BOOKWITHME_MEETING_PROVIDER = env_str("BOOKWITHME_MEETING_PROVIDER", "jitsi")
if BOOKWITHME_MEETING_PROVIDER not in {"jitsi", "fixed", "none"}:
    raise ConfigError("BOOKWITHME_MEETING_PROVIDER must be jitsi, fixed or none")
BOOKWITHME_JITSI_URL = env_url("BOOKWITHME_JITSI_URL", "https://meet.jit.si")

# Bookings and moves one client address may attempt per 10 minutes (0: no limit).
BOOKWITHME_BOOKING_RATE_LIMIT = env_int("BOOKWITHME_BOOKING_RATE_LIMIT", 20)
# Unknown tokens (private, manage and feed links) one client address may try per 10 minutes
# before every token look-up from it answers 429 for a while (0: no limit).
BOOKWITHME_TOKEN_LOOKUP_LIMIT = env_int("BOOKWITHME_TOKEN_LOOKUP_LIMIT", 30)

# Days an attendee's data is kept after their booking's end, then erased by the workers'
# sweep (bookwithme/booking/retention.py); 0 keeps it forever. An organization may set fewer.
BOOKWITHME_RETENTION_DAYS = env_int("BOOKWITHME_RETENTION_DAYS", 365)
if BOOKWITHME_RETENTION_DAYS < 0:
    raise ConfigError("BOOKWITHME_RETENTION_DAYS must be 0 (keep forever) or more")

# Webhooks (docs/webhooks.md): seconds one delivery may take, the whole exchange, before it
# is cut off and retried; and the failed deliveries in a row (each after a day of retries)
# after which a webhook is paused and its owner emailed.
BOOKWITHME_WEBHOOK_TIMEOUT = env_int("BOOKWITHME_WEBHOOK_TIMEOUT", 10)
if not 1 <= BOOKWITHME_WEBHOOK_TIMEOUT <= 60:
    raise ConfigError("BOOKWITHME_WEBHOOK_TIMEOUT must be between 1 and 60 seconds")
BOOKWITHME_WEBHOOK_PAUSE_AFTER = env_int("BOOKWITHME_WEBHOOK_PAUSE_AFTER", 5)
if BOOKWITHME_WEBHOOK_PAUSE_AFTER < 1:
    raise ConfigError("BOOKWITHME_WEBHOOK_PAUSE_AFTER must be 1 or more")

# Connected calendars: each is read every N minutes; when one has not been read successfully
# for M minutes, its owner's pages offer no times until it has (docs/calendars.md).
BOOKWITHME_CALENDAR_SYNC_MINUTES = env_int("BOOKWITHME_CALENDAR_SYNC_MINUTES", 10)
BOOKWITHME_CALENDAR_STALE_AFTER_MINUTES = env_int("BOOKWITHME_CALENDAR_STALE_AFTER_MINUTES", 30)

# Requests leaving the server (CalDAV, ICS feeds) never reach loopback, private, link-local
# and other non-public addresses, unless this is true: an intranet CalDAV server, say
# (bookwithme/outbound.py, docs/security.md).
BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = env_bool("BOOKWITHME_ALLOW_PRIVATE_ADDRESSES", False)

# Who may read /metrics (by `clients.client_address`); anyone else gets a 404.
BOOKWITHME_METRICS_ALLOW = env_networks("BOOKWITHME_METRICS_ALLOW") or ["127.0.0.0/8", "::1/128"]

# Log lines: "plain" (readable) or "json" (one object per line, docs/operations.md).
LOG_FORMAT = env_str("LOG_FORMAT", "plain").lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ConfigError("LOG_FORMAT must be plain or json")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "bookwithme.observe.logs.JsonFormatter"},
    },
    # Django's request warnings name the route, not the path (which may hold a token).
    "filters": {"routes": {"()": "bookwithme.observe.logs.PathsAsRoutes"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["routes"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Their debug lines hold whole URLs, and a feed's URL holds its secret: the fenced
        # client (bookwithme.outbound) logs the host and the reason instead.
        "urllib3": {"level": "WARNING"},
        "urllib3_future": {"level": "WARNING"},
        "niquests": {"level": "WARNING"},
        "caldav": {"level": "WARNING"},
    },
}
