"""What a booking sets off: messages to both sides, the attendee's reminder, a fresh read of
the owner's calendars and the booking's copy in the calendar bookings are written into.

`booking_changing` arrives inside the booking's transaction: here the outbox rows are made
(once per booking, kind, recipient and sequence) and the calendar copies marked pending, in
that transaction (a transactional outbox: the rows commit or roll back with the change), and
their tasks enqueued after the commit. Should the process die between the commit and the
enqueue, a worker's sweep finds the rows and enqueues them (notify/leases.py).

Calendars' two events arrive on commit: `write_to_chosen` (a calendar was chosen for bookings)
and `sync_asked` (the owner asked for a sync). Like every receiver here, theirs act and answer
nothing: a signal's sender never reads what its receivers return.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone

from bookwithme.booking import signals
from bookwithme.calendars import sync as calendar_sync
from bookwithme.calendars.tasks import sync_owner
from bookwithme.notify import writeback
from bookwithme.notify.models import OutboxMessage
from bookwithme.notify.tasks import schedule

Kind, Recipient, State = OutboxMessage.Kind, OutboxMessage.Recipient, OutboxMessage.State


def _queue(booking, kind, recipient, *, when=None, **fields) -> None:
    to = booking.attendee_email if recipient == Recipient.ATTENDEE else booking.owner.email
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                booking=booking,
                kind=kind,
                recipient=recipient,
                sequence=booking.sequence,
                to_email=to,
                due_at=when,
                next_attempt_at=when or timezone.now(),
                **fields,
            )
            transaction.on_commit(lambda: schedule(message, when))
    except IntegrityError:
        pass  # already queued for this version of the booking: never twice


def _void_reminders(booking) -> None:
    OutboxMessage.objects.filter(booking=booking, kind=Kind.REMINDER, state=State.PENDING).update(
        state=State.VOID, next_attempt_at=None
    )


def _remind(booking) -> None:
    minutes = booking.meeting_type.reminder_minutes_before
    if not minutes:
        return
    due = booking.start - timedelta(minutes=minutes)
    if due <= timezone.now():
        return
    _queue(booking, Kind.REMINDER, Recipient.ATTENDEE, when=due, for_start=booking.start)


def _confirmed(booking, **kwargs) -> None:
    _queue(booking, Kind.CONFIRMED, Recipient.ATTENDEE)
    _queue(booking, Kind.CONFIRMED, Recipient.ORGANIZER)
    _remind(booking)


def _rescheduled(booking, previous_start, **kwargs) -> None:
    _void_reminders(booking)
    _queue(booking, Kind.RESCHEDULED, Recipient.ATTENDEE, previous_start=previous_start)
    _queue(booking, Kind.RESCHEDULED, Recipient.ORGANIZER, previous_start=previous_start)
    _remind(booking)


def _cancelled(booking, **kwargs) -> None:
    _void_reminders(booking)
    _queue(booking, Kind.CANCELLED, Recipient.ATTENDEE)
    _queue(booking, Kind.CANCELLED, Recipient.ORGANIZER)


MESSAGES = {
    signals.CONFIRMED: _confirmed,
    signals.RESCHEDULED: _rescheduled,
    signals.CANCELLED: _cancelled,
}


@receiver(signals.booking_changing, dispatch_uid="notify-outbox")
def write_outbox(sender, booking, change, **kwargs):
    """The change's messages, in its own transaction."""
    MESSAGES[change](booking, **kwargs)


@receiver(signals.booking_changing, dispatch_uid="calendars-sync")
def sync_calendars(sender, booking, **kwargs):
    """Read the owner's connected calendars again right after a booking changes."""
    sync_owner(booking.owner_id)


@receiver(signals.booking_changing, dispatch_uid="writeback")
def write_back(sender, booking, **kwargs):
    """Put the booking as it now is into the owner's calendar that bookings go into."""
    writeback.want(booking)


@receiver(calendar_sync.write_to_chosen, dispatch_uid="writeback-write-to-chosen")
def write_upcoming(sender, connection, **kwargs):
    """A calendar newly chosen for bookings gets the upcoming ones at once (an event: no
    answer)."""
    writeback.write_upcoming(connection)


@receiver(calendar_sync.sync_asked, dispatch_uid="writeback-sync-asked")
def retry_writes(sender, connection, **kwargs):
    """Asking for a sync also retries the bookings that could not be written (an event: no
    answer)."""
    writeback.retry_given_up(connection)
