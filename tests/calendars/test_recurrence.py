"""Recurring busy blocks: bounded expansion that gives exactly dateutil's occurrences."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import strategies as st

from bookwithme.calendars.recurrence import (
    MAX_COUNT,
    MAX_PER_LOOKUP,
    RecurrenceError,
    Series,
    _anchored,
    occurrences,
    parse_rule,
    prepare,
)

PARIS = ZoneInfo("Europe/Paris")
HOUR = timedelta(hours=1)


def naive_occurrences(rule, start, end, tz, span_start, span_end):
    """dateutil walked from the very first occurrence: slow, obviously right."""
    every = rrulestr(rule, dtstart=start.astimezone(tz))
    # Each occurrence as long on the wall clock as the first (Python's aware arithmetic).
    length = end.astimezone(tz) - start.astimezone(tz)
    found = []
    for o in every:
        if o.astimezone(UTC) >= span_end:
            break
        o_end = (o + length).astimezone(UTC)
        if o_end > span_start:
            found.append((o.astimezone(UTC), o_end))
    # The start is always the first occurrence (RFC 5545), matching the pattern or not.
    if start < span_end and end > span_start and (start, end) not in found:
        found.insert(0, (start, end))
    return found


@given(
    years_back=st.integers(0, 40),
    day_offset=st.integers(0, 364),
    hour=st.integers(0, 23),
    freq=st.sampled_from(["DAILY", "WEEKLY"]),
    interval=st.integers(1, 5),
    byday=st.sampled_from(["", ";BYDAY=MO", ";BYDAY=MO,WE,FR", ";BYDAY=SU,SA"]),
    zone=st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    span_days=st.integers(1, 62),
)
def test_anchored_expansion_matches_the_walk_from_the_start(
    years_back, day_offset, hour, freq, interval, byday, zone, span_days
):
    tz = ZoneInfo(zone)
    start = datetime(2026 - years_back, 1, 1, hour, tzinfo=UTC) + timedelta(days=day_offset)
    end = start + 90 * timedelta(minutes=1)
    rule = f"FREQ={freq};INTERVAL={interval}{byday if freq == 'WEEKLY' else ''}"
    span_start = datetime(2026, 6, 1, tzinfo=UTC)
    span_end = span_start + timedelta(days=span_days)
    got = occurrences(rule, start, end, tz, frozenset(), span_start, span_end)
    assert got == naive_occurrences(rule, start, end, tz, span_start, span_end)


def test_a_weekly_series_keeps_its_wall_time_across_dst():
    start = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 CET
    got = occurrences(
        "FREQ=WEEKLY;COUNT=3",
        start,
        start + HOUR,
        PARIS,
        frozenset(),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 5, 1, tzinfo=UTC),
    )
    # 09:00 CET, then 09:00 CEST (07:00 UTC) after the March 29 change.
    assert [s for s, _ in got] == [
        datetime(2026, 3, 23, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        datetime(2026, 4, 6, 7, 0, tzinfo=UTC),
    ]


def test_exdates_remove_their_occurrence():
    start = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    got = occurrences(
        "FREQ=DAILY;COUNT=3",
        start,
        start + HOUR,
        PARIS,
        frozenset({datetime(2026, 6, 2, 7, 0, tzinfo=UTC)}),
        start,
        start + timedelta(days=10),
    )
    assert [s.day for s, _ in got] == [1, 3]


def test_an_occurrence_reaching_into_the_span_counts():
    start = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)
    got = occurrences(
        "FREQ=DAILY",
        start,
        start + 4 * HOUR,  # runs past midnight
        PARIS,
        frozenset(),
        datetime(2026, 6, 3, 0, 0, tzinfo=UTC),
        datetime(2026, 6, 3, 12, 0, tzinfo=UTC),
    )
    assert got == [
        (datetime(2026, 6, 2, 22, 0, tzinfo=UTC), datetime(2026, 6, 3, 2, 0, tzinfo=UTC))
    ]


NOW = datetime(2026, 6, 1, tzinfo=UTC)


def stored(rule, start, end=None, tz=PARIS):
    return prepare(rule, start, end or start + HOUR, tz, now=NOW)


def test_a_finite_series_is_stored_with_its_end_and_an_endless_one_without():
    start = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    # COUNT is written as the last occurrence, so that expansion may start near the span.
    assert stored("FREQ=DAILY;COUNT=3", start) == Series(
        "FREQ=DAILY;UNTIL=20260603T070000Z", datetime(2026, 6, 3, 8, 0, tzinfo=UTC)
    )
    assert stored("RRULE:FREQ=WEEKLY", start) == Series("FREQ=WEEKLY", None)
    assert stored("FREQ=DAILY;UNTIL=20260610T000000Z", start).repeats_until == datetime(
        2026, 6, 10, 1, 0, tzinfo=UTC
    )


def test_a_date_until_includes_its_whole_day_in_the_series_zone():
    # Google's all-day weekly series: DTSTART;VALUE=DATE with UNTIL=20260624 (a DATE).
    start = datetime(2026, 6, 2, 22, 0, tzinfo=UTC)  # 3 June, midnight in Paris
    series = stored("FREQ=WEEKLY;UNTIL=20260624", start, start + timedelta(days=1))
    assert series.rule == "FREQ=WEEKLY;UNTIL=20260624T215959Z"
    got = occurrences(series.rule, start, start + timedelta(days=1), PARIS, frozenset(), NOW,
                      NOW + timedelta(days=40))  # fmt: skip
    assert [o[0].astimezone(PARIS).day for o in got] == [3, 10, 17, 24]


def test_a_floating_until_is_the_series_wall_time():
    # iPhone and older Nextcloud: UNTIL=20260616T170000 beside DTSTART;TZID=Europe/Paris.
    start = datetime(2026, 6, 2, 15, 0, tzinfo=UTC)  # 17:00 in Paris
    series = stored("FREQ=WEEKLY;UNTIL=20260616T170000", start)
    assert series.rule == "FREQ=WEEKLY;UNTIL=20260616T150000Z"
    got = occurrences(series.rule, start, start + HOUR, PARIS, frozenset(), NOW,
                      NOW + timedelta(days=40))  # fmt: skip
    assert len(got) == 3  # 2, 9 and 16 June: the last day is included


@pytest.mark.parametrize(
    "rule, message",
    [
        (f"FREQ=DAILY;COUNT={MAX_COUNT + 1}", "at most 10,000 times"),
        ("FREQ=SOMETIMES", "not valid"),
        ("", "one RRULE line"),
        ("FREQ=DAILY\nFREQ=WEEKLY", "one RRULE line"),
        ("BYDAY=MO", "no FREQ"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no occurrence at all"),
        ("FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "no occurrence at all"),
        ("FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=31", "no occurrence at all"),
        ("FREQ=MONTHLY;BYMONTH=4,6,9,11;BYMONTHDAY=31", "no occurrence at all"),
        # The next Monday 29 February after 2026 is in 2044.
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", "in the next 10 years"),
    ],
)
def test_unusable_rules_are_refused_with_a_reason(rule, message):
    with pytest.raises(RecurrenceError, match=message):
        stored(rule, datetime(2026, 6, 1, tzinfo=UTC))


def test_a_series_that_is_over_is_kept_whatever_its_next_years():
    start = datetime(2016, 2, 29, 9, 0, tzinfo=UTC)  # a Monday 29 February
    series = stored("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=1", start)
    assert series.repeats_until == start + HOUR


def test_a_rule_that_never_occurs_is_refused_in_milliseconds_not_seconds():
    # dateutil alone walks to the year 9999 looking for a 30 February (about 0.25 s yearly,
    # 3.5 s daily); the check is a 400-year projection. The figure is printed by make bench.
    import time

    began = time.perf_counter()
    for rule in ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"):
        with pytest.raises(RecurrenceError):
            stored(rule, datetime(2026, 6, 1, tzinfo=UTC))
    assert time.perf_counter() - began < 0.5


def test_a_secondly_rule_costs_a_bounded_look_up_and_blocks_the_rest_of_the_span():
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    series = stored("FREQ=SECONDLY", start, start + timedelta(seconds=1))
    span = (datetime(2026, 6, 2, tzinfo=UTC), datetime(2026, 8, 2, tzinfo=UTC))
    got = occurrences(series.rule, start, start + timedelta(seconds=1), PARIS, frozenset(), *span)
    assert len(got) <= MAX_PER_LOOKUP + 1
    assert got[0][0] == span[0]
    assert got[-1][1] == span[1]  # busy to the end of the span: never offered, never walked


def test_a_ten_thousand_instance_series_is_expanded_near_the_span_only():
    start = datetime(2000, 1, 3, 8, 0, tzinfo=UTC)
    series = stored("FREQ=DAILY;COUNT=10000", start)
    assert series.rule == "FREQ=DAILY;UNTIL=20270520T070000Z"
    span = (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 8, tzinfo=UTC))
    rule = parse_rule(series.rule, start, PARIS)
    anchored = _anchored(rule, span[0], PARIS)
    assert anchored._dtstart.year == 2026  # not walked from the year 2000
    got = occurrences(series.rule, start, start + HOUR, PARIS, frozenset(), *span)
    assert [o[0] for o in got] == [datetime(2026, 6, d, 7, 0, tzinfo=UTC) for d in range(1, 8)]


@pytest.mark.parametrize("rule, period", [("FREQ=DAILY", 1), ("FREQ=WEEKLY;INTERVAL=2", 14)])
def test_an_endless_series_from_long_ago_is_expanded_from_near_the_span(rule, period):
    # Walking a daily series from 1901 to 2026 would take 45,000 steps on every page view;
    # the expansion starts within one period of the span instead.
    start = datetime(1901, 1, 7, 8, 0, tzinfo=UTC)
    after = datetime(2026, 6, 1, tzinfo=UTC)
    anchored = _anchored(parse_rule(rule, start, PARIS), after, PARIS)
    first = anchored._dtstart.astimezone(UTC)
    assert after - timedelta(days=2 * period + 1) <= first <= after
    # Same wall time of day as the original series.
    assert anchored._dtstart.time() == start.astimezone(PARIS).time()
