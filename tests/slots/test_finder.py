"""Named cases for find_slots, with every expected start written out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookwithme.slots import Interval, WeeklyHours, find_slots, open_windows

MIN = timedelta(minutes=1)
UTC_ZONE = ZoneInfo("UTC")


def z(hour: int, minute: int = 0, second: int = 0, *, day: int = 10, month: int = 3) -> datetime:
    """An instant of 2026 in UTC (2026-03-10 unless told)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def iv(start: datetime, end: datetime) -> Interval:
    return Interval(start, end)


def starts(slots: list[Interval]) -> list[datetime]:
    return [s.start for s in slots]


MORNING = [iv(z(9), z(12))]


def test_default_step_is_the_duration_and_slots_fill_the_window() -> None:
    slots = find_slots(MORNING, [], duration=30 * MIN)
    assert starts(slots) == [z(9), z(9, 30), z(10), z(10, 30), z(11), z(11, 30)]
    assert all(s.duration == 30 * MIN for s in slots)


def test_step_smaller_than_duration_gives_overlapping_offers() -> None:
    slots = find_slots([iv(z(9), z(11))], [], duration=60 * MIN, step=15 * MIN)
    assert starts(slots) == [z(9), z(9, 15), z(9, 30), z(9, 45), z(10)]


def test_step_larger_than_duration() -> None:
    slots = find_slots([iv(z(9), z(11))], [], duration=30 * MIN, step=45 * MIN)
    assert starts(slots) == [z(9), z(9, 45), z(10, 30)]


def test_grid_restarts_at_every_window_start() -> None:
    windows = [iv(z(9), z(10)), iv(z(10, 10), z(11))]
    assert starts(find_slots(windows, [], duration=30 * MIN)) == [z(9), z(9, 30), z(10, 10)]


def test_busy_time_in_any_order_and_touching_is_fine() -> None:
    busy = [iv(z(11), z(11, 20)), iv(z(10), z(10, 30)), iv(z(10, 15), z(10, 45))]
    slots = find_slots(MORNING, busy, duration=30 * MIN, step=15 * MIN)
    # 09:30-10:00 touches the 10:00 busy start; 10:45 starts as the merged busy ends.
    assert starts(slots) == [z(9), z(9, 15), z(9, 30), z(11, 30)]


@pytest.mark.parametrize(
    ("buffer_before", "first"),
    [
        (0, z(9)),
        (10, z(9)),  # the buffer reaches 08:50 exactly, where the busy time ends: touching
        (15, z(9, 30)),  # the buffer reaches into the busy time: the first slot goes
    ],
)
def test_buffer_before_at_a_window_start(buffer_before: int, first: datetime) -> None:
    busy = [iv(z(8), z(8, 50))]
    slots = find_slots(MORNING, busy, duration=30 * MIN, buffer_before=buffer_before * MIN)
    assert slots[0].start == first


@pytest.mark.parametrize(("buffer_after", "last"), [(10, z(11, 30)), (15, z(11))])
def test_buffer_after_at_a_window_end(buffer_after: int, last: datetime) -> None:
    busy = [iv(z(12, 10), z(13))]
    slots = find_slots(MORNING, busy, duration=30 * MIN, buffer_after=buffer_after * MIN)
    assert slots[-1].start == last


def test_busy_time_across_midnight_blocks_both_days() -> None:
    hours = WeeklyHours.from_json({"tue": [["20:00", "24:00"]], "wed": [["00:00", "04:00"]]})
    windows = open_windows(hours, UTC_ZONE, date(2026, 3, 10), date(2026, 3, 11))
    assert windows == [iv(z(20), z(0, day=11)), iv(z(0, day=11), z(4, day=11))]
    busy = [iv(z(23), z(1, day=11))]
    slots = find_slots(windows, busy, duration=60 * MIN)
    assert starts(slots) == [z(20), z(21), z(22), z(1, day=11), z(2, day=11), z(3, day=11)]


def test_earliest_and_latest_between_grid_points() -> None:
    def run(earliest: datetime | None, latest: datetime | None) -> list[datetime]:
        slots = find_slots(
            MORNING, [], duration=30 * MIN, step=15 * MIN, earliest=earliest, latest=latest
        )
        return starts(slots)

    assert run(z(9, 10), None)[:2] == [z(9, 15), z(9, 30)]  # rounds up to the grid
    assert run(z(9, 15, 1), None)[0] == z(9, 30)  # one second past a grid point
    assert run(z(9, 15), None)[0] == z(9, 15)  # inclusive
    assert run(z(8), None)[0] == z(9)  # before the window: no effect
    assert run(None, z(10, 50))[-1] == z(10, 45)
    assert run(None, z(10, 45))[-1] == z(10, 45)  # inclusive
    assert run(None, z(12))[-1] == z(11, 30)  # the slot must still end inside the window
    assert run(z(10, 1), z(10, 29)) == [z(10, 15)]
    assert run(z(10, 31), z(10, 44)) == []
    assert run(z(11), z(10)) == []
    assert run(None, z(8, 59)) == []


def test_daily_limit_counts_existing_bookings_per_organizer_date() -> None:
    new_york = ZoneInfo("America/New_York")
    # 20:00-23:00 in New York on Monday 2026-03-09 is 00:00-03:00 UTC on 03-10: the slots
    # there belong to the organizer's Monday, not to the UTC date.
    hours = WeeklyHours.from_json({"mon": [["20:00", "23:00"]], "tue": [["09:00", "11:00"]]})
    windows = open_windows(hours, new_york, date(2026, 3, 9), date(2026, 3, 10))
    monday = [z(0, day=10), z(1, day=10), z(2, day=10)]
    tuesday = [z(13, day=10), z(14, day=10)]  # 09:00 and 10:00 EDT

    def run(booked: dict[date, int], limit: int = 2) -> list[datetime]:
        slots = find_slots(
            windows,
            [],
            duration=60 * MIN,
            daily_limit=limit,
            booked_per_day=booked,
            tz=new_york,
        )
        return starts(slots)

    assert run({}) == monday + tuesday
    assert run({date(2026, 3, 9): 2}) == tuesday
    assert run({date(2026, 3, 10): 2}) == monday  # though Monday's slots are on UTC 03-10
    assert run({date(2026, 3, 9): 1}) == monday + tuesday  # offers are not counted
    assert run({date(2026, 3, 9): 3, date(2026, 3, 10): 2}) == []
    assert run({}, limit=0) == []


def test_daily_limit_inside_a_window_that_crosses_local_midnight() -> None:
    paris = ZoneInfo("Europe/Paris")
    window = [iv(z(20, day=14, month=6), z(2, day=15, month=6))]  # 22:00-04:00 CEST
    slots = find_slots(
        window,
        [],
        duration=60 * MIN,
        daily_limit=1,
        booked_per_day={date(2026, 6, 14): 1},
        tz=paris,
    )
    # 20:00 and 21:00 UTC are still the full Sunday in Paris; 22:00 UTC is Monday 00:00.
    assert starts(slots) == [
        z(22, day=14, month=6),
        z(23, day=14, month=6),
        z(0, day=15, month=6),
        z(1, day=15, month=6),
    ]


def test_slots_in_dst_windows_use_real_elapsed_time() -> None:
    paris = ZoneInfo("Europe/Paris")
    hours = WeeklyHours.from_json({"sun": [["00:00", "06:00"]]})
    windows = open_windows(hours, paris, date(2026, 3, 29), date(2026, 3, 29))
    # Five real hours between 00:00 CET and 06:00 CEST: five one-hour slots.
    assert starts(find_slots(windows, [], duration=60 * MIN)) == [
        z(23, day=28),
        z(0, day=29),
        z(1, day=29),
        z(2, day=29),
        z(3, day=29),
    ]
    new_york = ZoneInfo("America/New_York")
    hours = WeeklyHours.from_json({"sun": [["01:00", "02:00"]]})
    windows = open_windows(hours, new_york, date(2026, 11, 1), date(2026, 11, 1))
    # 01:00 EDT .. 02:00 EST is two real hours, the repeated hour included.
    assert starts(find_slots(windows, [], duration=30 * MIN, tz=new_york)) == [
        z(5, month=11, day=1),
        z(5, 30, month=11, day=1),
        z(6, month=11, day=1),
        z(6, 30, month=11, day=1),
    ]


def test_nothing_to_offer() -> None:
    assert find_slots([], [iv(z(9), z(10))], duration=30 * MIN) == []
    assert find_slots(MORNING, [iv(z(8), z(13))], duration=30 * MIN) == []
    assert find_slots(MORNING, [], duration=4 * 60 * MIN) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration": timedelta(0)}, "duration must be positive, got 0:00:00"),
        ({"duration": -MIN}, "duration must be positive"),
        ({"duration": MIN, "step": timedelta(0)}, "step must be positive, got 0:00:00"),
        ({"duration": MIN, "buffer_before": -MIN}, "buffers cannot be negative"),
        ({"duration": MIN, "buffer_after": -MIN}, "buffers cannot be negative"),
        (
            {"duration": MIN, "earliest": datetime(2026, 3, 10, 9)},
            "earliest must be a timezone-aware datetime",
        ),
        (
            {"duration": MIN, "latest": datetime(2026, 3, 10, 9)},
            "latest must be a timezone-aware datetime",
        ),
        ({"duration": MIN, "daily_limit": 2}, r"tz is required with daily_limit"),
        (
            {"duration": MIN, "daily_limit": -1, "tz": UTC_ZONE},
            "daily_limit cannot be negative, got -1",
        ),
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        find_slots(MORNING, [], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "windows",
    [
        [iv(z(13), z(14)), iv(z(9), z(10))],  # unsorted
        [iv(z(9), z(11)), iv(z(10), z(12))],  # overlapping
    ],
)
def test_windows_must_be_sorted_and_disjoint(windows: list[Interval]) -> None:
    with pytest.raises(ValueError, match="windows must be sorted and must not overlap"):
        find_slots(windows, [], duration=30 * MIN)
