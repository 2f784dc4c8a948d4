"""The outbox: every message a booking sets off, with its state, so that nothing is lost.

A message row is made once per (booking, kind, recipient, sequence), so a repeated signal or
task never mails twice; `tasks.deliver` sends it, retrying with backoff while SMTP is down.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookwithme.booking.models import Booking


class OutboxMessage(models.Model):
    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("Booking confirmed")
        RESCHEDULED = "rescheduled", _("Booking rescheduled")
        CANCELLED = "cancelled", _("Booking cancelled")
        REMINDER = "reminder", _("Reminder")

    class Recipient(models.TextChoices):
        ATTENDEE = "attendee", _("Attendee")
        ORGANIZER = "organizer", _("Organizer")

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
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # For a rescheduled message: the time it moved from. For a reminder: when it is due and
    # the start it reminds of (a moved or cancelled booking voids it at send time).
    previous_start = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    for_start = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
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
