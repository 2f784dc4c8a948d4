"""A booking as calendar data: the one module that writes how a booking, and an owner's busy
time, look in a calendar.

- `vevent`: the one VEVENT of a booking, which every copy of it shares;
- `invitation`: that event in an iTIP message (RFC 5546) of `METHOD:REQUEST`, `CANCEL` or
  `PUBLISH`, the calendar part of every booking email and the manage page's download;
- `calendar_object`: the copy written into the organizer's connected calendar (a CalDAV
  calendar object resource, sent by `calendars.dav.put_event`);
- `freebusy_feed`, `bookings_feed`: the anonymous free/busy feed and the owner's bookings feed
  (booking/feeds.py chooses what goes in them, and this module how it is written);
- `calendar_links`: the same meeting as "add to Google Calendar" and "add to Outlook" links,
  for the manage page and the attendee's emails.

A booking's copies all carry its `UID`, which it keeps for its whole life, and its `SEQUENCE`,
which rises with each reschedule and the cancel, so a calendar that meets two copies knows
they are one meeting and which is newer; the free/busy feed alone gives its events UIDs of its
own (`feeds.feed_uid`). The `icalendar` package escapes text and parameters (RFC 5545 and
RFC 6868) and folds lines at 75 octets; no string is written by hand. Names go into `CN`s
through `display_name`, as mail and calendar clients show them.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from urllib.parse import quote, urlencode

import icalendar
from django.utils.translation import gettext as _

from bookwithme import slots
from bookwithme.booking import addresses
from bookwithme.booking.models import Booking
from bookwithme.calendars.busy import BusyEvent

PRODID = "-//bookwithme//bookwithme//EN"
# How every .ics bookwithme serves is labelled (feeds, the manage page's download).
CONTENT_TYPE = "text/calendar; charset=utf-8"
# iTIP methods; PUBLISH: the same event as a plain download ("add to calendar").
METHODS = ("REQUEST", "CANCEL", "PUBLISH")
REFRESH = timedelta(minutes=15)  # how often subscribers are asked to fetch the bookings feed
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
    for guest in booking.guests:
        event.add("attendee", _guest(guest, scheduled_by_us=scheduled_by_us))
    return event


def _guest(email: str, *, scheduled_by_us: bool) -> icalendar.vCalAddress:
    """One of the attendee's guests: invited, not yet answered; no reply is asked, since
    nothing reads the replies."""
    guest = icalendar.vCalAddress(f"mailto:{email}")
    guest.params["PARTSTAT"] = "NEEDS-ACTION"
    guest.params["ROLE"] = "REQ-PARTICIPANT"
    guest.params["RSVP"] = "FALSE"
    if scheduled_by_us:
        guest.params["SCHEDULE-AGENT"] = "CLIENT"
    return guest


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


def invitation(booking: Booking, *, method: str, manage_url: str = "") -> bytes:
    """The booking as an iTIP message (RFC 5546): a VCALENDAR with `METHOD:REQUEST` (puts the
    meeting in the reader's calendar or moves it there), `CANCEL` (takes it out) or `PUBLISH`
    (a plain download), and its one VEVENT. Calendars match them by `UID` and keep the highest
    `SEQUENCE`.

    Text is written in the active language. `manage_url` (the attendee's own link, secret
    to them) goes into the description only when given, so never into the organizer's copy.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    event = vevent(booking, cancelled=method == "CANCEL", manage_url=manage_url)
    return vcalendar(event, method=method)


def calendar_object(booking: Booking, *, stamp: datetime | None = None) -> bytes:
    """The booking as the organizer's calendar holds it (a CalDAV calendar object resource,
    the body of the write-back's PUT): the invitation's event, without a METHOD, with who
    booked, and marked as scheduled by bookwithme so that the server sends no invitation of
    its own. Text in the active language."""
    event = vevent(booking, stamp=stamp, for_organizer=True, scheduled_by_us=True)
    return vcalendar(event)


# --- feeds ----------------------------------------------------------------------------------


def busy_copy(booking: Booking, uid: str) -> BusyEvent:
    """A confirmed booking as one of the owner's busy events in the free/busy feed, under the
    feed's own `uid`: the attendee's name at most (their email, phone, notes and answers are
    theirs, not the owner's to publish), shown at Reviewer only (`_busy_event`)."""
    mt = booking.meeting_type
    location = mt.location_value if mt.location_kind != "online" else "Online"
    description = f"With {booking.attendee_name}"
    return BusyEvent(booking.start, booking.end, uid, mt.title, location, description)


def _published_organizer(person) -> icalendar.vCalAddress:
    """The page owner, whom RFC 5546 asks a published calendar to name, by their page's
    address rather than their email: anyone may fetch the feed, and the email is also how
    the owner signs in."""
    organizer = icalendar.vCalAddress(addresses.page_url(person) or addresses.absolute("/"))
    name = display_name(person.name)
    if name:  # no CN rather than the email
        organizer.params["CN"] = name
    return organizer


def _freebusy(
    person, busy: list[BusyEvent], span: tuple[datetime, datetime], stamp: datetime
) -> icalendar.FreeBusy:
    fb = icalendar.FreeBusy()
    fb.add("uid", f"freebusy-{person.page_slug}@bookwithme")
    fb.add("dtstamp", stamp)
    fb.add("dtstart", span[0])
    fb.add("dtend", span[1])
    fb.add("organizer", _published_organizer(person))
    for period in slots.merge(slots.Interval(e.start, e.end) for e in busy):
        fb.add("freebusy", (period.start, period.end), parameters={"FBTYPE": "BUSY"})
    return fb


def _busy_event(person, e: BusyEvent, level: str, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", e.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", e.start.astimezone(UTC))
    event.add("dtend", e.end.astimezone(UTC))
    # RFC 5546 asks every published VEVENT for one too; no ATTENDEE, whoever they are.
    event.add("organizer", _published_organizer(person))
    event.add("transp", "OPAQUE")
    event.add("summary", e.title or "Busy")
    if e.location:
        event.add("location", e.location)
    if level == "Reviewer" and e.description:
        event.add("description", e.description)
    return event


def freebusy_feed(
    person,
    busy: list[BusyEvent],
    *,
    span: tuple[datetime, datetime],
    level: str,
    stamp: datetime,
) -> bytes:
    """The owner's busy time as the sharing level shows it: `Simple`, one VFREEBUSY of merged
    periods over `span`; `Detail`, an event each with its times, subject and location;
    `Reviewer`, also its description. Never an ATTENDEE, nor the owner's email."""
    cal = calendar(method="PUBLISH")
    if level == "Simple":
        cal.add_component(_freebusy(person, busy, span, stamp))
    else:
        for e in busy:
            cal.add_component(_busy_event(person, e, level, stamp))
    return cal.to_ical()


def bookings_feed(person, bookings: Iterable[Booking]) -> bytes:
    """The owner's bookings as the same events their invitations carry (UID, SEQUENCE,
    attendee, meeting link) with who booked, each stamped with the booking's last change, so
    the same bookings give the same bytes. Text in the active language."""
    cal = calendar()
    name = _("Bookings of %(name)s") % {"name": person.name or person.email}
    cal.add("x-wr-calname", icalendar.vText(name))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT15M")
    for booking in bookings:
        booking.owner = person  # no query per booking for its owner
        cal.add_component(vevent(booking, stamp=booking.updated_at, for_organizer=True))
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
