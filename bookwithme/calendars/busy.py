"""An owner's busy time from calendars, read from the database only, never from a remote server.

Bookings are the booking app's business; this module answers for calendar events: the
built-in calendar's and the busy blocks synced from connected calendars (`RemoteBusy`), read
alike in one query.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from bookwithme.calendars.models import Event, RemoteBusy
from bookwithme.calendars.recurrence import occurrences

_EXPANSION = ("start", "end", "rrule", "time_zone", "exdates")


@dataclass(frozen=True)
class BusyEvent:
    """One occurrence of a busy event, with what a published feed may show of it."""

    start: datetime
    end: datetime
    uid: str
    title: str
    location: str
    description: str


def _overlapping(blocks: QuerySet, start: datetime, end: datetime) -> QuerySet:
    """Blocks that may overlap [start, end): an indexed range; series that are over skipped."""
    return blocks.filter(start__lt=end).filter(
        Q(rrule="", end__gt=start)
        | (~Q(rrule="") & (Q(repeats_until__isnull=True) | Q(repeats_until__gt=start)))
    )


def _sources(owner_id: int, start: datetime, end: datetime) -> tuple[QuerySet, QuerySet]:
    return (
        _overlapping(Event.objects.filter(owner_id=owner_id, busy=True), start, end),
        _overlapping(RemoteBusy.objects.filter(owner_id=owner_id), start, end),
    )


def _expand(
    e_start: datetime,
    e_end: datetime,
    rule: str,
    tz_name: str,
    exdates: list[str],
    *,
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, datetime]]:
    if not rule:
        return [(e_start, e_end)] if e_start < end and e_end > start else []
    excluded = frozenset(d for d in (parse_datetime(x) for x in exdates) if d is not None)
    return occurrences(rule, e_start, e_end, ZoneInfo(tz_name), excluded, start, end)


def busy_between(owner_id: int, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Busy (start, end) pairs of the owner's events overlapping [start, end), in any order.

    One query (built-in and synced blocks, UNION ALL); recurring series are expanded here,
    inside the span only.
    """
    events, remote = _sources(owner_id, start, end)
    rows = events.values_list(*_EXPANSION).union(remote.values_list(*_EXPANSION), all=True)
    busy = []
    for row in rows:
        busy.extend(_expand(*row, start=start, end=end))
    return busy


def busy_events_between(owner_id: int, start: datetime, end: datetime) -> list[BusyEvent]:
    """Like `busy_between`, with each occurrence's title, location and description."""
    events, remote = _sources(owner_id, start, end)
    details = (*_EXPANSION, "pk", "uid", "title", "location")
    rows = [("event", *row) for row in events.values_list(*details, "description")]
    rows += [("remote", *row, "") for row in remote.values_list(*details)]  # no description
    found = []
    for source, *expansion, pk, uid, title, location, description in rows:
        for o_start, o_end in _expand(*expansion, start=start, end=end):
            occurrence_uid = f"{uid or f'{source}-{pk}'}/{o_start:%Y%m%dT%H%M%SZ}"
            found.append(BusyEvent(o_start, o_end, occurrence_uid, title, location, description))
    return found
