"""The organizer app's Webhooks page (a tab of the profile) in a real browser at phone width:
adding a webhook shows its secret once, with a copy button; the list, the webhook's page with
a paused notice and a delivery log pass axe, every control labelled, nothing scrolling
sideways."""

import pytest
from axe import context, summary, violations
from browser import PASSWORD, PHONE, sign_in_on
from django.utils import timezone
from makers import make_person
from playwright.sync_api import expect
from test_every_input_labelled import SIDEWAYS, UNLABELLED

from bookwithme.notify import webhooks
from bookwithme.notify.models import WebhookDelivery, WebhookSubscription
from bookwithme.notify.webhooks_sending import SECRET_PURPOSE
from bookwithme.tokens import decrypt

pytestmark = pytest.mark.django_db(transaction=True)

HOOK = "https://hooks.example.invalid/bookwithme"  # .invalid: never resolves, never sent to


def sound(page, what: str) -> None:
    """axe finds nothing; every control has a name; nothing scrolls sideways."""
    found = violations(page)
    assert not found, f"axe on {what}:\n{summary(found)}"
    assert page.evaluate(UNLABELLED) == [], what
    assert page.evaluate(SIDEWAYS) <= 0, what


def test_a_webhook_is_added_at_phone_width_its_secret_shown_once(site, browser, shots):
    person = make_person(name="Sam Organizer", time_zone="Europe/Paris")
    person.set_password(PASSWORD)
    person.save()
    ctx = context(browser, locale="en-US", timezone_id="Europe/Paris", viewport=PHONE)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page = ctx.new_page()
    sign_in_on(page, site, person.email)

    # From the profile, through its tabs (the menu first, at phone width).
    page.goto(f"{site}/app/profile")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Webhooks").click()
    expect(page).to_have_url(f"{site}/app/webhooks/")
    page.wait_for_load_state("networkidle")
    sound(page, "the webhooks page, empty")
    page.get_by_label("Address (URL)").fill(HOOK)
    page.get_by_label("A booking is moved to another time (booking.rescheduled)").uncheck()
    page.get_by_label("Description (optional)").fill("Help desk")
    page.locator("#add-webhook").click()

    panel = page.locator(".new-secret")
    expect(panel).to_be_visible()
    secret = page.locator("#new-secret").input_value()
    subscription = WebhookSubscription.objects.get()
    assert secret.startswith("whsec_")
    assert secret == decrypt(subscription.secret_encrypted, purpose=SECRET_PURPOSE)
    assert subscription.events == ["booking.confirmed", "booking.cancelled"]
    page.wait_for_load_state("networkidle")
    sound(page, "a new webhook, its secret shown")
    shots(page, "secret-shown")
    panel.get_by_role("button", name="Copy").click()
    expect(panel.get_by_role("button")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret

    # Shown once; a paused webhook with deliveries in its log, at phone width too.
    webhooks.ping(subscription)
    WebhookDelivery.objects.create(
        subscription=subscription,
        event="booking.confirmed",
        body="{}",
        state=WebhookDelivery.State.FAILED,
        attempts=12,
        attempted_at=timezone.now(),
        status_code=503,
        duration_ms=812,
        response="<html><body>Service unavailable, try again in a while</body></html>" * 3,
        last_error="HTTP 503",
    )
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        active=False, paused_at=timezone.now(), consecutive_failures=5
    )
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#new-secret")).to_have_count(0)
    assert secret not in page.content()
    expect(page.locator("#delivery-log tbody tr")).to_have_count(2)
    expect(page.locator('.page-head [data-state="paused"]')).to_be_visible()
    sound(page, "a paused webhook and its log")
    shots(page, "webhook-log")

    page.goto(f"{site}/app/webhooks/")
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#webhook-{subscription.pk}")).to_contain_text("Help desk")
    sound(page, "the list of webhooks")
    ctx.close()
