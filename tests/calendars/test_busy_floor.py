"""The busy read at the floor (`busy_spans`): the busy time the ORM path gave, from plain SQL;
plain daily and weekly series expanded by arithmetic exactly as dateutil expands them; rules
parsed once per process; series' expansions kept per availability version."""

from datetime import UTC, date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils.dateparse import parse_datetime
from hypothesis import assume, given
from hypothesis import strategies as st
from makers import make_person

from bookwithme.calendars import busy, recurrence
from bookwithme.calendars.busy import busy_between, busy_spans
from bookwithme.calendars.models import CheckedCalendar, Connection, Event, RemoteBusy
from bookwithme.calendars.recurrence import (
    MAX_PER_LOOKUP,
    Excluded,
    RecurrenceError,
    occurrences,
    prepare,
)

PARIS = ZoneInfo("Europe/Paris")
ZONES = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"]
# The days the clocks change in 2026 in those zones (none in UTC), and days around them.
CHANGES = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5), date(2026, 10, 4)]
CHANGES += [date(2026, 10, 25), date(2026, 11, 1)]
# Wall times at, around and inside the changes' gaps and ambiguous hours.
CLOCKS = [time(0, 0), time(1, 30), time(2, 0), time(2, 30), time(3, 0), time(23, 30)]


@pytest.fixture(autouse=True)
def _no_kept_expansions():
    """Test databases roll back and reuse ids and versions: no expansion kept across tests."""
    busy._kept.clear()
    yield
    busy._kept.clear()


def as_seconds(pairs) -> list[tuple[float, float]]:
    return sorted((s.timestamp(), e.timestamp()) for s, e in pairs)


def reference(owner_id: int, start: datetime, end: datetime) -> list[tuple[float, float]]:
    """The ORM path `busy_spans` replaced: the owner's busy rows read as models (a series
    while it is not over), each series expanded by `occurrences`, each single block kept when
    it overlaps."""
    rows = [
        *Event.objects.filter(owner_id=owner_id, busy=True),
        *RemoteBusy.objects.filter(owner_id=owner_id),
    ]
    found = []
    for row in rows:
        if not row.rrule:
            if row.start < end and row.end > start:
                found.append((row.start, row.end))
        elif row.repeats_until is None or row.repeats_until > start:
            excluded = frozenset(parse_datetime(x) for x in row.exdates)
            tz = ZoneInfo(row.time_zone)
            found += occurrences(row.rrule, row.start, row.end, tz, excluded, start, end)
    return as_seconds(found)


def moment(day: date, clock: time, zone: str, fold: int = 0) -> datetime:
    return datetime.combine(day, clock, ZoneInfo(zone)).replace(fold=fold).astimezone(UTC)


# --- the same busy time as the ORM path ----------------------------------------------------

RULES = [
    "",
    "",
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=DAILY;COUNT=10",
    "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU",
    "FREQ=WEEKLY;UNTIL=20260420T000000Z",
    # Beyond the plain path: dateutil expands these.
    "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=HOURLY;INTERVAL=7",
    "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9,15",
]

blocks = st.lists(
    st.fixed_dictionaries(
        {
            "remote": st.booleans(),
            "busy": st.booleans(),
            "zone": st.sampled_from(["Europe/Paris", "America/New_York", "UTC"]),
            "day": st.sampled_from(CHANGES[:2] + CHANGES[4:]),
            "days": st.integers(-40, 10),
            "clock": st.sampled_from(CLOCKS),
            "minutes": st.sampled_from([15, 60, 90, 24 * 60]),  # a day: an all-day block
            "microseconds": st.sampled_from([0, 0, 1]),
            "rule": st.sampled_from(RULES),
            "excluded": st.lists(st.integers(0, 12), max_size=3),
        }
    ),
    max_size=8,
)


def add_block(owner, calendar, block) -> None:
    tz = ZoneInfo(block["zone"])
    day = block["day"] + timedelta(days=block["days"])
    if block["minutes"] == 24 * 60:  # all day: whole local days, 23 or 25 hours on a change
        start = moment(day, time(0), block["zone"])
        end = moment(day + timedelta(days=1), time(0), block["zone"])
    else:
        start = moment(day, block["clock"], block["zone"])
        end = start + timedelta(minutes=block["minutes"])
    start += timedelta(microseconds=block["microseconds"])
    fields = {"owner": owner, "start": start, "end": end, "time_zone": block["zone"]}
    if block["rule"]:
        series = prepare(block["rule"], start, end, tz, now=start)
        # Some of the series' own occurrences excluded (an index past them excludes nothing).
        every = occurrences(series.rule, start, end, tz, frozenset(), start, start + timedelta(400))
        exdates = [every[i][0].isoformat() for i in block["excluded"] if i < len(every)]
        fields.update(rrule=series.rule, repeats_until=series.repeats_until, exdates=exdates)
    if block["remote"]:
        RemoteBusy.objects.create(calendar=calendar, **fields)
    else:
        Event.objects.create(busy=block["busy"], **fields)


@pytest.mark.django_db
@given(
    blocks=blocks,
    span_day=st.sampled_from(CHANGES[:2] + CHANGES[4:]),
    span_days=st.integers(1, 40),
)
def test_busy_spans_are_the_orm_paths_busy_time(blocks, span_day, span_days):
    owner = make_person()
    feed = Connection.objects.create(owner=owner, kind="ics", url="https://feed.example/x.ics")
    calendar = CheckedCalendar.objects.create(connection=feed, url=feed.url)
    for block in blocks:
        add_block(owner, calendar, block)
    # Someone else's busy time never counts.
    other = make_person()
    Event.objects.create(owner=other, start=moment(span_day, time(9), "UTC"),
                         end=moment(span_day, time(18), "UTC"))  # fmt: skip
    start = moment(span_day - timedelta(days=span_days // 2), time(0), "Europe/Paris")
    end = start + timedelta(days=span_days)

    expected = reference(owner.pk, start, end)
    assert sorted(busy_spans(owner.pk, start, end)) == expected
    assert sorted(busy_spans(owner.pk, start, end, version=1)) == expected
    assert as_seconds(busy_between(owner.pk, start, end)) == expected


@pytest.mark.django_db
def test_the_span_is_half_open_to_the_microsecond():
    owner = make_person()
    start = datetime(2026, 6, 1, 8, 0, 0, 250_001, tzinfo=UTC)
    end = start + timedelta(hours=1)
    for s, e in [
        (start - timedelta(hours=1), start),  # ends as the span starts: not busy in it
        (end, end + timedelta(hours=1)),  # starts as the span ends: not either
        (start - timedelta(microseconds=1), start + timedelta(microseconds=1)),
        (end - timedelta(microseconds=1), end + timedelta(minutes=5, microseconds=3)),
    ]:
        Event.objects.create(owner=owner, start=s, end=e)
    Event.objects.create(owner=owner, start=start, end=end, busy=False)  # free: blocks nothing

    got = busy_between(owner.pk, start, end)
    assert sorted(got) == [
        (start - timedelta(microseconds=1), start + timedelta(microseconds=1)),
        (end - timedelta(microseconds=1), end + timedelta(minutes=5, microseconds=3)),
    ]
    assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in got)


# --- plain series: arithmetic, exactly dateutil's occurrences ------------------------------

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def plain_series(draw):
    """A daily or weekly series in its stored form, starting near a clock change."""
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(CHANGES)) + timedelta(days=draw(st.integers(-8, 8)))
    clock = draw(st.sampled_from(CLOCKS) | st.times().map(lambda t: t.replace(microsecond=0)))
    start = moment(day, clock, zone, fold=draw(st.integers(0, 1)))
    start += timedelta(microseconds=draw(st.sampled_from([0, 0, 0, 1])))  # dateutil drops them
    end = start + timedelta(minutes=draw(st.sampled_from([1, 30, 90, 24 * 60, 36 * 60])))
    end += timedelta(microseconds=draw(st.sampled_from([0, 0, 999_999])))
    parts = [f"FREQ={draw(st.sampled_from(['DAILY', 'WEEKLY']))}"]
    if (interval := draw(st.integers(1, 4))) > 1 or draw(st.booleans()):
        parts.append(f"INTERVAL={interval}")
    if byday := draw(st.lists(st.sampled_from(WEEKDAYS), max_size=7, unique=True)):
        parts.append(f"BYDAY={','.join(byday)}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(WEEKDAYS))}")
    ending = draw(st.sampled_from(["", "UNTIL", "COUNT"]))
    if ending == "UNTIL":
        until = start + timedelta(
            days=draw(st.integers(0, 120)), minutes=draw(st.integers(-90, 90))
        )
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    elif ending == "COUNT":
        parts.append(f"COUNT={draw(st.integers(1, 60))}")
    try:
        series = prepare(";".join(parts), start, end, ZoneInfo(zone), now=start)
    except RecurrenceError:  # an UNTIL before the first day BYDAY allows: never stored
        assume(False)
    return series.rule, start, end, zone


@given(
    series=plain_series(),
    span_offset=st.integers(-72, 72) | st.integers(-72, 90 * 24),  # hours after the start
    span_days=st.integers(1, 62),
    excluded=st.integers(0, 2**40),  # which occurrences are excluded, one bit each
)
def test_plain_expansion_is_dateutils(series, span_offset, span_days, excluded):
    rule, start, end, zone = series
    span_start = start + timedelta(hours=span_offset)
    span_end = span_start + timedelta(days=span_days)
    tz = ZoneInfo(zone)
    every = occurrences(rule, start, end, tz, frozenset(), span_start, span_end)
    exdates = Excluded.of(frozenset(s for i, (s, _) in enumerate(every) if excluded >> i & 1))

    plan = recurrence._plain(rule, start, end, zone)
    assert plan is not None, rule  # every rule drawn is plain
    expected = occurrences(rule, start, end, tz, exdates.moments, span_start, span_end)
    got = recurrence._plain_spans(plan, exdates.seconds, span_start, span_end)
    assert got == [(s.timestamp(), e.timestamp()) for s, e in expected]


def test_the_plain_path_takes_plain_rules_only():
    start = datetime(2026, 6, 1, 7, tzinfo=UTC)
    for rule in ["FREQ=WEEKLY;BYDAY=MO,FR;UNTIL=20260701T070000Z", "FREQ=DAILY;INTERVAL=2"]:
        assert recurrence._plain(rule, start, start + timedelta(hours=1), "UTC") is not None
    for rule in [
        "FREQ=MONTHLY",
        "FREQ=WEEKLY;BYDAY=1MO",
        "FREQ=WEEKLY;BYSETPOS=1;BYDAY=MO,TU",
        "FREQ=DAILY;BYHOUR=9,17",
        "FREQ=DAILY;BYMONTH=6",
        "FREQ=DAILY;COUNT=3",
        "FREQ=DAILY;UNTIL=20260701",
        "FREQ=DAILY;UNTIL=20260701T070000",
        "FREQ=DAILY;UNTIL=20261341T070000Z",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;FREQ=WEEKLY",
        "RRULE:FREQ=DAILY",
        "freq=daily",
    ]:
        assert recurrence._plain(rule, start, start + timedelta(hours=1), "UTC") is None, rule


def test_past_the_cap_the_rest_of_the_span_is_busy_on_both_paths():
    start = datetime(2020, 1, 6, 8, tzinfo=UTC)
    end = start + timedelta(minutes=30)
    rule = "FREQ=DAILY;UNTIL=20300101T080000Z"
    span = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    plan = recurrence._plain(rule, start, end, "Europe/Paris")
    assert plan is not None

    got = recurrence._plain_spans(plan, frozenset(), *span)
    expected = occurrences(rule, start, end, PARIS, frozenset(), *span)
    assert got == [(s.timestamp(), e.timestamp()) for s, e in expected]
    assert len(got) == MAX_PER_LOOKUP + 1
    assert got[-1][1] == span[1].timestamp()  # busy to the end of the span


# --- parsed once; kept per version ----------------------------------------------------------


@pytest.mark.django_db
def test_a_rule_is_parsed_once_per_process():
    owner = make_person()
    start = datetime(2026, 6, 1, 7, 0, 7, tzinfo=UTC)  # a start no other test uses
    for rule in ["FREQ=MONTHLY;BYMONTHDAY=1,15", "FREQ=WEEKLY;BYDAY=MO,TH"]:
        exdates = [(start + timedelta(days=3)).isoformat()]
        Event.objects.create(owner=owner, start=start, end=start + timedelta(hours=1),
                             rrule=rule, exdates=exdates)  # fmt: skip
    june = (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
    july = (datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC))
    recurrence._parsed.cache_clear()
    decoded = busy._excluded.cache_info().hits

    with mock.patch.object(recurrence, "rrulestr", wraps=recurrence.rrulestr) as parse:
        first = busy_spans(owner.pk, *june)
        assert parse.call_count == 1  # the monthly rule; the weekly one never meets dateutil
        assert sorted(busy_spans(owner.pk, *june)) == sorted(first)
        busy_spans(owner.pk, *july)
        assert parse.call_count == 1
    assert len(first) == 2 + 8  # 1 and 15 June; 9 Mondays and Thursdays, the 4th excluded
    # Both rows' EXDATEs are the same JSON text: decoded once, then found 5 times.
    assert busy._excluded.cache_info().hits - decoded >= 5


@pytest.mark.django_db
def test_the_version_keeps_the_series_expansion_and_a_new_one_recomputes():
    owner = make_person()
    start = datetime(2026, 6, 1, 7, tzinfo=UTC)
    series = Event.objects.create(owner=owner, start=start, end=start + timedelta(hours=1),
                                  rrule="FREQ=WEEKLY")  # fmt: skip
    span = (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 29, tzinfo=UTC))
    weekly = [(start + timedelta(weeks=w)).timestamp() for w in range(4)]
    assert sorted(s for s, _ in busy_spans(owner.pk, *span, version=1)) == weekly

    # Changed without the version raised (a bulk update sends no signal): version 1's answer
    # stays, and the expansion is not run again; single blocks are read afresh all the same.
    Event.objects.filter(pk=series.pk).update(rrule="FREQ=DAILY")
    single = Event.objects.create(owner=owner, start=start + timedelta(hours=3),
                                  end=start + timedelta(hours=4))  # fmt: skip
    with mock.patch.object(recurrence, "spans", wraps=recurrence.spans) as expand:
        kept = busy_spans(owner.pk, *span, version=1)
        assert expand.call_count == 0
    assert sorted(s for s, _ in kept) == sorted([*weekly, single.start.timestamp()])

    daily = 28 + 1  # 28 days and the single block
    assert len(busy_spans(owner.pk, *span, version=2)) == daily
    assert len(busy_spans(owner.pk, *span)) == daily  # no version: always afresh


@pytest.mark.django_db
def test_kept_expansions_are_bounded_the_oldest_going_first():
    owner = make_person()
    start = datetime(2026, 6, 1, 7, tzinfo=UTC)
    Event.objects.create(owner=owner, start=start, end=start + timedelta(hours=1),
                         rrule="FREQ=DAILY")  # fmt: skip
    span = (start, start + timedelta(days=7))
    for version in range(busy._KEPT_EXPANSIONS + 1):
        assert len(busy_spans(owner.pk, *span, version=version)) == 7
    assert len(busy._kept) == busy._KEPT_EXPANSIONS
    assert (owner.pk, 0, *span) not in busy._kept
    assert (owner.pk, busy._KEPT_EXPANSIONS, *span) in busy._kept


def test_a_series_whose_until_is_before_its_start_still_blocks_its_first_occurrence(db):
    """DTSTART is an occurrence whatever UNTIL says (RFC 5545): a series that ended, by its
    rule, before its start is busy at its start, and its stored end is never before it."""
    from bookwithme.calendars.events import add_event

    owner = make_person(time_zone="Europe/Paris")
    start = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    event = add_event(
        owner,
        title="moved",
        start=start,
        end=start + timedelta(hours=1),
        rrule="FREQ=WEEKLY;UNTIL=20261101T000000Z",
    )
    assert event.repeats_until >= event.end
    day = (start - timedelta(hours=8), start + timedelta(hours=16))
    hour = (start.timestamp(), (start + timedelta(hours=1)).timestamp())
    assert busy_spans(owner.pk, *day) == [hour]
