"""Webhooks in the organizer app: adding one (its secret shown once), the list, changing one,
switching it off and on, deleting, replacing the secret, a ping that a real receiver on
loopback gets and the log shows, redelivery; someone else's webhook is 404, bad input is
the service's message under its field (200, never 500), the page in French."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from dom import dom, one, text
from makers import make_person
from webhook_receiver import Receiver, hmac_verify

from bookwithme import formats
from bookwithme.notify import webhooks, webhooks_sending
from bookwithme.notify.models import WebhookDelivery, WebhookSubscription
from bookwithme.tokens import decrypt

pytestmark = pytest.mark.django_db

HOOK = "https://hooks.example.invalid/bookwithme"  # .invalid: never resolves, never sent to
LIST = "/app/webhooks/"
EVERY = list(webhooks.BOOKING_EVENTS)


@pytest.fixture
def alex():
    return make_person(name="Alex Martin", time_zone="America/Toronto")


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def made(person, url=HOOK, **fields) -> WebhookSubscription:
    subscription, _secret = webhooks.create(person, url=url, **fields)
    return subscription


def page_of(subscription) -> str:
    return f"{LIST}{subscription.pk}/"


def secret_shown(response) -> str:
    return one(dom(response), '//input[@id="new-secret"]').get("value")


def stored_secret(subscription) -> str:
    subscription.refresh_from_db()
    return decrypt(subscription.secret_encrypted, purpose=webhooks_sending.SECRET_PURPOSE)


def field_errors(response, name: str) -> list[str]:
    """The messages under a field of the page's form (a fieldset's or a field's)."""
    page = dom(response)
    box = one(
        page,
        f'//form[@id="webhook-form"]//*[(self::div and contains(@class, "field")) or '
        f'self::fieldset][.//*[@name="{name}"]]',
    )
    return [text(li) for li in box.xpath('.//ul[contains(@class, "errorlist")]/li')]


# --- the list and adding one ------------------------------------------------------------------


def test_the_page_offers_every_booking_event_checked_and_lists_nothing(signed_in):
    response = signed_in.get(LIST)

    assert response.status_code == 200
    page = dom(response)
    assert "No webhook yet." in text(page)
    boxes = page.xpath('//form[@id="webhook-form"]//input[@name="events"]')
    assert [b.get("value") for b in boxes] == EVERY
    assert all(b.get("checked") is not None for b in boxes)
    for control in page.xpath('//form[@id="webhook-form"]//input[not(@type="hidden")]'):
        assert page.xpath(f'//label[@for="{control.get("id")}"]'), control.get("name")
    # Reached from the profile, as one of its tabs.
    assert one(page, '//nav[@class="tabs"]/a[@aria-current="page"]').get("href") == LIST
    current = one(page, '//nav[@class="app-nav"]//a[@aria-current="page"]')
    assert current.get("href") == "/app/profile"


def test_the_profile_leads_to_the_webhooks(signed_in):
    tabs = one(dom(signed_in.get("/app/profile")), '//nav[@class="tabs"]')

    assert [(a.get("href"), a.get("aria-current")) for a in tabs.xpath("./a")] == [
        ("/app/profile", "page"),
        (LIST, None),
    ]


def test_a_new_webhook_shows_its_secret_once_and_never_again(signed_in, alex):
    response = signed_in.post(
        LIST,
        {"url": HOOK, "events": ["booking.confirmed", "booking.cancelled"], "description": "CRM"},
        follow=True,
    )

    subscription = WebhookSubscription.objects.get()
    assert response.redirect_chain == [(page_of(subscription), 302)]
    assert (subscription.owner, subscription.url) == (alex, HOOK)
    assert subscription.events == ["booking.confirmed", "booking.cancelled"]
    assert subscription.description == "CRM" and subscription.active
    secret = secret_shown(response)
    assert secret.startswith("whsec_") and secret == stored_secret(subscription)
    assert 'data-copy="#new-secret"' in response.content.decode()
    assert secret not in subscription.secret_encrypted
    # Shown once: neither the list nor the webhook's page shows it again.
    for path in (LIST, page_of(subscription)):
        again = signed_in.get(path).content.decode()
        assert secret not in again and 'id="new-secret"' not in again
        assert HOOK in again
    listed = one(dom(signed_in.get(LIST)), f'//li[@id="webhook-{subscription.pk}"]')
    assert "CRM" in text(listed)
    assert listed.xpath('.//*[@data-state="on"]')
    assert [c.text for c in listed.xpath(".//dd/code")] == [
        "booking.confirmed",
        "booking.cancelled",
    ]


def test_what_was_typed_and_what_receivers_answer_is_shown_as_text(signed_in, alex):
    script = "<script>alert(1)</script>"
    subscription = made(alex, description=script)
    failed_delivery(subscription, response=script)

    for path in (LIST, page_of(subscription), f"{page_of(subscription)}delete"):
        html = signed_in.get(path).content.decode()
        assert script not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


def expected_message(**fields) -> str:
    """What the service says of these fields (for a webhook of nobody: it refuses first)."""
    with pytest.raises(ValidationError) as refused:
        webhooks.create(make_person(), **fields)
    (messages,) = refused.value.message_dict.values()
    return messages[0]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "ftp://hooks.example.org/x", "events": EVERY}, "url"),
        ({"url": "hooks.example.org/x", "events": EVERY}, "url"),
        ({"url": "https://exa mple.org/x", "events": EVERY}, "url"),
        ({"url": "", "events": EVERY}, "url"),
        ({"url": HOOK}, "events"),
        ({"url": HOOK, "events": ["booking.exploded"]}, "events"),
        ({"url": HOOK, "events": EVERY, "description": "x" * 201}, "description"),
    ],
)
def test_bad_input_shows_the_services_message_under_its_field(signed_in, data, field):
    expected = expected_message(**{"events": [], **data})

    response = signed_in.post(LIST, data)

    assert response.status_code == 200
    assert field_errors(response, field) == [expected]
    assert "Some fields are not valid" in response.content.decode()
    assert not WebhookSubscription.objects.exists()
    # What was typed is kept for fixing.
    if data["url"]:
        assert one(dom(response), '//input[@name="url"]').get("value") == data["url"]


def test_a_nul_character_is_refused_not_a_500(signed_in):
    response = signed_in.post(LIST, {"url": HOOK + "\x00", "events": EVERY})

    assert response.status_code == 200
    assert not WebhookSubscription.objects.exists()


def test_the_tenth_webhook_is_the_last(signed_in, alex):
    for n in range(webhooks.MAX_PER_PERSON - 1):
        made(alex, url=f"{HOOK}/{n}")
    signed_in.post(LIST, {"url": f"{HOOK}/last", "events": EVERY})
    assert WebhookSubscription.objects.count() == webhooks.MAX_PER_PERSON

    page = dom(signed_in.get(LIST))

    assert not page.xpath('//form[@id="webhook-form"]')
    assert "the most one may have" in text(page)


# --- one webhook: its settings ----------------------------------------------------------------


def test_a_webhook_is_changed(signed_in, alex):
    subscription = made(alex, description="CRM")

    response = signed_in.post(
        page_of(subscription),
        {
            "url": "https://other.example.invalid/in",
            "events": ["booking.rescheduled"],
            "description": "Help desk",
            "active": "on",
        },
        follow=True,
    )

    assert response.redirect_chain == [(page_of(subscription), 302)]
    assert "The webhook is saved." in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.url == "https://other.example.invalid/in"
    assert subscription.events == ["booking.rescheduled"]
    assert subscription.description == "Help desk" and subscription.active
    boxes = dom(response).xpath('//input[@name="events"][@checked]')
    assert [b.get("value") for b in boxes] == ["booking.rescheduled"]


def test_a_bad_change_shows_the_message_and_changes_nothing(signed_in, alex):
    subscription = made(alex)

    response = signed_in.post(page_of(subscription), {"url": "ftp://x.example/", "active": "on"})

    assert response.status_code == 200
    assert field_errors(response, "url") == [expected_message(url="ftp://x.example/", events=EVERY)]
    assert field_errors(response, "events") == [expected_message(url=HOOK, events=[])]
    subscription.refresh_from_db()
    assert subscription.url == HOOK and subscription.events == EVERY
    # The heading names the webhook as it is, the field keeps what was typed.
    assert "Webhook to hooks.example.invalid" in text(one(dom(response), "//h1"))
    assert one(dom(response), '//input[@name="url"]').get("value") == "ftp://x.example/"


def test_an_event_only_the_api_offers_stays_offered(signed_in, alex):
    subscription = made(alex, events=["booking.cancelled", "ping"])

    page = dom(signed_in.get(page_of(subscription)))

    checked = [b.get("value") for b in page.xpath('//input[@name="events"][@checked]')]
    assert checked == ["booking.cancelled", "ping"]


def test_switching_off_and_on_again_through_the_settings(signed_in, alex):
    subscription = made(alex)
    form = {"url": HOOK, "events": EVERY, "description": ""}

    off = signed_in.post(page_of(subscription), form, follow=True)

    subscription.refresh_from_db()
    assert not subscription.active and subscription.paused_at is None
    assert one(dom(off), '//div[@class="page-head"]//*[@data-state]').get("data-state") == "off"
    assert "Switched off" in text(dom(off))

    signed_in.post(page_of(subscription), {**form, "active": "on"})

    subscription.refresh_from_db()
    assert subscription.active


def pause(subscription, failures: int = 5) -> None:
    """As the sending pauses a webhook whose deliveries failed again and again."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        active=False, paused_at=timezone.now(), consecutive_failures=failures
    )


def test_a_paused_webhook_says_why_and_is_resumed_through_active(signed_in, alex):
    subscription = made(alex)
    pause(subscription)

    for path in (LIST, page_of(subscription)):
        page = dom(signed_in.get(path))
        assert page.xpath('//*[@data-state="paused"]'), path
        assert "the last 5 deliveries all failed" in text(page), path
    switch = one(dom(signed_in.get(page_of(subscription))), '//input[@id="id_active"]')
    assert switch.get("checked") is None

    signed_in.post(page_of(subscription), {"url": HOOK, "events": EVERY, "active": "on"})

    subscription.refresh_from_db()
    assert subscription.active and subscription.paused_at is None
    assert subscription.consecutive_failures == 0


def test_the_switch_turns_a_paused_webhook_on_from_the_list(signed_in, alex):
    subscription = made(alex)
    pause(subscription)

    response = signed_in.post(
        f"{page_of(subscription)}switch", {"active": "on", "next": "list"}, follow=True
    )

    assert response.redirect_chain == [(LIST, 302)]
    subscription.refresh_from_db()
    assert subscription.active and subscription.paused_at is None
    assert subscription.consecutive_failures == 0
    assert "The webhook is on" in response.content.decode()

    signed_in.post(f"{page_of(subscription)}switch", {"active": "off"})
    subscription.refresh_from_db()
    assert not subscription.active


def test_a_webhook_is_deleted_after_asking(signed_in, alex):
    subscription = made(alex)
    webhooks.ping(subscription)
    delete = f"{page_of(subscription)}delete"

    asked = dom(signed_in.get(delete))

    assert "Delete this webhook?" in text(asked)
    assert HOOK in text(asked)
    assert WebhookSubscription.objects.exists()

    response = signed_in.post(delete, follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert "is deleted" in response.content.decode()
    assert not WebhookSubscription.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_a_new_secret_is_shown_once_and_the_old_one_kept_a_day(signed_in, alex):
    subscription, first = webhooks.create(alex, url=HOOK)

    response = signed_in.post(f"{page_of(subscription)}rotate-secret", follow=True)

    assert response.redirect_chain == [(page_of(subscription), 302)]
    secret = secret_shown(response)
    assert secret.startswith("whsec_") and secret != first
    assert secret == stored_secret(subscription)
    assert (
        decrypt(subscription.previous_secret_encrypted, purpose=webhooks_sending.SECRET_PURPOSE)
        == first
    )
    assert "signed with the previous secret too" in response.content.decode()
    again = signed_in.get(page_of(subscription)).content.decode()
    assert secret not in again and first not in again


# --- pings, the log, redelivery -----------------------------------------------------------------


def test_a_ping_reaches_the_receiver_signed_and_shows_in_the_log(
    signed_in, alex, receiver, run_worker
):
    subscription, secret = webhooks.create(alex, url=receiver.url, events=["booking.confirmed"])

    response = signed_in.post(f"{page_of(subscription)}ping", follow=True)

    assert response.redirect_chain == [(f"{page_of(subscription)}#deliveries", 302)]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.subscription, delivery.event) == (subscription, "ping")
    row = one(dom(response), f'//tr[@id="delivery-{delivery.pk}"]')
    assert row.xpath('.//*[@data-state="pending"]')
    assert not row.xpath(".//form")  # still to be sent: nothing to redeliver yet

    run_worker()

    [(headers, body)] = receiver.received
    assert headers["webhook-id"] == str(delivery.pk)
    assert hmac_verify(secret, headers, body)
    assert json.loads(body)["type"] == "ping"
    row = one(dom(signed_in.get(page_of(subscription))), f'//tr[@id="delivery-{delivery.pk}"]')
    cells = {td.get("data-label"): text(td) for td in row.xpath("./td[@data-label]")}
    assert cells["Event"] == "ping"
    assert cells["State"].startswith("Delivered") and "1 attempt" in cells["State"]
    assert cells["Status code"] == "200"
    assert cells["Duration"].endswith(" ms")
    assert cells["Response"] == "ok"
    assert cells["Next attempt"] == "—"
    assert row.xpath(
        f'.//form[@action="{page_of(subscription)}deliveries/{delivery.pk}/redeliver"]'
    )
    # The list tells of the last delivery.
    listed = text(one(dom(signed_in.get(LIST)), f'//li[@id="webhook-{subscription.pk}"]'))
    assert "ping · Delivered (200)" in listed


def test_a_redelivery_sends_the_same_id_again(signed_in, alex, receiver, run_worker):
    subscription = made(alex, url=receiver.url)
    delivery = webhooks.ping(subscription)
    run_worker()
    redeliver = f"{page_of(subscription)}deliveries/{delivery.pk}/redeliver"

    response = signed_in.post(redeliver, follow=True)

    assert response.redirect_chain == [(f"{page_of(subscription)}#deliveries", 302)]
    assert "is sent again" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.PENDING
    run_worker()
    assert receiver.ids() == [str(delivery.pk)] * 2
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED


def failed_delivery(subscription, event="booking.confirmed", **fields) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        subscription=subscription,
        event=event,
        body="{}",
        state=WebhookDelivery.State.FAILED,
        attempts=9,
        attempted_at=timezone.now(),
        status_code=500,
        duration_ms=42,
        last_error="HTTP 500",
        **fields,
    )


def test_a_switched_off_webhook_redelivers_only_after_being_switched_on(signed_in, alex):
    subscription = made(alex)
    delivery = failed_delivery(subscription)
    pause(subscription)

    response = signed_in.post(
        f"{page_of(subscription)}deliveries/{delivery.pk}/redeliver", follow=True
    )

    assert "Switch the webhook on before" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.FAILED


def test_the_log_tells_each_attempt_in_the_organizers_zone(signed_in, alex):
    subscription = made(alex)
    at = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # noon in Toronto
    failed = failed_delivery(subscription, created_at=at, response="x" * 1000)
    retrying = WebhookDelivery.objects.create(
        subscription=subscription,
        event="booking.cancelled",
        body="{}",
        created_at=at + timedelta(minutes=5),
        attempts=2,
        attempted_at=at,
        duration_ms=10000,
        last_error="no answer before the deadline",
        next_attempt_at=at + timedelta(minutes=9),
    )

    page = dom(signed_in.get(page_of(subscription)))

    rows = page.xpath('//table[@id="delivery-log"]/tbody/tr')
    assert [r.get("id") for r in rows] == [f"delivery-{retrying.pk}", f"delivery-{failed.pk}"]
    toronto = ZoneInfo("America/Toronto")
    english = formats.reader_locale("en")

    def cells(row):
        return {td.get("data-label"): text(td) for td in row.xpath("./td[@data-label]")}

    newest, oldest = cells(rows[0]), cells(rows[1])
    assert oldest["Time"] == formats.moment_text(at, english, zone=toronto)
    assert "12:00" in oldest["Time"]
    assert oldest["State"] == "Failed 9 attempts HTTP 500"
    assert oldest["Status code"] == "500" and oldest["Duration"] == "42 ms"
    assert oldest["Response"] == "x" * 119 + "…"
    assert newest["State"].startswith("Pending") and "no answer" in newest["State"]
    assert newest["Status code"] == "No answer"
    assert newest["Next attempt"] == formats.moment_text(
        at + timedelta(minutes=9), english, zone=toronto
    )
    assert not rows[0].xpath(".//form") and rows[1].xpath(".//form")


def test_a_delivery_still_to_be_sent_is_left_as_it_is(signed_in, alex):
    subscription = made(alex)
    delivery = webhooks.ping(subscription)

    response = signed_in.post(
        f"{page_of(subscription)}deliveries/{delivery.pk}/redeliver", follow=True
    )

    assert "still to be sent" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.PENDING


# --- whose, how -----------------------------------------------------------------------------------


def test_someone_elses_webhook_is_not_found(signed_in, alex):
    theirs = made(make_person(), description="theirs")
    delivery = failed_delivery(theirs)
    mine = made(alex)
    base = page_of(theirs)

    assert signed_in.get(base).status_code == 404
    assert signed_in.get(f"{base}delete").status_code == 404
    for path, data in [
        (base, {"url": "https://mine.example.invalid/", "events": EVERY, "active": "on"}),
        (f"{base}switch", {"active": "off"}),
        (f"{base}ping", {}),
        (f"{base}rotate-secret", {}),
        (f"{base}delete", {}),
        (f"{base}deliveries/{delivery.pk}/redeliver", {}),
        # Their delivery under one's own webhook's address.
        (f"{page_of(mine)}deliveries/{delivery.pk}/redeliver", {}),
    ]:
        assert signed_in.post(path, data).status_code == 404, path
    theirs.refresh_from_db()
    assert theirs.url == HOOK and theirs.active
    assert WebhookDelivery.objects.filter(subscription=theirs).count() == 1
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert "theirs" not in signed_in.get(LIST).content.decode()


def test_the_pages_are_for_the_signed_in_only(client, alex):
    subscription = made(alex)

    for path in (LIST, page_of(subscription), f"{page_of(subscription)}delete"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/app/login")
    response = client.post(f"{page_of(subscription)}rotate-secret")
    assert response.status_code == 302
    assert stored_secret(subscription)  # unchanged, and still readable


def test_changes_are_posted_only(signed_in, alex):
    subscription = made(alex)
    delivery = failed_delivery(subscription)

    for path in ("switch", "ping", "rotate-secret", f"deliveries/{delivery.pk}/redeliver"):
        assert signed_in.get(page_of(subscription) + path).status_code == 405, path
    assert not WebhookDelivery.objects.filter(event="ping").exists()


def test_a_form_without_its_csrf_token_is_refused(alex):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alex)

    response = browser.post(LIST, {"url": HOOK, "events": EVERY})

    assert response.status_code == 403
    assert not WebhookSubscription.objects.exists()


def test_the_pages_in_french(signed_in, alex):
    subscription = made(alex, description="CRM")
    pause(subscription, failures=3)
    failed_delivery(subscription)
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}

    listing = dom(signed_in.get(LIST, **french))
    one_page = dom(signed_in.get(page_of(subscription), **french))
    refused = signed_in.post(LIST, {"url": HOOK}, **french)

    assert listing.get("lang") == "fr"
    assert text(one(listing, "//title")).startswith("Webhooks")
    assert text(one(listing, '//nav[@class="tabs"]')) == "Profil et compte Webhooks"
    assert "Ajouter un webhook" in text(listing)
    assert text(one(listing, '//*[@data-state="paused"]')) == "En pause"
    assert "les 3 dernières livraisons ont toutes échoué" in text(listing)
    assert "Événements" in text(one_page) and "Livraisons" in text(one_page)
    assert text(one(one_page, '//tr[starts-with(@id, "delivery-")]//button')).startswith("Renvoyer")
    assert refused.status_code == 200
    assert field_errors(refused, "events")  # the service's message, in its own words
