"""An owner's busy time from calendars, read from the database only, never from a remote server.

Bookings are the booking app's business; this module answers for calendar events: the
built-in calendar's (and, once synced, remote calendars' busy blocks).
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from bookwithme.calendars.models import Event
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


def _overlapping(owner_id: int, start: datetime, end: datetime):
    """Busy events that may overlap [start, end): one indexed query; series over are skipped."""
    return Event.objects.filter(owner_id=owner_id, busy=True, start__lt=end).filter(
        Q(rrule="", end__gt=start)
        | (~Q(rrule="") & (Q(repeats_until__isnull=True) | Q(repeats_until__gt=start)))
    )


def _expand(e_start, e_end, rule, tz_name, exdates, start, end):
    if not rule:
        return [(e_start, e_end)] if e_start < end and e_end > start else []
    excluded = frozenset(d for d in (parse_datetime(x) for x in exdates) if d is not None)
    return occurrences(rule, e_start, e_end, ZoneInfo(tz_name), excluded, start, end)


def busy_between(owner_id: int, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Busy (start, end) pairs of the owner's events overlapping [start, end), in any order.

    One indexed query; recurring series are expanded here, inside the span only.
    """
    busy = []
    for row in _overlapping(owner_id, start, end).values_list(*_EXPANSION):
        busy.extend(_expand(*row, start, end))
    return busy


def busy_events_between(owner_id: int, start: datetime, end: datetime) -> list[BusyEvent]:
    """Like `busy_between`, with each occurrence's title, location and description."""
    found = []
    rows = _overlapping(owner_id, start, end).values_list(
        *_EXPANSION, "pk", "uid", "title", "location", "description"
    )
    for *expansion, pk, uid, title, location, description in rows:
        for o_start, o_end in _expand(*expansion, start, end):
            occurrence_uid = f"{uid or f'event-{pk}'}/{o_start:%Y%m%dT%H%M%SZ}"
            found.append(BusyEvent(o_start, o_end, occurrence_uid, title, location, description))
    return found
