"""An owner's busy time from calendars, read from the database only, never from a remote server.

Bookings are the booking app's business; this module answers for calendar events: the
built-in calendar's (and, once synced, remote calendars' busy blocks).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from bookwithme.calendars.models import Event
from bookwithme.calendars.recurrence import occurrences


def busy_between(owner_id: int, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Busy (start, end) pairs of the owner's events overlapping [start, end), in any order.

    One indexed query; recurring series are expanded here, inside the span only.
    """
    rows = (
        Event.objects.filter(owner_id=owner_id, busy=True, start__lt=end)
        .filter(
            Q(rrule="", end__gt=start)
            | (~Q(rrule="") & (Q(repeats_until__isnull=True) | Q(repeats_until__gt=start)))
        )
        .values_list("start", "end", "rrule", "time_zone", "exdates")
    )
    busy = []
    for e_start, e_end, rule, tz_name, exdates in rows:
        if not rule:
            busy.append((e_start, e_end))
            continue
        excluded = frozenset(d for d in (parse_datetime(x) for x in exdates) if d is not None)
        busy.extend(occurrences(rule, e_start, e_end, ZoneInfo(tz_name), excluded, start, end))
    return busy
