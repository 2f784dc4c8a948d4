"""Bookings that wait for their organizer's approval: approve, decline, and the timeout.

A type with `requires_approval` makes its bookings `pending` (`services.book`): their time is
held (availability counts them as busy, and the database refuses overlaps among pending and
confirmed bookings, migration 0011). The organizer decides in the app, through the API, or
from the links in the email they get; what is not decided by the booking's `deadline` (its
type's `approval_timeout_hours` after it was made, or its start if that comes first) is
declined by the workers' sweep (`decline_overdue`) and its time freed.

The email's links are signed (django.core.signing) for one action each, and bound to the
booking and its sequence: a decision raises the sequence, so no link works after one, and
a link made for one booking or action opens no other. They expire at the deadline.
"""

from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookwithme.booking import signals
from bookwithme.booking.errors import BookingError, Invalid, NotPending
from bookwithme.booking.models import Booking
from bookwithme.directory.models import CONTROL_CHARS_BUT_LINES

APPROVE, DECLINE = "approve", "decline"
ACTIONS = (APPROVE, DECLINE)
MAX_REASON = 2000
# The shortest timeout a type may have (MeetingType.approval_timeout_hours): no booking made
# later than this ago can be overdue but by its start.
_SHORTEST = timedelta(hours=1)


class LinkRefused(BookingError):
    """An approval link that cannot act: altered, made for another action, expired, or the
    booking decided since. `reason` says which, for the page to say it plainly."""

    code, status = "link_refused", 410

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def deadline(booking: Booking) -> datetime:
    """When a pending booking is declined if nobody decided: the type's timeout after it was
    made, or its start, whichever comes first."""
    waited = booking.created_at + timedelta(hours=booking.meeting_type.approval_timeout_hours)
    return min(waited, booking.start)


def _salt(action: str) -> str:
    return f"bookwithme.approval.{action}"


def link_token(booking: Booking, action: str) -> str:
    """The signed token of an approve or decline link for the booking as it is now."""
    assert action in ACTIONS
    return signing.dumps({"b": booking.pk, "s": booking.sequence}, salt=_salt(action))


def booking_for_link(token: str, action: str, *, now: datetime | None = None) -> Booking:
    """The pending booking a link acts on, or `LinkRefused` saying why not."""
    now = now or timezone.now()
    try:
        # The signature's own age bound is the longest timeout; the booking's deadline below.
        data = signing.loads(token, salt=_salt(action), max_age=timedelta(days=31))
        booking_id, sequence = int(data["b"]), int(data["s"])
    except signing.SignatureExpired:
        raise LinkRefused("expired", _("This link has expired.")) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkRefused("invalid", _("This link is not valid.")) from None
    booking = Booking.objects.select_related("meeting_type", "owner").filter(pk=booking_id).first()
    if booking is None:
        raise LinkRefused("invalid", _("This link is not valid."))
    if booking.sequence != sequence or not booking.is_pending:
        raise LinkRefused("decided", _("This booking was already decided."))
    if now >= deadline(booking):
        raise LinkRefused("expired", _("This link has expired."))
    return booking


def approve(booking: Booking, *, now: datetime | None = None) -> Booking:
    """Confirm a pending booking: the attendee gets the confirmation and the invitation.
    `NotPending` when it is decided already, or its deadline has passed."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _pending(booking, now)
        current.status = Booking.Status.CONFIRMED
        current.decided_at = now
        current.sequence += 1
        current.save()
        signals.booking_changing.send(sender=Booking, booking=current, change=signals.CONFIRMED)
        transaction.on_commit(
            lambda: signals.booking_confirmed.send(sender=Booking, booking=current)
        )
        return current


def decline(booking: Booking, *, reason: str = "", now: datetime | None = None) -> Booking:
    """Decline a pending booking, with an optional reason for the attendee; its time is freed.
    `NotPending` when it is decided already, or its deadline has passed."""
    reason = _clean_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        current = _pending(booking, now)
        _decline(current, reason, Booking.CancelledBy.ORGANIZER, now)
        return current


def decline_overdue(*, now: datetime | None = None) -> int:
    """Decline every pending booking past its deadline; how many. Each in its own transaction,
    re-read under its lock: however many workers sweep at once, each booking is declined once."""
    now = now or timezone.now()
    candidates = Booking.objects.pending().filter(created_at__lte=now - _SHORTEST)
    candidates = candidates | Booking.objects.pending().filter(start__lte=now)
    count = 0
    for booking in candidates.select_related("meeting_type").order_by("pk"):
        if now < deadline(booking):
            continue
        with transaction.atomic():
            current = _locked(booking.pk)
            if current is None or not current.is_pending:
                continue  # decided meanwhile, by its organizer or another worker
            _decline(current, "", "", now)
            count += 1
    return count


def sweep(*, only_overdue: bool = False) -> int:
    """The workers' sweep (management/commands/worker.py), every minute: `decline_overdue`."""
    return decline_overdue()


def _locked(booking_id: int) -> Booking | None:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("meeting_type")
        .filter(pk=booking_id)
        .first()
    )


def _pending(booking: Booking, now: datetime) -> Booking:
    """The booking re-read under its lock, while it waits for a decision. One past its
    deadline is declined by the sweep, never approved late."""
    current = _locked(booking.pk)
    if current is None or not current.is_pending:
        raise NotPending()
    if now >= deadline(current):
        raise NotPending(_("This booking was not decided in time: it is declined."))
    return current


def _decline(current: Booking, reason: str, by: str, now: datetime) -> None:
    """`by` the organizer, or "" when nobody decided in time."""
    current.status = Booking.Status.DECLINED
    current.decided_at = now
    current.cancel_reason = reason
    current.cancelled_by = by
    current.sequence += 1
    current.save()
    signals.booking_changing.send(sender=Booking, booking=current, change=signals.DECLINED)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        message = _("At most %(limit)d characters.") % {"limit": MAX_REASON}
        raise Invalid(fields={"reason": [message]})
    if CONTROL_CHARS_BUT_LINES.search(reason):
        raise Invalid(fields={"reason": [_("Control characters are not allowed.")]})
    return reason
