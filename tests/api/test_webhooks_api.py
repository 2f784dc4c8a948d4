"""The organizer API's webhooks (docs/webhooks.md): create (the secret shown once), list, change,
delete, rotate, ping, the delivery log and redelivery; 422 for an address or event that cannot
be used, 404 for another person's webhook, 401 without a token."""

import json

import pytest
from apicheck import API, assert_error, ok
from makers import auth, make_person, make_token
from webhook_receiver import Receiver, hmac_verify

from bookwithme.notify.models import WebhookDelivery, WebhookSubscription

HOOK = "https://hooks.example.invalid/bookwithme"  # .invalid: never resolves, never sent to


@pytest.fixture
def token(alex):
    return make_token(alex)


def call(client, method, path, token, body=None, **params):
    headers = auth(token) if token else {}
    if method == "get":
        return client.get(API + path, params, **headers)
    data = "" if body is None else json.dumps(body)
    return getattr(client, method)(API + path, data, content_type="application/json", **headers)


def create(client, token, url=HOOK, **body):
    return ok(call(client, "post", "/webhooks", token, {"url": url, **body}), 201)


def test_a_webhook_is_made_with_its_secret_shown_once(client, token, alex):
    made = create(client, token, events=["booking.cancelled"], description="Help desk")
    assert made["secret"].startswith("whsec_")
    assert made["url"] == HOOK
    assert made["events"] == ["booking.cancelled"]
    assert made["description"] == "Help desk"
    assert made["active"] is True and made["paused_at"] is None
    assert made["consecutive_failures"] == 0
    listed = ok(call(client, "get", "/webhooks", token))
    assert [w["id"] for w in listed] == [made["id"]]
    assert "secret" not in listed[0]
    one = ok(call(client, "get", f"/webhooks/{made['id']}", token))
    assert "secret" not in one and one["url"] == HOOK
    assert WebhookSubscription.objects.get().owner == alex


def test_events_default_to_every_booking_event(client, token):
    made = create(client, token)
    assert made["events"] == ["booking.confirmed", "booking.rescheduled", "booking.cancelled"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.org/x",
        "hooks.example.org/x",
        "https://",
        "https://exa mple.org/x",
        "https://example.org:99999/x",
        "",
        "https://example.org/" + "x" * 2000,
    ],
)
def test_an_address_that_is_no_http_address_is_refused(client, token, url):
    refused = assert_error(
        call(client, "post", "/webhooks", token, {"url": url}), 422, "validation"
    )
    assert list(refused["fields"]) == ["url"]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest",
        "https://[::ffff:192.168.0.1]/x",
        "https://localhost/hook",
    ],
)
def test_an_internal_address_is_refused_unless_private_addresses_are_allowed(
    client, token, settings, url
):
    settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = False
    refused = assert_error(
        call(client, "post", "/webhooks", token, {"url": url}), 422, "validation"
    )
    assert "private network" in refused["fields"]["url"][0]
    settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = True
    create(client, token, url=url)


def test_plain_http_only_to_an_address_private_addresses_allow(client, token, settings):
    # A public address: https only.
    refused = assert_error(
        call(client, "post", "/webhooks", token, {"url": "http://93.184.215.14/hook"}),
        422,
        "validation",
    )
    assert "https" in refused["fields"]["url"][0]
    create(client, token, url="http://127.0.0.1:8080/hook")  # the tests allow private ones
    settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = False
    assert_error(
        call(client, "post", "/webhooks", token, {"url": "http://127.0.0.1:8080/hook"}),
        422,
        "validation",
    )


@pytest.mark.parametrize(
    "events", [["booking.created"], ["booking.confirmed", "nope"], [], "booking.confirmed", [1]]
)
def test_an_unknown_event_is_refused(client, token, events):
    refused = assert_error(
        call(client, "post", "/webhooks", token, {"url": HOOK, "events": events}),
        422,
        "validation",
    )
    assert [name.split(".")[0] for name in refused["fields"]] == ["events"]


def test_an_unknown_field_or_a_long_description_is_refused(client, token):
    assert_error(
        call(client, "post", "/webhooks", token, {"url": HOOK, "secret": "mine"}), 422, "validation"
    )
    refused = assert_error(
        call(client, "post", "/webhooks", token, {"url": HOOK, "description": "x" * 201}),
        422,
        "validation",
    )
    assert list(refused["fields"]) == ["description"]


def test_ten_webhooks_at_most(client, token):
    for _ in range(10):
        create(client, token)
    assert_error(call(client, "post", "/webhooks", token, {"url": HOOK}), 422, "validation")


def test_a_webhook_is_changed_switched_off_and_on_and_deleted(client, token):
    made = create(client, token)
    path = f"/webhooks/{made['id']}"
    changed = ok(
        call(
            client,
            "patch",
            path,
            token,
            {"url": HOOK + "/v2", "events": ["ping", "booking.confirmed"], "active": False},
        )
    )
    assert changed["url"] == HOOK + "/v2"
    assert changed["events"] == ["booking.confirmed", "ping"]
    assert changed["active"] is False
    WebhookSubscription.objects.filter(pk=made["id"]).update(consecutive_failures=5)
    back_on = ok(call(client, "patch", path, token, {"active": True}))
    assert back_on["active"] is True and back_on["consecutive_failures"] == 0
    assert back_on["url"] == HOOK + "/v2"  # what is not given is kept
    assert_error(call(client, "patch", path, token, {"url": None}), 422, "validation")
    assert_error(call(client, "patch", path, token, {"events": ["x"]}), 422, "validation")
    assert_error(call(client, "patch", path, token, {"url": "ftp://x"}), 422, "validation")
    assert ok(call(client, "get", path, token))["url"] == HOOK + "/v2"
    assert call(client, "delete", path, token).status_code == 204
    assert_error(call(client, "get", path, token), 404, "not_found")


def test_a_rotated_secret_is_new_and_shown_once(client, token):
    made = create(client, token)
    rotated = ok(call(client, "post", f"/webhooks/{made['id']}/rotate-secret", token))
    assert rotated["id"] == made["id"]
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert "secret" not in ok(call(client, "get", f"/webhooks/{made['id']}", token))


def test_a_ping_is_sent_logged_and_redelivered(client, token, run_worker):
    with Receiver() as receiver:
        made = create(client, token, url=receiver.url)
        base = f"/webhooks/{made['id']}"
        pinged = ok(call(client, "post", base + "/ping", token), 202)
        assert (pinged["event"], pinged["state"], pinged["booking_id"]) == ("ping", "pending", None)
        # A second ping while the first waits is the first.
        assert ok(call(client, "post", base + "/ping", token), 202)["id"] == pinged["id"]
        run_worker()
        ((headers, body),) = receiver.received
        assert hmac_verify(made["secret"], headers, body)
        assert json.loads(body)["type"] == "ping"
        (logged,) = ok(call(client, "get", base + "/deliveries", token))
        assert logged["id"] == pinged["id"] == headers["webhook-id"]
        assert logged["state"] == "delivered"
        assert (logged["status_code"], logged["response"], logged["attempts"]) == (200, "ok", 1)
        assert logged["duration_ms"] >= 0 and logged["next_attempt_at"] is None

        again = ok(call(client, "post", f"{base}/deliveries/{pinged['id']}/redeliver", token), 202)
        assert again["id"] == pinged["id"] and again["state"] == "pending"
        run_worker()
        assert receiver.ids() == [pinged["id"], pinged["id"]]


def test_the_log_is_newest_first_and_limited(client, token, alex, frozen):
    from datetime import timedelta

    made = create(client, token)
    subscription = WebhookSubscription.objects.get()
    for n in range(3):
        WebhookDelivery.objects.create(
            subscription=subscription, event="ping", body="{}", state="delivered"
        )
        frozen.shift(timedelta(minutes=1))
        assert n < 3
    rows = ok(call(client, "get", f"/webhooks/{made['id']}/deliveries", token))
    assert [r["created_at"] for r in rows] == sorted((r["created_at"] for r in rows), reverse=True)
    assert len(ok(call(client, "get", f"/webhooks/{made['id']}/deliveries", token, limit=2))) == 2
    assert_error(
        call(client, "get", f"/webhooks/{made['id']}/deliveries", token, limit=0), 422, "validation"
    )


def test_a_paused_webhook_redelivers_nothing_until_switched_on(client, token):
    made = create(client, token)
    subscription = WebhookSubscription.objects.get()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="booking.confirmed", body="{}", state="failed"
    )
    WebhookSubscription.objects.filter(pk=made["id"]).update(active=False)
    path = f"/webhooks/{made['id']}/deliveries/{delivery.pk}/redeliver"
    assert_error(call(client, "post", path, token), 409, "webhook_off")
    ok(call(client, "patch", f"/webhooks/{made['id']}", token, {"active": True}))
    assert ok(call(client, "post", path, token), 202)["state"] == "pending"


def test_another_persons_webhook_is_not_found(client, token):
    bea_token = make_token(make_person(email="bea@example.org"))
    theirs = create(client, bea_token)
    delivery = ok(call(client, "post", f"/webhooks/{theirs['id']}/ping", bea_token), 202)
    base = f"/webhooks/{theirs['id']}"
    for method, path in [
        ("get", base),
        ("patch", base),
        ("delete", base),
        ("post", base + "/rotate-secret"),
        ("post", base + "/ping"),
        ("get", base + "/deliveries"),
        ("post", f"{base}/deliveries/{delivery['id']}/redeliver"),
    ]:
        body = {"active": False} if method == "patch" else None
        assert_error(call(client, method, path, token, body), 404, "not_found")
    assert ok(call(client, "get", "/webhooks", token)) == []
    assert WebhookSubscription.objects.get().active is True
    # Their delivery under one's own webhook: not found either; nor an id that is no UUID.
    mine = create(client, token)
    for delivery_id in (delivery["id"], "not-a-uuid"):
        path = f"/webhooks/{mine['id']}/deliveries/{delivery_id}/redeliver"
        assert_error(call(client, "post", path, token), 404, "not_found")


def test_without_a_token_nothing_is_answered(client, db):
    for method, path in [("get", "/webhooks"), ("post", "/webhooks"), ("get", "/webhooks/1")]:
        assert_error(call(client, method, path, None, {"url": HOOK}), 401, "unauthorized")
