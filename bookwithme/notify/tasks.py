"""What a booking's change sets off, and sending the outbox: tasks on the `mail` queue. A
request never talks to SMTP or to a calendar; a worker does, here.

`fan_out` is the one task a change enqueues, inside its own transaction (notify/receivers.py),
so the request holds the owner's lock only for the booking and that one row. In one transaction
of its own, under the booking's row lock, it makes the change's messages to both sides (once per
booking, kind, recipient and sequence), voids the reminders of older versions, and, when the
change is still the booking's latest, schedules the reminder, asks for the booking's copies in
connected calendars (`writeback.want`) and a sync of the owner's calendars; it also makes the
deliveries of the owner's webhooks (`webhooks.queue_deliveries`); every task those need is
enqueued in that same transaction. So it runs whole or not at all, and a change's
messages are its receipt: a second run finds them and ends.

Nothing is lost: the fan-out's task row commits with the change. Should it never finish (its
worker died and left it running, it failed, or the row is gone), the worker's sweep (`resume`)
finds each booking changed within RETRY_FOR whose latest version has no messages and enqueues
that change's fan-out again, with the arguments the change gave (read back from its task row,
the only place a reschedule's previous time is kept), else those the booking tells. An older
change whose fan-out was lost is not looked for: the booking has changed since.

`deliver` claims a due message with a lease (notify/leases.py: a conditional UPDATE, so two
runs never both send it), sends it with no transaction open, with the Message-ID kept on its
row, and records the outcome. When SMTP is down or refuses, the message goes back to pending
and a retry is scheduled with backoff (1 minute, doubling, at most an hour apart) until
RETRY_FOR has passed since the message was made; then it is marked failed, for the outbox in
the admin to show. A message whose worker died while sending stays `sending` until its lease
runs out; then a worker's sweep (`resume`) has it sent again, with the same Message-ID.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookwithme.booking import addresses, signals
from bookwithme.booking.models import Booking
from bookwithme.calendars.tasks import sync_owner
from bookwithme.notify import erasure, leases, webhooks, writeback
from bookwithme.notify.models import OutboxMessage

logger = logging.getLogger(__name__)

# An SMTP exchange is a few commands of at most 20 seconds each (environ.mailers' timeout).
LEASE = timedelta(minutes=5)

Kind, Recipient, State = OutboxMessage.Kind, OutboxMessage.Recipient, OutboxMessage.State


def manage_url(booking) -> str:
    return addresses.manage_url(booking.manage_token())


def build(message: OutboxMessage):
    """The email for an outbox row (its kind and recipient looked up in `messages.MESSAGES`),
    rendered now from the booking as it is."""
    from bookwithme.notify import messages  # templates and translations: only when sending

    b = message.booking
    return messages.render(
        message.kind,
        message.recipient,
        b,
        # The attendee's secret link: decrypted only for a message to them.
        manage_url=manage_url(b) if message.recipient == Recipient.ATTENDEE else "",
        previous_start=message.previous_start,  # set on a reschedule's rows only
    )


def _stale_reminder(message: OutboxMessage) -> bool:
    b = message.booking
    return message.kind == Kind.REMINDER and (not b.is_active or b.start != message.for_start)


def schedule(message: OutboxMessage, when=None) -> None:
    """Enqueue the delivery of a message (at `when`, else as soon as a worker is free)."""
    OUTBOX.enqueue(message.pk, when)


def resume(*, only_overdue: bool = False) -> int:
    """Enqueue what a worker should take up: the fan-out of each change without its messages,
    the delivery of each message due or whose lease ran out (notify/leases.py). How many.

    `only_overdue` (the periodic sweep) leaves out what most likely still waits in its queue:
    changes made and messages due less than a lease ago (a duplicate would end at once)."""
    changes = _resume_fan_outs(only_overdue=only_overdue)
    if changes:
        logger.info("fanned out %s booking changes again", changes)
    count = OUTBOX.resume(only_overdue=only_overdue)
    if count:
        logger.info("queued %s outbox messages again", count)
    return changes + count


# --- the fan-out of a change ----------------------------------------------------------------

KINDS = {
    signals.CONFIRMED: Kind.CONFIRMED,
    signals.RESCHEDULED: Kind.RESCHEDULED,
    signals.CANCELLED: Kind.CANCELLED,
    signals.REQUESTED: Kind.REQUESTED,
    signals.DECLINED: Kind.DECLINED,
}


def enqueue_fan_out(
    booking_id: int, change: str, sequence: int, previous_start: datetime | None = None
) -> None:
    """Have a worker fan out the booking's change (`sequence`, its new version). Called in the
    change's transaction: the task backend writes a row, which commits or rolls back with it."""
    fan_out.enqueue(
        booking_id=booking_id,
        change=change,
        sequence=sequence,
        previous_start=previous_start.isoformat() if previous_start else None,
    )


@task(queue_name="mail")
def fan_out(booking_id: int, change: str, sequence: int, previous_start: str | None = None) -> None:
    """Everything the change sets off, in one transaction; nothing when already done."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("owner", "meeting_type")
            .filter(pk=booking_id)
            .first()
        )
        if booking is None:
            return  # deleted since
        if OutboxMessage.objects.filter(booking=booking, sequence=sequence).exists():
            return  # its messages are there: an earlier run did it all
        _void_reminders(booking, older_than=sequence)
        moved_from = datetime.fromisoformat(previous_start) if previous_start else None
        for recipient in (Recipient.ATTENDEE, Recipient.ORGANIZER):
            _queue(booking, KINDS[change], recipient, sequence, previous_start=moved_from)
        if _tell_guests(booking, KINDS[change]):
            _queue(booking, KINDS[change], Recipient.GUEST, sequence, previous_start=moved_from)
        # The webhooks' deliveries of the change, once like its messages (docs/webhooks.md).
        webhooks.queue_deliveries(booking, change, sequence, previous_start=moved_from)
        if booking.sequence != sequence:
            return  # changed again since: that change's own fan-out does the rest
        if booking.is_active:
            _remind(booking)
        writeback.want(booking)
        sync_owner(booking.owner_id)


# What the attendee's guests hear of: the invitation, then its moves and its cancel.
GUEST_KINDS = (Kind.CONFIRMED, Kind.RESCHEDULED, Kind.CANCELLED)


def _tell_guests(booking, kind) -> bool:
    """Whether this change of the booking goes to its guests too: the confirmation, and later
    changes once they were invited (a request moved or cancelled before it was approved
    never reached them)."""
    if not booking.guests or kind not in GUEST_KINDS:
        return False
    if kind == Kind.CONFIRMED:
        return True
    invited = OutboxMessage.objects.filter(
        booking=booking, kind=Kind.CONFIRMED, recipient=Recipient.GUEST
    )
    return invited.exists()


def _queue(booking, kind, recipient, sequence, *, when=None, **fields) -> None:
    """One message about version `sequence` of the booking, its delivery enqueued with it."""
    to = {
        Recipient.ATTENDEE: booking.attendee_email,
        Recipient.ORGANIZER: booking.owner.email,
        # One message to them all; the first stands for them in the outbox.
        Recipient.GUEST: booking.guests[0] if booking.guests else "",
    }[recipient]
    message = OutboxMessage.objects.create(
        booking=booking,
        kind=kind,
        recipient=recipient,
        sequence=sequence,
        to_email=to,
        due_at=when,
        next_attempt_at=when or timezone.now(),
        **fields,
    )
    schedule(message, when)


def _void_reminders(booking, *, older_than: int) -> None:
    OutboxMessage.objects.filter(
        booking=booking, kind=Kind.REMINDER, state=State.PENDING, sequence__lt=older_than
    ).update(state=State.VOID, next_attempt_at=None)


def _remind(booking) -> None:
    minutes = booking.meeting_type.reminder_minutes_before
    if not minutes:
        return
    due = booking.start - timedelta(minutes=minutes)
    if due <= timezone.now():
        return
    _queue(
        booking,
        Kind.REMINDER,
        Recipient.ATTENDEE,
        booking.sequence,
        when=due,
        for_start=booking.start,
    )


def _resume_fan_outs(*, only_overdue: bool) -> int:
    """Enqueue the fan-out of each booking changed within RETRY_FOR whose version has no
    messages yet; how many."""
    now = timezone.now()
    changed = Booking.objects.filter(updated_at__gt=now - leases.RETRY_FOR)
    if only_overdue:
        changed = changed.filter(updated_at__lte=now - LEASE)
    told = OutboxMessage.objects.filter(booking=OuterRef("pk"), sequence=OuterRef("sequence"))
    lost = changed.filter(~Exists(told)).values_list("pk", "sequence", "status")
    count = 0
    for booking_id, sequence, status in lost.iterator():
        fan_out.enqueue(**_asked(booking_id, sequence, status))
        count += 1
    return count


def _asked(booking_id: int, sequence: int, status: str) -> dict[str, Any]:
    """The arguments the change gave its fan-out, read from its task row while there is one;
    else what the booking tells (a reschedule's messages then lack the time it moved from)."""
    enqueued = (
        DBTaskResult.objects.filter(
            task_path=fan_out.module_path,
            args_kwargs__kwargs__booking_id=booking_id,
            args_kwargs__kwargs__sequence=sequence,
        )
        .values_list("args_kwargs", flat=True)
        .first()
    )
    if enqueued:
        return enqueued["kwargs"]
    if status == Booking.Status.CANCELLED:
        change = signals.CANCELLED
    elif status in (Booking.Status.PENDING, Booking.Status.DECLINED):
        change = signals.REQUESTED if status == Booking.Status.PENDING else signals.DECLINED
    else:
        change = signals.RESCHEDULED if sequence else signals.CONFIRMED
    return {"booking_id": booking_id, "change": change, "sequence": sequence}


@task(queue_name="mail")
def deliver(message_id: int) -> None:
    lease = OUTBOX.claim(message_id, timezone.now())
    if lease is None:
        return  # sent, failed, voided, not due yet, or being sent by another run
    message = OutboxMessage.objects.select_related("booking__meeting_type", "booking__owner").get(
        pk=message_id
    )
    if _stale_reminder(message) or erasure.is_erased_address(message.to_email):
        # An erased attendee (privacy/erasure.py) is told nothing more.
        OUTBOX.settle(message_id, State.VOID)
        return
    try:
        email = build(message)
        email.extra_headers["Message-ID"] = message.message_id
        email.send()
    except (smtplib.SMTPException, OSError) as e:
        # The error's class and text, never the message itself (it holds the manage link).
        _failed_attempt(message, lease, e, f"{type(e).__name__}: {e}")
        return
    except Exception as e:
        # A bug, not SMTP: retried and in the end failed like the rest, and the task fails loudly.
        _failed_attempt(message, lease, e, f"Unexpected error ({type(e).__name__})")
        raise
    OUTBOX.settle(
        message_id,
        State.SENT,
        sent_at=timezone.now(),
        subject=str(email.subject)[:300],
        last_error="",
    )


OUTBOX = leases.Work(OutboxMessage, deliver, lease=LEASE, working=State.SENDING)


def _failed_attempt(message: OutboxMessage, lease, error: Exception, reason: str) -> None:
    reason = reason[:500]
    # A reminder's day of retries starts when it fell due, not when it was planned.
    since = message.due_at or message.created_at
    retry_at = leases.next_attempt(message.attempts, since=since, now=timezone.now())
    if retry_at is None:
        OUTBOX.settle(message.pk, State.FAILED, last_error=reason)
        logger.error(
            "gave up sending outbox message %s after %s attempts", message.pk, message.attempts
        )
        return
    OUTBOX.retry(message.pk, lease, at=retry_at, reason=reason)
    logger.warning(
        "outbox message %s not sent (%s); retry at %s", message.pk, type(error).__name__, retry_at
    )
