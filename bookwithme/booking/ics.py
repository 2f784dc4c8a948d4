"""A booking as an iCalendar VEVENT: the one description of the meeting that every calendar
copy shares, whether it travels as an emailed iTIP invitation (notify/itip.py), is written
into the organizer's connected calendar (notify/writeback.py) or is listed in their bookings
feed (booking/feeds.py); and the same meeting as "add to Google Calendar" and "add to
Outlook" links (`calendar_links`), for the manage page and the attendee's emails.

All of them carry the booking's `UID`, which it keeps for its whole life, and its `SEQUENCE`,
which rises with each reschedule and the cancel, so a calendar that meets two copies knows
they are one meeting and which is newer. The `icalendar` package escapes text and parameters
(RFC 5545 and RFC 6868) and folds lines at 75 octets; no string is written by hand.
"""

from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import quote, urlencode

import icalendar
from django.utils.translation import gettext as _

from bookwithme.booking.models import Booking

PRODID = "-//bookwithme//bookwithme//EN"
GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"
OUTLOOK_COMPOSE = "https://outlook.live.com/calendar/0/deeplink/compose"


def organizer_name(booking: Booking) -> str:
    return booking.owner.name or booking.owner.email


def place(booking: Booking) -> str:
    """Where the meeting happens: its online link, else the type's address or phone number."""
    return booking.meeting_url or booking.meeting_type.location_value


def summary(booking: Booking) -> str:
    """The event's title, in the active language."""
    return _("%(title)s: %(organizer)s and %(attendee)s") % {
        "title": booking.meeting_type.title,
        "organizer": organizer_name(booking),
        "attendee": booking.attendee_name,
    }


# RFC 6868 escapes (^' ^^ ^n) are printed as they are by Outlook, Google, Apple and vobject.
_CN_SAFE = str.maketrans({'"': "'", "^": None, "\n": " ", "\r": " "})


def display_name(name: str) -> str:
    """A name as a `CN` parameter that every client shows as written: without the characters
    that a parameter could only carry as an RFC 6868 escape (a double quote becomes a single
    one)."""
    return name.translate(_CN_SAFE).strip()


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
    Names go into `CN`s through `display_name`, as every client shows them.
    """
    organizer = organizer_name(booking)

    event = icalendar.Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", summary(booking))
    if place(booking):
        event.add("location", place(booking))
    if booking.meeting_url:
        event.add("url", booking.meeting_url)
    event.add("description", _description(booking, cancelled, manage_url, for_organizer))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")

    organizer_address = icalendar.vCalAddress(f"mailto:{booking.owner.email}")
    organizer_address.params["CN"] = display_name(organizer)
    attendee = icalendar.vCalAddress(f"mailto:{booking.attendee_email}")
    attendee.params["CN"] = display_name(booking.attendee_name)
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


class CalendarLinks(NamedTuple):
    google: str
    outlook: str


def calendar_links(booking: Booking, *, manage_url: str = "") -> CalendarLinks | None:
    """The attendee's "Add to Google Calendar" and "Add to Outlook" links: the web calendars'
    public templates filled with the event's title, times, place and description (text in the
    active language). None once the booking is cancelled: there is nothing left to add."""
    if not booking.is_active:
        return None
    title = summary(booking)
    details = _description(booking, cancelled=False, manage_url=manage_url, for_organizer=False)
    start, end = booking.start.astimezone(UTC), booking.end.astimezone(UTC)
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
        "details": details,
        "location": place(booking),
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "body": details,
        "location": place(booking),
    }
    return CalendarLinks(_url(GOOGLE_TEMPLATE, google), _url(OUTLOOK_COMPOSE, outlook))


def _url(base: str, query: dict) -> str:
    # %20 rather than +: a + stands for a space only in form data, and these pages are not
    # all read as form data. An empty place is left out rather than sent empty.
    present = {key: value for key, value in query.items() if value}
    return f"{base}?{urlencode(present, quote_via=quote, safe='/')}"


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
