"""A visitor books a type that asks consent to the privacy notice, in a real browser: the form
says how long their data is kept and links to the notice; unticked, the server's refusal shows
under the box; ticked, the booking keeps when consent was given. The form and the notice's page
pass axe."""

import pytest
from axe import context as axe_context
from axe import summary, violations
from browser import PHONE
from makers import make_org, make_person, make_type
from playwright.sync_api import expect

from bookwithme.booking.models import Booking

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_a_visitor_agrees_to_the_privacy_notice_and_books(site, browser, shots):
    org = make_org("Acme", "acme.test")
    org.retention_days = 30
    org.privacy_notice_text = "We keep what you type.\n\nAsk us to erase it."
    org.save()
    owner = make_person(
        org=org, name="Alex Martin", page_slug="alex", weekly=EVERY_DAY, time_zone="UTC"
    )
    make_type(owner, title="Review", slug="review", ask_consent=True)
    # axe is injected into the pages: CSP bypassed (tests/axe.py).
    context = axe_context(browser, locale="en-US", timezone_id="UTC", viewport=PHONE)
    page = context.new_page()
    page.goto(f"{site}/alex/review")

    picker = page.locator("[data-picker]").first
    expect(picker).to_have_attribute("data-state", "ready")
    picker.locator(".time").first.click()
    page.get_by_label("Your name").fill("Eve Moreau")
    page.locator("#book-email").fill("eve@example.org")
    line = page.locator("[data-privacy-line]")
    expect(line).to_contain_text("kept for 30 days after the meeting, then erased.")
    expect(line.get_by_role("link", name="Privacy notice")).to_have_attribute(
        "href", "/alex/-/privacy"
    )

    # The browser would stop an unticked required box; the server's answer is what is shown.
    box = page.get_by_role("checkbox", name="I agree that my data is processed as the privacy")
    box.evaluate("box => box.removeAttribute('required')")
    page.locator("[data-submit]").click()
    expect(page.locator("#book-consent-errors")).to_have_text(
        "Agree to the privacy notice to book."
    )
    expect(box).to_have_attribute("aria-invalid", "true")
    shots(page, "refused")
    assert not Booking.objects.exists()
    found = violations(page)
    assert not found, f"axe on the refused form:\n{summary(found)}"

    box.check()
    page.locator("[data-submit]").click()
    page.wait_for_url("**/manage/**")
    booking = Booking.objects.get()
    assert booking.consent_at is not None
    shots(page, "booked")

    # The notice's own page, as the link opens it.
    page.goto(f"{site}/alex/-/privacy")
    expect(page.get_by_role("heading", name="Privacy notice")).to_be_visible()
    expect(page.locator("[data-notice-text] p")).to_have_text(
        ["We keep what you type.", "Ask us to erase it."]
    )
    shots(page, "notice")
    found = violations(page)
    assert not found, f"axe on the notice page:\n{summary(found)}"
    context.close()
