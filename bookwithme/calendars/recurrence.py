"""Recurring events: a rule checked and written in its stored form once, then expanded inside a
span, in bounded time.

Rules repeat in the event's own time zone (a weekly 09:00 in Paris stays at 09:00 local time
across daylight-saving changes), so expansion runs on aware local datetimes (dateutil, the
expansion recurring-ical-events itself uses) and converts each occurrence to UTC.

Rules arrive as clients write them; `prepare` writes each in one stored form before anything
expands it: UNTIL as a UTC instant (RFC 5545 writes it as a DATE for all-day series, and iPhone
and older Nextcloud clients write it in local time without a zone, both of which dateutil
refuses beside an aware start), and COUNT turned into that UNTIL, so that any series can be
expanded from near the asked span instead of from its first day.

Work is bounded whatever the rule:
- a rule that never occurs (`FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30`) would make dateutil walk to
  the year 9999 on every look-up; `prepare` refuses rules with no occurrence in the next
  HORIZON_YEARS years, checked on a yearly projection that costs at most 400 steps;
- an endless or UNTIL series is expanded from its last whole period before the span;
- one look-up expands at most MAX_PER_LOOKUP occurrences of one series: past that (a secondly
  rule, say) the rest of the span up to the series' end counts as busy, which may hide free time
  but never offers busy time.

Busy time is read on every slots look-up, so `spans` does the same work faster: a rule is parsed
once per process (`_parsed`, `_plain`), and a plain daily or weekly rule, the shape most series
have, is expanded by date arithmetic instead of dateutil, to exactly the same occurrences.
"""

import itertools
import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple, cast
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, HOURLY, MINUTELY, SECONDLY, WEEKLY, rrule, rrulestr
from icalendar.prop import vRecur

MAX_COUNT = 10_000
MAX_PER_LOOKUP = 1_000
HORIZON_YEARS = 10
_PERIOD = {
    WEEKLY: timedelta(weeks=1),
    DAILY: timedelta(days=1),
    HOURLY: timedelta(hours=1),
    MINUTELY: timedelta(minutes=1),
    SECONDLY: timedelta(seconds=1),
}
_DATE_FILTERS = ("BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class RecurrenceError(ValueError):
    """A recurrence rule that cannot be used; the message can be shown to the organizer."""


class _Spec(NamedTuple):
    """What an expanded rule is made of; dateutil keeps it in private attributes."""

    freq: int
    interval: int
    times: int | None  # COUNT
    until: datetime | None
    dtstart: datetime
    tzinfo: ZoneInfo


def _spec(rule: rrule) -> _Spec:
    kept = vars(rule)
    return _Spec(
        kept["_freq"],
        kept["_interval"],
        kept["_count"],
        kept["_until"],
        kept["_dtstart"],
        kept["_tzinfo"],
    )


class Series(NamedTuple):
    """A rule in its stored form, and where the series ends (None: never)."""

    rule: str
    repeats_until: datetime | None


def _as_utc(value: date | datetime, tz: ZoneInfo) -> datetime:
    """An UNTIL value as a UTC instant: a DATE includes its whole day, and a time without a
    zone is the series' own wall time (RFC 5545 3.3.10)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC).replace(microsecond=0)


def _recur(text: str) -> vRecur:
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text or "\r" in text or len(text) > 1000:
        raise RecurrenceError("the recurrence rule must be one RRULE line")
    try:
        recur = vRecur.from_ical(text)
    except (ValueError, TypeError, KeyError, OverflowError) as e:
        raise RecurrenceError(f"the recurrence rule is not valid: {e}") from None
    if "FREQ" not in recur:
        raise RecurrenceError("the recurrence rule is not valid: it has no FREQ")
    return recur


def _text(recur: vRecur) -> str:
    return recur.to_ical().decode()


def parse_rule(text: str, start: datetime, tz: ZoneInfo) -> rrule:
    """The dateutil rule for an RRULE value (any UNTIL form), or RecurrenceError saying why."""
    recur = _recur(text)
    if "UNTIL" in recur:
        recur["UNTIL"] = [_as_utc(recur["UNTIL"][0], tz)]
    if "COUNT" in recur and int(recur["COUNT"][0]) > MAX_COUNT:
        raise RecurrenceError(
            f"a busy block can repeat at most {MAX_COUNT:,} times; leave the end open instead"
        )
    try:
        rule = rrulestr(_text(recur), dtstart=start.astimezone(tz))
    except (ValueError, TypeError, KeyError, OverflowError) as e:
        raise RecurrenceError(f"the recurrence rule is not valid: {e}") from None
    if not isinstance(rule, rrule):
        raise RecurrenceError("the recurrence rule must be one RRULE line")
    return rule


# The same rule of the same series is read on every look-up: parsed once per process. The
# rules dateutil returns are never changed in place (`_anchored` makes a new one).
_parsed = lru_cache(maxsize=4096)(parse_rule)


def _never_occurs(recur: vRecur, start: datetime) -> bool:
    """True when no day of any year passes the rule's date filters.

    The filters are projected onto a yearly rule (Gregorian years repeat every 400 years, so
    400 steps decide), keeping what dateutil would take from the start for this frequency.
    """
    filters = {k: list(v) for k, v in recur.items() if k in _DATE_FILTERS}
    if not filters:
        return False
    freq = recur["FREQ"][0].upper()
    if freq not in ("YEARLY", "MONTHLY") and "BYDAY" in filters:
        filters["BYDAY"] = [str(d)[-2:] for d in filters["BYDAY"]]  # ordinals mean nothing here
    if freq == "MONTHLY" and "BYMONTH" not in filters:
        filters["BYMONTH"] = list(range(1, 13))  # keeps "2TU" relative to the month
    if freq == "WEEKLY" and "BYDAY" not in filters:
        filters["BYDAY"] = [_WEEKDAYS[start.weekday()]]
    if freq not in ("YEARLY", "MONTHLY") and not {"BYDAY", "BYMONTHDAY", "BYYEARDAY"} & set(
        filters
    ):
        filters["BYMONTHDAY"] = list(range(1, 32))
    if "WKST" in recur:
        filters["WKST"] = recur["WKST"]
    projection = _text(vRecur({"FREQ": ["YEARLY"], **filters}))
    # Same month, day and weekday as the start, 400-year cycles later, near the year 9999.
    late = start.replace(tzinfo=None)
    late = late.replace(year=9599 + (late.year - 9599) % 400)
    try:
        first = rrulestr(projection, dtstart=late).after(late, inc=True)
    except (ValueError, OverflowError):
        return True
    return first is None


def _last(rule: rrule) -> datetime | None:
    """The last occurrence's start of a finite series; None for an endless one."""
    spec = _spec(rule)
    if spec.times is not None:
        last = None
        for last in itertools.islice(rule, MAX_COUNT):  # noqa: B007 - finite: COUNT checked
            pass
        return (last or spec.dtstart).astimezone(UTC)
    if spec.until is not None:
        return spec.until.astimezone(UTC)
    return None


def _check_soon(rule: rrule, start: datetime, now: datetime) -> None:
    """RecurrenceError when a series that is not over has no occurrence in the next years."""
    tz = _spec(rule).tzinfo
    soon = max(now, start).astimezone(tz)
    following = _anchored(rule, soon, tz).after(soon, inc=True)
    if following is None or following > now + timedelta(days=366 * HORIZON_YEARS):
        raise RecurrenceError(
            f"the recurrence rule has no occurrence in the next {HORIZON_YEARS} years"
        )


def prepare(
    text: str, start: datetime, end: datetime, tz: ZoneInfo, *, now: datetime | None = None
) -> Series:
    """A rule checked and written in its stored form (UNTIL in UTC, COUNT turned into UNTIL),
    with where the series ends; RecurrenceError when it cannot be used."""
    recur = _recur(text)
    rule = parse_rule(text, start, tz)
    if _never_occurs(recur, start.astimezone(tz)):
        raise RecurrenceError("the recurrence rule has no occurrence at all")
    last = _last(rule)
    now = now or datetime.now(UTC)
    if last is None or last >= now:  # a series that is over blocks nothing: nothing to check
        _check_soon(rule, start, now)
    recur.pop("COUNT", None)
    if last is None:
        return Series(_text(recur), None)
    recur["UNTIL"] = [last]
    # The last occurrence lasts as long on the wall clock as the first (see `occurrences`).
    length = _wall(end, tz) - _wall(start, tz)
    last_end = (_wall(last, tz) + length).replace(tzinfo=tz).astimezone(UTC)
    # Never before the event's own end: DTSTART is an occurrence whatever UNTIL says.
    return Series(_text(recur), max(last_end, last + (end - start), end.astimezone(UTC)))


def _anchored(rule: rrule, after: datetime, tz: ZoneInfo) -> rrule:
    """The same series started at its last whole period before `after`: every occurrence from
    there on is unchanged, and none before it is walked."""
    spec = _spec(rule)
    if spec.times is not None or spec.freq not in _PERIOD:
        return rule
    period = _PERIOD[spec.freq] * spec.interval
    first = spec.dtstart.replace(tzinfo=None)
    target = after.astimezone(tz).replace(tzinfo=None) - period
    if target <= first:
        return rule
    # Naive (wall-clock) arithmetic keeps the series' local time of day.
    shifted = first + ((target - first) // period) * period
    return rule.replace(dtstart=shifted.replace(tzinfo=tz))


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def occurrences(
    text: str,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    exdates: frozenset[datetime],
    span_start: datetime,
    span_end: datetime,
) -> list[tuple[datetime, datetime]]:
    """The (start, end) in UTC of each occurrence that overlaps [span_start, span_end).

    The series' own start is always its first occurrence. Each occurrence lasts as long on
    the wall clock as the first (RFC 5545's nominal
    duration): an all-day series covers whole local days, 23 or 25 hours long on the days the
    clocks change. Past MAX_PER_LOOKUP occurrences, the rest of the span (to the series' end)
    is one busy block: never more work than that per series and look-up.
    """
    length = _wall(end, tz) - _wall(start, tz)
    rule = _parsed(text, start, tz)
    # An occurrence that starts before the span can still reach into it (an hour more for a
    # clock change in between: not for sub-daily rules, where it would cost thousands of steps).
    spec = _spec(rule)
    margin = timedelta(hours=1) if spec.freq <= DAILY else timedelta(0)
    after = (span_start - length - margin - timedelta(seconds=1)).astimezone(tz)
    rule = _anchored(rule, after, tz)
    found = []
    for n, occurrence in enumerate(rule.xafter(after, inc=False)):
        o_start = occurrence.astimezone(UTC)
        if o_start >= span_end:
            break
        if n == MAX_PER_LOOKUP:
            # Anchoring moves the start, never the end.
            until = spec.until.astimezone(UTC) + (end - start) if spec.until else span_end
            found.append((o_start, min(until + timedelta(hours=1), span_end)))
            break
        if o_start in exdates:
            continue
        o_end = (occurrence.replace(tzinfo=None) + length).replace(tzinfo=tz).astimezone(UTC)
        if o_end > span_start:
            found.append((o_start, o_end))
    # DTSTART is always the first occurrence (RFC 5545 3.3.10), even when it does not match
    # the rule's pattern; dateutil only yields the pattern's.
    first = (start.astimezone(UTC), end.astimezone(UTC))
    if start < span_end and end > span_start and first[0] not in exdates and first not in found:
        found.insert(0, first)
    return found


class Excluded(NamedTuple):
    """A series' EXDATEs: as instants for dateutil's path, as epoch seconds for the plain one."""

    moments: frozenset[datetime]
    seconds: frozenset[float]

    @classmethod
    def of(cls, moments: frozenset[datetime]) -> "Excluded":
        return cls(moments, frozenset(m.timestamp() for m in moments))


class _Plain(NamedTuple):
    """A daily or weekly series that date arithmetic expands as dateutil would: periods of
    `step` from `period`, each giving the days `shifts` after it (those of `weekdays` only,
    when set), from `first` on; times are wall times in `tz` (aware, fold=0)."""

    tz: ZoneInfo
    first: datetime  # the first occurrence's wall time, as dateutil keeps it
    period: datetime  # the first period's first day at that time
    step: timedelta
    shifts: tuple[tuple[timedelta, int], ...]  # and in seconds
    weekdays: frozenset[int] | None
    until: float  # UNTIL in epoch seconds; infinity for an endless series
    length: timedelta  # on the wall clock (see `occurrences`)
    own: tuple[float, float]  # the series' own start and end
    capped: float  # where the rest of the span stops counting as busy past MAX_PER_LOOKUP


_PLAIN_PARTS = frozenset({"FREQ", "INTERVAL", "UNTIL", "BYDAY", "WKST"})
_UTC_UNTIL = re.compile(r"\d{8}T\d{6}Z")
_EPOCH = datetime(1970, 1, 1)
_DAY = 86_400
_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)
# Before the span, an occurrence can reach into it by its length and a clock change.
_REACH = timedelta(hours=1, seconds=1)


def _parts(text: str) -> dict[str, str] | None:
    """The parts of a rule in its stored form, or None when any is beyond the plain path."""
    parts: dict[str, str] = {}
    for part in text.split(";"):
        key, equals, value = part.partition("=")
        if not equals or key not in _PLAIN_PARTS or key in parts:
            return None
        parts[key] = value
    if parts.get("FREQ") not in ("DAILY", "WEEKLY"):
        return None
    interval = parts.get("INTERVAL", "1")
    if not (interval.isascii() and interval.isdigit() and int(interval) > 0):
        return None
    until = parts.get("UNTIL")
    if until is not None and not _UTC_UNTIL.fullmatch(until):
        return None
    days = [*parts.get("BYDAY", "MO").split(","), parts.get("WKST", "MO")]
    if not all(d in _WEEKDAYS for d in days):  # no "1MO" or "-1FR": those count in a month
        return None
    return parts


@lru_cache(maxsize=8192)
def _plain(text: str, start: datetime, end: datetime, tz_name: str) -> _Plain | None:
    """How date arithmetic expands the series, or None when dateutil must (see `_parts`)."""
    parts = _parts(text)
    if parts is None:
        return None
    until = None
    if "UNTIL" in parts:
        try:
            until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:  # no such date: dateutil's path says why
            return None
    tz = ZoneInfo(tz_name)
    # dateutil drops the start's microseconds, and its occurrences have fold=0 (the first
    # time of an ambiguous hour, a gap's time read with the offset before it), as the aware
    # arithmetic from here gives them.
    first = start.astimezone(tz).replace(microsecond=0)
    interval = int(parts.get("INTERVAL", "1"))
    byday = {_WEEKDAYS.index(d) for d in parts["BYDAY"].split(",")} if "BYDAY" in parts else None
    weekdays = None
    shifts = [0]
    if parts["FREQ"] == "DAILY":
        period, step = first, interval
        weekdays = frozenset(byday) if byday is not None else None
    else:
        # Weeks start on WKST; in each, the BYDAY days (the start's weekday without one).
        week_start = _WEEKDAYS.index(parts.get("WKST", "MO"))
        period = first - timedelta(days=(first.weekday() - week_start) % 7)
        step = 7 * interval
        shifts = sorted((d - week_start) % 7 for d in (byday or {first.weekday()}))
    return _Plain(
        tz=tz,
        first=first,
        period=period,
        step=timedelta(days=step),
        shifts=tuple((timedelta(days=d), d * _DAY) for d in shifts),
        weekdays=weekdays,
        until=until.timestamp() if until else math.inf,
        length=_wall(end, tz) - _wall(start, tz),
        own=(start.timestamp(), end.timestamp()),
        capped=(until + (end - start) + timedelta(hours=1)).timestamp() if until else math.inf,
    )


def _walls(plan: _Plain, after: datetime) -> Iterator[tuple[datetime, int]]:
    """The series' wall times from the period holding `after` on, endlessly, each with its
    seconds since the epoch read as UTC (whole: dateutil drops microseconds)."""
    periods = max(0, (after.date() - plan.period.date()).days // plan.step.days)
    base = plan.period + periods * plan.step  # aware arithmetic: wall time, same zone
    base_s = (base.replace(tzinfo=None) - _EPOCH) // _SECOND
    first, step, shifts, weekdays = plan.first, plan.step, plan.shifts, plan.weekdays
    while True:
        for shift, shift_s in shifts:
            wall = base + shift
            if wall >= first and (weekdays is None or wall.weekday() in weekdays):
                yield wall, base_s + shift_s
        base += step
        base_s += step.days * _DAY


def _plain_spans(
    plan: _Plain, excluded: frozenset[float], span_start: datetime, span_end: datetime
) -> list[tuple[float, float]]:
    """`occurrences` for a plain series, step for step, in epoch seconds."""
    # The zone's own method: faster than the datetime's, and never None for a ZoneInfo.
    offset = cast("Callable[[datetime], timedelta]", plan.tz.utcoffset)
    length = plan.length
    length_us = length // _MICROSECOND
    after = (span_start - length - _REACH).astimezone(plan.tz)
    lo, hi = span_start.timestamp(), span_end.timestamp()
    until = plan.until
    found = []
    n = 0
    for wall, wall_s in _walls(plan, after):
        shift = offset(wall)
        o_start = float(wall_s - shift.days * _DAY - shift.seconds)
        if o_start > until:
            break
        if wall <= after:  # as dateutil compares: wall times, both in the series' zone
            continue
        if o_start >= hi:
            break
        if n == MAX_PER_LOOKUP:
            found.append((o_start, min(plan.capped, hi)))
            break
        n += 1
        if o_start in excluded:
            continue
        shift = offset(wall + length)
        o_end = ((wall_s - shift.days * _DAY - shift.seconds) * 1_000_000 + length_us) / 1e6
        if o_end > lo:
            found.append((o_start, o_end))
    own = plan.own
    if own[0] < hi and own[1] > lo and own[0] not in excluded and own not in found:
        found.insert(0, own)
    return found


def spans(
    text: str,
    start: datetime,
    end: datetime,
    tz_name: str,
    excluded: Excluded,
    span_start: datetime,
    span_end: datetime,
) -> list[tuple[float, float]]:
    """`occurrences` as epoch seconds, for the busy query: plain daily and weekly rules by
    date arithmetic, any other through dateutil."""
    plan = _plain(text, start, end, tz_name)
    if plan is not None:
        return _plain_spans(plan, excluded.seconds, span_start, span_end)
    found = occurrences(text, start, end, ZoneInfo(tz_name), excluded.moments, span_start, span_end)
    return [(o_start.timestamp(), o_end.timestamp()) for o_start, o_end in found]
