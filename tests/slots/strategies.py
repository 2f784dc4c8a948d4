"""Hypothesis strategies for the slot engine's property tests: small, minute-scale inputs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from bookwithme.slots import Interval, format_time

# DST-heavy and odd-offset zones: 30/45-minute offsets and shifts, transitions at midnight,
# negative DST (Dublin, Casablanca), a 2-hour shift (Troll), both ends of the offset range.
ZONE_NAMES = (
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/Santiago",
    "America/Asuncion",
    "America/Havana",
    "Asia/Beirut",
    "Pacific/Chatham",
    "America/St_Johns",
    "Africa/Casablanca",
    "Europe/Dublin",
    "Antarctica/Troll",
    "America/Nuuk",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
)
ZONES = tuple(ZoneInfo(name) for name in ZONE_NAMES)

YEARS = (2025, 2026, 2027)


def _transition_days(tz: ZoneInfo) -> list[date]:
    """Local dates around each UTC-offset change in YEARS, where the bugs live."""
    days: set[date] = set()
    t = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    stop = datetime(YEARS[-1], 12, 31, tzinfo=UTC)
    offset = t.astimezone(tz).utcoffset()
    while t < stop:
        t += timedelta(hours=6)
        now = t.astimezone(tz).utcoffset()
        if now != offset:
            local = t.astimezone(tz).date()
            days.update(local + timedelta(days=d) for d in (-1, 0, 1))
            offset = now
    return sorted(days)


TRANSITION_DAYS = {tz.key: _transition_days(tz) for tz in ZONES}

zones = st.sampled_from(ZONES)

# Boundaries near 00:00-04:00 and near midnight are where DST transitions sit.
_EDGY_MINUTES = [*range(0, 241, 15), 1320, 1380, 1410, 1425, 1439]
minutes_of_day = st.one_of(st.integers(0, 1439), st.sampled_from(_EDGY_MINUTES))


@st.composite
def day_range(draw: st.DrawFn) -> tuple[int, int]:
    """A raw (start, end) minute range within a day; end may be 1440 (= "24:00")."""
    start = draw(minutes_of_day)
    end = draw(
        st.one_of(
            st.integers(start + 1, 1440),
            st.sampled_from([m for m in (*_EDGY_MINUTES, 1440) if m > start] or [1440]),
        )
    )
    return start, end


day_ranges = st.lists(day_range(), max_size=3)


def to_json_ranges(ranges: list[tuple[int, int]]) -> list[list[str]]:
    return [[format_time(s), format_time(e)] for s, e in ranges]


@st.composite
def local_span(draw: st.DrawFn, tz: ZoneInfo, max_days: int = 4) -> tuple[date, date]:
    """1..max_days consecutive local dates, usually around one of the zone's transitions."""
    candidates = TRANSITION_DAYS[tz.key]
    near_transition = draw(st.booleans())
    if candidates and near_transition:
        first = draw(st.sampled_from(candidates)) - timedelta(days=draw(st.integers(0, 2)))
    else:
        first = draw(st.dates(date(YEARS[0], 1, 1), date(YEARS[-1], 12, 1)))
    return first, first + timedelta(days=draw(st.integers(0, max_days - 1)))


@dataclass(frozen=True)
class HoursCase:
    weekly: list[list[tuple[int, int]]]
    overrides: dict[date, list[tuple[int, int]]]
    tz: ZoneInfo
    first: date
    last: date

    def weekly_json(self) -> dict[str, list[list[str]]]:
        names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return {n: to_json_ranges(r) for n, r in zip(names, self.weekly, strict=True) if r}

    def overrides_json(self) -> list[dict[str, object]]:
        return [
            {"date": d.isoformat(), "intervals": to_json_ranges(r)}
            for d, r in self.overrides.items()
        ]


@st.composite
def hours_cases(draw: st.DrawFn, max_days: int = 4) -> HoursCase:
    """Random weekly hours (some days closed) and overrides on or near the drawn dates."""
    tz = draw(zones)
    first, last = draw(local_span(tz, max_days))
    weekly = [draw(day_ranges) for _ in range(7)]
    nearby = [first + timedelta(days=d) for d in range(-1, (last - first).days + 2)]
    override_days = draw(st.lists(st.sampled_from(nearby), unique=True, max_size=3))
    overrides = {d: draw(day_ranges) for d in override_days}
    return HoursCase(weekly, overrides, tz, first, last)


# --- synthetic windows and busy time, in minutes from an anchor instant -----------------

ANCHORS = (
    datetime(2026, 3, 28, 12, 0, tzinfo=UTC),  # Paris spring-forward weekend
    datetime(2026, 3, 7, 18, 0, tzinfo=UTC),  # New York spring-forward weekend
    datetime(2026, 10, 31, 20, 0, tzinfo=UTC),  # New York fall-back weekend
    datetime(2026, 4, 4, 6, 0, tzinfo=UTC),  # Lord Howe fall-back
    datetime(2026, 6, 15, 0, 0, tzinfo=UTC),
)


def at(anchor: datetime, minutes: int) -> datetime:
    return anchor + timedelta(minutes=minutes)


@st.composite
def window_lists(draw: st.DrawFn, anchor: datetime) -> list[Interval]:
    """Sorted, non-overlapping windows; gaps of 0 make neighbours touch (like at midnight)."""
    windows: list[Interval] = []
    cursor = draw(st.integers(-120, 120))
    for _ in range(draw(st.sampled_from([0, 1, 2, 2, 3, 3, 4, 5]))):
        cursor += draw(st.one_of(st.just(0), st.integers(1, 240)))
        length = draw(st.integers(1, 360))
        windows.append(Interval(at(anchor, cursor), at(anchor, cursor + length)))
        cursor += length
    return windows


@st.composite
def busy_lists(draw: st.DrawFn, anchor: datetime, lo: int, hi: int) -> list[Interval]:
    """Busy intervals in any order, overlapping each other freely."""
    busy: list[Interval] = []
    lengths = st.one_of(st.integers(1, 90), st.integers(1, 600))
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(lo - 200, hi + 50))
        busy.append(Interval(at(anchor, start), at(anchor, start + draw(lengths))))
    return busy
