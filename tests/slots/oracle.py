"""Brute-force reference implementations, deliberately naive and written from the rules.

Nothing here shares code with ``bookwithme.slots`` beyond the ``Interval`` container: wall
times are resolved by scanning UTC minutes, ranges are merged through per-minute flags, and
slots are found by trying every minute and checking the four rules literally. Inputs must be
minute-aligned (and zones' transitions are, for the years the tests use).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bookwithme.slots import Interval

MINUTE = timedelta(minutes=1)
DAY_MINUTES = 1440


# --- minute sets -------------------------------------------------------------------------


def minute_set(intervals: Iterable[Interval]) -> set[datetime]:
    """Every minute start covered by the intervals (inputs are minute-aligned)."""
    covered: set[datetime] = set()
    for interval in intervals:
        t = interval.start
        while t < interval.end:
            covered.add(t)
            t += MINUTE
    return covered


# --- wall time ---------------------------------------------------------------------------


class WallClock:
    """The local wall-clock reading of consecutive UTC minutes, computed with astimezone.

    Readings are computed lazily, minute by minute, from 16 hours before the UTC midnight of
    the first date: UTC offsets stay within +-14 h, so every earlier minute reads earlier
    than any wall time of that date.
    """

    def __init__(self, tz: tzinfo, first: date, last: date) -> None:
        self.tz = tz
        self.first = first
        self.origin = datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(hours=16)
        self.limit = ((last - first).days + 3) * DAY_MINUTES
        self.instants: list[datetime] = []
        self.walls: list[datetime] = []

    def _wall(self, index: int) -> datetime:
        while len(self.walls) <= index:
            instant = self.origin + len(self.instants) * MINUTE
            self.instants.append(instant)
            self.walls.append(instant.astimezone(self.tz).replace(tzinfo=None))
        return self.walls[index]

    def resolve(self, day: date, minute: int) -> datetime:
        """The earliest scanned minute whose local wall time is >= ``day`` + ``minute``."""
        target = datetime.combine(day, time()) + timedelta(minutes=minute)
        begin = (day - self.first).days * DAY_MINUTES  # 16 h before that day's UTC midnight
        for index in range(begin, self.limit):
            if self._wall(index) >= target:
                return self.instants[index]
        raise AssertionError(f"span too short for {target}")


def day_runs(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge a day's ranges by flagging minutes; a range is [start, end) in minutes."""
    flags = [False] * (DAY_MINUTES + 1)  # sentinel at 1440 stays False
    for start, end in ranges:
        for m in range(start, end):
            flags[m] = True
    runs: list[tuple[int, int]] = []
    m = 0
    while m < DAY_MINUTES:
        if flags[m]:
            start = m
            while flags[m]:
                m += 1
            runs.append((start, m))
        else:
            m += 1
    return runs


def oracle_open_windows(
    weekly: Sequence[Sequence[tuple[int, int]]],
    overrides: Mapping[date, Sequence[tuple[int, int]]],
    tz: tzinfo,
    first: date,
    last: date,
) -> list[Interval]:
    """Windows for first..last: each day's merged ranges mapped through the minute scan."""
    clock = WallClock(tz, first, last)
    out: list[Interval] = []
    day = first
    while day <= last:
        ranges = overrides[day] if day in overrides else weekly[day.weekday()]
        for start, end in day_runs(ranges):
            s = clock.resolve(day, start)
            e = clock.resolve(day, end)
            if s < e:
                out.append(Interval(s, e))
        day += timedelta(days=1)
    return out


# --- slots -------------------------------------------------------------------------------


def oracle_find_slots(
    windows: Sequence[Interval],
    busy: Sequence[Interval],
    *,
    duration: timedelta,
    step: timedelta | None = None,
    buffer_before: timedelta = timedelta(0),
    buffer_after: timedelta = timedelta(0),
    earliest: datetime | None = None,
    latest: datetime | None = None,
    daily_limit: int | None = None,
    booked_per_day: Mapping[date, int] | None = None,
    tz: tzinfo | None = None,
) -> list[Interval]:
    """Try every minute from the first window start to the last window end."""
    if not windows:
        return []
    step = duration if step is None else step
    booked = booked_per_day or {}
    out: list[Interval] = []
    s = min(w.start for w in windows)
    stop = max(w.end for w in windows)
    while s <= stop:
        e = s + duration
        ok = any(  # rule 1: inside one window, on that window's grid
            w.start <= s and e <= w.end and (s - w.start) % step == timedelta(0) for w in windows
        )
        ok = ok and all(  # rule 2: buffered span overlaps no busy interval
            not (b.start < e + buffer_after and s - buffer_before < b.end) for b in busy
        )
        ok = ok and (earliest is None or earliest <= s) and (latest is None or s <= latest)
        if ok and daily_limit is not None:  # rule 4: room left on the local day
            assert tz is not None
            ok = booked.get(s.astimezone(tz).date(), 0) < daily_limit
        if ok:
            out.append(Interval(s, e))
        s += MINUTE
    return out
