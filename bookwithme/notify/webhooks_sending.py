"""Sending webhook deliveries: `deliver`, a task on the `webhooks` queue, which `bookwithme
serve` runs in a worker of its own, so a receiver that hangs holds up no email.

Each delivery is a `leases.Leased` row (notify/leases.py), claimed, retried and resumed as the
outbox is: `deliver` claims it with a lease, POSTs its body through the fenced client
(`outbound.post`: no internal addresses, a hard deadline of `BOOKWITHME_WEBHOOK_TIMEOUT`
seconds, redirects not followed) with no transaction open, and records the outcome: the status
code, how long it took, the start of the answer. Any 2xx is delivered. Anything else (a 3xx
included, and no answer before the deadline) is tried again with backoff (1 minute, doubling,
at most an hour apart, plus up to a fifth more at random, so receivers coming back are not
hit all at once) until a day has passed since the delivery was made (or redelivered); then it
has failed. An address the fence refuses fails at once. A worker killed mid-delivery leaves
the row `sending`; once its lease has run out the sweep (`resume`) has it sent again, with the
same id and body: at least once, receivers de-duplicating on `webhook-id`.

Order: a booking's deliveries to one webhook go in the order of the booking's changes (its
sequence). One whose earlier sibling is still to be sent waits, its next attempt moved to
the sibling's; when the sibling is settled (delivered or failed), the next one is woken.

Pausing: a delivery that failed adds one to its webhook's failures in a row, one delivered
resets them; at `BOOKWITHME_WEBHOOK_PAUSE_AFTER` the webhook is paused, in that same
transaction with the notice to its owner (`tell_paused`, on the `mail` queue; its next attempt
kept on the webhook, `notice_due_at`, so the sweep resumes a notice whose task was lost).
A webhook switched off or paused sends nothing more but pings: its deliveries still to be sent
fail, without counting, when their turn comes (they can be redelivered once it is on again).
"""

import contextlib
import logging
import random
import smtplib
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from bookwithme import __version__, outbound
from bookwithme.booking import addresses
from bookwithme.notify import leases
from bookwithme.notify.models import WebhookDelivery, WebhookSubscription
from bookwithme.tokens import SecretUnreadable, decrypt

logger = logging.getLogger(__name__)

SECRET_PURPOSE = "webhook secret"  # noqa: S105 (the name of a key, not a secret)
# The longest attempt is BOOKWITHME_WEBHOOK_TIMEOUT (at most a minute) and two small UPDATEs.
LEASE = timedelta(minutes=2)
# What is kept of a receiver's answer, for the delivery log.
RESPONSE_BYTES = 1024
# How long deliveries are also signed with the secret a rotation replaced.
ROTATION_GRACE = timedelta(hours=24)
USER_AGENT = f"bookwithme/{__version__}"
PING = "ping"

State = WebhookDelivery.State
PENDING, SENDING = State.PENDING.value, State.SENDING.value


class _Deliveries(leases.Work):
    def enqueue(self, pk: leases.RowId, when: datetime | None = None) -> None:
        # A task's arguments are JSON: the row's UUID as text.
        super().enqueue(str(pk), when)


@task(queue_name="webhooks")
def deliver(delivery_id: str) -> None:
    now = timezone.now()
    row = WebhookDelivery.objects.filter(pk=delivery_id).select_related("subscription").first()
    if row is None or row.state not in (PENDING, SENDING):
        return  # deleted with its webhook, delivered or failed
    if row.state == PENDING and _waits(row, now):
        return
    lease = DELIVERIES.claim(row.pk, now)
    if lease is None:
        return  # not due yet, or being sent by another run
    row.attempts += 1  # as the claim counted it
    subscription = row.subscription
    if not subscription.active and row.event != PING:
        _settle(row, State.FAILED, lease, count=False, last_error="the webhook is switched off")
        return
    try:
        headers = signed_headers(subscription, str(row.pk), row.body, now=timezone.now())
    except SecretUnreadable:
        reason = "the secret cannot be read (SECRET_KEY changed): rotate it"
        _settle(row, State.FAILED, lease, last_error=reason)
        return
    started = time.monotonic()
    status, answer, reason, refused = None, "", "", False
    try:
        response = outbound.post(
            subscription.url,
            body=row.body.encode(),
            headers=headers,
            timeout=settings.BOOKWITHME_WEBHOOK_TIMEOUT,
            max_bytes=RESPONSE_BYTES,
        )
    except outbound.Forbidden as e:
        refused, reason = True, f"address refused: {e.reason}"
    except outbound.NetworkError as e:
        reason = e.reason
    except Exception as e:
        # A bug, not the receiver: retried and in the end failed like the rest, and logged.
        logger.exception("webhook delivery %s: unexpected error", row.pk)
        reason = f"unexpected error ({type(e).__name__})"
    else:
        status, answer = response.status_code or 0, _text(response.content or b"")
        reason = "" if 200 <= status < 300 else f"HTTP {status}"
    attempt: dict[str, Any] = {
        "attempted_at": timezone.now(),
        "status_code": status,
        "duration_ms": round((time.monotonic() - started) * 1000),
        "response": answer,
    }
    if not reason:
        _settle(row, State.DELIVERED, lease, delivered_at=timezone.now(), last_error="", **attempt)
        return
    retry_at = None if refused else _retry_at(row)
    if retry_at is None:
        _settle(row, State.FAILED, lease, last_error=reason[:500], **attempt)
        logger.warning(
            "gave up webhook delivery %s to %s after %s attempts: %s",
            row.pk,
            _host(subscription.url),
            row.attempts,
            reason,
        )
        return
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=row.pk, leased_until=lease).update(**attempt)
        DELIVERIES.retry(row.pk, lease, at=retry_at, reason=reason[:500])
    logger.info(
        "webhook delivery %s to %s not delivered (%s); retry at %s",
        row.pk,
        _host(subscription.url),
        reason,
        retry_at,
    )


DELIVERIES = _Deliveries(WebhookDelivery, deliver, lease=LEASE, working=SENDING)


def signed_headers(
    subscription: WebhookSubscription, delivery_id: str, body: str, *, now: datetime
) -> dict[str, str]:
    """The headers of one attempt, signed now, as the Standard Webhooks specification says:
    `v1,<base64 of HMAC-SHA256 of "{id}.{timestamp}.{body}">` under each secret in use."""
    stamp = datetime.fromtimestamp(int(now.timestamp()), UTC)
    signatures = [
        Webhook(secret).sign(delivery_id, stamp, body)
        for secret in signing_secrets(subscription, now)
    ]
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Connection": "close",
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def signing_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The secret, and for a day after a rotation the previous one too."""
    found = [decrypt(subscription.secret_encrypted, purpose=SECRET_PURPOSE)]
    rotated = subscription.rotated_at
    if subscription.previous_secret_encrypted and rotated and now - rotated < ROTATION_GRACE:
        with contextlib.suppress(SecretUnreadable):  # else the current one alone signs
            found.append(decrypt(subscription.previous_secret_encrypted, purpose=SECRET_PURPOSE))
    return found


def _retry_at(row: WebhookDelivery) -> datetime | None:
    now = timezone.now()
    at = leases.next_attempt(row.attempts, since=row.pending_since, now=now)
    if at is None:
        return None
    return at + (at - now) * random.uniform(0, 0.2)


def _waits(row: WebhookDelivery, now: datetime) -> bool:
    """Whether an earlier delivery of the same booking to the same webhook is still to be
    sent; if so, this one's next attempt is moved to that one's (unless it was woken
    meanwhile: the UPDATE is conditional), the sweep's fallback should no wake come."""
    if row.booking_id is None or row.sequence is None:
        return False
    earlier = (
        WebhookDelivery.objects.filter(
            subscription_id=row.subscription_id,
            booking_id=row.booking_id,
            sequence__lt=row.sequence,
            state__in=(PENDING, SENDING),
        )
        .order_by("sequence")
        .values_list("next_attempt_at", "leased_until")
        .first()
    )
    if earlier is None:
        return False
    when = max(t for t in (*earlier, now) if t is not None)
    WebhookDelivery.objects.filter(
        pk=row.pk, state=PENDING, next_attempt_at=row.next_attempt_at
    ).update(next_attempt_at=when)
    return True


def _settle(
    row: WebhookDelivery, state: str, lease: datetime, *, count: bool = True, **fields
) -> None:
    """The delivery's work is over: its webhook's failures in a row counted (or reset), and
    the booking's next delivery to this webhook woken, all in one transaction."""
    with transaction.atomic():
        if not DELIVERIES.settle(row.pk, state, where=Q(leased_until=lease), **fields):
            return  # another worker took it meanwhile (our lease ran out): it goes on
        subscriptions = WebhookSubscription.objects.filter(pk=row.subscription_id)
        if state == State.DELIVERED:
            subscriptions.exclude(consecutive_failures=0).update(consecutive_failures=0)
        elif count:
            subscriptions.update(consecutive_failures=F("consecutive_failures") + 1)
            _pause_if_failing(row.subscription_id)
        _wake_next(row)


def _wake_next(row: WebhookDelivery) -> None:
    if row.booking_id is None or row.sequence is None:
        return
    following = (
        WebhookDelivery.objects.filter(
            subscription_id=row.subscription_id,
            booking_id=row.booking_id,
            sequence__gt=row.sequence,
            state=PENDING,
            attempts=0,
        )
        .order_by("sequence")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        WebhookDelivery.objects.filter(pk=following).update(next_attempt_at=timezone.now())
        DELIVERIES.enqueue(following)


def _pause_if_failing(subscription_id: int) -> None:
    now = timezone.now()
    paused = WebhookSubscription.objects.filter(
        pk=subscription_id,
        active=True,
        consecutive_failures__gte=settings.BOOKWITHME_WEBHOOK_PAUSE_AFTER,
    ).update(active=False, paused_at=now, notice_due_at=now)
    if paused:
        logger.warning("paused webhook %s after failed deliveries in a row", subscription_id)
        tell_paused.enqueue(subscription_id)


def _text(content: bytes) -> str:
    """The start of an answer, as text for the log (no NUL: databases refuse it)."""
    return content[:RESPONSE_BYTES].decode("utf-8", "replace").replace("\x00", "\ufffd")


def _host(url: str) -> str:
    """A receiver as the server's log names it: its host, never its path or query, which may
    hold a secret."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


# --- the owner's notice of a pause ---------------------------------------------------------------

NOTICE_LEASE = timedelta(minutes=5)


@task(queue_name="mail")
def tell_paused(subscription_id: int) -> None:
    """Email the owner that their webhook is paused: once, retried with backoff for a day
    while SMTP is down (the notice's next attempt is `notice_due_at`, taken as a lease)."""
    now = timezone.now()
    lease = now + NOTICE_LEASE
    taken = WebhookSubscription.objects.filter(
        pk=subscription_id, paused_at__isnull=False, notice_due_at__lte=now
    ).update(notice_due_at=lease)
    if not taken:
        return  # told, switched on again, not due yet, or being told by another run
    subscription = WebhookSubscription.objects.select_related("owner").get(pk=subscription_id)
    held = WebhookSubscription.objects.filter(pk=subscription_id, notice_due_at=lease)
    try:
        notice(subscription).send()
    except (smtplib.SMTPException, OSError) as e:
        paused_for = now - (subscription.paused_at or now)
        if paused_for >= leases.RETRY_FOR:
            held.update(notice_due_at=None)
            logger.error("gave up telling the owner of webhook %s it is paused", subscription_id)
            return
        at = now + min(max(paused_for, leases.FIRST_RETRY), leases.LONGEST_WAIT)
        held.update(notice_due_at=at)
        tell_paused.using(run_after=at).enqueue(subscription_id)
        logger.warning("pause notice of webhook %s not sent (%s)", subscription_id, type(e))
        return
    held.update(notice_due_at=None)


def notice(subscription: WebhookSubscription) -> EmailMessage:
    owner = subscription.owner
    with translation.override(owner.language):
        host = _host(subscription.url)
        subject = _("Your webhook to %(host)s is paused") % {"host": host}
        last = (
            subscription.deliveries.filter(state=State.FAILED)
            .order_by("-created_at")
            .values_list("last_error", flat=True)
            .first()
        )
        text = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": owner.name or owner.email},
                _(
                    "The last %(count)d events sent to your webhook at %(host)s all failed, "
                    "each after a day of attempts. It is paused: nothing more is sent to it "
                    "until you switch it on again."
                )
                % {"count": subscription.consecutive_failures, "host": host},
                _("Last error: %(error)s") % {"error": last or "?"},
                _(
                    "Its deliveries, and the switch, are in the organizer app: %(url)s "
                    '(or PATCH /api/v1/webhooks/%(id)s with {"active": true}).'
                )
                % {
                    # Its own page in the app (reversed by name: notify imports no entry point).
                    "url": addresses.absolute(reverse("app:webhook", args=[subscription.pk])),
                    "id": subscription.pk,
                },
            ]
        )
    return EmailMessage(subject=subject, body=text + "\n", to=[owner.email])


# --- the sweep --------------------------------------------------------------------------------


def resume(*, only_overdue: bool = False) -> int:
    """Enqueue what a worker should take up (the webhooks workers' sweep, at the start and
    every minute): deliveries due or whose lease ran out, and pause notices whose task was
    lost. How many."""
    count = DELIVERIES.resume(only_overdue=only_overdue)
    now = timezone.now()
    due = now - LEASE if only_overdue else now
    lost = WebhookSubscription.objects.filter(notice_due_at__lte=due).values_list("pk", flat=True)
    for subscription_id in lost:
        tell_paused.enqueue(subscription_id)
        count += 1
    if count:
        logger.info("queued %s webhook deliveries and notices again", count)
    return count
