"""Finding the bookable slots inside open windows, around busy time.

A start ``s`` (with end ``e = s + duration``) is offered exactly when all of these hold:

1. ``[s, e)`` lies inside one window and ``s = window.start + k * step`` for an integer
   ``k >= 0``: the grid restarts at every window start, and ``step`` is real elapsed time;
2. ``[s - buffer_before, e + buffer_after)`` overlaps no busy interval (half-open, so
   touching is fine);
3. ``earliest <= s <= latest`` for whichever bounds are given;
4. with ``daily_limit``, fewer than ``daily_limit`` bookings already exist on the organizer's
   local date of ``s`` (the function does not count its own offers against the limit).

Cost: O((W + B) log(W + B) + S) for W windows, B busy intervals and S offered slots. Busy
time is merged once; candidates then only move forward, and every candidate that is
rejected jumps straight to the next grid point that could pass (past the blocking busy
interval, to the next local midnight, to ``earliest``), so nothing is scanned minute by
minute. Between two busy intervals the grid points are emitted in a tight run without
re-checking busy time, and the daily limit is looked up once per local day. That relies on
the organizer's local date never going backwards as time advances, which holds for the zones
the tests cover, including those that fall back at midnight (from 24:00 to 23:00, on the
same date).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from itertools import chain, pairwise

from .intervals import Interval, merged_bounds, merged_seconds, trusted_interval
from .walltime import wall_to_utc

__all__ = ["find_slots"]

_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)


def _ceil_steps(distance: timedelta, step: timedelta) -> int:
    """Smallest k >= 0 with k * step >= distance, in exact integer arithmetic."""
    if distance <= _ZERO:
        return 0
    return -(-distance // step)


def _check_aware(value: datetime | None, name: str) -> None:
    if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def find_slots(
    windows: Sequence[Interval],
    busy: Iterable[Interval] = (),
    *,
    busy_seconds: Iterable[tuple[float, float]] = (),
    duration: timedelta,
    step: timedelta | None = None,
    buffer_before: timedelta = _ZERO,
    buffer_after: timedelta = _ZERO,
    earliest: datetime | None = None,
    latest: datetime | None = None,
    daily_limit: int | None = None,
    booked_per_day: Mapping[date, int] | None = None,
    tz: tzinfo | None = None,
) -> list[Interval]:
    """Offer every start that satisfies the module's four rules, sorted by start.

    ``windows`` must be sorted and non-overlapping (touching is fine: that is how windows of
    consecutive days meet at midnight), as ``open_windows`` returns them; ``busy`` may come
    in any order and overlap, and so may ``busy_seconds``: more busy time, as (start, end)
    POSIX timestamps, the cheap form for thousands of pairs read from a database.
    ``earliest``/``latest`` are inclusive bounds on the *start* (typically now + minimum
    notice and now + booking horizon). ``tz`` is the organizer's
    zone and decides which local date a slot counts against for ``daily_limit``.

    Raises ``ValueError`` for a non-positive duration or step, negative buffers, naive
    datetimes, unsorted/overlapping windows, a negative ``daily_limit``, or ``daily_limit``
    without ``tz``.
    """
    if step is None:
        step = duration
    if duration <= _ZERO:
        raise ValueError(f"duration must be positive, got {duration}")
    if step <= _ZERO:
        raise ValueError(f"step must be positive, got {step}")
    if buffer_before < _ZERO or buffer_after < _ZERO:
        raise ValueError(f"buffers cannot be negative, got {buffer_before} and {buffer_after}")
    _check_aware(earliest, "earliest")
    _check_aware(latest, "latest")
    if daily_limit is not None:
        if daily_limit < 0:
            raise ValueError(f"daily_limit cannot be negative, got {daily_limit}")
        if tz is None:
            raise ValueError("tz is required with daily_limit (it decides each slot's local date)")
    for prev, nxt in pairwise(windows):
        if nxt.start < prev.end:
            raise ValueError(
                "windows must be sorted and must not overlap: "
                f"{nxt.start.isoformat()} starts before {prev.end.isoformat()}"
            )
    booked = booked_per_day if booked_per_day is not None else {}

    busy_starts, busy_ends = merged_bounds(chain(busy, merged_seconds(busy_seconds)))
    busy_count = len(busy_ends)
    reach_after = duration + buffer_after
    j = 0  # first merged busy interval that may still reach the current candidate
    day_end: datetime | None = None  # where the local day of the last checked start ends
    day_full = False
    slots: list[Interval] = []
    append = slots.append

    for window in windows:
        w_start = window.start
        if latest is not None and w_start > latest:
            break  # windows are sorted: nothing later can start in time
        last_start = window.end - duration
        if latest is not None and latest < last_start:
            last_start = latest
        if last_start < w_start:
            continue
        s = w_start
        if earliest is not None and earliest > w_start:
            s += _ceil_steps(earliest - w_start, step) * step
        while s <= last_start:
            # Rule 2: the candidate with its buffers must not overlap busy time. Candidates
            # only grow, so busy intervals that ended before this one's reach never return.
            reach_start = s - buffer_before
            while j < busy_count and busy_ends[j] <= reach_start:
                j += 1
            if j < busy_count:
                if busy_starts[j] < s + reach_after:
                    # Every grid point before busy_end + buffer_before overlaps this busy
                    # interval too; jump to the first one that does not.
                    s = w_start + _ceil_steps(busy_ends[j] + buffer_before - w_start, step) * step
                    continue
                # Starts up to here clear busy interval j, and so every later one too.
                stop = min(busy_starts[j] - reach_after, last_start)
            else:
                stop = last_start
            # Every grid point in [s, stop] passes rules 1 to 3.
            if daily_limit is None or tz is None:
                while s <= stop:
                    append(trusted_interval(s, s + duration))
                    s += step
                continue
            while s <= stop:
                # Rule 4: the start's local day must still have room. Local dates only move
                # forward, so the verdict holds until the local day ends.
                if day_end is None or s >= day_end:
                    day = s.astimezone(tz).date()
                    day_end = wall_to_utc(day + _ONE_DAY, 0, tz)
                    day_full = booked.get(day, 0) >= daily_limit
                if day_full:
                    # Skip to the first grid point of the next local day.
                    s = max(s + step, w_start + _ceil_steps(day_end - w_start, step) * step)
                    break
                append(trusted_interval(s, s + duration))
                s += step
    return slots
