"""What a booking sets off, each with its state, so that nothing is lost.

The outbox: a message row is made once per (booking, kind, recipient, sequence), by the
change's fan-out (`tasks.fan_out`, a task row written in the booking's own transaction, run
again by the sweep should it go missing), so a repeated task never mails twice and a committed
change never lacks its messages; `tasks.deliver` sends it, retrying with backoff while SMTP is
down. The booking's copies in connected calendars: one row per (booking, calendar), which
`writeback.write_copy` keeps in step with the booking, retrying while the server is down. Both
are `leases.Leased` rows, claimed, retried and resumed the same way (notify/leases.py). So are
webhook deliveries: one row per (webhook, booking, sequence), made by the same fan-out and
sent by `webhooks_sending.deliver` (notify/webhooks.py, docs/webhooks.md).
"""

import uuid
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookwithme.booking.models import Booking
from bookwithme.calendars.models import Connection
from bookwithme.notify.leases import Leased


def new_message_id() -> str:
    """A Message-ID for an outbox row, made once and sent on every attempt."""
    return make_msgid(domain=urlsplit(settings.BOOKWITHME_BASE_URL).hostname or "localhost")


class OutboxMessage(Leased):
    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("Booking confirmed")
        RESCHEDULED = "rescheduled", _("Booking rescheduled")
        CANCELLED = "cancelled", _("Booking cancelled")
        REMINDER = "reminder", _("Reminder")
        # Types that require approval: the request (the organizer's has the approve and
        # decline links), then confirmed as any booking, or declined.
        REQUESTED = "requested", _("Booking requested")
        DECLINED = "declined", _("Booking declined")

    class Recipient(models.TextChoices):
        ATTENDEE = "attendee", _("Attendee")
        ORGANIZER = "organizer", _("Organizer")
        # The attendee's guests, all in one message (`to_email` the first of them).
        GUEST = "guest", _("Guests")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        VOID = "void", _("No longer needed")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    recipient = models.CharField(_("recipient"), max_length=10, choices=Recipient.choices)
    sequence = models.PositiveIntegerField(_("booking sequence"))
    to_email = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.PENDING, db_index=True
    )
    # The same on every attempt: should a message go twice (its worker died between the
    # server's "250 OK" and recording it), mail clients and people see one message.
    message_id = models.CharField("Message-ID", max_length=250, default=new_message_id)
    # For a rescheduled message: the time it moved from. For a reminder: when it is due and
    # the start it reminds of (a moved or cancelled booking voids it at send time).
    previous_start = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    for_start = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "recipient", "sequence"], name="outbox_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email} ({self.get_state_display()})"


class CalendarCopy(Leased):
    """A booking's copy in one of its owner's CalDAV calendars (a connection's `write_to`).

    One row per booking and connection says which version of the booking the calendar should
    hold (`wanted_sequence`), which it was last given (`written_sequence`), where (`href`,
    chosen before the first write from the booking's UID, so that a write repeated after a
    timeout replaces the first) and how writing went. `writeback.write_copy` always writes the
    booking as it is when it runs (or deletes the copy of a cancelled one), so a retry that
    comes late never puts an older version back.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="calendar_copies")
    connection = models.ForeignKey(
        Connection,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="booking_copies",
    )
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.PENDING, db_index=True
    )
    wanted_sequence = models.PositiveIntegerField(_("booking sequence wanted"))
    written_sequence = models.PositiveIntegerField(
        _("booking sequence written"), null=True, blank=True
    )
    href = models.CharField(_("address in the calendar"), max_length=2000, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When the current change was asked for: retries stop RETRY_FOR after it.
    pending_since = models.DateTimeField(_("pending since"), default=timezone.now)
    done_at = models.DateTimeField(_("written"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking in a connected calendar")
        verbose_name_plural = _("bookings in connected calendars")
        ordering = ["-pending_since", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "connection"], name="calendar_copy_once")
        ]

    def __str__(self) -> str:
        return f"{self.booking} in {self.connection} ({self.get_state_display()})"


class WebhookSubscription(models.Model):
    """A person's webhook: booking events POSTed to `url`, signed with its secret
    (docs/webhooks.md). The secret is kept encrypted (`tokens.encrypt`), shown once when made
    or rotated; for a day after a rotation deliveries are signed with the previous one too.

    After `BOOKWITHME_WEBHOOK_PAUSE_AFTER` deliveries in a row failed (each after a day of
    retries), it is paused (`active` off, `paused_at` set) and its owner is emailed
    (`notice_due_at`: the notice's next attempt, cleared once sent, see notify/webhooks_sending.py).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    url = models.CharField(_("URL"), max_length=2000)
    events = models.JSONField(_("events"), default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    secret_encrypted = models.CharField(max_length=300, editable=False)
    previous_secret_encrypted = models.CharField(max_length=300, blank=True, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(_("failed deliveries in a row"), default=0)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    notice_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"webhook {self.pk} of {self.owner} to {urlsplit(self.url).hostname}"


class WebhookDelivery(Leased):
    """One event for one webhook: its body made once (the booking as it was when the change
    was fanned out), sent by `webhooks_sending.deliver` on the `webhooks` queue with the same
    id (the `webhook-id` receivers de-duplicate on) on every attempt. One row per (webhook,
    booking, booking sequence): a change's fan-out makes it once. A booking's deliveries to a
    webhook go in sequence order: one waits while an earlier one is still to be sent."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    # None for a ping.
    booking = models.ForeignKey(
        Booking,
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
        null=True,
        blank=True,
    )
    sequence = models.PositiveIntegerField(_("booking sequence"), null=True, blank=True)
    event = models.CharField(_("event"), max_length=40)
    body = models.TextField(_("body"), editable=False)
    state = models.CharField(
        _("state"), max_length=9, choices=State.choices, default=State.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Retries stop a day after this: when it was made, or asked for again (redelivered).
    pending_since = models.DateTimeField(_("pending since"), default=timezone.now)
    # The last attempt's outcome: the receiver's status code (None: no answer), how long it
    # took, and the start of its answer.
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "booking", "sequence"],
                condition=models.Q(booking__isnull=False),
                name="webhook_delivery_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.id} ({self.get_state_display()})"
