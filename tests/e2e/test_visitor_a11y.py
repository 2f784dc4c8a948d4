"""The visitor's pages for everyone: axe-core finds nothing, the focus always shows, the days'
states read at 4.5:1, one date format from picker to manage page, a searchable zone list, the
12/24 hour switch remembered, and the calendar's keys of the WAI-ARIA date picker.

At 375 and 1280 px, in English and French, for a visitor in Montréal.
"""

import re

import pytest
from axe import context, summary, violations
from browser import DESKTOP, PHONE
from focus import CONTRAST, assert_focus_always_shows
from makers import make_person, make_type
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CASES = [
    pytest.param(PHONE, "en-US", id="phone-en"),
    pytest.param(DESKTOP, "en-US", id="desktop-en"),
    pytest.param(PHONE, "fr-FR", id="phone-fr"),
    pytest.param(DESKTOP, "fr-FR", id="desktop-fr"),
]


def every_day_but_sunday() -> dict:
    """Times whatever day the suite runs, and closed days (Sundays) in every month."""
    return {day: [["09:00", "17:00"]] for day in WEEKDAYS if day != "sun"}


@pytest.fixture
def organizer():
    owner = make_person(
        name="Camille Dubois",
        time_zone="Europe/Paris",
        page_slug="camille",
        weekly=every_day_but_sunday(),
    )
    make_type(owner, title="Premier échange", slug="premier-echange", duration_minutes=30)
    make_type(owner, title="Suivi", slug="suivi", duration_minutes=60)
    return owner


def no_violations(page, what: str) -> None:
    found = violations(page)
    assert not found, f"axe on {what}:\n{summary(found)}"


@pytest.mark.parametrize(("viewport", "locale"), CASES)
def test_the_visitors_pages_pass_axe_show_focus_and_keep_one_date_format(
    site, browser, shots, organizer, viewport, locale
):
    ctx = context(browser, locale=locale, timezone_id="America/Montreal", viewport=viewport)
    page = ctx.new_page()

    # The organizer's page: every card, link and button shows its focus.
    page.goto(f"{site}/camille")
    expect(page.get_by_role("heading", name="Camille Dubois")).to_be_visible()
    no_violations(page, "the person page")
    assert assert_focus_always_shows(page, "the person page") >= 4  # skip, 2 languages, cards

    # The type's page, a day chosen: axe, focus, and the days' states read at 4.5:1.
    page.goto(f"{site}/camille/premier-echange")
    picker = page.locator("[data-picker]")
    expect(picker).to_have_attribute("data-state", "ready")
    expect(page.locator('.day[aria-pressed="true"]')).to_have_count(1)
    no_violations(page, "the type page, a day chosen")
    assert_focus_always_shows(page, "the type page")
    check_day_contrast(page)
    shots(page, "type-page")

    # The zone list open on a search: axe again.
    zone = page.locator("#picker-zone-input")
    zone.fill("montreal")
    expect(page.locator("#picker-zone-list")).to_be_visible()
    no_violations(page, "the type page, the zone list open")
    page.keyboard.press("Escape")

    # A time: the booking form, the chosen time written as the picker's day and times are.
    times = picker.locator(".time")
    expect(times.first).to_be_visible()
    day_title = picker.locator("[data-day-title]").inner_text()
    first_time = times.first.inner_text()
    times.first.click()
    form = page.locator("[data-book-form]")
    expect(form).to_be_visible()
    chosen = form.locator("[data-chosen-when]").inner_text()
    assert chosen.lower().startswith(day_title.lower()), (chosen, day_title)
    assert first_time in chosen
    no_violations(page, "the booking form")
    assert_focus_always_shows(page, "the booking form")
    shots(page, "booking-form")

    page.locator("#book-name").fill("Dominique Tremblay")
    page.locator("#book-email").fill("dominique@example.org")
    page.locator("[data-submit]").click()

    # The confirmation and the manage page write the time as the form did.
    expect(page).to_have_url(re.compile(r"\?booked=1$"))
    when = page.locator("[data-when]")
    expect(when).to_have_text(chosen)
    no_violations(page, "the confirmation")
    assert_focus_always_shows(page, "the confirmation")
    shots(page, "confirmation")
    page.goto(page.url.split("?")[0])
    expect(page.locator("[data-when]")).to_have_text(chosen)
    no_violations(page, "the manage page")

    # The move panel's picker open: the same picker, the same checks.
    page.locator('[data-opens="reschedule"]').click()
    expect(page.locator("#reschedule [data-picker]")).to_have_attribute("data-state", "ready")
    no_violations(page, "the manage page, moving")

    # Cancelled: said plainly, with a way to book another time.
    page.locator('[data-opens="cancel"]').click()
    page.locator("[data-cancel-confirm]").click()
    expect(page).to_have_url(re.compile(r"\?cancelled=1$"))
    again = page.locator("[data-book-again]")
    expect(again).to_be_visible()
    expect(page.locator("[data-when]")).to_have_text(chosen)
    no_violations(page, "the cancelled manage page")
    assert_focus_always_shows(page, "the cancelled manage page")
    shots(page, "cancelled")
    again.click()
    expect(page).to_have_url(f"{site}/camille/premier-echange")
    ctx.close()


def check_day_contrast(page) -> None:
    """Open, closed, chosen and chosen under the mouse: every day's number at 4.5:1."""
    grid = page.locator("[data-grid]")
    states = {
        "open": grid.locator('.day.open[aria-pressed="false"]').first,
        "closed": grid.locator('.day[aria-disabled="true"]').first,
        "chosen": grid.locator('.day[aria-pressed="true"]'),
    }
    for name, day in states.items():
        page.mouse.move(0, 0)
        ratio = day.evaluate(CONTRAST)
        assert ratio >= 4.5, f"{name} day: {ratio:.2f}:1"
        day.hover()
        ratio = day.evaluate(CONTRAST)
        assert ratio >= 4.5, f"{name} day under the mouse: {ratio:.2f}:1"
    # A switched-off month button reads at 4.5:1 too (the first month's "previous").
    picker = page.locator("[data-picker]")
    prev, next_ = page.locator("[data-prev]"), page.locator("[data-next]")
    stepped = 0
    while prev.is_enabled():
        prev.click()
        expect(picker).not_to_have_attribute("data-state", "loading")
        stepped += 1
    assert prev.evaluate(CONTRAST) >= 4.5
    for _ in range(stepped):
        next_.click()
        expect(picker).to_have_attribute("data-state", "ready")


@pytest.mark.parametrize(("viewport", "locale"), CASES)
def test_the_zone_search_the_clock_switch_and_the_calendar_keys(
    site, browser, organizer, viewport, locale
):
    ctx = browser.new_context(locale=locale, timezone_id="Asia/Kolkata", viewport=viewport)
    page = ctx.new_page()
    page.goto(f"{site}/camille/premier-echange")
    picker = page.locator("[data-picker]")
    expect(picker).to_have_attribute("data-state", "ready")

    # Chromium says Asia/Calcutta: the current name is chosen, and the old one never offered.
    expect(page.locator("#picker-zone")).to_have_value("Asia/Kolkata")
    zone = page.locator("#picker-zone-input")
    zone.click()
    options = page.locator("#picker-zone-list [role=option]")
    expect(options.first).to_have_attribute("data-zone", "Asia/Kolkata")  # detected first
    expect(options.first).to_contain_text(re.compile(r"UTC\+5:30 · \d"))
    ids = options.evaluate_all("os => os.map(o => o.dataset.zone)")
    assert "Asia/Calcutta" not in ids and "Europe/Kiev" not in ids and "Europe/Kyiv" in ids

    # Montréal, with its accent or without, finds Toronto's zone; Enter takes it.
    for typed in ("Montréal", "montreal"):
        zone.fill(typed)
        expect(options.first).to_contain_text("Montréal")
        expect(options.first).to_have_attribute("data-zone", "America/Toronto")
    page.keyboard.press("Enter")
    expect(page.locator("#picker-zone")).to_have_value("America/Toronto")
    expect(zone).to_have_value(re.compile("Toronto"))
    expect(picker).to_have_attribute("data-state", "ready")

    # The 12/24 hour switch: the times change clock, and stay so after a reload.
    clock = page.locator("[data-clock24]")
    first = picker.locator(".time").first
    twelve = re.compile(r"\d:\d\d [AP]M$", re.I)
    twenty_four = re.compile(r"^\d\d:\d\d$")
    if clock.is_checked():
        clock.uncheck()
    expect(first).to_have_text(twelve)
    clock.check()
    expect(first).to_have_text(twenty_four)
    page.reload()
    expect(picker).to_have_attribute("data-state", "ready")
    expect(page.locator("[data-clock24]")).to_be_checked()
    expect(picker.locator(".time").first).to_have_text(twenty_four)
    page.locator("[data-clock24]").uncheck()
    page.reload()
    expect(picker).to_have_attribute("data-state", "ready")
    expect(picker.locator(".time").first).to_have_text(twelve)

    # The calendar's keys: arrows within the month, PageDown to the next, Home / End.
    chosen = picker.locator('.day[aria-pressed="true"]')
    chosen.focus()
    start = chosen.get_attribute("data-date")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("() => document.activeElement.dataset.date")
    assert focused > start
    title = picker.locator("[data-month-title]").inner_text()
    page.keyboard.press("PageDown")
    expect(picker.locator("[data-month-title]")).not_to_have_text(title)
    expect(picker).to_have_attribute("data-state", "ready")
    moved = page.evaluate("() => document.activeElement.dataset.date || ''")
    assert moved[:7] > start[:7], (start, moved)
    page.keyboard.press("PageUp")
    expect(picker.locator("[data-month-title]")).to_have_text(title)
    back = page.evaluate("() => document.activeElement.dataset.date || ''")
    assert back[:7] == start[:7], (start, back)
    # Home and End: the start and the end of that day's week (into another month if need be).
    page.keyboard.press("End")
    expect(picker).to_have_attribute("data-state", "ready")
    end = page.evaluate("() => document.activeElement.dataset.date || ''")
    page.keyboard.press("Home")
    expect(picker).to_have_attribute("data-state", "ready")
    home = page.evaluate("() => document.activeElement.dataset.date || ''")
    assert home <= back <= end and home < end, (home, back, end)
    ctx.close()
