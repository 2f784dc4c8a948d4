"""A booking as an iCalendar document (the "add to calendar" download)."""

from datetime import UTC, datetime

import icalendar
from django.conf import settings

from bookwithme.booking.models import Booking


def booking_calendar(booking: Booking, *, method: str = "PUBLISH", manage_url: str = "") -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//bookwithme//bookwithme//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add(
        "summary", f"{booking.meeting_type.title}: {booking.owner.name or booking.owner.email}"
    )
    if booking.meeting_url:
        event.add("location", booking.meeting_url)
    elif booking.meeting_type.location_value:
        event.add("location", booking.meeting_type.location_value)
    description = [booking.meeting_type.title]
    if booking.meeting_url:
        description.append(f"Join: {booking.meeting_url}")
    if manage_url:
        description.append(f"Reschedule or cancel: {manage_url}")
    event.add("description", "\n".join(description))
    organizer = icalendar.vCalAddress(f"mailto:{booking.owner.email}")
    organizer.params["cn"] = icalendar.vText(booking.owner.name or booking.owner.email)
    event.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{booking.attendee_email}")
    attendee.params["cn"] = icalendar.vText(booking.attendee_name)
    attendee.params["partstat"] = icalendar.vText("ACCEPTED")
    event.add("attendee", attendee)
    status = "CANCELLED" if booking.status == Booking.Status.CANCELLED else "CONFIRMED"
    event.add("status", status)
    event.add("url", manage_url or settings.BOOKWITHME_BASE_URL)
    cal.add_component(event)
    return cal.to_ical()
