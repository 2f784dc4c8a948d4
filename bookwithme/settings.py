"""Settings, read from the environment only (see README's configuration table).

Safe defaults make `make run` need nothing: SQLite in the data dir, mail to the console,
a secret key generated once into the data dir.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from bookwithme.environ import (
    ConfigError,
    env_bool,
    env_int,
    env_str,
    env_url,
    mailers,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("BOOKWITHME_DATA_DIR", "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

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
if _base.scheme == "https":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bookwithme.api.errors.ErrorShapeMiddleware",
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
# Keep connections across requests: opening one (and its PRAGMAs) costs more than a query.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
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

# Background work: tasks stored in the database, run by `bookwithme worker`
# (or the worker that `bookwithme serve` starts beside the web server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

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

# Connected calendars: each is read every N minutes; when one has not been read successfully
# for M minutes, its owner's pages offer no times until it has (docs/calendars.md).
BOOKWITHME_CALENDAR_SYNC_MINUTES = env_int("BOOKWITHME_CALENDAR_SYNC_MINUTES", 10)
BOOKWITHME_CALENDAR_STALE_AFTER_MINUTES = env_int("BOOKWITHME_CALENDAR_STALE_AFTER_MINUTES", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
