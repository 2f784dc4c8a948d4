"""The organizer in the web app, and what visitors see change because of it."""

import re
from datetime import date

import pytest
from browser import DESKTOP, PASSWORD, PHONE, sign_in_on
from makers import make_person, make_type
from playwright.sync_api import expect

from bookwithme.booking.models import Booking, Link, MeetingType, WorkingHours

pytestmark = pytest.mark.django_db(transaction=True)

WORKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def organizer(**fields):
    person = make_person(name="Sam Organizer", page_slug="sam", weekly=WORKDAYS, **fields)
    person.set_password(PASSWORD)
    person.save()
    return person


def sign_in(browser, site, person, viewport=DESKTOP):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Paris", viewport=viewport)
    page = context.new_page()
    sign_in_on(page, site, person.email.upper())  # sign-in ignores case
    return page


def visitor(browser, **options):
    options = {"locale": "en-GB", "timezone_id": "Europe/Paris", "viewport": PHONE, **options}
    return browser.new_context(**options).new_page()


def open_days(page) -> list[date]:
    picker = page.locator("[data-picker]")
    expect(picker).to_have_attribute("data-state", re.compile("ready|empty"))
    dates = page.locator(".day.open").evaluate_all("days => days.map(d => d.dataset.date)")
    return [date.fromisoformat(d) for d in dates]


def book_first_time(page, name: str, email: str) -> None:
    picker = page.locator("[data-picker]")
    expect(picker).to_have_attribute("data-state", "ready")
    page.locator(".time").first.click()
    page.locator("#book-name").fill(name)
    page.locator("#book-email").fill(email)
    page.locator("[data-submit]").click()
    expect(page.locator("#confirmation")).to_be_visible()


def test_private_single_use_link_books_once_then_shows_used_and_gone(site, browser, shots):
    person = organizer()
    page = sign_in(browser, site, person)
    shots(page, "dashboard")

    # A private type, made in the app.
    page.goto(f"{site}/app/types/new")
    page.get_by_label("Title").fill("Contract review <b>")
    page.get_by_label("Private").check()
    page.get_by_label("Duration (minutes)").fill("45")
    page.get_by_label("Minimum notice (minutes)").fill("0")
    shots(page, "new-type")
    page.locator("#save-type").click()
    expect(page.locator(".notice.success, [role=status]").first).to_be_visible()
    meeting_type = MeetingType.objects.get(owner=person)
    assert meeting_type.visibility == "private"
    assert meeting_type.title == "Contract review <b>"
    assert meeting_type.duration_minutes == 45

    # Not on the public page.
    stranger = visitor(browser)
    stranger.goto(f"{site}/sam")
    expect(stranger.locator("main")).not_to_contain_text("Contract review")

    # A single-use link.
    page.goto(f"{site}/app/types/{meeting_type.pk}/links")
    page.get_by_label(re.compile("Single use")).check()
    page.locator("#make-link").click()
    url = page.locator("#new-link-url").input_value()
    assert re.fullmatch(rf"{re.escape(site)}/l/[\w-]+", url)
    shots(page, "link-made")
    link = Link.objects.get(meeting_type=meeting_type)
    assert link.single_use

    # The first visitor books through it.
    first = visitor(browser, timezone_id="Europe/London")
    first.goto(url)
    expect(first.get_by_role("heading", name="Contract review <b>")).to_be_visible()
    shots(first, "visitor-link-page")
    book_first_time(first, "First Visitor", "first@example.org")
    booking = Booking.objects.get()
    assert booking.meeting_type == meeting_type
    assert booking.attendee_time_zone == "Europe/London"

    # The organizer's list says used; the booking is on the dashboard.
    page.reload()
    expect(page.locator(f"#link-{link.pk} .badge")).to_have_attribute("data-state", "used")
    expect(page.locator(f"#link-{link.pk}")).not_to_contain_text("Revoke")
    shots(page, "link-used")
    page.goto(f"{site}/app/")
    expect(page.locator(f"#booking-{booking.pk}")).to_contain_text("First Visitor")

    # The next visitor gets a friendly 410.
    second = visitor(browser)
    response = second.goto(url)
    assert response.status == 410
    expect(second.locator('[data-refused="link_used"]')).to_be_visible()
    shots(second, "link-used-410")
    assert Booking.objects.count() == 1


def test_new_working_hours_change_the_visitors_page(site, browser, shots):
    person = organizer()
    make_type(person, title="Office hours", slug="office-hours", duration_minutes=30)
    guest = visitor(browser, viewport=DESKTOP)
    guest.goto(f"{site}/sam/office-hours")
    before = open_days(guest)
    assert before
    assert {d.weekday() for d in before} <= {0, 1, 2, 3, 4}

    # Saturdays only, 10:00 to 12:00.
    page = sign_in(browser, site, person, viewport=PHONE)
    page.goto(f"{site}/app/availability")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        page.get_by_role("button", name=f"Remove these hours ({day})").click()
    page.locator("#hours-sat").get_by_role("button", name=re.compile("Add hours")).click()
    page.get_by_label("Saturday, from").fill("10:00")
    page.get_by_label("Saturday, to").fill("12:00")
    shots(page, "hours-edited")
    page.locator("#save-hours").click()
    expect(page.locator(".notice.success, [role=status]").first).to_be_visible()
    shots(page, "hours-saved")
    weekly = WorkingHours.objects.get(person=person).weekly
    assert weekly.get("sat") == [["10:00", "12:00"]]
    assert not any(weekly.get(day) for day in ("mon", "tue", "wed", "thu", "fri", "sun"))

    guest.reload()
    after = open_days(guest)
    assert after
    assert {d.weekday() for d in after} == {5}
    guest.locator(".day.open").first.click()
    times = guest.locator(".time").all_inner_texts()
    assert times == ["10:00", "10:30", "11:00", "11:30"]
    shots(guest, "saturdays-only")
