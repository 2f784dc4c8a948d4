"""Recurring events: checking a rule once, and expanding it inside a span.

Rules repeat in the event's own time zone (a weekly 09:00 in Paris stays at 09:00 local time
across daylight-saving changes), so expansion runs on aware local datetimes and converts each
occurrence to UTC.

Expansion costs are bounded whatever the rule: a series repeats daily at most and at most
MAX_COUNT times, and an endless daily or weekly series that began long ago is re-anchored near
the asked span instead of being walked from its first day.
"""

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, WEEKLY, rrule, rrulestr

# Busy blocks repeat daily at most: finer rules are refused rather than expanded by the
# thousand on every page view.
MAX_FREQUENCY = DAILY
MAX_COUNT = 10_000


class RecurrenceError(ValueError):
    """A recurrence rule that cannot be used; the message can be shown to the organizer."""


def parse_rule(text: str, start: datetime, tz: ZoneInfo) -> rrule:
    """The dateutil rule for an RRULE value, or RecurrenceError saying why not."""
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text or len(text) > 1000:
        raise RecurrenceError("the recurrence rule must be one RRULE line")
    try:
        rule = rrulestr(text, dtstart=start.astimezone(tz))
    except (ValueError, TypeError, OverflowError) as e:
        raise RecurrenceError(f"the recurrence rule is not valid: {e}") from None
    if not isinstance(rule, rrule):
        raise RecurrenceError("the recurrence rule must be one RRULE line")
    if rule._freq > MAX_FREQUENCY:  # dateutil orders YEARLY=0 .. SECONDLY=6
        raise RecurrenceError("a busy block can repeat at most daily")
    if rule._count is not None and rule._count > MAX_COUNT:
        raise RecurrenceError(
            f"a busy block can repeat at most {MAX_COUNT:,} times; leave the end open instead"
        )
    return rule


def last_end(text: str, start: datetime, end: datetime, tz: ZoneInfo) -> datetime | None:
    """Where a finite series ends (the last occurrence's end), or None for an endless one."""
    rule = parse_rule(text, start, tz)
    if rule._count is None and rule._until is None:
        return None
    if rule._count is None:
        # UNTIL bounds every occurrence's start; no need to walk to it.
        return rule._until.astimezone(UTC) + (end - start)
    last = None
    for last in itertools.islice(rule, MAX_COUNT):  # noqa: B007 - finite by parse_rule
        pass
    if last is None:
        return start
    return last.astimezone(UTC) + (end - start)


def _anchored(rule: rrule, after: datetime, tz: ZoneInfo) -> rrule:
    """The same endless daily/weekly series, started at its last occurrence-aligned day
    before `after`: whole periods later, so every occurrence from there on is unchanged."""
    if rule._count is not None or rule._freq not in (DAILY, WEEKLY):
        return rule
    period = timedelta(days=rule._interval * (7 if rule._freq == WEEKLY else 1))
    first = rule._dtstart.replace(tzinfo=None)
    target = after.astimezone(tz).replace(tzinfo=None) - period
    if target <= first:
        return rule
    # Naive (wall-clock) arithmetic keeps the series' local time of day.
    shifted = first + ((target - first) // period) * period
    return rule.replace(dtstart=shifted.replace(tzinfo=tz))


def occurrences(
    text: str,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    exdates: frozenset[datetime],
    span_start: datetime,
    span_end: datetime,
) -> list[tuple[datetime, datetime]]:
    """The (start, end) in UTC of each occurrence that overlaps [span_start, span_end)."""
    length = end - start
    # An occurrence that starts before the span can still reach into it.
    after = (span_start - length - timedelta(seconds=1)).astimezone(tz)
    before = span_end.astimezone(tz)
    rule = _anchored(parse_rule(text, start, tz), after, tz)
    found = []
    for occurrence in rule.between(after, before, inc=False):
        o_start = occurrence.astimezone(UTC)
        if o_start in exdates:
            continue
        o_end = o_start + length
        if o_start < span_end and o_end > span_start:
            found.append((o_start, o_end))
    return found
