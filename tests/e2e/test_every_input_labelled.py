"""Every input, select and text area on every page has a label a screen reader reads out, and
no page scrolls sideways at phone width."""

from datetime import UTC, timedelta

import pytest
from browser import PASSWORD, PHONE, sign_in_on
from django.utils import timezone
from makers import make_link, make_person, make_type
from playwright.sync_api import expect

from bookwithme.booking import availability, services

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_DAY = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

# Controls without a name: their id, name or outer HTML, for the failure message.
UNLABELLED = """() => [...document.querySelectorAll(
    "input:not([type=hidden]), select, textarea")]
  .filter((el) => !el.closest("template"))
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                  && !el.getAttribute("aria-labelledby") && !el.getAttribute("title"))
  .map((el) => el.id || el.name || el.outerHTML.slice(0, 80))"""
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def check(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert page.evaluate(UNLABELLED) == [], url
    assert page.evaluate(SIDEWAYS) <= 0, url


def test_every_control_has_a_label_and_nothing_overflows_a_phone(site, browser):
    person = make_person(name="Sam Organizer", page_slug="sam", weekly=EVERY_DAY)
    person.set_password(PASSWORD)
    person.save()
    intro = make_type(
        person,
        title="Office hours",
        slug="office-hours",
        questions=[{"id": "topic", "label": "Topic", "kind": "long_text", "required": True}],
    )
    token = make_link(intro)
    booked = services.book(
        intro,
        first_start(intro),
        services.Attendee("Ann Lee", "ann@example.org", "Europe/Paris", answers={"topic": "Plans"}),
    )
    page = browser.new_context(viewport=PHONE).new_page()

    for path in ("/sam", f"/l/{token}", f"/manage/{booked.manage_token}"):
        check(page, site + path)
    # The type page with its booking form open.
    page.goto(f"{site}/sam/office-hours")
    expect(page.locator("[data-picker]")).to_have_attribute("data-state", "ready")
    page.locator(".time").first.click()
    expect(page.locator("#book-name")).to_be_visible()
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(SIDEWAYS) <= 0

    check(page, f"{site}/app/login")
    sign_in_on(page, site, person.email)
    for path in (
        "/app/",
        "/app/types/",
        "/app/types/new",
        f"/app/types/{intro.pk}/",
        f"/app/types/{intro.pk}/links",
        "/app/availability",
        "/app/calendar",
        "/app/calendars/",
        "/app/profile",
    ):
        check(page, site + path)


def first_start(meeting_type):
    today = timezone.now().date()
    days = availability.Days(today, today + timedelta(days=14), UTC)
    return availability.offer(meeting_type, days).starts[0]
