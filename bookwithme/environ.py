"""Small typed readers of the environment, the only source of configuration."""

import contextlib
import ipaddress
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


class ConfigError(Exception):
    """A setting in the environment cannot be used; the message names it."""


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def env_url(name: str, default: str) -> str:
    """A base URL without its trailing slash; only http and https are accepted."""
    value = env_str(name, default).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, not {value!r}")
    return value


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or CIDR networks (`127.0.0.1,10.0.0.0/8`); [] when unset.

    Written back as networks (`127.0.0.1/32`), which gunicorn's `--forwarded-allow-ips` also
    reads. Networks with host bits set (`10.0.0.1/8`) are refused, as gunicorn refuses them.
    """
    networks = []
    for item in os.environ.get(name, "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(item.strip())))
        except ValueError:
            raise ConfigError(
                f"{name} must list IP addresses or networks such as 10.0.0.0/8, not {item!r}"
            ) from None
    return networks


# A CSP source: a scheme (`https:`), or a host with an optional scheme, `*.` and port.
_SOURCE = re.compile(
    r"^(\*|[a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*://)?(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:(\d+|\*))?)$",
    re.IGNORECASE,
)


def env_frame_ancestors(name: str, default: str) -> list[str]:
    """The sites that may frame a page, as CSP's `frame-ancestors` sources, separated by
    spaces or commas: `*`, `'self'`, `'none'` or `https://example.org`, `*.example.org`."""
    sources = []
    for item in re.split(r"[\s,]+", env_str(name, default)):
        if not item:
            continue
        keyword = f"'{item.strip(chr(39)).lower()}'"
        if keyword in {"'self'", "'none'"}:
            sources.append(keyword)
        elif _SOURCE.match(item):
            sources.append(item)
        else:
            raise ConfigError(
                f"{name} has {item!r}, which is not a site such as https://example.org"
            )
    if "'none'" in sources and len(sources) > 1:
        raise ConfigError(f"{name}: 'none' cannot be combined with other sites")
    return sources


def private_dir(path: Path) -> Path:
    """The directory at `path`, made if missing, readable by this user only (0700): it holds
    the secret key and the database."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _only_mine(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """The file at `path`, created empty if missing, readable by this user only (0600).

    For the SQLite database: an empty file is an empty database, and SQLite gives its -wal and
    -shm files the database file's permissions.
    """
    if not path.parent.is_dir():
        return path  # left to SQLite to say, when it opens the database
    with contextlib.suppress(FileExistsError):  # another process made it first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    _only_mine(path, 0o600)
    return path


def _only_mine(path: Path, mode: int) -> None:
    # An existing path made earlier, or by hand, is narrowed too; one owned by someone else
    # (a shared mount) is left as it is, as chmod would be refused.
    if stat.S_IMODE(path.stat().st_mode) & ~mode:
        with contextlib.suppress(PermissionError):
            path.chmod(mode)


def secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else the one generated once into the data dir.

    Several processes may start at once (gunicorn workers, the task worker); the key file is
    created exclusively so that all of them end up reading the same key.
    """
    value = os.environ.get("SECRET_KEY", "").strip()
    if value:
        return value
    path = data_dir / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        # Another process created the file and has not written it yet.
        time.sleep(0.01)
    raise ConfigError(f"{path} is empty; remove it or set SECRET_KEY")


# Seconds: a Redis that cannot be reached is given up at once; one that is reached but slow
# (a loaded machine) gets time to answer before a limit's count is lost.
REDIS_CONNECT_TIMEOUT, REDIS_TIMEOUT = 1.0, 5.0


def cache(url: str) -> dict[str, Any]:
    """One of Django's CACHES from CACHE_URL.

    `db://` (or `db://table`) is the database's own cache table, made by `migrate`: shared by
    every process and server with no other service; `redis://host:port/db` (`rediss://` for
    TLS) is Redis; `locmem://` keeps each process's own, for one process or tests.
    """
    parts = urlsplit(url)
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if parts.scheme == "db":
        table = parts.netloc or "bookwithme_cache"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", table):
            raise ConfigError(f"CACHE_URL names a table that cannot be one: {table!r}")
        return {"BACKEND": "bookwithme.caches.DatabaseCache", "LOCATION": table}
    if parts.scheme in {"redis", "rediss"}:
        if not parts.hostname:
            raise ConfigError("CACHE_URL has no host")
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A Redis that does not answer costs a request a few seconds at most, not a hang:
            # rate limits then let it through (bookwithme/throttle.py).
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    raise ConfigError(
        f"CACHE_URL must start with db://, redis://, rediss:// or locmem://, not {url!r}"
    )


def mailers(url: str) -> dict[str, Any]:
    """Django's MAILERS setting from EMAIL_URL.

    `console://` prints mail to stdout; `smtp://host:port` sends in the clear (a relay on the
    same host), `smtp+tls://user:pass@host:port` uses STARTTLS, `smtps://...` implicit TLS.
    """
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    if parts.scheme not in {"smtp", "smtp+tls", "smtps"}:
        raise ConfigError(
            f"EMAIL_URL must start with console://, smtp://, smtp+tls:// or smtps://, not {url!r}"
        )
    if not parts.hostname:
        raise ConfigError("EMAIL_URL has no host")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("EMAIL_URL has a port that is not a number") from None
    default_port = {"smtp": 25, "smtp+tls": 587, "smtps": 465}[parts.scheme]
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname,
                "port": port or default_port,
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_tls": parts.scheme == "smtp+tls",
                "use_ssl": parts.scheme == "smtps",
                "timeout": 20,
            },
        }
    }
