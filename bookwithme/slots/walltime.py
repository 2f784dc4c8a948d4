"""Turning an organizer's wall-clock time on a local date into a UTC instant.

The rule (also in docs/slots.md): wall time ``T`` on local date ``D`` maps to **the earliest
instant whose local wall-clock reading is at or after ``D T``**.

* An ordinary time maps to its only instant.
* A time that does not exist (the spring-forward gap, e.g. 02:30 in Europe/Paris on
  2026-03-29) maps to the transition instant, i.e. the clock's first reading after the gap
  (03:00 CEST = 01:00 UTC).
* A time that happens twice (the fall-back overlap, e.g. 01:30 in America/New_York on
  2026-11-01) maps to its first occurrence (01:30 EDT = 05:30 UTC, ``fold=0``).
* ``24:00`` is the same as ``00:00`` of the next day: the start of ``D + 1``.

The rule is monotone (a later wall time never maps to an earlier instant), so ranges that
are ordered on the wall clock stay ordered in UTC, and a range can only shrink to nothing,
never turn inside out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

__all__ = ["MINUTES_PER_DAY", "wall_to_utc"]

MINUTES_PER_DAY = 24 * 60
_SECOND = timedelta(seconds=1)


def _local_wall(instant: datetime, tz: tzinfo) -> datetime:
    """The naive wall-clock reading of ``instant`` in ``tz``."""
    return instant.astimezone(tz).replace(tzinfo=None)


def wall_to_utc(day: date, minute: int, tz: tzinfo) -> datetime:
    """Resolve ``minute`` minutes past local midnight of ``day`` to a UTC instant.

    Gaps and overlaps are resolved by the earliest-instant rule of this module, so every
    wall time has exactly one answer and the organizer is never booked in an hour that the
    clock skips. Cost: a round trip through ``tz``, plus a ~12-step bisection for the rare
    wall time that falls in a gap (never a scan).
    """
    if isinstance(minute, bool) or not 0 <= minute <= MINUTES_PER_DAY:
        raise ValueError(f"minute must be in 0..{MINUTES_PER_DAY}, got {minute!r}")
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    # fold=0 is the first occurrence of an ambiguous time, which is what the rule wants.
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if _local_wall(instant, tz) == wall:
        return instant
    # ``wall`` is in a gap. With fold=0 zoneinfo applies the offset from before the
    # transition, which lands after it; fold=1 applies the offset from after it, which lands
    # before it. The answer (the transition instant) is the first instant of that bracket
    # whose wall clock has reached ``wall``; transitions fall on whole seconds.
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = before, instant
    if lo > hi:  # a tzinfo with the opposite fold convention
        lo, hi = hi, lo
    if _local_wall(lo, tz) >= wall:
        return lo
    low, high = 0, (hi - lo) // _SECOND  # the predicate is false at ``low``, true at ``high``
    while high - low > 1:
        mid = (low + high) // 2
        if _local_wall(lo + mid * _SECOND, tz) >= wall:
            high = mid
        else:
            low = mid
    return lo + high * _SECOND
