"""Named cases for opening hours: parsing, the stored form, and DST-correct windows.

Every expected instant below was worked out by hand from the zone's offsets; the comment
next to it gives the local reading.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bookwithme.slots import (
    HoursError,
    Interval,
    WeeklyHours,
    format_time,
    open_windows,
    parse_time,
    wall_to_utc,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
EVERY_DAY = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def z(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of 2026 in UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def windows_on(tz: ZoneInfo, day: str, *ranges: tuple[str, str]) -> list[tuple[datetime, datetime]]:
    """The windows of one date whose hours are given as an override."""
    hours = WeeklyHours.from_json({}, [{"date": day, "intervals": [list(r) for r in ranges]}])
    d = date.fromisoformat(day)
    return [(w.start, w.end) for w in open_windows(hours, tz, d, d)]


def every_day(tz: ZoneInfo, first: str, last: str) -> list[tuple[datetime, datetime]]:
    hours = WeeklyHours.from_json(EVERY_DAY)
    windows = open_windows(hours, tz, date.fromisoformat(first), date.fromisoformat(last))
    return [(w.start, w.end) for w in windows]


# --- DST: Europe/Paris (CET +01 / CEST +02) -----------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # 00:00 CET .. 06:00 CEST: five real hours.
        ("00:00", "06:00", [(z(3, 28, 23), z(3, 29, 4))]),
        # 02:30 does not exist: it becomes 03:00 CEST, the transition instant.
        ("02:30", "04:00", [(z(3, 29, 1), z(3, 29, 2))]),
        # 01:00 CET .. "02:00", which is the transition instant (03:00 CEST).
        ("01:00", "02:00", [(z(3, 29, 0), z(3, 29, 1))]),
        # Entirely inside the gap: both ends are the transition instant, so no window.
        ("02:00", "03:00", []),
    ],
)
def test_paris_spring_forward(start: str, end: str, expected: list[object]) -> None:
    assert windows_on(PARIS, "2026-03-29", (start, end)) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # 00:00 CEST .. 06:00 CET: seven real hours.
        ("00:00", "06:00", [(z(10, 24, 22), z(10, 25, 5))]),
        # 02:30 happens twice; the first (CEST) is taken. 04:00 CET.
        ("02:30", "04:00", [(z(10, 25, 0, 30), z(10, 25, 3))]),
        # 01:00 CEST .. 02:00 first occurrence (CEST).
        ("01:00", "02:00", [(z(10, 24, 23), z(10, 25, 0))]),
        # 02:00 CEST .. 03:00 CET: both passes through 02:xx, two real hours.
        ("02:00", "03:00", [(z(10, 25, 0), z(10, 25, 2))]),
    ],
)
def test_paris_fall_back(start: str, end: str, expected: list[object]) -> None:
    assert windows_on(PARIS, "2026-10-25", (start, end)) == expected


def test_paris_office_hours_around_both_transitions() -> None:
    assert every_day(PARIS, "2026-03-28", "2026-03-30") == [
        (z(3, 28, 8), z(3, 28, 16)),  # CET, +01
        (z(3, 29, 7), z(3, 29, 15)),  # CEST, +02
        (z(3, 30, 7), z(3, 30, 15)),
    ]
    assert every_day(PARIS, "2026-10-24", "2026-10-26") == [
        (z(10, 24, 7), z(10, 24, 15)),  # CEST
        (z(10, 25, 8), z(10, 25, 16)),  # CET
        (z(10, 26, 8), z(10, 26, 16)),
    ]


# --- DST: America/New_York (EST -05 / EDT -04) --------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("00:00", "06:00", [(z(3, 8, 5), z(3, 8, 10))]),  # 00:00 EST .. 06:00 EDT: 5 h
        ("02:30", "04:00", [(z(3, 8, 7), z(3, 8, 8))]),  # 02:30 -> 03:00 EDT
        ("01:00", "02:00", [(z(3, 8, 6), z(3, 8, 7))]),
        ("02:00", "03:00", []),
    ],
)
def test_new_york_spring_forward(start: str, end: str, expected: list[object]) -> None:
    assert windows_on(NEW_YORK, "2026-03-08", (start, end)) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("00:00", "06:00", [(z(11, 1, 4), z(11, 1, 11))]),  # 00:00 EDT .. 06:00 EST: 7 h
        ("01:00", "02:00", [(z(11, 1, 5), z(11, 1, 7))]),  # 01:00 EDT .. 02:00 EST: 2 h
        ("01:30", "04:00", [(z(11, 1, 5, 30), z(11, 1, 9))]),  # 01:30 EDT, the first one
        ("02:30", "04:00", [(z(11, 1, 7, 30), z(11, 1, 9))]),  # after the overlap: EST
    ],
)
def test_new_york_fall_back(start: str, end: str, expected: list[object]) -> None:
    assert windows_on(NEW_YORK, "2026-11-01", (start, end)) == expected


def test_new_york_office_hours_around_both_transitions() -> None:
    assert every_day(NEW_YORK, "2026-03-07", "2026-03-09") == [
        (z(3, 7, 14), z(3, 7, 22)),  # EST, -05
        (z(3, 8, 13), z(3, 8, 21)),  # EDT, -04
        (z(3, 9, 13), z(3, 9, 21)),
    ]
    assert every_day(NEW_YORK, "2026-10-31", "2026-11-02") == [
        (z(10, 31, 13), z(10, 31, 21)),  # EDT
        (z(11, 1, 14), z(11, 1, 22)),  # EST
        (z(11, 2, 14), z(11, 2, 22)),
    ]


def test_end_of_day_is_the_start_of_the_next_local_day() -> None:
    assert windows_on(PARIS, "2026-03-28", ("22:00", "24:00")) == [(z(3, 28, 21), z(3, 28, 23))]
    # 23:00 EDT .. 24:00, which is midnight EDT, a day before the fall-back.
    assert windows_on(NEW_YORK, "2026-10-31", ("23:00", "24:00")) == [(z(11, 1, 3), z(11, 1, 4))]
    assert wall_to_utc(date(2026, 10, 31), 1440, NEW_YORK) == z(11, 1, 4)


# --- half- and quarter-hour zones ---------------------------------------------------------


def test_kolkata_and_kathmandu_offsets() -> None:
    kolkata = every_day(ZoneInfo("Asia/Kolkata"), "2026-03-10", "2026-03-10")
    assert kolkata == [(z(3, 10, 3, 30), z(3, 10, 11, 30))]  # +05:30
    kathmandu = every_day(ZoneInfo("Asia/Kathmandu"), "2026-03-10", "2026-03-10")
    assert kathmandu == [(z(3, 10, 3, 15), z(3, 10, 11, 15))]  # +05:45


def test_lord_howe_half_hour_fall_back() -> None:
    # 2026-04-05 02:00 LHDT (+11:00) -> 01:30 LHST (+10:30); 01:30-02:00 happens twice.
    day = "2026-04-05"
    assert windows_on(LORD_HOWE, day, ("00:00", "06:00")) == [(z(4, 4, 13), z(4, 4, 19, 30))]
    assert windows_on(LORD_HOWE, day, ("01:30", "02:00")) == [(z(4, 4, 14, 30), z(4, 4, 15, 30))]
    assert every_day(LORD_HOWE, "2026-04-04", "2026-04-06") == [
        (z(4, 3, 22), z(4, 4, 6)),  # +11:00
        (z(4, 4, 22, 30), z(4, 5, 6, 30)),  # +10:30
        (z(4, 5, 22, 30), z(4, 6, 6, 30)),
    ]


def test_lord_howe_half_hour_spring_forward() -> None:
    # 2026-10-04 02:00 LHST (+10:30) -> 02:30 LHDT (+11:00); 02:00-02:30 does not exist.
    day = "2026-10-04"
    assert windows_on(LORD_HOWE, day, ("02:00", "03:00")) == [(z(10, 3, 15, 30), z(10, 3, 16))]
    assert windows_on(LORD_HOWE, day, ("02:15", "02:30")) == []
    assert windows_on(LORD_HOWE, day, ("00:00", "06:00")) == [(z(10, 3, 13, 30), z(10, 3, 19))]
    assert every_day(LORD_HOWE, "2026-10-03", "2026-10-05") == [
        (z(10, 2, 22, 30), z(10, 3, 6, 30)),  # +10:30
        (z(10, 3, 22), z(10, 4, 6)),  # +11:00
        (z(10, 4, 22), z(10, 5, 6)),
    ]


# --- merging, days and overrides ----------------------------------------------------------


def test_ranges_within_a_day_merge_when_they_overlap_or_touch() -> None:
    utc = ZoneInfo("UTC")
    day = "2026-03-10"
    touching = windows_on(utc, day, ("12:00", "17:00"), ("09:00", "12:00"))
    assert touching == [(z(3, 10, 9), z(3, 10, 17))]
    overlapping = windows_on(utc, day, ("09:00", "13:00"), ("12:00", "17:00"), ("10:00", "11:00"))
    assert overlapping == [(z(3, 10, 9), z(3, 10, 17))]
    apart = windows_on(utc, day, ("13:00", "17:00"), ("09:00", "12:00"))
    assert apart == [(z(3, 10, 9), z(3, 10, 12)), (z(3, 10, 13), z(3, 10, 17))]


def test_windows_never_merge_across_local_midnight() -> None:
    hours = WeeklyHours.from_json({"sat": [["20:00", "24:00"]], "sun": [["00:00", "04:00"]]})
    windows = open_windows(hours, PARIS, date(2026, 3, 14), date(2026, 3, 15))
    assert windows == [Interval(z(3, 14, 19), z(3, 14, 23)), Interval(z(3, 14, 23), z(3, 15, 3))]


def test_missing_days_are_closed_and_overrides_replace_the_weekday() -> None:
    hours = WeeklyHours.from_json(
        {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]},
        [
            {"date": "2026-03-09", "intervals": []},  # a Monday off
            {"date": "2026-03-10", "intervals": [["13:00", "15:00"]]},  # a short Tuesday
            {"date": "2026-03-14", "intervals": [["10:00", "12:00"]]},  # an open Saturday
        ],
    )
    windows = open_windows(hours, ZoneInfo("UTC"), date(2026, 3, 8), date(2026, 3, 16))
    assert [(w.start, w.end) for w in windows] == [
        (z(3, 10, 13), z(3, 10, 15)),
        (z(3, 14, 10), z(3, 14, 12)),
        (z(3, 16, 9), z(3, 16, 17)),  # the next Monday is back to normal
    ]
    assert hours.ranges_for(date(2026, 3, 9)) == ()
    assert hours.ranges_for(date(2026, 3, 11)) == ()  # Wednesday: not listed, closed


def test_open_windows_of_an_empty_span() -> None:
    hours = WeeklyHours.from_json(EVERY_DAY)
    assert open_windows(hours, PARIS, date(2026, 3, 10), date(2026, 3, 9)) == []


# --- parsing and the stored form ---------------------------------------------------------


def test_parse_and_format_time() -> None:
    assert parse_time("00:00") == 0
    assert parse_time("09:30") == 570
    assert parse_time("23:59") == 1439
    assert parse_time("24:00", end=True) == 1440
    assert format_time(570) == "09:30"
    assert format_time(1440) == "24:00"


@pytest.mark.parametrize(
    ("weekly", "overrides", "message"),
    [
        ({"mon": [["25:00", "26:00"]]}, [], 'mon: "25:00" is not a time (HH:MM)'),
        ({"mon": [["09:60", "10:00"]]}, [], 'mon: "09:60" is not a time (HH:MM)'),
        ({"mon": [["9:00", "17:00"]]}, [], 'mon: "9:00" is not a time (HH:MM)'),
        ({"mon": [[900, 1700]]}, [], "mon: 900 is not a time (HH:MM)"),
        ({"mon": [["17:00", "09:00"]]}, [], "mon: start must be before end: 17:00-09:00"),
        ({"mon": [["09:00", "09:00"]]}, [], "mon: start must be before end: 09:00-09:00"),
        ({"mon": [["09:00", "00:00"]]}, [], "mon: start must be before end: 09:00-00:00"),
        ({"mon": [["24:00", "24:00"]]}, [], 'mon: "24:00" can only end a range'),
        ({"mon": [["09:00"]]}, [], 'mon: expected a ["HH:MM", "HH:MM"] range, got ["09:00"]'),
        (
            {"mon": "09:00-17:00"},
            [],
            'mon: expected a list of ["HH:MM", "HH:MM"] ranges, got "09:00-17:00"',
        ),
        (
            {"monday": []},
            [],
            'unknown day "monday" (use mon, tue, wed, thu, fri, sat, sun)',
        ),
        ([], [], "weekly hours must be an object keyed by day, got []"),
        ({}, {}, "overrides must be a list, got {}"),
        (
            {},
            [{"date": "2026-02-30", "intervals": []}],
            '"2026-02-30" is not a date (YYYY-MM-DD)',
        ),
        (
            {},
            [{"date": "2026-W13-7", "intervals": []}],
            '"2026-W13-7" is not a date (YYYY-MM-DD)',
        ),
        (
            {},
            [{"date": "2026-03-29"}],
            'each override must look like {"date": "YYYY-MM-DD", "intervals": [...]}, '
            'got {"date": "2026-03-29"}',
        ),
        (
            {},
            [
                {"date": "2026-03-29", "intervals": []},
                {"date": "2026-03-29", "intervals": [["09:00", "10:00"]]},
            ],
            "duplicate override for 2026-03-29",
        ),
        (
            {},
            [{"date": "2026-03-29", "intervals": [["10:00", "09:00"]]}],
            "2026-03-29: start must be before end: 10:00-09:00",
        ),
    ],
)
def test_parsing_errors_are_readable(weekly: object, overrides: object, message: str) -> None:
    with pytest.raises(HoursError) as excinfo:
        WeeklyHours.from_json(weekly, overrides)
    assert str(excinfo.value) == message
    assert isinstance(excinfo.value, ValueError)


def test_direct_construction_is_validated_and_canonical() -> None:
    with pytest.raises(HoursError, match=r"^weekly hours need 7 days \(Monday first\), got 6$"):
        WeeklyHours(weekly=((),) * 6)
    with pytest.raises(HoursError, match=r"^start must be before end: 10:00-09:00$"):
        WeeklyHours(weekly=(((600, 540),), (), (), (), (), (), ()))
    with pytest.raises(HoursError, match=r"^1441 is not a minute of the day \(0..1440\)$"):
        WeeklyHours(weekly=(((0, 1441),), (), (), (), (), (), ()))
    hours = WeeklyHours(
        weekly=(((720, 1020), (540, 720)), (), (), (), (), (), ()),
        overrides={date(2026, 3, 10): (), date(2026, 3, 9): ((60, 120),)},
    )
    assert hours.weekly[0] == ((540, 1020),)
    assert list(hours.overrides) == [date(2026, 3, 9), date(2026, 3, 10)]
    with pytest.raises(TypeError):
        hours.overrides[date(2026, 3, 11)] = ()  # type: ignore[index]
    assert hash(hours) == hash(WeeklyHours.from_json(**hours.to_json()))


def test_to_json_is_canonical_and_round_trips() -> None:
    messy = WeeklyHours.from_json(
        {"fri": [["13:00", "17:00"], ["09:00", "12:00"], ["11:00", "13:00"]], "mon": []},
        [
            {"date": "2026-12-25", "intervals": []},
            {"date": "2026-03-29", "intervals": [["22:00", "24:00"], ["00:00", "01:30"]]},
        ],
    )
    canonical = {
        "weekly": {
            "mon": [],
            "tue": [],
            "wed": [],
            "thu": [],
            "fri": [["09:00", "17:00"]],
            "sat": [],
            "sun": [],
        },
        "overrides": [
            {"date": "2026-03-29", "intervals": [["00:00", "01:30"], ["22:00", "24:00"]]},
            {"date": "2026-12-25", "intervals": []},
        ],
    }
    assert messy.to_json() == canonical
    again = WeeklyHours.from_json(**messy.to_json())
    assert again == messy
    assert again.to_json() == canonical


def test_wall_to_utc_refuses_minutes_outside_the_day() -> None:
    with pytest.raises(ValueError, match=r"^minute must be in 0..1440, got 1441$"):
        wall_to_utc(date(2026, 3, 10), 1441, PARIS)
    with pytest.raises(ValueError, match=r"^minute must be in 0..1440, got -1$"):
        wall_to_utc(date(2026, 3, 10), -1, PARIS)
    assert wall_to_utc(date(2026, 3, 29), 150, PARIS) == z(3, 29, 1)  # 02:30 -> 03:00 CEST
