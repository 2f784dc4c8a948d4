"""Half-open UTC intervals and the set operations the slot engine is built on.

Every interval is ``[start, end)``: it contains ``start`` and stops just before ``end``,
so two meetings that touch (one ends at 10:00, the next starts at 10:00) never overlap.
Datetimes must be timezone-aware and are normalised to UTC on construction, which keeps
comparisons exact (aware datetimes that share a ``ZoneInfo`` compare by wall time and
ignore ``fold``; UTC datetimes have no such trap).

All operations sort once and then sweep linearly: O(n log n) in the number of intervals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["Interval", "clip", "merge", "subtract"]


def _to_utc(value: datetime, name: str) -> datetime:
    """Normalise an aware datetime to UTC so that equality and ordering mean 'same instant'."""
    if type(value) is datetime and value.tzinfo is UTC:
        return value
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Interval:
    """A non-empty half-open span of time ``[start, end)``, stored in UTC.

    Construction refuses naive datetimes and ``start >= end``: an empty interval is never a
    value of this type, so operations simply drop the pieces that would be empty.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start = _to_utc(self.start, "start")
        end = _to_utc(self.end, "end")
        if start is not self.start:
            object.__setattr__(self, "start", start)
        if end is not self.end:
            object.__setattr__(self, "end", end)
        if not start < end:
            raise ValueError(
                f"interval start must be before its end: {start.isoformat()} >= {end.isoformat()}"
            )

    @property
    def duration(self) -> timedelta:
        """Real elapsed time, which differs from wall-clock length across a DST change."""
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        """Half-open overlap: intervals that merely touch do not overlap."""
        return self.start < other.end and other.start < self.end

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` lies in ``[start, end)``; the end itself is outside."""
        return self.start <= instant < self.end


_new = object.__new__
_set = object.__setattr__


def trusted_interval(start: datetime, end: datetime) -> Interval:
    """Build an Interval without re-validating: for the finder's hot loop only.

    The caller guarantees UTC datetimes with ``start < end`` (there, a window's UTC start
    plus positive timedeltas); this skips ``__post_init__``, about a quarter of the cost.
    """
    interval = _new(Interval)
    _set(interval, "start", start)
    _set(interval, "end", end)
    return interval


def _bounds(interval: Interval) -> tuple[datetime, datetime]:
    return interval.start, interval.end


def _sorted_pairs(intervals: Iterable[Interval]) -> list[tuple[datetime, datetime]]:
    """Sort as plain tuples: much cheaper than comparing dataclass instances."""
    return sorted((i.start, i.end) for i in intervals)


def merged_bounds(intervals: Iterable[Interval]) -> tuple[list[datetime], list[datetime]]:
    """Coalesce intervals into parallel, sorted start/end lists for a forward sweep.

    Internal helper shared with the finder: it avoids building ``Interval`` objects for the
    (possibly thousands of) busy intervals that only need to be scanned.
    """
    starts: list[datetime] = []
    ends: list[datetime] = []
    for start, end in _sorted_pairs(intervals):
        if ends and start <= ends[-1]:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def merged_seconds(pairs: Iterable[tuple[float, float]]) -> list[Interval]:
    """Coalesce (start, end) POSIX timestamps into UTC intervals, as ``merge`` does.

    For busy time read straight from a database: sorting and merging plain numbers, then
    making datetimes only of what is left, costs a fraction of an ``Interval`` per pair.
    Empty pairs (``end <= start``) are dropped.
    """
    merged: list[list[float]] = []
    for start, end in sorted(pairs):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    stamp = datetime.fromtimestamp
    return [trusted_interval(stamp(s, UTC), stamp(e, UTC)) for s, e in merged]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Coalesce overlapping *or touching* intervals into a sorted, gap-separated list.

    Touching intervals are joined because, as sets of instants, ``[a, b) + [b, c)`` is
    ``[a, c)``; keep intervals apart (e.g. windows on either side of midnight) by not merging.
    """
    starts, ends = merged_bounds(intervals)
    return [Interval(s, e) for s, e in zip(starts, ends, strict=True)]


def subtract(base: Iterable[Interval], minus: Iterable[Interval]) -> list[Interval]:
    """Remove every instant of ``minus`` from ``base``; result sorted by start.

    Base intervals are *not* coalesced with each other, so open windows that touch at local
    midnight stay separate windows after busy time is taken out (and pieces of base intervals
    that overlap each other may overlap too). ``minus`` is merged first,
    which makes a single forward sweep possible: O((n + m) log(n + m) + output).
    """
    m_starts, m_ends = merged_bounds(minus)
    count = len(m_ends)
    out: list[Interval] = []
    j = 0
    for start, end in _sorted_pairs(base):
        # Base starts never decrease, and merged ends are increasing, so the first minus
        # interval that can still reach this base interval only ever moves forward.
        while j < count and m_ends[j] <= start:
            j += 1
        cursor = start
        k = j
        while k < count and m_starts[k] < end:
            if m_starts[k] > cursor:
                out.append(Interval(cursor, m_starts[k]))
            if m_ends[k] > cursor:
                cursor = m_ends[k]
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            out.append(Interval(cursor, end))
    # Already sorted unless base intervals overlap each other; Timsort makes that check O(n).
    out.sort(key=_bounds)
    return out


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """Cut each interval to ``[start, end)``, dropping those left empty; sorted by start.

    Like ``subtract``, this keeps the intervals distinct (no coalescing), so it can bound a
    list of windows to a booking horizon without gluing adjacent days together.
    """
    lo = _to_utc(start, "start")
    hi = _to_utc(end, "end")
    out: list[Interval] = []
    for s, e in _sorted_pairs(intervals):
        s = max(s, lo)
        e = min(e, hi)
        if s < e:
            out.append(Interval(s, e))
    return out
