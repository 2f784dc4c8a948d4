"""Counting attempts in a sliding-free fixed window, in Django's cache.

With the default local-memory cache each server process counts on its own (a limit of N per
process); a shared cache (e.g. Redis, database) makes one limit for the whole site.
"""

from django.core.cache import cache


def spend(key: str, window_seconds: int) -> int:
    """Count one attempt under `key`; the number of attempts in the current window."""
    if cache.add(key, 1, window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between the two calls
        cache.set(key, 1, window_seconds)
        return 1


def spent(key: str) -> int:
    return cache.get(key) or 0


def forget(key: str) -> None:
    cache.delete(key)
