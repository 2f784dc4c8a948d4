"""What notify holds about an attendee whose data is erased (bookwithme/privacy/erasure.py):
the outbox rows of their bookings, those addressed to them as a guest, and the webhook
deliveries of their bookings.

The rows stay, as the record that a change's messages were made (the fan-out's sweep runs again
a change whose messages are missing, see tasks.py), but say nothing of the attendee any more:
their address becomes the erased one, subjects and last errors (which may name them) are
emptied, and what was still to be sent to them is no longer needed. Messages to the organizer
still to be sent go as planned, written from the erased booking.
"""

import json

from bookwithme.booking.retention import ERASED_DOMAIN, erased_email_of
from bookwithme.directory.models import Organization
from bookwithme.notify import webhooks
from bookwithme.notify.models import OutboxMessage, WebhookDelivery

Recipient, State = OutboxMessage.Recipient, OutboxMessage.State
TO_THEM = (Recipient.ATTENDEE, Recipient.GUEST)
UNSENT = (State.PENDING, State.SENDING)


def forget_bookings(booking_ids: list[int]) -> int:
    """Scrub the outbox rows of these (erased) bookings; how many rows were changed."""
    rows = OutboxMessage.objects.filter(booking_id__in=booking_ids)
    rows.filter(recipient__in=TO_THEM, state__in=UNSENT).update(
        state=State.VOID, next_attempt_at=None
    )
    changed = rows.exclude(recipient__in=TO_THEM).update(subject="")
    changed += rows.filter(recipient__in=TO_THEM).update(
        to_email=erased_email_of("booking_id"), subject="", last_error=""
    )
    return changed + _forget_deliveries(booking_ids)


def _forget_deliveries(booking_ids: list[int]) -> int:
    """The webhook deliveries of these bookings carry the booking as it was: each body gets
    the erased booking instead (same id, event and time, so a delivery still to be sent, or
    sent again, says nothing of the attendee), and the receiver's answer, which may echo
    it, goes."""
    rows = WebhookDelivery.objects.filter(booking_id__in=booking_ids).select_related(
        "booking__owner", "booking__meeting_type"
    )
    changed = []
    for delivery in rows:
        assert delivery.booking is not None  # those of these bookings
        data = json.loads(delivery.body)["data"]
        data["booking"] = webhooks.booking_data(delivery.booking)
        delivery.body = webhooks.body(str(delivery.id), delivery.event, delivery.created_at, data)
        delivery.response = ""
        changed.append(delivery)
    return WebhookDelivery.objects.bulk_update(changed, ["body", "response"])


def forget_address(email: str, *, organization: Organization | None = None) -> int:
    """Scrub the rows addressed to `email` (a guest's: the first guest stands for them all),
    about `organization`'s bookings only when given; how many."""
    rows = OutboxMessage.objects.filter(to_email__iexact=email)
    if organization is not None:
        rows = rows.filter(booking__owner__organization=organization)
    rows.filter(state__in=UNSENT).update(state=State.VOID, next_attempt_at=None)
    return rows.update(to_email=f"erased@{ERASED_DOMAIN}", subject="", last_error="")


def is_erased_address(email: str) -> bool:
    """An address erasure wrote: nothing is ever sent to it."""
    return email.lower().endswith("@" + ERASED_DOMAIN)
