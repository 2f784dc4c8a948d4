"""A booking as an iTIP invitation (RFC 5546): the calendar part every booking email carries,
and the plain copy written into the organizer's connected calendar.

`REQUEST` puts the meeting in the reader's calendar or moves it there; `CANCEL` takes it out.
Calendars match the two by `UID`, which a booking keeps for its whole life, and keep the
version with the highest `SEQUENCE`, which rises with each reschedule and the cancel. The
VEVENT itself is `booking.ics.vevent`, shared with the written copy and the bookings feed.
Both copies made here name people as mail and calendar clients show them: a double quote in a
name becomes a single quote (`ics.display_name`) rather than RFC 6868's `^'`, which they print.
"""

from datetime import datetime

from bookwithme.booking.ics import organizer_name, place, vcalendar, vevent
from bookwithme.booking.models import Booking

__all__ = ["METHODS", "calendar_object", "invitation", "organizer_name", "place"]

# PUBLISH: the same event as a plain download ("add to calendar" on the manage page).
METHODS = ("REQUEST", "CANCEL", "PUBLISH")


def invitation(booking: Booking, *, method: str, manage_url: str = "") -> bytes:
    """The booking as a VCALENDAR with one VEVENT, for `METHOD:REQUEST`, `CANCEL` or `PUBLISH`.

    Text is written in the active language. `manage_url` (the attendee's own link, secret
    to them) goes into the description only when given, so never into the organizer's copy.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    event = vevent(booking, cancelled=method == "CANCEL", manage_url=manage_url)
    return vcalendar(event, method=method)


def calendar_object(booking: Booking, *, stamp: datetime | None = None) -> bytes:
    """The booking as the organizer's calendar holds it (a CalDAV calendar object resource):
    the invitation's event, without a METHOD, with who booked, and marked as scheduled by
    bookwithme so that the server sends no invitation of its own."""
    event = vevent(booking, stamp=stamp, for_organizer=True, scheduled_by_us=True)
    return vcalendar(event)
