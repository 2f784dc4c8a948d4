"""The emails sent about a booking are forgotten with its attendee's data: outbox rows in a final
state (sent, failed, no longer needed) older than the booking's retention period
(booking/retention.py's periods) are deleted. Rows still to send stay, whatever their age.

Run by the mail workers' sweep beside booking's own (management/commands/worker.py): a DELETE
per period, so several workers at once delete each row once.
"""

import time
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from bookwithme.booking.retention import EVERY, cutoffs
from bookwithme.notify.models import OutboxMessage

FINAL = (OutboxMessage.State.SENT, OutboxMessage.State.FAILED, OutboxMessage.State.VOID)
_next_run = 0.0


def forget_old_messages(*, now: datetime | None = None) -> int:
    """Delete the outbox rows past their period; how many."""
    now = now or timezone.now()
    count = 0
    for cutoff in cutoffs(now):
        # Sent: from when it was sent; never sent (failed, void): from when it was made.
        old = Q(sent_at__lt=cutoff.before) | Q(sent_at__isnull=True, created_at__lt=cutoff.before)
        rows = OutboxMessage.objects.filter(old, state__in=FINAL)
        if cutoff.organization_id is not None:
            rows = rows.filter(booking__owner__organization_id=cutoff.organization_id)
        deleted, _kinds = rows.delete()
        count += deleted
    return count


def sweep(*, only_overdue: bool = False) -> int:
    """The mail workers' sweep: `forget_old_messages` at the worker's start, then at most
    once an hour."""
    global _next_run
    if only_overdue and time.monotonic() < _next_run:
        return 0
    _next_run = time.monotonic() + EVERY
    return forget_old_messages()
