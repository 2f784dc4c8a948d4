"""Property tests: the engine against the brute-force oracle, as many examples each as the
Hypothesis profile says (tests/conftest.py: 50 while working, 500 in CI)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bookwithme.slots import (
    Interval,
    WeeklyHours,
    clip,
    find_slots,
    merge,
    open_windows,
    subtract,
    wall_to_utc,
)
from bookwithme.slots.intervals import merged_seconds

from .oracle import WallClock, minute_set, oracle_find_slots, oracle_open_windows
from .strategies import (
    ANCHORS,
    HoursCase,
    at,
    busy_lists,
    hours_cases,
    local_span,
    minutes_of_day,
    window_lists,
    zones,
)

BASE = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)


def _interval(pair: tuple[int, int]) -> Interval:
    start, length = pair
    return Interval(at(BASE, start), at(BASE, start + length))


intervals = st.lists(
    st.tuples(st.integers(-60, 240), st.integers(1, 90)).map(_interval), max_size=12
)


# --- intervals ---------------------------------------------------------------------------


@given(intervals)
def test_merge_covers_same_minutes_with_separated_sorted_intervals(items: list[Interval]) -> None:
    merged = merge(items)
    assert minute_set(merged) == minute_set(items)
    for prev, nxt in pairwise(merged):
        assert prev.end < nxt.start  # overlapping and touching intervals were coalesced


@given(intervals, intervals)
def test_subtract_removes_exactly_the_minus_minutes(
    base: list[Interval], minus: list[Interval]
) -> None:
    result = subtract(base, minus)
    assert minute_set(result) == minute_set(base) - minute_set(minus)
    assert [r.start for r in result] == sorted(r.start for r in result)
    for piece in result:  # pieces are never glued across base intervals
        assert any(b.start <= piece.start and piece.end <= b.end for b in base)
        assert not any(piece.overlaps(m) for m in minus)


@given(intervals, st.integers(-90, 330), st.integers(-90, 330))
def test_clip_keeps_each_interval_inside_the_bounds(items: list[Interval], a: int, b: int) -> None:
    lo, hi = at(BASE, a), at(BASE, b)
    result = clip(items, lo, hi)
    bound = {m for m in minute_set(items) if lo <= m < hi}
    assert minute_set(result) == bound
    assert len(result) == sum(1 for i in items if i.start < hi and lo < i.end and lo < hi)
    assert [r.start for r in result] == sorted(r.start for r in result)


# --- wall time and windows ---------------------------------------------------------------


@given(st.data(), zones, st.one_of(minutes_of_day, st.just(1440)))
def test_wall_to_utc_is_the_earliest_instant_at_or_after_the_wall_time(
    data: st.DataObject, tz: object, minute: int
) -> None:
    assert hasattr(tz, "key")
    first, _ = data.draw(local_span(tz, 1))  # type: ignore[arg-type]
    assert wall_to_utc(first, minute, tz) == WallClock(tz, first, first).resolve(first, minute)  # type: ignore[arg-type]


@given(hours_cases())
def test_open_windows_matches_minute_scan(case: HoursCase) -> None:
    hours = WeeklyHours.from_json(case.weekly_json(), case.overrides_json())
    expected = oracle_open_windows(case.weekly, case.overrides, case.tz, case.first, case.last)
    assert open_windows(hours, case.tz, case.first, case.last) == expected


# --- slots -------------------------------------------------------------------------------


@st.composite
def slot_queries(draw: st.DrawFn) -> dict[str, object]:
    tz = draw(zones)
    anchor = draw(st.sampled_from(ANCHORS))
    if draw(st.booleans()):
        # Start a few hours before the organizer's local midnight, so that windows often
        # cross it and the daily limit has to tell the two local dates apart.
        midnight = datetime.combine(anchor.date(), time(), tzinfo=tz).astimezone(UTC)
        anchor = midnight - timedelta(minutes=draw(st.integers(0, 300)))
    windows = draw(window_lists(anchor))
    lo = int((windows[0].start - anchor) / timedelta(minutes=1)) if windows else 0
    hi = int((windows[-1].end - anchor) / timedelta(minutes=1)) if windows else 600
    return _query(draw, anchor, windows, lo, hi, tz)


def _query(
    draw: st.DrawFn, anchor: datetime, windows: list[Interval], lo: int, hi: int, tz: ZoneInfo
) -> dict[str, object]:
    duration = draw(st.one_of(st.sampled_from([15, 30, 45, 60, 90]), st.integers(1, 180)))
    step = draw(
        st.one_of(
            st.none(),
            st.sampled_from([d for d in (5, 10, 15, 30) if d <= duration] or [duration]),
            st.integers(1, duration),
        )
    )
    buffers = st.one_of(st.just(0), st.sampled_from([5, 10, 15]), st.integers(0, 90))
    # Bounds land to the second, so they usually fall between grid points; mostly early for
    # ``earliest`` and late for ``latest`` so that something is left to offer.
    third = (hi - lo) // 3
    early = st.integers((lo - 60) * 60, (lo + third) * 60)
    late = st.integers((hi - third) * 60, (hi + 60) * 60)
    anywhere = st.integers((lo - 60) * 60, (hi + 60) * 60)
    # ... and sometimes exactly on a minute or a window start, to pin down inclusiveness.
    on_minute = st.integers(lo - 60, hi + 60).map(lambda n: n * 60)
    starts = [int((w.start - anchor).total_seconds()) for w in windows] or [lo * 60]
    exact = st.one_of(on_minute, st.sampled_from(starts))
    earliest = draw(st.one_of(st.none(), early, anywhere, exact).map(lambda n: _seconds(anchor, n)))
    latest = draw(st.one_of(st.none(), late, anywhere, exact).map(lambda n: _seconds(anchor, n)))
    if earliest is not None and latest is not None and latest < earliest:
        earliest, latest = latest, earliest
    first_day = at(anchor, lo).astimezone(tz).date()
    days = [first_day + timedelta(days=d) for d in range(-1, 6)]
    return {
        "windows": windows,
        "busy": draw(busy_lists(anchor, lo, hi)),
        "duration": _minutes(duration),
        "step": None if step is None else _minutes(step),
        "buffer_before": _minutes(draw(buffers)),
        "buffer_after": _minutes(draw(buffers)),
        "earliest": earliest,
        "latest": latest,
        "daily_limit": draw(st.sampled_from([None, None, 0, 1, 1, 2, 3])),
        "booked_per_day": _booked(draw, days),
        "tz": tz,
    }


def _booked(draw: st.DrawFn, days: list[date]) -> dict[date, int]:
    """Counts for most days, so that a limit often bites on one date and not the next."""
    count = st.sampled_from([0, 0, 0, 1, 2, 3])
    counts = draw(st.lists(count, min_size=len(days), max_size=len(days)))
    return {d: n for d, n in zip(days, counts, strict=True) if n or draw(st.booleans())}


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def _seconds(anchor: datetime, n: int | None) -> datetime | None:
    return None if n is None else anchor + timedelta(seconds=n)


@given(slot_queries())
def test_find_slots_matches_oracle(query: dict[str, object]) -> None:
    assert find_slots(**query) == oracle_find_slots(**query)  # type: ignore[arg-type]


@st.composite
def slot_queries_on_real_windows(draw: st.DrawFn) -> dict[str, object]:
    case = draw(hours_cases(max_days=3))
    hours = WeeklyHours.from_json(case.weekly_json(), case.overrides_json())
    windows = open_windows(hours, case.tz, case.first, case.last)
    anchor = datetime(case.first.year, case.first.month, case.first.day, tzinfo=UTC)
    span = ((case.last - case.first).days + 1) * 1440
    # The organizer's zone decides the daily limit's dates.
    return _query(draw, anchor, windows, -840, span + 720, case.tz)


@given(slot_queries_on_real_windows())
def test_find_slots_on_dst_windows_matches_oracle(query: dict[str, object]) -> None:
    assert find_slots(**query) == oracle_find_slots(**query)  # type: ignore[arg-type]


@st.composite
def limit_queries(draw: st.DrawFn) -> dict[str, object]:
    """Long windows straddling the organizer's midnights, where the daily limit must switch."""
    tz = draw(zones)
    first, _ = draw(local_span(tz, 1))
    start = datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)
    start += timedelta(minutes=draw(st.integers(-600, 1200)))
    windows: list[Interval] = []
    for _ in range(draw(st.integers(1, 3))):
        length = draw(st.integers(60, 2000))
        windows.append(Interval(start, start + timedelta(minutes=length)))
        start += timedelta(minutes=length + draw(st.integers(0, 300)))
    days = [first + timedelta(days=d) for d in range(-1, 6)]
    duration = draw(st.integers(1, 120))
    return {
        "windows": windows,
        "busy": [],
        "duration": _minutes(duration),
        "step": _minutes(draw(st.integers(1, duration))),
        "daily_limit": draw(st.integers(1, 2)),
        "booked_per_day": {d: draw(st.integers(0, 2)) for d in days},
        "tz": tz,
    }


@given(limit_queries())
def test_find_slots_daily_limit_across_local_midnights_matches_oracle(
    query: dict[str, object],
) -> None:
    assert find_slots(**query) == oracle_find_slots(**query)  # type: ignore[arg-type]


def test_transition_days_cover_the_named_cases() -> None:
    from .strategies import TRANSITION_DAYS

    assert date(2026, 3, 29) in TRANSITION_DAYS["Europe/Paris"]
    assert date(2026, 11, 1) in TRANSITION_DAYS["America/New_York"]
    assert date(2026, 10, 4) in TRANSITION_DAYS["Australia/Lord_Howe"]


@given(slot_queries())
def test_busy_time_as_timestamps_offers_what_intervals_do(query: dict[str, object]) -> None:
    busy: list[Interval] = query.pop("busy")  # type: ignore[assignment]
    seconds = [(i.start.timestamp(), i.end.timestamp()) for i in busy]
    # Split between the two forms, and all as timestamps: the same starts either way.
    half = len(busy) // 2
    expected = find_slots(busy=busy, **query)  # type: ignore[arg-type]
    assert find_slots(busy=busy[:half], busy_seconds=seconds[half:], **query) == expected  # type: ignore[arg-type]
    assert find_slots(busy_seconds=seconds, **query) == expected  # type: ignore[arg-type]


@given(intervals)
def test_merged_seconds_is_merge(items: list[Interval]) -> None:
    pairs = [(i.start.timestamp(), i.end.timestamp()) for i in items]
    assert merged_seconds([*pairs, (5.0, 5.0), (9.0, 3.0)]) == merge(items)  # empty pairs dropped
