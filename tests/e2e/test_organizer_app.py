"""The organizer app in a real browser: the phone menu, the copy buttons, the time zone found
on the first sign-in, moving and cancelling a booking.

At 375 and 1280 px, in English and French (the menu at 375 px, its absence at 1280 px).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser import DESKTOP, PASSWORD, PHONE
from makers import make_person, make_type
from playwright.sync_api import expect

from bookwithme.booking import services
from bookwithme.booking.availability import Days, offer
from bookwithme.booking.models import Booking

pytestmark = pytest.mark.django_db(transaction=True)

WORKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
CASES = [
    pytest.param(PHONE, "en-US", id="phone-en"),
    pytest.param(DESKTOP, "en-US", id="desktop-en"),
    pytest.param(PHONE, "fr-FR", id="phone-fr"),
    pytest.param(DESKTOP, "fr-FR", id="desktop-fr"),
]
LOCALES = [pytest.param("en-US", id="en"), pytest.param("fr-FR", id="fr")]
# The few texts the journeys read, in the page's language; everything else by id or role.
TEXT = {
    "en-US": {
        "nav": ["Dashboard", "Bookings", "Meeting types", "Availability", "Calendar", "Profile"],
        "app": "Organizer app",
        "menu": "Menu",
        "sign out": "Sign out",
        "invitation": "Book time with Sam Organizer",
        "change it": "Change it",
        "move heading": "Move a booking",
        "moved": "is moved",
        "reason": "Reason (optional)",
        "cancelled": "is cancelled",
    },
    "fr-FR": {
        "nav": [
            "Tableau de bord",
            "Rendez-vous",
            "Types de rendez-vous",
            "Disponibilités",
            "Calendrier",
            "Profil",
        ],
        "app": "Espace organisateur",
        "menu": "Menu",
        "sign out": "Se déconnecter",
        "invitation": "Prendre rendez-vous avec Sam Organizer",
        "change it": "Le changer",
        "move heading": "Déplacer un rendez-vous",
        "moved": "est déplacé",
        "reason": "Motif (facultatif)",
        "cancelled": "est annulé",
    },
}


def organizer(**fields):
    fields.setdefault("time_zone", "Europe/Paris")
    person = make_person(name="Sam Organizer", page_slug="sam", weekly=WORKDAYS, **fields)
    person.set_password(PASSWORD)
    person.save()
    return person


def sign_in(page, site: str, email: str) -> None:
    """By the fields' ids (their labels are in the page's language), onto the dashboard."""
    page.goto(f"{site}/app/login")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page).to_have_url(f"{site}/app/")


def app_page(browser, site, person, viewport=DESKTOP, locale="en-US", **options):
    options = {"locale": locale, "timezone_id": "Europe/Paris", "viewport": viewport, **options}
    context = browser.new_context(**options)
    page = context.new_page()
    sign_in(page, site, person.email)
    return page


def within_width(page, locator) -> bool:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("locale", LOCALES)
def test_at_phone_width_a_menu_button_opens_every_page_of_the_app(site, browser, shots, locale):
    text = TEXT[locale]
    page = app_page(browser, site, organizer(), viewport=PHONE, locale=locale)
    menu = page.get_by_role("button", name=text["menu"])
    nav = page.get_by_role("navigation", name=text["app"])
    calendar = nav.get_by_role("link", name=text["nav"][4], exact=True)

    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(calendar).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in text["nav"]:
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        assert within_width(page, link), name
    sign_out = nav.get_by_role("button", name=text["sign out"])
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
    expect(nav.get_by_role("link", name=text["nav"][0], exact=True)).to_be_focused()
    for _ in range(4):
        page.keyboard.press("Tab")
    expect(calendar).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/app/calendar")
    expect(page.get_by_role("button", name=text["menu"])).to_have_attribute(
        "aria-expanded", "false"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_at_desktop_width_every_page_shows_without_a_menu_button(site, browser, locale):
    text = TEXT[locale]
    page = app_page(browser, site, organizer(), locale=locale)
    nav = page.get_by_role("navigation", name=text["app"])

    expect(page.locator(".nav-toggle")).to_be_hidden()
    for name in text["nav"]:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name=text["sign out"])).to_be_visible()


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


@pytest.mark.parametrize(("viewport", "locale"), CASES)
def test_the_copy_buttons_put_links_and_a_rich_signature_on_the_clipboard(
    site, browser, shots, viewport, locale
):
    person = organizer()
    intro = make_type(person, title="Intro call", slug="intro")
    invitation = TEXT[locale]["invitation"]
    context = browser.new_context(locale=locale, viewport=viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page = context.new_page()
    sign_in(page, site, person.email)
    copied = page.locator("button[data-copy='#page-url']").get_attribute("data-copied")

    page.locator("button[data-copy='#page-url']").click()
    expect(page.locator("button[data-copy='#page-url']")).to_have_text(copied)
    assert clipboard(page)["text/plain"] == f"{site}/sam"

    page.locator(f"button[data-copy='#type-url-{intro.pk}']").click()
    assert clipboard(page)["text/plain"] == f"{site}/sam/intro"

    expect(page.locator("#signature-preview a")).to_have_text(invitation)
    page.locator("#copy-signature").click()
    expect(page.locator("#copy-signature")).to_have_text(copied)
    held = clipboard(page)
    assert f'<a href="{site}/sam">{invitation}</a>' in held["text/html"]
    assert held["text/plain"] == f"{invitation}: {site}/sam"
    shots(page, "dashboard")

    # The HTML itself, for those who want it.
    page.locator(".signature-html summary").click()
    page.locator(".signature-html button[data-copy]").click()
    assert clipboard(page)["text/plain"] == f'<a href="{site}/sam">{invitation}</a>'
    context.close()


@pytest.mark.parametrize(("viewport", "locale"), CASES)
def test_the_first_sign_in_takes_the_browsers_time_zone(site, browser, viewport, locale):
    person = organizer(time_zone="UTC")

    page = app_page(
        browser, site, person, viewport=viewport, locale=locale, timezone_id="America/Toronto"
    )

    notice = page.locator("#zone-detected")
    expect(notice).to_contain_text("America/Toronto")
    change = notice.get_by_role("link", name=TEXT[locale]["change it"])
    expect(change).to_have_attribute("href", "/app/profile")
    person.refresh_from_db()
    assert person.time_zone == "America/Toronto"


@pytest.mark.parametrize(("viewport", "locale"), CASES)
def test_the_organizer_moves_then_cancels_a_booking(site, browser, shots, viewport, locale):
    text = TEXT[locale]
    person = organizer()
    mt = make_type(person, title="Intro call", slug="intro", min_notice_minutes=0)
    tz = ZoneInfo("Europe/Paris")
    today = datetime.now(tz).date()
    free = offer(mt, Days(today + timedelta(days=1), today + timedelta(days=14), tz)).starts
    attendee = services.Attendee(name="Pat Visitor", email="pat@example.org", time_zone="UTC")
    booking = services.book(mt, free[0], attendee).booking

    page = app_page(browser, site, person, viewport=viewport, locale=locale)
    page.goto(f"{site}/app/bookings")
    expect(page.locator(f"#booking-{booking.pk}")).to_contain_text("Pat Visitor")
    page.locator(f"#move-{booking.pk}").click()
    expect(page.get_by_role("heading", name=text["move heading"])).to_be_visible()
    page.locator(".move-start").nth(1).click()
    shots(page, "move")
    page.locator("#move-submit").click()
    expect(page.get_by_role("status").filter(has_text=text["moved"])).to_be_visible()
    booking.refresh_from_db()
    assert booking.start != free[0] and booking.sequence == 1

    item = page.locator(f"#booking-{booking.pk}")
    item.locator("details.cancel summary").click()
    item.get_by_label(text["reason"]).fill("Sorry, I am away")
    item.locator("details.cancel button[type=submit]").click()
    expect(page.get_by_role("status").filter(has_text=text["cancelled"])).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    page.locator("#tab-cancelled").click()
    expect(page.locator(f"#booking-{booking.pk}")).to_contain_text("Sorry, I am away")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shots(page, "cancelled")
