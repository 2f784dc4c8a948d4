"""Erasing what is held about an attendee (the right to erasure).

`erase_address`: everywhere (or in one organization), the address's bookings as attendee lose
its data the way retention erases it (booking/retention.py: times, type and status stay, so
busy time and counts stay true); those still to come are cancelled first, their organizers and
guests told as usual (the notice says why, not who; the guests' addresses stay on such a
booking for that, until its retention period); the address is taken off the guests of others'
bookings; the emails sent to it say nothing of it any more (notify/erasure.py). All in one
transaction, then one audit entry per organization touched, with counts, not the address.

`erase_booking`: an organizer's erasure of one booking that is over or cancelled.

A person's own account is not erased here: it holds their organization's records (types,
bookings as organizer, audit) and is an administrator's to deactivate or delete.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from bookwithme.booking import retention, services
from bookwithme.booking.errors import BookingUpcoming
from bookwithme.booking.models import Booking
from bookwithme.directory.models import Organization, Person
from bookwithme.notify import erasure as outbox
from bookwithme.privacy import audit
from bookwithme.privacy.export import RELATED, bookings_as_attendee, bookings_as_guest

# What the organizer reads on a cancellation made by an erasure, in their own language.
ERASED_REASON = gettext_noop("The attendee asked for their personal data to be erased.")


@dataclass
class Erased:
    erased: int = 0  # bookings whose attendee data was erased now
    cancelled: list[Booking] = field(default_factory=list)  # of those, the upcoming ones
    as_guest: int = 0  # others' bookings the address was taken off as a guest
    emails: int = 0  # outbox rows scrubbed
    organizations: list[Organization] = field(default_factory=list)
    person: Person | None = None  # the address is also a person's account, kept


def erase_address(
    email: str,
    *,
    actor: str,
    organization: Organization | None = None,
    now: datetime | None = None,
) -> Erased:
    email = email.strip()
    now = now or timezone.now()
    done = Erased()
    with transaction.atomic():
        attended = list(bookings_as_attendee(email, organization).select_related(*RELATED))
        ids = [b.pk for b in attended]
        for booking in attended:
            if booking.status in Booking.HOLDING and booking.end > now:
                done.cancelled.append(
                    services.cancel(
                        booking, by=Booking.CancelledBy.ATTENDEE, now=now, deadline=False
                    )
                )
        done.erased = retention.erase(Booking.objects.filter(pk__in=ids))
        for booking in done.cancelled:
            with translation.override(booking.owner.language):
                reason = gettext(ERASED_REASON)
            # Its guests are told of the cancellation too (the fan-out reads them), so their
            # own addresses stay; retention takes them with the rest.
            Booking.objects.filter(pk=booking.pk).update(
                cancel_reason=reason, guests=booking.guests
            )
        done.emails = outbox.forget_bookings(ids)
        invited = bookings_as_guest(email, organization)
        for booking in invited:
            kept = [g for g in booking.guests if g.lower() != email.lower()]
            Booking.objects.filter(pk=booking.pk).update(guests=kept)
        done.as_guest = len(invited)
        done.emails += outbox.forget_address(email, organization=organization)
        counts: dict = {}
        for booking in attended:
            audit.tally(counts, booking.owner.organization, "bookings")
        for booking in done.cancelled:
            audit.tally(counts, booking.owner.organization, "cancelled")
        for booking in invited:
            audit.tally(counts, booking.owner.organization, "as_guest")
        done.organizations = [
            e.organization
            for e in audit.record(
                counts, actor=actor, target=audit.address_key(email), what=audit.ERASE
            )
        ]
    person = Person.objects.select_related("organization").filter(email__iexact=email).first()
    if person is not None and (organization is None or person.organization == organization):
        done.person = person
    return done


def erase_booking(booking: Booking, *, actor: str, now: datetime | None = None) -> Booking:
    """Erase one booking's attendee data, for its organizer. A booking still to come that holds
    its time is refused (`BookingUpcoming`): cancel it first, so its attendee is told."""
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            Booking.objects.select_for_update(of=("self",))
            .select_related(*RELATED)
            .get(pk=booking.pk)
        )
        if current.status in Booking.HOLDING and current.end > now:
            raise BookingUpcoming()
        if retention.erase(Booking.objects.filter(pk=current.pk)):
            outbox.forget_bookings([current.pk])
            audit.record(
                {current.owner.organization: {"bookings": 1}},
                actor=actor,
                target=f"booking {current.pk}",
                what=audit.ERASE_BOOKING,
            )
        current.refresh_from_db()
    return current
