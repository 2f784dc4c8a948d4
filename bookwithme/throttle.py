"""Counting attempts in a sliding-free fixed window, in Django's cache.

The shared cache (CACHE_URL: the database's own table by default, or Redis) makes one limit for
the whole site; with a local-memory cache (`locmem://`) each server process counts on its own.

Counters are kept under a keyed hash of their name (`stored_key`): names hold client addresses
(`book:203.0.113.5`) and hashed emails, and the shared cache is a database table by default,
where a plain address would be kept for as long as its window. The key is derived from
SECRET_KEY, so every process and server sharing it counts one address under the same key,
and nobody reading the cache can tell the addresses back (a plain hash of an IPv4 address
can be reversed by trying all four billion of them).

A limit never stops the site: while the shared cache does not answer (Redis down, say),
attempts count as none, each request goes on, and the log says why once a minute. A booking
or a sign-in refused because a counter could not be read would lose what the limits protect.
"""

import logging
import time

from django.core.cache import cache
from django.db import DatabaseError
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a cache that does not answer raises: Redis's errors, the cache table's, a socket's.
UNANSWERED = (RedisError, DatabaseError, OSError)
_SAY_EVERY = 60.0  # seconds
_said_at = [float("-inf")]


def stored_key(key: str) -> str:
    """The cache key a counter named `key` is kept under: `throttle:` and 32 hex digits of an
    HMAC of the name, keyed from SECRET_KEY."""
    digest = salted_hmac("bookwithme.throttle", key, algorithm="sha256").hexdigest()
    return f"throttle:{digest[:32]}"


def _unanswered(error: Exception) -> None:
    now = time.monotonic()
    if now - _said_at[0] >= _SAY_EVERY:
        _said_at[0] = now
        logger.error(
            "the shared cache (CACHE_URL) does not answer; rate limits and sign-in lockouts "
            "are not counted until it does: %s",
            type(error).__name__,
        )


def spend(key: str, window_seconds: int) -> int:
    """Count one attempt under `key`; the number of attempts in the current window (0 while
    the cache does not answer)."""
    key = stored_key(key)
    try:
        if cache.add(key, 1, window_seconds):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # the window ended between the two calls
            cache.set(key, 1, window_seconds)
            return 1
    except UNANSWERED as e:
        _unanswered(e)
        return 0


def spent(key: str) -> int:
    try:
        return cache.get(stored_key(key)) or 0
    except UNANSWERED as e:
        _unanswered(e)
        return 0


def forget(key: str) -> None:
    try:
        cache.delete(stored_key(key))
    except UNANSWERED as e:
        _unanswered(e)
