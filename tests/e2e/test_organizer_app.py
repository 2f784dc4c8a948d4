"""The organizer app in a real browser: the phone menu, the copy buttons, the time zone found
on the first sign-in, moving and cancelling a booking."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser import DESKTOP, PASSWORD, PHONE, sign_in_on
from makers import make_person, make_type
from playwright.sync_api import expect

from bookwithme.booking import services
from bookwithme.booking.availability import Days, offer
from bookwithme.booking.models import Booking

pytestmark = pytest.mark.django_db(transaction=True)

WORKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
NAV_ITEMS = ["Dashboard", "Bookings", "Meeting types", "Availability", "Calendar", "Profile"]


def organizer(**fields):
    fields.setdefault("time_zone", "Europe/Paris")
    person = make_person(name="Sam Organizer", page_slug="sam", weekly=WORKDAYS, **fields)
    person.set_password(PASSWORD)
    person.save()
    return person


def app_page(browser, site, person, viewport=DESKTOP, **options):
    options = {"locale": "en-GB", "timezone_id": "Europe/Paris", "viewport": viewport, **options}
    context = browser.new_context(**options)
    page = context.new_page()
    sign_in_on(page, site, person.email)
    return page


def within_width(page, locator) -> bool:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_at_phone_width_a_menu_button_opens_every_page_of_the_app(site, browser, shots):
    page = app_page(browser, site, organizer(), viewport=PHONE)
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Organizer app")

    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Calendar")).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in NAV_ITEMS:
        link = nav.get_by_role("link", name=name)
        expect(link).to_be_visible()
        assert within_width(page, link), name
    sign_out = nav.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    assert within_width(page, sign_out)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "menu-open")

    # The keyboard: Escape closes it and gives the focus back; Enter opens it again, and Tab
    # goes through the pages.
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_focused()
    for _ in range(4):
        page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Calendar")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/app/calendar")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")


def test_at_desktop_width_every_page_shows_without_a_menu_button(site, browser):
    page = app_page(browser, site, organizer())
    nav = page.get_by_role("navigation", name="Organizer app")

    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    for name in NAV_ITEMS:
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()


def clipboard(page) -> dict[str, str]:
    """What the clipboard holds, by type."""
    return page.evaluate(
        """async () => {
          const found = {};
          for (const item of await navigator.clipboard.read()) {
            for (const type of item.types) found[type] = await (await item.getType(type)).text();
          }
          return found;
        }"""
    )


def test_the_copy_buttons_put_links_and_a_rich_signature_on_the_clipboard(site, browser, shots):
    person = organizer()
    intro = make_type(person, title="Intro call", slug="intro")
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page = context.new_page()
    sign_in_on(page, site, person.email)

    page.locator("button[data-copy='#page-url']").click()
    expect(page.locator("button[data-copy='#page-url']")).to_have_text("Copied")
    assert clipboard(page)["text/plain"] == f"{site}/sam"

    page.locator(f"button[data-copy='#type-url-{intro.pk}']").click()
    assert clipboard(page)["text/plain"] == f"{site}/sam/intro"

    expect(page.locator("#signature-preview a")).to_have_text("Book time with Sam Organizer")
    page.get_by_role("button", name="Copy signature").click()
    expect(page.locator("#copy-signature")).to_have_text("Copied")
    held = clipboard(page)
    assert f'<a href="{site}/sam">Book time with Sam Organizer</a>' in held["text/html"]
    assert held["text/plain"] == f"Book time with Sam Organizer: {site}/sam"
    shots(page, "dashboard")

    # The HTML itself, for those who want it.
    page.get_by_text("Show the HTML").click()
    page.get_by_role("button", name="Copy HTML").click()
    assert clipboard(page)["text/plain"] == f'<a href="{site}/sam">Book time with Sam Organizer</a>'


def test_the_first_sign_in_takes_the_browsers_time_zone(site, browser):
    person = organizer(time_zone="UTC")

    page = app_page(browser, site, person, timezone_id="America/Toronto")

    notice = page.locator("#zone-detected")
    expect(notice).to_contain_text("America/Toronto")
    expect(notice.get_by_role("link", name="Change it")).to_have_attribute("href", "/app/profile")
    person.refresh_from_db()
    assert person.time_zone == "America/Toronto"


def test_the_organizer_moves_then_cancels_a_booking_at_phone_width(site, browser, shots):
    person = organizer()
    mt = make_type(person, title="Intro call", slug="intro", min_notice_minutes=0)
    tz = ZoneInfo("Europe/Paris")
    today = datetime.now(tz).date()
    free = offer(mt, Days(today + timedelta(days=1), today + timedelta(days=14), tz)).starts
    attendee = services.Attendee(name="Pat Visitor", email="pat@example.org", time_zone="UTC")
    booking = services.book(mt, free[0], attendee).booking

    page = app_page(browser, site, person, viewport=PHONE)
    page.goto(f"{site}/app/bookings")
    expect(page.locator(f"#booking-{booking.pk}")).to_contain_text("Pat Visitor")
    page.locator(f"#move-{booking.pk}").click()
    expect(page.get_by_role("heading", name="Move a booking")).to_be_visible()
    page.locator(".move-start").nth(1).click()
    shots(page, "move")
    page.get_by_role("button", name="Move booking").click()
    expect(page.get_by_role("status").filter(has_text="is moved")).to_be_visible()
    booking.refresh_from_db()
    assert booking.start != free[0] and booking.sequence == 1

    item = page.locator(f"#booking-{booking.pk}")
    item.get_by_text("Cancel this booking").click()
    item.get_by_label("Reason (optional)").fill("Sorry, I am away")
    item.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_role("status").filter(has_text="is cancelled")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    page.get_by_role("link", name="Cancelled").click()
    expect(page.locator(f"#booking-{booking.pk}")).to_contain_text("Sorry, I am away")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "cancelled")
