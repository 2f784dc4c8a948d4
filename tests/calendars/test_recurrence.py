"""Recurring busy blocks: bounded expansion that gives exactly dateutil's occurrences."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from bookwithme.calendars.recurrence import (
    MAX_COUNT,
    RecurrenceError,
    _anchored,
    last_end,
    occurrences,
    parse_rule,
)

PARIS = ZoneInfo("Europe/Paris")
HOUR = timedelta(hours=1)


def naive_occurrences(rule, start, end, tz, span_start, span_end):
    """dateutil walked from the very first occurrence: slow, obviously right."""
    every = rrulestr(rule, dtstart=start.astimezone(tz))
    length = end - start
    found = []
    for o in every:
        o = o.astimezone(UTC)
        if o >= span_end:
            break
        if o + length > span_start:
            found.append((o, o + length))
    return found


@settings(max_examples=200, deadline=None)
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


def test_last_end_of_finite_and_endless_series():
    start = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    assert last_end("FREQ=DAILY;COUNT=3", start, start + HOUR, PARIS) == datetime(
        2026, 6, 3, 8, 0, tzinfo=UTC
    )
    assert last_end("FREQ=WEEKLY", start, start + HOUR, PARIS) is None
    until = last_end("FREQ=DAILY;UNTIL=20260610T000000Z", start, start + HOUR, PARIS)
    assert until == datetime(2026, 6, 10, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "rule, message",
    [
        ("FREQ=HOURLY", "at most daily"),
        ("FREQ=MINUTELY;COUNT=5", "at most daily"),
        (f"FREQ=DAILY;COUNT={MAX_COUNT + 1}", "at most 10,000 times"),
        ("FREQ=SOMETIMES", "not valid"),
        ("", "one RRULE line"),
        ("FREQ=DAILY\nFREQ=WEEKLY", "one RRULE line"),
    ],
)
def test_unusable_rules_are_refused_with_a_reason(rule, message):
    with pytest.raises(RecurrenceError, match=message):
        parse_rule(rule, datetime(2026, 6, 1, tzinfo=UTC), PARIS)


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


def test_a_counted_series_is_never_re_anchored():
    start = datetime(2020, 1, 6, 8, 0, tzinfo=UTC)
    rule = parse_rule("FREQ=DAILY;COUNT=5000", start, PARIS)
    assert _anchored(rule, datetime(2026, 6, 1, tzinfo=UTC), PARIS) is rule
