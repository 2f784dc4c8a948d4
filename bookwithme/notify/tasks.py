"""Sending the outbox, as tasks on the `mail` queue. A request never talks to SMTP; a worker
does, here.

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
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from bookwithme.booking import addresses
from bookwithme.notify import leases
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
    """Enqueue the delivery of every message a worker should take up (notify/leases.py)."""
    count = OUTBOX.resume(only_overdue=only_overdue)
    if count:
        logger.info("queued %s outbox messages again", count)
    return count


@task(queue_name="mail")
def deliver(message_id: int) -> None:
    lease = OUTBOX.claim(message_id, timezone.now())
    if lease is None:
        return  # sent, failed, voided, not due yet, or being sent by another run
    message = OutboxMessage.objects.select_related("booking__meeting_type", "booking__owner").get(
        pk=message_id
    )
    if _stale_reminder(message):
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
