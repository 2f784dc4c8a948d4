"""A booking as an iTIP invitation (RFC 5546): the calendar part every booking email carries.

`REQUEST` puts the meeting in the reader's calendar or moves it there; `CANCEL` takes it out.
Calendars match the two by `UID`, which a booking keeps for its whole life, and keep the
version with the highest `SEQUENCE`, which rises with each reschedule and the cancel.
The `icalendar` package escapes text and parameters (RFC 5545 and RFC 6868) and folds lines
at 75 octets; no string is written into the calendar by hand.
"""

from datetime import UTC, datetime

import icalendar
from django.utils.translation import gettext as _

from bookwithme.booking.models import Booking

# PUBLISH: the same event as a plain download ("add to calendar" on the manage page).
METHODS = ("REQUEST", "CANCEL", "PUBLISH")
PRODID = "-//bookwithme//bookwithme//EN"


def organizer_name(booking: Booking) -> str:
    return booking.owner.name or booking.owner.email


def place(booking: Booking) -> str:
    """Where the meeting happens: its online link, else the type's address or phone number."""
    return booking.meeting_url or booking.meeting_type.location_value


def invitation(booking: Booking, *, method: str, manage_url: str = "") -> bytes:
    """The booking as a VCALENDAR with one VEVENT, for `METHOD:REQUEST`, `CANCEL` or `PUBLISH`.

    Text is written in the active language. `manage_url` (the attendee's own link, secret
    to them) goes into the description only when given, so never into the organizer's copy.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    mt = booking.meeting_type
    organizer = organizer_name(booking)

    event = icalendar.Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add(
        "summary",
        _("%(title)s: %(organizer)s and %(attendee)s")
        % {"title": mt.title, "organizer": organizer, "attendee": booking.attendee_name},
    )
    if place(booking):
        event.add("location", place(booking))
    event.add("description", _description(booking, method, manage_url))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")

    organizer_address = icalendar.vCalAddress(f"mailto:{booking.owner.email}")
    organizer_address.params["CN"] = organizer
    event.add("organizer", organizer_address)
    attendee = icalendar.vCalAddress(f"mailto:{booking.attendee_email}")
    attendee.params["CN"] = booking.attendee_name
    attendee.params["PARTSTAT"] = "ACCEPTED"
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    # Booked is already accepted: no reply is expected from the attendee's calendar.
    attendee.params["RSVP"] = "FALSE"
    event.add("attendee", attendee)

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(event)
    return cal.to_ical()


def _description(booking: Booking, method: str, manage_url: str) -> str:
    mt = booking.meeting_type
    lines = [
        _("%(title)s with %(organizer)s")
        % {"title": mt.title, "organizer": organizer_name(booking)}
    ]
    if booking.meeting_url:
        lines.append(f"{_('Meeting link:')} {booking.meeting_url}")
    elif mt.location_value and mt.location_kind == mt.LocationKind.IN_PERSON:
        lines.append(f"{_('Address:')} {mt.location_value}")
    elif mt.location_value and mt.location_kind == mt.LocationKind.PHONE:
        lines.append(f"{_('Phone:')} {mt.location_value}")
    elif mt.location_value:
        lines.append(f"{_('Where:')} {mt.location_value}")
    if manage_url and method == "CANCEL":
        lines.append(f"{_('To see the booking:')} {manage_url}")
    elif manage_url:
        lines.append(f"{_('To reschedule or cancel:')} {manage_url}")
    return "\n".join(lines)
