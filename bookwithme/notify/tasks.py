"""Sending the outbox, as tasks. A request never talks to SMTP; a worker does, here.

`deliver` claims a pending message (a conditional UPDATE, so two runs never both send it),
sends it with no transaction open, and records the outcome. When SMTP is down or refuses, the
message goes back to pending and a retry is scheduled with backoff (1 minute, doubling, at
most an hour apart) until RETRY_FOR has passed since the message was made; then it is marked
failed, for the outbox in the admin to show.
"""

import logging
import smtplib
from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from bookwithme.booking import addresses
from bookwithme.notify.models import OutboxMessage

logger = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)

Kind, Recipient, State = OutboxMessage.Kind, OutboxMessage.Recipient, OutboxMessage.State


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def manage_url(booking) -> str:
    return addresses.manage_url(booking.manage_token())


def build(message: OutboxMessage):
    """The email for an outbox row, rendered now from the booking as it is."""
    from bookwithme.notify import messages  # templates and translations: only when sending

    b = message.booking
    if message.recipient == Recipient.ATTENDEE:
        link = manage_url(b)
        if message.kind == Kind.CONFIRMED:
            return messages.confirmed_to_attendee(b, manage_url=link)
        if message.kind == Kind.RESCHEDULED:
            return messages.rescheduled_to_attendee(
                b, manage_url=link, previous_start=message.previous_start
            )
        if message.kind == Kind.CANCELLED:
            return messages.cancelled_to_attendee(b, manage_url=link)
        return messages.reminder_to_attendee(b, manage_url=link)
    if message.kind == Kind.CONFIRMED:
        return messages.confirmed_to_organizer(b)
    if message.kind == Kind.RESCHEDULED:
        return messages.rescheduled_to_organizer(b, previous_start=message.previous_start)
    return messages.cancelled_to_organizer(b)


def _stale_reminder(message: OutboxMessage) -> bool:
    b = message.booking
    return message.kind == Kind.REMINDER and (not b.is_active or b.start != message.for_start)


def schedule(message: OutboxMessage, when=None) -> None:
    """Enqueue the delivery of a message (at `when`, else as soon as a worker is free)."""
    job = deliver.using(run_after=when) if when else deliver
    job.enqueue(message.pk)


@task()
def deliver(message_id: int) -> None:
    claimed = OutboxMessage.objects.filter(pk=message_id, state=State.PENDING).update(
        state=State.SENDING
    )
    if not claimed:
        return  # already sent, failed, voided, or being sent by another run
    message = OutboxMessage.objects.select_related("booking__meeting_type", "booking__owner").get(
        pk=message_id
    )
    if _stale_reminder(message):
        OutboxMessage.objects.filter(pk=message_id).update(state=State.VOID)
        return
    email = build(message)
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as e:
        _failed_attempt(message, e)
        return
    OutboxMessage.objects.filter(pk=message_id).update(
        state=State.SENT,
        attempts=message.attempts + 1,
        sent_at=timezone.now(),
        subject=str(email.subject)[:300],
        last_error="",
    )


def _failed_attempt(message: OutboxMessage, error: Exception) -> None:
    now = timezone.now()
    attempts = message.attempts + 1
    # The error's class and text, never the message itself (it holds the manage link).
    reason = f"{type(error).__name__}: {error}"[:500]
    # A reminder's day of retries starts when it fell due, not when it was planned.
    if now - (message.due_at or message.created_at) >= RETRY_FOR:
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=State.FAILED, attempts=attempts, last_error=reason, next_attempt_at=None
        )
        logger.error("gave up sending outbox message %s after %s attempts", message.pk, attempts)
        return
    retry_at = now + backoff(attempts)
    # The retry's task row is written in the same transaction as the message's new state.
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=State.PENDING, attempts=attempts, last_error=reason, next_attempt_at=retry_at
        )
        schedule(message, retry_at)
    logger.warning(
        "outbox message %s not sent (%s); retry at %s", message.pk, type(error).__name__, retry_at
    )
