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
"""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
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
    return Series(_text(recur), max(last_end, last + (end - start)))


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
    rule = parse_rule(text, start, tz)
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
