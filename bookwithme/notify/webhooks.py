"""Webhooks: a person's subscriptions to their bookings' events, and the deliveries they make.

The one way in for the API and the app: `create`, `change`, `delete`, `rotate_secret`, `ping`,
`deliveries_of`, `redeliver`. An address is checked when given: https, or http to an address
only `BOOKWITHME_ALLOW_PRIVATE_ADDRESSES` lets the server reach; never a host that resolves to
an address the fenced client refuses (`outbound.check_address`; each request checks again).

Deliveries are made by a booking change's fan-out (`queue_deliveries`, called by
`tasks.fan_out` in its transaction, under the booking's row lock), one per (webhook, booking,
sequence), each with its body fixed there, and sent by `webhooks_sending.deliver` on the
`webhooks` queue. Only bookings that were confirmed are told of: a request waiting for approval
is announced as `booking.confirmed` once approved; one declined, or moved or cancelled while
waiting, was never announced, so nothing is said of it (docs/webhooks.md).
"""

import base64
import json
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bookwithme import outbound
from bookwithme.booking import signals
from bookwithme.booking.models import Booking
from bookwithme.calendars.errors import InputError
from bookwithme.notify import webhooks_sending
from bookwithme.notify.models import OutboxMessage, WebhookDelivery, WebhookSubscription
from bookwithme.tokens import encrypt

CONFIRMED, RESCHEDULED, CANCELLED = "booking.confirmed", "booking.rescheduled", "booking.cancelled"
PING = "ping"
# What a webhook may ask for; a ping is sent when asked, whatever its events.
BOOKING_EVENTS = (CONFIRMED, RESCHEDULED, CANCELLED)
EVENTS = (*BOOKING_EVENTS, PING)
EVENT_OF_CHANGE = {
    signals.CONFIRMED: CONFIRMED,
    signals.RESCHEDULED: RESCHEDULED,
    signals.CANCELLED: CANCELLED,
}

MAX_PER_PERSON = 10
MAX_URL = 2000
SECRET_BYTES = 32
# The deliveries shown by default, and at most, in a webhook's log.
LOG_LENGTH, LOG_MAX = 50, 200

State = WebhookDelivery.State


class WebhookOff(Exception):
    """A redelivery asked of a webhook that is switched off or paused (the API's 409)."""


# --- subscriptions ----------------------------------------------------------------------------


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: `whsec_` and base64 of random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def subscriptions_of(person) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(owner=person).order_by("created_at", "pk")


def create(
    person, *, url: str, events: list[str] | None = None, description: str = ""
) -> tuple[WebhookSubscription, str]:
    """A new webhook of `person` (all booking events unless `events` says), and its secret,
    which is shown this once."""
    errors: dict[str, list[str]] = {}
    url = _checked(_clean_url, url, "url", errors)
    events = _checked(clean_events, BOOKING_EVENTS if events is None else events, "events", errors)
    description = _checked(_clean_description, description, "description", errors)
    if subscriptions_of(person).count() >= MAX_PER_PERSON:
        errors.setdefault("url", []).append(
            _("You have %(count)d webhooks already, the most one may have.")
            % {"count": MAX_PER_PERSON}
        )
    if errors:
        raise InputError(errors, _("The webhook cannot be saved."))
    secret = new_secret()
    subscription = WebhookSubscription.objects.create(
        owner=person,
        url=url,
        events=events,
        description=description,
        secret_encrypted=encrypt(secret, purpose=webhooks_sending.SECRET_PURPOSE),
    )
    return subscription, secret


def change(subscription: WebhookSubscription, **fields: Any) -> WebhookSubscription:
    """Change any of `url`, `events`, `description`, `active`. Switching a paused webhook on
    again starts its count of failures afresh."""
    errors: dict[str, list[str]] = {}
    cleaners = {"url": _clean_url, "events": clean_events, "description": _clean_description}
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name in cleaners:
            cleaned[name] = _checked(cleaners[name], value, name, errors)
        elif name == "active":
            cleaned[name] = bool(value)
        else:
            raise TypeError(f"{name!r} is not a webhook's field")
    if errors:  # nothing changed, on the row or on the object
        raise InputError(errors, _("The webhook cannot be saved."))
    if cleaned.get("active") and not subscription.active:
        subscription.paused_at = None
        subscription.notice_due_at = None
        subscription.consecutive_failures = 0
    for name, value in cleaned.items():
        setattr(subscription, name, value)
    subscription.save()
    return subscription


def delete(subscription: WebhookSubscription) -> None:
    """Delete the webhook, its log and what it had still to send."""
    subscription.delete()


def rotate_secret(subscription: WebhookSubscription, *, now: datetime | None = None) -> str:
    """A new secret, shown this once. For a day, deliveries are signed with the previous one
    too (the Standard Webhooks way: several signatures in one header), so a receiver can be
    given the new one meanwhile."""
    secret = new_secret()
    subscription.previous_secret_encrypted = subscription.secret_encrypted
    subscription.secret_encrypted = encrypt(secret, purpose=webhooks_sending.SECRET_PURPOSE)
    subscription.rotated_at = now or timezone.now()
    subscription.save(update_fields=["previous_secret_encrypted", "secret_encrypted", "rotated_at"])
    return secret


def ping(subscription: WebhookSubscription) -> WebhookDelivery:
    """A `ping` delivery, sent now (even by a webhook switched off: a way to try an address).
    While one is still to be sent, that one is the answer."""
    with transaction.atomic():
        waiting = (
            subscription.deliveries.filter(event=PING, state__in=(State.PENDING, State.SENDING))
            .order_by("-created_at")
            .first()
        )
        if waiting is not None:
            return waiting
        return _new_delivery(subscription, PING, {})


def deliveries_of(subscription: WebhookSubscription, limit: int = LOG_LENGTH) -> list:
    """The webhook's last deliveries, newest first."""
    limit = max(1, min(limit, LOG_MAX))
    return list(subscription.deliveries.order_by("-created_at")[:limit])


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, with the same id and body (receivers that had it recognise it),
    retried for a day from now like a new one. One still to be sent is left as it is."""
    if not delivery.subscription.active and delivery.event != PING:
        raise WebhookOff(_("Switch the webhook on before sending its deliveries again."))
    now = timezone.now()
    with transaction.atomic():
        again = WebhookDelivery.objects.filter(
            pk=delivery.pk, state__in=(State.DELIVERED, State.FAILED)
        ).update(
            state=State.PENDING,
            pending_since=now,
            next_attempt_at=now,
            attempts=0,
            last_error="",
        )
        if again:
            webhooks_sending.DELIVERIES.enqueue(delivery.pk)
    delivery.refresh_from_db()
    return delivery


# --- checking what is given -------------------------------------------------------------------


def _checked(clean, value, name: str, errors: dict[str, list[str]]):
    try:
        return clean(value)
    except ValueError as e:
        errors.setdefault(name, []).append(str(e))
        return value


def _clean_url(url: Any) -> str:
    """The address as given (trimmed), or ValueError saying why it cannot be used."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError(_("Enter the address to send the events to."))
    url = url.strip()
    if len(url) > MAX_URL:
        raise ValueError(_("At most %(count)d characters.") % {"count": MAX_URL})
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ValueError(_("An address has no spaces or control characters."))
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        host = None
    scheme = parts.scheme.lower() if host else ""
    if scheme not in ("http", "https") or not host:
        raise ValueError(_("Enter a full address, starting with https://."))
    try:
        outbound.check_address(url)
    except outbound.Forbidden:
        raise ValueError(
            _("This address is on a private network, which the server does not send to.")
        ) from None
    except outbound.NetworkError:
        if scheme == "http":
            raise ValueError(_("This address's name does not resolve.")) from None
        return url  # https: may resolve later; each delivery checks again
    if scheme == "http" and not _only_private(host, parts.port or 80):
        raise ValueError(_("Use an https address: events carry your attendees' details."))
    return url


def _only_private(host: str, port: int) -> bool:
    """Whether http may be used: the server lets itself reach private addresses, and `host`
    is one (a receiver on the same machine or network, where plain http is the custom)."""
    if not outbound.private_allowed():
        return False
    with outbound.deadline(5):
        records = outbound.resolve(host, port)
    return all(outbound.forbidden_reason(r[4][0]) is not None for r in records)


def clean_events(events: Any) -> list[str]:
    """The events asked for, each once, in the documented order; ValueError when one is
    unknown or none is asked."""
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        raise ValueError(_("Give a list of event names."))
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValueError(
            _("Unknown events: %(unknown)s. Events: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(EVENTS)}
        )
    if not events:
        raise ValueError(_("Choose at least one event."))
    return [e for e in EVENTS if e in events]


def _clean_description(description: Any) -> str:
    if not isinstance(description, str):
        raise ValueError(_("Give a text."))
    description = description.strip()
    if len(description) > 200:
        raise ValueError(_("At most %(count)d characters.") % {"count": 200})
    if any(ord(c) < 32 or ord(c) == 127 for c in description):
        raise ValueError(_("One line of text, without control characters."))
    return description


# --- deliveries of a booking's change -----------------------------------------------------------


def queue_deliveries(
    booking: Booking, change: str, sequence: int, previous_start: datetime | None = None
) -> int:
    """One delivery per webhook of the booking's owner that asks for this change's event,
    each sent by its own task (enqueued here, in the caller's transaction: the fan-out's,
    whose outbox rows say it ran, so this runs once per change). How many."""
    event = EVENT_OF_CHANGE.get(change)
    if event is None or (event != CONFIRMED and not _was_confirmed(booking)):
        return 0
    wanted = [
        s
        for s in WebhookSubscription.objects.filter(owner_id=booking.owner_id, active=True)
        if event in s.events
    ]
    if not wanted:
        return 0
    data: dict[str, Any] = {"booking": booking_data(booking)}
    if event == RESCHEDULED and previous_start is not None:
        data["previous_start"] = previous_start.astimezone(ZoneInfo(booking.owner.time_zone))
    for subscription in wanted:
        _new_delivery(subscription, event, data, booking=booking, sequence=sequence)
    return len(wanted)


def _was_confirmed(booking: Booking) -> bool:
    """Whether the booking was confirmed at some time: its confirmation's messages are there."""
    return OutboxMessage.objects.filter(booking=booking, kind=OutboxMessage.Kind.CONFIRMED).exists()


def _new_delivery(
    subscription: WebhookSubscription, event: str, data: dict, **fields: Any
) -> WebhookDelivery:
    delivery = WebhookDelivery(subscription=subscription, event=event, **fields)
    delivery.next_attempt_at = delivery.created_at
    delivery.body = body(str(delivery.id), event, delivery.created_at, data)
    delivery.save(force_insert=True)
    webhooks_sending.DELIVERIES.enqueue(delivery.pk)
    return delivery


def body(delivery_id: str, event: str, created_at: datetime, data: dict) -> str:
    """A delivery's JSON body, as sent on every attempt."""
    payload = {"id": delivery_id, "type": event, "created_at": created_at, "data": data}
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def booking_data(booking: Booking) -> dict[str, Any]:
    """The booking as the organizer API shows it (`GET /api/v1/bookings`, its `BookingOut`),
    made here because notify cannot import the API: the same fields, times in the organizer's
    zone (tests/notify/test_webhooks.py holds the two equal)."""
    zone = ZoneInfo(booking.owner.time_zone)
    kind = booking.meeting_type
    return {
        "id": booking.pk,
        "meeting_type": {"id": kind.pk, "slug": kind.slug, "title": kind.title},
        "start": booking.start.astimezone(zone),
        "end": booking.end.astimezone(zone),
        "status": booking.status,
        "attendee": {
            "name": booking.attendee_name,
            "email": booking.attendee_email,
            "time_zone": booking.attendee_time_zone,
            "language": booking.attendee_language,
        },
        "notes": booking.notes,
        "answers": booking.answers,
        "meeting_url": booking.meeting_url,
        "cancel_reason": booking.cancel_reason,
        "cancelled_by": booking.cancelled_by,
        "created_at": booking.created_at,
        "guests": booking.guests,
        "reschedule_count": booking.reschedule_count,
        "consent_at": booking.consent_at,
    }
