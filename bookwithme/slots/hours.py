"""Weekly opening hours, per-date overrides, and their expansion into open UTC windows.

Hours are written the way an organizer thinks about them: wall-clock ``"HH:MM"`` ranges per
weekday in their own time zone, plus overrides for particular dates (a day off, a short
day). Internally a time is minutes since local midnight, 0..1440, where 1440 is ``"24:00"``
(the end of the day, only allowed as the end of a range).

Within one day, ranges that overlap or touch are merged (09:00-12:00 + 12:00-17:00 is one
window, 09:00-17:00). Windows never merge across local midnight: each is tied to one local
date, so a meeting never crosses the organizer's midnight.

DST rule (see ``walltime``): a wall time T on local date D maps to the earliest instant of D
whose local wall-clock time is >= T. A time inside the spring-forward gap (02:30 in
Europe/Paris on 2026-03-29) is pushed to the transition instant (03:00 CEST, 01:00 UTC); an
ambiguous fall-back time (01:30 in America/New_York on 2026-11-01) takes its first
occurrence (01:30 EDT, 05:30 UTC); ``"24:00"`` is the start of D + 1. A window lasts the real
time elapsed between its two instants, so 00:00-06:00 is five hours on a spring-forward day
and seven on a fall-back day; a window that shrinks to nothing (02:00-03:00 in Paris on
2026-03-29) is dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from types import MappingProxyType
from typing import TypedDict

from .intervals import Interval, trusted_interval
from .walltime import MINUTES_PER_DAY, wall_to_utc

__all__ = [
    "DAY_NAMES",
    "DayRanges",
    "HoursError",
    "HoursJSON",
    "OverrideJSON",
    "WeeklyHours",
    "format_time",
    "open_windows",
    "parse_time",
]

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

type DayRanges = tuple[tuple[int, int], ...]
"""One day's opening hours: sorted, disjoint, non-touching (start_min, end_min) pairs."""

_TIME_RE = re.compile(r"([0-9]{2}):([0-9]{2})")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ONE_DAY = timedelta(days=1)


class HoursError(ValueError):
    """Opening hours that cannot be used; the message is meant to be shown to the organizer."""


class OverrideJSON(TypedDict):
    """One date's exceptional hours; ``intervals == []`` means the day is off."""

    date: str
    intervals: list[list[str]]


class HoursJSON(TypedDict):
    """The canonical stored form of ``WeeklyHours`` (all strings, ready for a JSON field)."""

    weekly: dict[str, list[list[str]]]
    overrides: list[OverrideJSON]


def _show(value: object) -> str:
    """Echo user input back in the notation they wrote it in (JSON), for error messages."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def parse_time(text: object, *, end: bool = False) -> int:
    """Parse ``"HH:MM"`` into minutes since midnight, refusing anything ambiguous.

    Only two-digit hours and minutes are accepted so that the stored form is canonical.
    ``"24:00"`` means the end of the day and is allowed only when ``end`` is true, since a
    range cannot start at the end of a day.
    """
    match = _TIME_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise HoursError(f"{_show(text)} is not a time (HH:MM)")
    hours, minutes = int(match[1]), int(match[2])
    if hours == 24 and minutes == 0:
        if not end:
            raise HoursError('"24:00" can only end a range')
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise HoursError(f"{_show(text)} is not a time (HH:MM)")
    return hours * 60 + minutes


def format_time(minute: int) -> str:
    """Inverse of ``parse_time``: 1440 becomes ``"24:00"``, the canonical end of day."""
    if isinstance(minute, bool) or not 0 <= minute <= MINUTES_PER_DAY:
        raise HoursError(f"{minute!r} is not a minute of the day (0..{MINUTES_PER_DAY})")
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _check_range(start: int, end: int) -> None:
    """Shared bounds check, so direct construction and parsing report the same way."""
    for value in (start, end):
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= MINUTES_PER_DAY
        ):
            raise HoursError(f"{value!r} is not a minute of the day (0..{MINUTES_PER_DAY})")
    if start >= end:
        raise HoursError(f"start must be before end: {format_time(start)}-{format_time(end)}")


def _normalize(ranges: Iterable[tuple[int, int]]) -> DayRanges:
    """Sort and merge a day's ranges; overlapping or touching ranges become one window."""
    checked: list[tuple[int, int]] = []
    for pair in ranges:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise HoursError(f"a range must be a (start, end) pair, got {pair!r}")
        start, end = pair
        _check_range(start, end)
        checked.append((start, end))
    checked.sort()
    merged: list[tuple[int, int]] = []
    for start, end in checked:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _parse_ranges(value: object, where: str) -> DayRanges:
    """Parse ``[["09:00", "17:00"], ...]``; ``where`` prefixes errors so users find the line."""
    if not isinstance(value, list | tuple):
        raise HoursError(
            f'{where}: expected a list of ["HH:MM", "HH:MM"] ranges, got {_show(value)}'
        )
    pairs: list[tuple[int, int]] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise HoursError(f'{where}: expected a ["HH:MM", "HH:MM"] range, got {_show(item)}')
        try:
            start = parse_time(item[0])
            end = parse_time(item[1], end=True)
            _check_range(start, end)
        except HoursError as exc:
            raise HoursError(f"{where}: {exc}") from None
        pairs.append((start, end))
    return _normalize(pairs)


def _parse_date(value: object) -> date:
    """Strict ``YYYY-MM-DD`` (``date.fromisoformat`` alone would also take week dates)."""
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise HoursError(f"{_show(value)} is not a date (YYYY-MM-DD)")


def _format_ranges(ranges: DayRanges) -> list[list[str]]:
    return [[format_time(start), format_time(end)] for start, end in ranges]


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """An organizer's recurring weekly hours plus per-date overrides, in local wall time.

    ``weekly[i]`` holds the ranges of weekday ``i`` (0 = Monday .. 6 = Sunday); ``overrides``
    maps a local date to the ranges that replace that date's weekly ones (``()`` = day off).
    Direct construction validates and canonicalises like ``from_json`` does.
    """

    weekly: tuple[DayRanges, ...]
    overrides: Mapping[date, DayRanges] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != len(DAY_NAMES):
            raise HoursError(f"weekly hours need 7 days (Monday first), got {len(self.weekly)}")
        weekly = tuple(_normalize(day) for day in self.weekly)
        overrides: dict[date, DayRanges] = {}
        for day in sorted(self.overrides):
            if not isinstance(day, date):
                raise HoursError(f"override keys must be dates, got {day!r}")
            overrides[day] = _normalize(self.overrides[day])
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "overrides", MappingProxyType(overrides))

    @classmethod
    def from_json(cls, weekly: object, overrides: object = ()) -> WeeklyHours:
        """Build from the stored/submitted JSON form, with errors an organizer can act on.

        ``weekly`` is ``{"mon": [["09:00", "17:00"]], ...}`` (a missing day is closed);
        ``overrides`` is ``[{"date": "YYYY-MM-DD", "intervals": [...]}, ...]``. Duplicate
        override dates are refused rather than silently letting the last one win.
        """
        if not isinstance(weekly, Mapping):
            raise HoursError(f"weekly hours must be an object keyed by day, got {_show(weekly)}")
        days: list[DayRanges] = [() for _ in DAY_NAMES]
        for key, value in weekly.items():
            if key not in DAY_NAMES:
                names = ", ".join(DAY_NAMES)
                raise HoursError(f"unknown day {_show(key)} (use {names})")
            days[DAY_NAMES.index(key)] = _parse_ranges(value, key)
        if not isinstance(overrides, list | tuple):
            raise HoursError(f"overrides must be a list, got {_show(overrides)}")
        by_date: dict[date, DayRanges] = {}
        for item in overrides:
            if not isinstance(item, Mapping) or set(item) != {"date", "intervals"}:
                raise HoursError(
                    'each override must look like {"date": "YYYY-MM-DD", "intervals": [...]}, '
                    f"got {_show(item)}"
                )
            day = _parse_date(item["date"])
            if day in by_date:
                raise HoursError(f"duplicate override for {day.isoformat()}")
            by_date[day] = _parse_ranges(item["intervals"], day.isoformat())
        return cls(weekly=tuple(days), overrides=by_date)

    def to_json(self) -> HoursJSON:
        """The canonical form: every weekday listed (``[]`` = closed), overrides by date.

        ``WeeklyHours.from_json(**hours.to_json()) == hours`` always holds, so this is what
        should be stored.
        """
        return {
            "weekly": {
                name: _format_ranges(ranges)
                for name, ranges in zip(DAY_NAMES, self.weekly, strict=True)
            },
            "overrides": [
                {"date": day.isoformat(), "intervals": _format_ranges(ranges)}
                for day, ranges in self.overrides.items()
            ],
        }

    def ranges_for(self, day: date) -> DayRanges:
        """The hours that apply on ``day``: its override if it has one, else its weekday's."""
        override = self.overrides.get(day)
        if override is not None:
            return override
        return self.weekly[day.weekday()]


def open_windows(hours: WeeklyHours, tz: tzinfo, first: date, last: date) -> list[Interval]:
    """Expand hours into UTC windows for local dates ``first..last`` (inclusive), sorted.

    Each wall-clock range of each date becomes one interval under the module's DST rule;
    ranges that collapse to nothing in a DST gap are dropped. Windows of consecutive dates
    may touch at midnight but are never joined. Returns ``[]`` when ``last < first``.
    """
    windows: list[Interval] = []
    day = first
    midnight = wall_to_utc(day, 0, tz)
    while day <= last:
        next_midnight = wall_to_utc(day + _ONE_DAY, 0, tz)
        # Most days are exactly 24 hours long with one offset throughout: there a wall time is
        # simply local midnight plus its minutes. Days with a change take the full rule.
        plain = next_midnight - midnight == _ONE_DAY and _same_offset(midnight, next_midnight, tz)
        for start_min, end_min in hours.ranges_for(day):
            if plain:
                start = midnight + timedelta(minutes=start_min)
                end = midnight + timedelta(minutes=end_min)
            else:
                start = wall_to_utc(day, start_min, tz)
                end = wall_to_utc(day, end_min, tz)
            if start < end:
                windows.append(trusted_interval(start, end))
        day += _ONE_DAY
        midnight = next_midnight
    return windows


def _same_offset(a: datetime, b: datetime, tz: tzinfo) -> bool:
    """Whether `tz` has one offset from `a` to `b` (checked at both ends and half way)."""
    offset = a.astimezone(tz).utcoffset()
    middle = a + (b - a) / 2
    return middle.astimezone(tz).utcoffset() == offset and b.astimezone(tz).utcoffset() == offset
