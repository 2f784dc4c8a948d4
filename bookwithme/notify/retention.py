"""The emails sent about a booking are forgotten with its attendee's data: outbox rows in a final
state (sent, failed, no longer needed) older than the booking's retention period
(booking/retention.py's periods) are deleted. Rows still to send stay, whatever their age.

Webhook deliveries (their bodies hold the booking) go the same way: those delivered or failed
longer ago than their owner's period, by the same cutoffs.

Run by the mail workers' sweep beside booking's own (management/commands/worker.py): a DELETE
per period, so several workers at once delete each row once.
"""

import time
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from bookwithme.booking.retention import EVERY, cutoffs
from bookwithme.notify.models import OutboxMessage, WebhookDelivery

FINAL = (OutboxMessage.State.SENT, OutboxMessage.State.FAILED, OutboxMessage.State.VOID)
_next_run = 0.0


def forget_old_messages(*, now: datetime | None = None) -> int:
    """Delete the outbox rows past their period; how many."""
    return _forget(OutboxMessage, "sent_at", FINAL, "booking__owner", now)


DELIVERY_FINAL = (WebhookDelivery.State.DELIVERED, WebhookDelivery.State.FAILED)


def forget_old_deliveries(*, now: datetime | None = None) -> int:
    """Delete the webhook deliveries past their owner's period; how many."""
    return _forget(WebhookDelivery, "delivered_at", DELIVERY_FINAL, "subscription__owner", now)


def _forget(model, done: str, final: tuple, owner: str, now: datetime | None) -> int:
    """Delete the rows of `model` in a `final` state past their period: counted from `done`
    (sent, delivered), or, never done (failed, void), from when the row was made."""
    now = now or timezone.now()
    count = 0
    for cutoff in cutoffs(now):
        old = Q(**{f"{done}__lt": cutoff.before}) | Q(
            **{f"{done}__isnull": True, "created_at__lt": cutoff.before}
        )
        rows = model.objects.filter(old, state__in=final)
        if cutoff.organization_id is not None:
            rows = rows.filter(**{f"{owner}__organization_id": cutoff.organization_id})
        deleted, _kinds = rows.delete()
        count += deleted
    return count


def sweep(*, only_overdue: bool = False) -> int:
    """The mail workers' sweep: `forget_old_messages` and `forget_old_deliveries` at the
    worker's start, then at most once an hour."""
    global _next_run
    if only_overdue and time.monotonic() < _next_run:
        return 0
    _next_run = time.monotonic() + EVERY
    return forget_old_messages() + forget_old_deliveries()
