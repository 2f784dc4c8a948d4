"""Named cases for the interval type and its set operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bookwithme.slots import Interval, clip, merge, subtract


def t(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def iv(a: int, b: int) -> Interval:
    """An interval between two hours of 2026-03-10 UTC."""
    return Interval(t(a), t(b))


def test_interval_is_stored_in_utc_and_equal_across_zones() -> None:
    paris = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    interval = Interval(paris, paris + timedelta(hours=1))
    assert interval.start == t(9) and interval.start.tzinfo is UTC
    assert interval == iv(9, 10)
    assert interval.duration == timedelta(hours=1)


def test_interval_keeps_the_two_occurrences_of_an_ambiguous_time_apart() -> None:
    ny = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=ny)
    second = first.replace(fold=1)
    assert first == second  # same tzinfo: Python compares wall times and ignores fold
    assert Interval(first, second).duration == timedelta(hours=1)  # in UTC they differ


def test_interval_refuses_empty_reversed_and_naive() -> None:
    with pytest.raises(ValueError, match="start must be before its end"):
        Interval(t(9), t(9))
    with pytest.raises(ValueError, match="start must be before its end"):
        Interval(t(10), t(9))
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        Interval(datetime(2026, 3, 10, 9), t(10))
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        Interval(t(9), datetime(2026, 3, 10, 10))
    with pytest.raises(TypeError, match="start must be a datetime"):
        Interval("2026-03-10T09:00Z", t(10))  # type: ignore[arg-type]


def test_overlaps_and_contains_are_half_open() -> None:
    assert not iv(9, 10).overlaps(iv(10, 11))
    assert iv(9, 10).overlaps(iv(9, 11))
    assert iv(9, 10).contains(t(9))
    assert not iv(9, 10).contains(t(10))


def test_merge_coalesces_overlapping_and_touching_and_sorts() -> None:
    assert merge([iv(13, 14), iv(9, 10), iv(10, 11), iv(9, 10), iv(15, 17), iv(16, 18)]) == [
        iv(9, 11),
        iv(13, 14),
        iv(15, 18),
    ]
    assert merge([]) == []
    assert merge([iv(9, 17), iv(10, 11)]) == [iv(9, 17)]


def test_subtract_cuts_holes_and_keeps_touching_bases_apart() -> None:
    assert subtract([iv(9, 17)], [iv(10, 11), iv(12, 13)]) == [iv(9, 10), iv(11, 12), iv(13, 17)]
    assert subtract([iv(9, 17)], [iv(8, 18)]) == []
    assert subtract([iv(9, 17)], []) == [iv(9, 17)]
    # Two windows meeting at midnight stay two windows.
    evening, night = Interval(t(20), t(0, day=11)), Interval(t(0, day=11), t(4, day=11))
    assert subtract([night, evening], [iv(21, 22)]) == [
        iv(20, 21),
        Interval(t(22), t(0, day=11)),
        night,
    ]
    # Touching minus intervals remove nothing extra.
    assert subtract([iv(9, 12)], [iv(8, 9), iv(12, 13)]) == [iv(9, 12)]


def test_clip_trims_to_bounds_without_merging() -> None:
    windows = [iv(8, 10), iv(10, 12), iv(14, 16)]
    assert clip(windows, t(9), t(15)) == [iv(9, 10), iv(10, 12), iv(14, 15)]
    assert clip(windows, t(12), t(14)) == []
    assert clip(windows, t(15), t(9)) == []
    offset = timezone(timedelta(hours=2))
    assert clip(windows, datetime(2026, 3, 10, 11, tzinfo=offset), t(11)) == [iv(9, 10), iv(10, 11)]
