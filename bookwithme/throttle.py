"""Counting attempts in a sliding-free fixed window, in Django's cache.

With the default local-memory cache each server process counts on its own (a limit of N per
process); a shared cache (e.g. Redis, database) makes one limit for the whole site.

A limit never stops the site: while the shared cache does not answer (Redis down, say),
attempts count as none, each request goes on, and the log says why once a minute. A booking
or a sign-in refused because a counter could not be read would lose what the limits protect.
"""

import logging
import time

from django.core.cache import cache
from django.db import DatabaseError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a cache that does not answer raises: Redis's errors, the cache table's, a socket's.
UNANSWERED = (RedisError, DatabaseError, OSError)
_SAY_EVERY = 60.0  # seconds
_said_at = [float("-inf")]


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
        return cache.get(key) or 0
    except UNANSWERED as e:
        _unanswered(e)
        return 0


def forget(key: str) -> None:
    try:
        cache.delete(key)
    except UNANSWERED as e:
        _unanswered(e)
