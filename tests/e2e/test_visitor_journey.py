"""A visitor in Montréal, browser in French, books, moves and cancels a meeting."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from browser import DESKTOP, PHONE
from makers import make_person, make_type
from playwright.sync_api import expect

from bookwithme.booking.models import Booking

pytestmark = pytest.mark.django_db(transaction=True)

MONTREAL = ZoneInfo("America/Montreal")
# Chromium names the zone by its canonical name: Montréal is a link to Toronto.
MONTREAL_NAMES = re.compile("America/(Montreal|Toronto)")
WEEKDAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def every_day(start: str, end: str) -> dict:
    """Hours every day, so the journey finds times whatever day the suite runs."""
    return {day: [[start, end]] for day in WEEKDAYS}


def pick_a_time(page) -> str:
    picker = page.locator("[data-picker]").first
    expect(picker).to_have_attribute("data-state", "ready")
    times = picker.locator(".time")
    expect(times.first).to_be_visible()
    chosen = times.first
    start = chosen.get_attribute("data-start")
    chosen.focus()
    page.keyboard.press("Enter")  # the whole flow works from the keyboard
    return start


def local_clock(iso: str) -> str:
    """'HH:MM' of an offered start in Montréal, as the French page writes it."""
    return datetime.fromisoformat(iso).astimezone(MONTREAL).strftime("%H:%M")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_visitor_books_then_reschedules_then_cancels_in_their_zone(site, browser, shots, viewport):
    owner = make_person(
        name="Camille Dubois",
        time_zone="Europe/Paris",
        page_slug="camille",
        weekly=every_day("09:00", "17:00"),
    )
    make_type(
        owner,
        title="Premier échange",
        slug="premier-echange",
        duration_minutes=30,
        description="Faisons connaissance <script>alert(1)</script>",
        online_meeting=True,
    )
    context = browser.new_context(locale="fr-FR", timezone_id="America/Montreal", viewport=viewport)
    page = context.new_page()

    # The personal page, in French from the browser's Accept-Language.
    page.goto(f"{site}/camille")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Camille Dubois")).to_be_visible()
    shots(page, "personal-page")
    page.get_by_role("link", name=re.compile("Premier échange")).click()

    # The type page: the description shows as text, the zone is the browser's.
    expect(page.get_by_text("<script>alert(1)</script>", exact=False)).to_be_visible()
    expect(page.locator("#picker-zone")).to_have_value(MONTREAL_NAMES)
    start = pick_a_time(page)
    shots(page, "time-picked")

    page.get_by_label("Votre nom").fill("Dominique Tremblay")
    page.locator("#book-email").fill("dominique@example.org")
    page.locator("#book-notes").fill("À bientôt <b>!</b>")
    page.locator("[data-submit]").click()

    # The confirmation, in the visitor's zone.
    expect(page.locator("#confirmation")).to_be_visible()
    expect(page.locator("main")).to_contain_text(local_clock(start))
    # The zone by its name, as the picker writes it; the id kept for a tooltip.
    expect(page.locator("[data-zone-name]")).to_contain_text("Toronto (heure de l")
    expect(page.locator("[data-zone-name]")).to_have_attribute("title", MONTREAL_NAMES)
    expect(page.locator("[data-ics]")).to_have_attribute("href", re.compile(r"/ics$"))
    expect(page.locator("#manage-link")).to_have_value(re.compile(r"/manage/"))
    shots(page, "confirmation")
    booking = Booking.objects.get()
    assert booking.start.isoformat() == _utc(start)
    assert MONTREAL_NAMES.fullmatch(booking.attendee_time_zone)
    assert booking.attendee_language == "fr"
    assert booking.meeting_url.startswith("https://")
    manage = page.url.split("?")[0]

    # Reschedule with the same picker: another time, same booking.
    page.locator('[data-opens="reschedule"]').click()
    moved_to = _pick_next_month(page, "#reschedule")
    page.locator("[data-move]").click()
    expect(page).to_have_url(re.compile(r"\?moved=1$"))
    expect(page.locator("[data-status-head]")).to_be_visible()
    expect(page.locator("main")).to_contain_text(local_clock(moved_to))
    shots(page, "moved")
    booking.refresh_from_db()
    assert booking.start.isoformat() == _utc(moved_to)
    assert Booking.objects.count() == 1

    # Cancel with a reason.
    page.goto(manage)
    page.get_by_role("button", name="Annuler la réservation").click()
    page.locator("#cancel-reason").fill("Un empêchement")
    page.locator("[data-cancel-confirm]").click()
    expect(page).to_have_url(re.compile(r"\?cancelled=1$"))
    expect(page.locator("[data-status]")).to_have_text(re.compile("annul", re.I))
    shots(page, "cancelled")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancel_reason == "Un empêchement"
    expect(page.locator("[data-move], [data-cancel-confirm]")).to_have_count(0)
    context.close()


def _pick_next_month(page, scope: str) -> str:
    """A time in the next month: surely another time than the booked one."""
    picker = page.locator(scope).locator("[data-picker]")
    expect(picker).to_have_attribute("data-state", "ready")
    picker.locator("[data-next]").click()
    expect(picker).to_have_attribute("data-state", "ready")
    picker.locator(".day.open").first.click()
    chosen = picker.locator(".time").first
    start = chosen.get_attribute("data-start")
    chosen.click()
    return start


def _utc(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()
