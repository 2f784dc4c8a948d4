"""Webhooks end to end in one process, against a real receiver on loopback: a booking's changes
become deliveries in its fan-out, signed as the Standard Webhooks specification says (checked
with its reference verifier and with plain hmac), retried while the receiver is down, each
arriving once and in order per booking; redirects and internal addresses refused, a hanging
receiver cut off at the deadline, a webhook failing again and again paused and its owner told."""

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from liveserver import free_port
from makers import NOW, make_org, make_person, make_token, make_type
from standardwebhooks import Webhook
from webhook_receiver import Receiver, hmac_verify

from bookwithme import __version__
from bookwithme.booking import approval, services
from bookwithme.booking.models import Booking
from bookwithme.notify import retention, tasks, webhooks, webhooks_sending
from bookwithme.notify.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.usefixtures("frozen")

START = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
MOVED = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")


@pytest.fixture
def intro(alex):
    return make_type(alex, title="Intro call", slug="intro")


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def send():
    """Run the webhooks queue's due tasks, as `bookwithme worker --queue webhooks --batch`."""

    def run():
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("worker", queues=["webhooks"], batch=True, verbosity=0)

    return run


def book(intro, start=START, email="zoe@example.org", **extra) -> Booking:
    attendee = services.Attendee("Zoé Roux", email, "America/Montreal", **extra)
    return services.book(intro, start, attendee).booking


def subscribe(person, url, events=None) -> tuple[WebhookSubscription, str]:
    return webhooks.create(person, url=url, events=events, description="CRM")


def payloads(receiver) -> list[dict]:
    return [json.loads(body) for _headers, body in receiver.received]


def test_a_change_arrives_signed_as_the_standard_webhooks_verifier_checks(
    alex, intro, receiver, fan_out, send
):
    _subscription, secret = subscribe(alex, receiver.url)
    booking = book(intro)
    fan_out()
    assert receiver.received == []  # the fan-out only writes rows
    send()

    ((headers, body),) = receiver.received
    # The reference verifier (Standard Webhooks, from PyPI) and plain hmac both accept it.
    payload = Webhook(secret).verify(body, headers)
    assert hmac_verify(secret, headers, body)
    assert not hmac_verify("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, body)
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == f"bookwithme/{__version__}"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    delivery = WebhookDelivery.objects.get()
    assert headers["webhook-id"] == payload["id"] == str(delivery.pk)
    assert payload["type"] == "booking.confirmed"
    assert payload["created_at"] == "2026-06-01T06:00:00Z"
    assert payload["data"]["booking"]["id"] == booking.pk
    assert payload["data"]["booking"]["start"] == "2026-06-02T10:00:00+02:00"  # Alex's zone
    assert (delivery.state, delivery.status_code, delivery.response) == ("delivered", 200, "ok")
    assert delivery.attempts == 1 and delivery.duration_ms is not None
    # The body sent is the one kept, byte for byte.
    assert body == delivery.body.encode()


def test_the_booking_in_a_payload_is_the_organizer_apis(
    alex, intro, receiver, fan_out, send, client
):
    subscribe(alex, receiver.url)
    intro.questions = [{"id": "topic", "label": "Topic", "kind": "text", "required": False}]
    intro.max_guests = 2
    intro.save()
    booking = book(intro, notes="Hello", answers={"topic": "Launch"}, guests=("sam@example.org",))
    booking = services.reschedule(booking, MOVED)
    fan_out()
    send()
    token = make_token(alex)
    listed = client.get("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"}).json()
    (shown,) = [b for b in listed if b["id"] == booking.pk]
    confirmed, rescheduled = payloads(receiver)
    assert rescheduled["data"]["booking"] == shown
    assert rescheduled["data"]["previous_start"] == "2026-06-02T10:00:00+02:00"
    assert confirmed["data"]["booking"] == shown  # fanned out after the move: the booking now


def test_each_webhook_gets_the_events_it_asked_for_in_the_order_of_the_changes(
    alex, intro, receiver, fan_out, send
):
    subscribe(alex, receiver.url)
    with Receiver() as cancels_only:
        subscribe(alex, cancels_only.url, events=["booking.cancelled"])
        booking = book(intro)
        fan_out()
        services.reschedule(booking, MOVED)
        fan_out()
        services.cancel(Booking.objects.get(pk=booking.pk), by="attendee", reason="Ill")
        fan_out()
        send()
        assert [p["type"] for p in payloads(cancels_only)] == ["booking.cancelled"]
    assert [p["type"] for p in payloads(receiver)] == [
        "booking.confirmed",
        "booking.rescheduled",
        "booking.cancelled",
    ]
    assert payloads(receiver)[2]["data"]["booking"]["cancel_reason"] == "Ill"
    # Another person's bookings reach none of Alex's webhooks.
    other = make_type(make_person(), slug="other")
    book(other)
    fan_out()
    send()
    assert len(receiver.received) == 3


def test_a_fan_out_run_twice_makes_each_delivery_once(alex, intro, receiver, fan_out):
    subscribe(alex, receiver.url)
    booking = book(intro)
    fan_out()
    tasks.fan_out.call(booking_id=booking.pk, change="confirmed", sequence=0)
    assert WebhookDelivery.objects.count() == 1


def test_only_bookings_once_confirmed_are_told_of(alex, receiver, fan_out, send):
    subscribe(alex, receiver.url)
    asks = make_type(alex, slug="asks", requires_approval=True)
    approved = book(asks, START, "a@example.org")
    declined = book(asks, MOVED, "b@example.org")
    withdrawn = book(asks, LATER, "c@example.org")
    fan_out()
    approval.approve(approved)
    approval.decline(declined, reason="Busy")
    services.cancel(withdrawn, by="attendee")
    fan_out()
    services.cancel(Booking.objects.get(pk=approved.pk), by="organizer")
    fan_out()
    send()
    told = [(p["type"], p["data"]["booking"]["id"]) for p in payloads(receiver)]
    assert told == [("booking.confirmed", approved.pk), ("booking.cancelled", approved.pk)]


def test_a_receiver_down_then_up_gets_every_delivery_once_in_order_per_booking(
    alex, intro, fan_out, send, frozen
):
    port = free_port()  # nothing listens there yet
    subscription, secret = subscribe(alex, f"http://127.0.0.1:{port}/hook")
    first, second = book(intro, START, "a@example.org"), book(intro, LATER, "b@example.org")
    fan_out()
    for booking, moved in ((first, MOVED), (second, LATER + timedelta(hours=2))):
        services.reschedule(booking, moved)
        fan_out()
        services.cancel(Booking.objects.get(pk=booking.pk), by="attendee")
        fan_out()
    send()
    rows = WebhookDelivery.objects.order_by("booking_id", "sequence")
    assert [(r.sequence, r.state, r.attempts) for r in rows] == [
        (0, "pending", 1),
        (1, "pending", 0),  # waiting behind the first: not even tried
        (2, "pending", 0),
    ] * 2
    assert {r.last_error for r in rows if r.attempts} == {"connection refused"}

    frozen.shift(timedelta(minutes=3))  # past the first retry
    with Receiver(port=port) as receiver:
        send()
        send()  # nothing more: each was delivered once
        got = payloads(receiver)
        for headers, body in receiver.received:
            assert hmac_verify(secret, headers, body)
    assert sorted(receiver.ids()) == sorted(str(r.pk) for r in rows)
    assert len(set(receiver.ids())) == 6
    for booking in (first, second):
        assert [p["type"] for p in got if p["data"]["booking"]["id"] == booking.pk] == [
            "booking.confirmed",
            "booking.rescheduled",
            "booking.cancelled",
        ]
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(alex, receiver, send):
    with Receiver() as elsewhere:
        receiver.status, receiver.location = 302, elsewhere.url
        subscription, _secret = subscribe(alex, receiver.url)
        delivery = webhooks.ping(subscription)
        send()
        assert elsewhere.received == []
    delivery.refresh_from_db()
    assert (delivery.state, delivery.status_code, delivery.last_error) == (
        "pending",
        302,
        "HTTP 302",
    )
    # Retried a minute later (and up to a fifth more, at random).
    assert NOW + timedelta(minutes=1) <= delivery.next_attempt_at <= NOW + timedelta(minutes=1.2)


def test_an_internal_address_is_refused_when_sending_too(alex, receiver, send, settings):
    subscription, _secret = subscribe(alex, receiver.url)  # allowed while the tests allow it
    delivery = webhooks.ping(subscription)
    settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = False
    send()
    assert receiver.received == []
    delivery.refresh_from_db()
    assert delivery.state == "failed"  # at once: asking again changes nothing
    assert delivery.last_error == "address refused: 127.0.0.1 is loopback"
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1


def test_a_hanging_receiver_is_cut_off_at_the_deadline(alex, receiver, send, settings):
    settings.BOOKWITHME_WEBHOOK_TIMEOUT = 1
    receiver.hang = True
    subscription, _secret = subscribe(alex, receiver.url)
    delivery = webhooks.ping(subscription)
    started = time.monotonic()
    send()
    took = time.monotonic() - started
    assert receiver.asked.is_set()
    assert 1 <= took < 5
    delivery.refresh_from_db()
    assert (delivery.state, delivery.status_code) == ("pending", None)
    assert delivery.last_error in ("timed out", "the deadline passed")
    assert 1000 <= delivery.duration_ms < 5000


def test_the_answer_is_kept_cut_to_a_kilobyte(alex, receiver, send):
    receiver.status, receiver.answer = 500, "é".encode() * 3000
    subscription, _secret = subscribe(alex, receiver.url)
    delivery = webhooks.ping(subscription)
    send()
    delivery.refresh_from_db()
    assert delivery.status_code == 500 and delivery.last_error == "HTTP 500"
    assert delivery.response == "é" * 512


def test_a_webhook_failing_again_and_again_is_paused_and_its_owner_told(
    alex, intro, receiver, send, run_worker, smtp, settings, frozen, fan_out
):
    settings.BOOKWITHME_WEBHOOK_PAUSE_AFTER = 2
    receiver.status = 503
    subscription, _secret = subscribe(alex, receiver.url)
    for _ in range(2):
        webhooks.ping(subscription)
        send()
        frozen.shift(timedelta(hours=25))  # past a day of retries
        send()
    assert list(WebhookDelivery.objects.values_list("state", flat=True)) == ["failed"] * 2
    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.paused_at == NOW + timedelta(hours=50)
    assert subscription.consecutive_failures == 2
    run_worker()  # the mail queue: the notice
    (notice,) = smtp.inbox.to("alex@example.org")
    assert notice["Subject"] == "Your webhook to 127.0.0.1 is paused"
    assert "HTTP 503" in notice.get_content()
    assert f"/api/v1/webhooks/{subscription.pk}" in notice.get_content()
    assert f"{settings.BOOKWITHME_BASE_URL}/app/webhooks/{subscription.pk}/" in notice.get_content()
    subscription.refresh_from_db()
    assert subscription.notice_due_at is None
    run_worker()
    assert len(smtp.inbox.envelopes) == 1  # once

    # Paused, it gets no booking events; switched on again, it starts afresh.
    receiver.status = 200
    book(intro, START + timedelta(days=2))
    fan_out()
    send()
    assert WebhookDelivery.objects.filter(event="booking.confirmed").count() == 0
    webhooks.change(subscription, active=True)
    assert (subscription.active, subscription.paused_at, subscription.consecutive_failures) == (
        True,
        None,
        0,
    )


def test_the_pause_notice_is_retried_while_smtp_is_down(alex, settings, smtp, run_worker, frozen):
    subscription, _secret = subscribe(alex, "http://127.0.0.1:9/hook")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        active=False, paused_at=NOW, notice_due_at=NOW, consecutive_failures=5
    )
    smtp.stop()
    webhooks_sending.tell_paused.enqueue(subscription.pk)
    run_worker()
    subscription.refresh_from_db()
    assert subscription.notice_due_at == NOW + timedelta(minutes=1)
    smtp.start()
    frozen.shift(timedelta(minutes=2))
    run_worker()
    assert len(smtp.inbox.to("alex@example.org")) == 1
    subscription.refresh_from_db()
    assert subscription.notice_due_at is None


def test_a_delivered_event_resets_the_failures_in_a_row(alex, receiver, send):
    subscription, _secret = subscribe(alex, receiver.url)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=3)
    webhooks.ping(subscription)
    send()
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_after_a_rotation_both_secrets_sign_for_a_day(alex, receiver, send, frozen):
    subscription, old = subscribe(alex, receiver.url)
    new = webhooks.rotate_secret(subscription)
    assert new != old
    webhooks.ping(subscription)
    send()
    headers, body = receiver.received[-1]
    assert len(headers["webhook-signature"].split()) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)
    frozen.shift(timedelta(hours=25))
    webhooks.ping(subscription)
    send()
    headers, body = receiver.received[-1]
    assert len(headers["webhook-signature"].split()) == 1
    assert hmac_verify(new, headers, body) and not hmac_verify(old, headers, body)


def test_a_secret_is_made_of_random_bytes_and_kept_encrypted(alex, receiver):
    subscription, secret = subscribe(alex, receiver.url)
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret not in subscription.secret_encrypted
    assert secret.removeprefix("whsec_") not in subscription.secret_encrypted
    assert subscribe(alex, receiver.url)[1] != secret


def test_a_redelivery_sends_the_same_id_and_body_again(alex, receiver, send):
    subscription, _secret = subscribe(alex, receiver.url)
    delivery = webhooks.ping(subscription)
    send()
    again = webhooks.redeliver(WebhookDelivery.objects.get(pk=delivery.pk))
    assert again.state == "pending"
    send()
    (first_headers, first), (second_headers, second) = receiver.received
    assert first == second and first_headers["webhook-id"] == second_headers["webhook-id"]
    assert WebhookDelivery.objects.get().state == "delivered"


def test_a_switched_off_webhook_sends_what_is_left_no_more(alex, intro, receiver, fan_out, send):
    subscription, _secret = subscribe(alex, receiver.url)
    book(intro)
    fan_out()
    webhooks.change(subscription, active=False)
    send()
    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_error) == ("failed", "the webhook is switched off")
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0  # not the receiver's failure
    with pytest.raises(webhooks.WebhookOff):
        webhooks.redeliver(delivery)
    # A ping still goes: a way to try the address before switching it on again.
    webhooks.ping(subscription)
    send()
    assert [json.loads(body)["type"] for _h, body in receiver.received] == ["ping"]


def test_a_lost_delivery_task_is_found_by_the_sweep(alex, receiver, send):
    subscription, _secret = subscribe(alex, receiver.url)
    webhooks.ping(subscription)
    DBTaskResult.objects.all().delete()  # its task row is gone
    send()  # the worker's sweep at its start
    assert len(receiver.received) == 1


def test_final_deliveries_past_the_retention_period_are_deleted(alex, settings):
    settings.BOOKWITHME_RETENTION_DAYS = 365
    short = make_org("Brief")
    short.retention_days = 30
    short.save()
    bea = make_person(org=short)

    def delivery(person, state, days_ago, delivered=True):
        subscription, _secret = subscribe(person, "http://127.0.0.1:9/hook")
        row = webhooks.ping(subscription)
        when = NOW - timedelta(days=days_ago)
        WebhookDelivery.objects.filter(pk=row.pk).update(
            state=state,
            created_at=when,
            delivered_at=when if state == "delivered" and delivered else None,
        )
        return row.pk

    gone = {
        delivery(alex, "delivered", 366),
        delivery(alex, "failed", 366),
        delivery(bea, "delivered", 31),
    }
    kept = {
        delivery(alex, "delivered", 364),
        delivery(alex, "pending", 400),  # still to be sent: whatever its age
        delivery(bea, "failed", 29),
    }
    assert retention.forget_old_deliveries() == 3
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == kept
    assert not gone & kept
    # The mail workers' hourly sweep runs it.
    delivery(alex, "failed", 400)
    retention._next_run = 0.0
    assert retention.sweep() == 1


def test_the_admin_shows_webhooks_and_deliveries_read_only_never_a_secret(client, alex, receiver):
    subscription, secret = subscribe(alex, receiver.url)
    delivery = webhooks.ping(subscription)
    root = make_person()
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    page = client.get("/admin/notify/webhooksubscription/").content.decode()
    assert "127.0.0.1" in page
    one = client.get(f"/admin/notify/webhooksubscription/{subscription.pk}/change/")
    assert one.status_code == 200
    text = one.content.decode()
    assert secret not in text and subscription.secret_encrypted not in text
    shown = client.get(f"/admin/notify/webhookdelivery/{delivery.pk}/change/")
    assert shown.status_code == 200 and str(delivery.pk) in shown.content.decode()
    assert client.get("/admin/notify/webhookdelivery/?state__exact=pending").status_code == 200
    assert client.get("/admin/notify/webhooksubscription/add/").status_code == 403
    # An organization's admin does not see the site's machinery.
    boss = make_person(org=alex.organization)
    boss.is_org_admin = boss.is_staff = True
    boss.save()
    client.force_login(boss)
    assert client.get("/admin/notify/webhookdelivery/").status_code == 403


def test_a_mail_worker_leaves_the_deliveries_to_the_webhooks_worker(
    alex, intro, receiver, fan_out, send
):
    subscribe(alex, receiver.url)
    book(intro)
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("worker", queues=["mail"], batch=True, verbosity=0)  # fans out, mails
    assert receiver.received == []
    assert DBTaskResult.objects.filter(queue_name="webhooks", status="READY").count() == 1
    send()
    assert len(receiver.received) == 1


def test_the_signature_check_of_the_docs_accepts_a_delivery_and_refuses_a_changed_one(
    alex, receiver, send
):
    text = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    code = text.split("## Checking the signature")[1].split("```python")[1].split("```")[0]
    subscription, secret = subscribe(alex, receiver.url)
    webhooks.ping(subscription)
    send()
    ((headers, body),) = receiver.received
    scope: dict = {}
    exec(code.replace('"whsec_..."', repr(secret)), scope)  # noqa: S102 (the docs' own code)
    assert scope["verified"](headers, body)["type"] == "ping"
    with pytest.raises(ValueError, match="no valid signature"):
        scope["verified"](headers, body.replace(b"ping", b"pong"))


def test_the_pause_notice_is_in_the_owners_language(alex, receiver):
    alex.language = "fr"
    alex.save()
    subscription, _secret = subscribe(alex, receiver.url)
    subscription.consecutive_failures = 5
    mail = webhooks_sending.notice(subscription)
    assert mail.subject == "Votre webhook vers 127.0.0.1 est en pause"
    assert "Les 5 derniers événements" in mail.body
    assert mail.to == ["alex@example.org"]
