"""Calendars published from an owner's busy time: the anonymous free/busy feed.

What the feed shows follows the organization's anonymous sharing level: `Simple` gives busy
periods only (a VFREEBUSY), `Detail` events with their times, subject and location, `Reviewer`
everything including descriptions. Built-in events and confirmed bookings both count as busy.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.utils import timezone

from bookwithme import slots
from bookwithme.booking.models import Booking
from bookwithme.calendars.busy import BusyEvent, busy_events_between

PAST_DAYS, FUTURE_DAYS = 7, 60
PRODID = "-//bookwithme//bookwithme//EN"


def feed_span(person, now: datetime | None = None) -> tuple[datetime, datetime]:
    """From 7 days before the owner's today to 60 days after it (whole local days)."""
    tz = ZoneInfo(person.time_zone)
    today = (now or timezone.now()).astimezone(tz).date()
    start = slots.wall_to_utc(today - timedelta(days=PAST_DAYS), 0, tz)
    end = slots.wall_to_utc(today + timedelta(days=FUTURE_DAYS), slots.MINUTES_PER_DAY, tz)
    return start, end


def _booking_events(person, start: datetime, end: datetime) -> list[BusyEvent]:
    bookings = (
        Booking.objects.confirmed()
        .filter(owner=person, start__lt=end, end__gt=start)
        .select_related("meeting_type")
    )
    found = []
    for b in bookings:
        mt = b.meeting_type
        location = mt.location_value if mt.location_kind != "online" else "Online"
        description = "\n".join(
            filter(None, [f"With {b.attendee_name} <{b.attendee_email}>", b.notes])
        )
        found.append(BusyEvent(b.start, b.end, b.uid, mt.title, location, description))
    return found


def freebusy_calendar(person, *, now: datetime | None = None) -> bytes:
    """The owner's feed at their organization's anonymous sharing level (not `none`)."""
    level = person.organization.anonymous_sharing
    start, end = feed_span(person, now)
    busy = busy_events_between(person.pk, start, end) + _booking_events(person, start, end)
    busy.sort(key=lambda e: (e.start, e.end))
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    stamp = (now or timezone.now()).astimezone(UTC)
    if level == "Simple":
        fb = icalendar.FreeBusy()
        fb.add("uid", f"freebusy-{person.page_slug}@bookwithme")
        fb.add("dtstamp", stamp)
        fb.add("dtstart", start)
        fb.add("dtend", end)
        for period in slots.merge(slots.Interval(e.start, e.end) for e in busy):
            fb.add("freebusy", (period.start, period.end), parameters={"FBTYPE": "BUSY"})
        cal.add_component(fb)
        return cal.to_ical()
    for e in busy:
        event = icalendar.Event()
        event.add("uid", e.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", e.start.astimezone(UTC))
        event.add("dtend", e.end.astimezone(UTC))
        event.add("transp", "OPAQUE")
        event.add("summary", e.title or "Busy")
        if e.location:
            event.add("location", e.location)
        if level == "Reviewer" and e.description:
            event.add("description", e.description)
        cal.add_component(event)
    return cal.to_ical()
