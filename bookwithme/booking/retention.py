"""How long attendees' data is kept: a booking's attendee data is erased once its end is older
than the site's `BOOKWITHME_RETENTION_DAYS` (0: forever), or its organization's shorter own
period (`Organization.retention_days`).

Erasing keeps the booking's times, type and status, so busy time, daily and weekly counts and
the organizer's history stay true; only who it was and what they wrote go. An erased booking is
told by its email, `erased-<id>@invalid` (`.invalid` can never be delivered to). Run by the mail
workers' sweep (management/commands/worker.py): each pass is a few UPDATEs whose WHERE leaves out
what is already erased, so however many workers sweep at once, each booking is erased once and
a second pass changes nothing. notify forgets the emails sent about them with the same periods
(notify/retention.py), as booking never imports notify.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from bookwithme.booking.models import ERASED_DOMAIN, Booking
from bookwithme.directory.models import Organization, Person

# What an erased attendee is called, in the organizer's language (the only one who reads it).
ERASED_NAME = gettext_noop("(erased)")
# The periodic sweep runs every minute; erasing is a matter of days, so once an hour is enough.
EVERY = 60 * 60  # seconds
_next_run = 0.0


@dataclass(frozen=True)
class Cutoff:
    """Data of bookings that ended before `before` goes: every booking's when
    `organization_id` is None, else that organization's people's only."""

    organization_id: int | None
    before: datetime


def effective_days(own: int | None, site: int) -> int | None:
    """The shorter of an organization's own period and the site's; None keeps forever (the
    site's 0, with no period of the organization's own)."""
    if not site:
        return own or None
    return min(own, site) if own else site


def cutoffs(now: datetime) -> list[Cutoff]:
    """The passes that together apply every booking's effective period: the site's over every
    booking, then each organization whose own period is shorter."""
    site = settings.BOOKWITHME_RETENTION_DAYS
    found = [Cutoff(None, now - timedelta(days=site))] if site else []
    own = Organization.objects.filter(retention_days__isnull=False).order_by("pk")
    for org_id, days in own.values_list("pk", "retention_days"):
        if days is None or (site and days >= site):
            continue  # the site-wide pass already covers it
        found.append(Cutoff(org_id, now - timedelta(days=days)))
    return found


def erased_email(booking_id: int) -> str:
    return f"erased-{booking_id}@{ERASED_DOMAIN}"


def erased_email_of(booking_id_field: str) -> Concat:
    """`erased_email` in SQL, of the booking id in `booking_id_field`, for an UPDATE."""
    return Concat(
        Value("erased-"),
        Cast(booking_id_field, output_field=CharField()),
        Value("@" + ERASED_DOMAIN),
        output_field=CharField(),
    )


def erase_expired(*, now: datetime | None = None) -> int:
    """Erase the attendee data of every booking past its period; how many were erased."""
    now = now or timezone.now()
    count = 0
    for cutoff in cutoffs(now):
        bookings = Booking.objects.filter(end__lt=cutoff.before)
        if cutoff.organization_id is not None:
            bookings = bookings.filter(owner__organization_id=cutoff.organization_id)
        count += erase(bookings)
    return count


def erase(bookings: QuerySet[Booking]) -> int:
    """Erase these bookings' attendee data (those not erased yet); how many. One UPDATE per
    language, the erased name written in the organizer's."""
    left = bookings.exclude(attendee_email__endswith="@" + ERASED_DOMAIN)
    count = 0
    default = settings.LANGUAGE_CODE
    for code, _name in settings.LANGUAGES:
        if code != default:
            count += _update(left.filter(owner__language=code), code)
    return count + _update(left, default)  # everyone else


def _update(bookings: QuerySet[Booking], language: str) -> int:
    with translation.override(language):
        name = gettext(ERASED_NAME)
    owner_zone = Person.objects.filter(pk=OuterRef("owner_id")).values("time_zone")[:1]
    return bookings.update(
        attendee_name=name,
        attendee_email=erased_email_of("pk"),
        attendee_time_zone=Subquery(owner_zone),
        notes="",
        answers={},
        guests=[],
        # A reason may name or describe the attendee, whoever wrote it.
        cancel_reason="",
        # A hash of what the attendee typed, kept to answer a repeated request.
        idempotency_fingerprint="",
        # updated_at is left alone: it tells when the booking last changed, and the mail
        # workers' sweep runs again the messages of a booking changed lately that lack them.
    )


def sweep(*, only_overdue: bool = False) -> int:
    """The mail workers' sweep (management/commands/worker.py): `erase_expired` at the
    worker's start, then at most once an hour."""
    global _next_run
    if only_overdue and time.monotonic() < _next_run:
        return 0
    _next_run = time.monotonic() + EVERY
    return erase_expired()
