"""Calendars published from an owner's time: the anonymous free/busy feed, and each person's
secret bookings feed. What goes into each is chosen here; how it is written is booking/ics.py.

What the free/busy feed shows follows the organization's anonymous sharing level: `Simple`
gives busy periods only (a VFREEBUSY), `Detail` events with their times, subject and location,
`Reviewer` also the descriptions of the owner's events and the name of who booked. Built-in
events and confirmed bookings both count as busy. Anyone may fetch it, so it never carries
another person's contact data (an attendee's email, notes or answers) nor the owner's email,
and its events never reuse a UID that the same meeting has elsewhere.

The bookings feed lists the person's confirmed bookings, from 30 days back on, as the same
events their invitations carry (UID, SEQUENCE, attendee, meeting link), for any calendar app
to subscribe to. It is the owner's own data, for the owner, and keeps the invitation's UID on
purpose: it is the same meeting, with the same SEQUENCE and details as the written-back copy,
so a calendar that meets both may take them for one, and a sync skips it as the owner's own
booking rather than counting it twice. Cancelled bookings are left out rather than listed as
`STATUS:CANCELLED`: a subscribing app replaces its copy of the feed with each fetch, so a
booking that leaves the feed leaves the calendar, whereas several apps show a cancelled event
like any other. The address holds a random token of which only the hash is kept; rotating it
makes the old address answer 404 at once.
"""

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone, translation

from bookwithme import slots
from bookwithme.booking import addresses, ics
from bookwithme.booking.models import Booking, BookingsFeed
from bookwithme.calendars.busy import BusyEvent, busy_events_between
from bookwithme.tokens import hash_token, new_token

PAST_DAYS, FUTURE_DAYS = 7, 60
BOOKINGS_PAST_DAYS = 30
MAX_BOOKINGS = 5000  # a feed stays a few megabytes at most
MAX_TOKEN = 100


def feed_span(person, now: datetime | None = None) -> tuple[datetime, datetime]:
    """From 7 days before the owner's today to 60 days after it (whole local days)."""
    tz = ZoneInfo(person.time_zone)
    today = (now or timezone.now()).astimezone(tz).date()
    start = slots.wall_to_utc(today - timedelta(days=PAST_DAYS), 0, tz)
    end = slots.wall_to_utc(today + timedelta(days=FUTURE_DAYS), slots.MINUTES_PER_DAY, tz)
    return start, end


def feed_uid(*parts: str) -> str:
    """A UID for an event's copy in the free/busy feed: the same at every fetch, and never the
    UID the meeting has elsewhere (the invitation, the write-back, the source calendar), so a
    client that both subscribed to the feed and accepted the invitation keeps two events
    rather than merging one into the other. Hashed, so the original UID does not leak either;
    the domain is not the bookings' `@bookwithme`, which marks a booking's own copy."""
    digest = hashlib.sha256("\0".join(("bookwithme-freebusy", *parts)).encode()).hexdigest()
    return f"{digest[:32]}@freebusy.bookwithme"


def _calendar_events(person, start: datetime, end: datetime) -> list[BusyEvent]:
    # The person is part of the hash: two owners may both have a copy of one remote meeting.
    return [
        dataclasses.replace(e, uid=feed_uid("event", str(person.pk), e.uid))
        for e in busy_events_between(person.pk, start, end)
    ]


def _booking_events(person, start: datetime, end: datetime) -> list[BusyEvent]:
    bookings = (
        Booking.objects.confirmed()
        .filter(owner=person, start__lt=end, end__gt=start)
        .select_related("meeting_type")
    )
    return [ics.busy_copy(b, feed_uid("booking", b.uid)) for b in bookings]


def freebusy_calendar(person, *, now: datetime | None = None) -> bytes:
    """The owner's feed at their organization's anonymous sharing level (not `none`)."""
    level = person.organization.anonymous_sharing
    span = feed_span(person, now)
    busy = _calendar_events(person, *span) + _booking_events(person, *span)
    busy.sort(key=lambda e: (e.start, e.end, e.uid))
    stamp = (now or timezone.now()).astimezone(UTC)
    return ics.freebusy_feed(person, busy, span=span, level=level, stamp=stamp)


def rotate_bookings_feed(person) -> str:
    """A new secret address for the person's bookings feed, replacing the previous one (which
    stops working at once). The absolute URL, to be shown once: only its hash is kept."""
    token, token_hash = new_token()
    BookingsFeed.objects.update_or_create(
        person=person, defaults={"token_hash": token_hash, "created_at": timezone.now()}
    )
    return addresses.bookings_feed_url(token)


def stop_bookings_feed(person) -> bool:
    """Switch the person's bookings feed off; whether there was one."""
    return BookingsFeed.objects.filter(person=person).delete()[0] > 0


def has_bookings_feed(person) -> bool:
    return BookingsFeed.objects.filter(person=person).exists()


def bookings_feed_of(person) -> BookingsFeed | None:
    """The person's feed (when it was made), or None; its address cannot be shown again."""
    return BookingsFeed.objects.filter(person=person).first()


def bookings_feed_owner(token: str):
    """The active person whose bookings feed `token` opens, or None."""
    if not token or len(token) > MAX_TOKEN:
        return None
    feed = (
        BookingsFeed.objects.select_related("person")
        .filter(token_hash=hash_token(token), person__is_active=True)
        .first()
    )
    return feed.person if feed else None


def bookings_calendar(person, *, now: datetime | None = None) -> bytes:
    """The person's confirmed bookings that end after 30 days ago, oldest first, in their
    language. The same bookings give the same bytes (each DTSTAMP is the booking's last
    change), so a subscriber's conditional fetch can be answered 304."""
    since = (now or timezone.now()) - timedelta(days=BOOKINGS_PAST_DAYS)
    bookings = (
        Booking.objects.confirmed()
        .filter(owner=person, end__gt=since)
        .select_related("meeting_type")
        .order_by("start", "pk")[:MAX_BOOKINGS]
    )
    with translation.override(person.language):
        return ics.bookings_feed(person, bookings)
