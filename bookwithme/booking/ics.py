"""A booking as an iCalendar VEVENT: the one description of the meeting that every calendar
copy shares, whether it travels as an emailed iTIP invitation (notify/itip.py), is written
into the organizer's connected calendar (notify/writeback.py) or is listed in their bookings
feed (booking/feeds.py).

All of them carry the booking's `UID`, which it keeps for its whole life, and its `SEQUENCE`,
which rises with each reschedule and the cancel, so a calendar that meets two copies knows
they are one meeting and which is newer. The `icalendar` package escapes text and parameters
(RFC 5545 and RFC 6868) and folds lines at 75 octets; no string is written by hand.
"""

from datetime import UTC, datetime

import icalendar
from django.utils.translation import gettext as _

from bookwithme.booking.models import Booking

PRODID = "-//bookwithme//bookwithme//EN"


def organizer_name(booking: Booking) -> str:
    return booking.owner.name or booking.owner.email


def place(booking: Booking) -> str:
    """Where the meeting happens: its online link, else the type's address or phone number."""
    return booking.meeting_url or booking.meeting_type.location_value


def vevent(
    booking: Booking,
    *,
    cancelled: bool = False,
    manage_url: str = "",
    stamp: datetime | None = None,
    for_organizer: bool = False,
    scheduled_by_us: bool = False,
) -> icalendar.Event:
    """The booking as a VEVENT, its text in the active language.

    `manage_url` (the attendee's own link, secret to them) goes into the description only when
    given, so never into the organizer's copies; `for_organizer` adds who booked and their
    notes. `stamp` is the DTSTAMP (default: now).
    `scheduled_by_us` marks organizer and attendee `SCHEDULE-AGENT=CLIENT` (RFC 6638), for a
    copy stored on a CalDAV server: bookwithme mails the invitations itself, and a server that
    schedules on its own (Nextcloud, SOGo, iCloud, ...) must not invite the attendee again.
    """
    mt = booking.meeting_type
    organizer = organizer_name(booking)

    event = icalendar.Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add(
        "summary",
        _("%(title)s: %(organizer)s and %(attendee)s")
        % {"title": mt.title, "organizer": organizer, "attendee": booking.attendee_name},
    )
    if place(booking):
        event.add("location", place(booking))
    if booking.meeting_url:
        event.add("url", booking.meeting_url)
    event.add("description", _description(booking, cancelled, manage_url, for_organizer))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")

    organizer_address = icalendar.vCalAddress(f"mailto:{booking.owner.email}")
    organizer_address.params["CN"] = organizer
    attendee = icalendar.vCalAddress(f"mailto:{booking.attendee_email}")
    attendee.params["CN"] = booking.attendee_name
    attendee.params["PARTSTAT"] = "ACCEPTED"
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    # Booked is already accepted: no reply is expected from the attendee's calendar.
    attendee.params["RSVP"] = "FALSE"
    if scheduled_by_us:
        organizer_address.params["SCHEDULE-AGENT"] = "CLIENT"
        attendee.params["SCHEDULE-AGENT"] = "CLIENT"
    event.add("organizer", organizer_address)
    event.add("attendee", attendee)
    return event


def calendar(*, method: str = "") -> icalendar.Calendar:
    """An empty VCALENDAR; with a `METHOD` for iTIP, without one for a stored or listed copy."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def vcalendar(event: icalendar.Event, *, method: str = "") -> bytes:
    """One event in its VCALENDAR, as bytes."""
    cal = calendar(method=method)
    cal.add_component(event)
    return cal.to_ical()


def _description(booking: Booking, cancelled: bool, manage_url: str, for_organizer: bool) -> str:
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
    if for_organizer:
        lines.append(
            _("Booked by %(name)s <%(email)s>")
            % {"name": booking.attendee_name, "email": booking.attendee_email}
        )
        if booking.notes:
            lines.append(f"{_('Notes:')} {booking.notes}")
    if manage_url and cancelled:
        lines.append(f"{_('To see the booking:')} {manage_url}")
    elif manage_url:
        lines.append(f"{_('To reschedule or cancel:')} {manage_url}")
    return "\n".join(lines)
