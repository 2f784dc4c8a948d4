"""The organizer app and the admin for everyone: axe-core finds nothing on any page in any
state, the focus shows on every control, buttons and links read at 4.5:1 under the mouse and
switched off, the time zone is the visitors' searchable list, and the top bar holds on one line.

At 375 and 1280 px, in English and French; one signed-in browser per case walks every page.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from axe import context, summary, violations
from browser import DESKTOP, PASSWORD, PHONE
from focus import CONTRAST, assert_focus_always_shows
from makers import make_person, make_type
from playwright.sync_api import expect

from bookwithme.booking import services
from bookwithme.booking.availability import Days, offer
from bookwithme.booking.models import Booking
from bookwithme.web.app.invite import set_password_url

pytestmark = pytest.mark.django_db(transaction=True)

CASES = [
    pytest.param(PHONE, "en-US", id="phone-en"),
    pytest.param(DESKTOP, "en-US", id="desktop-en"),
    pytest.param(PHONE, "fr-FR", id="phone-fr"),
    pytest.param(DESKTOP, "fr-FR", id="desktop-fr"),
]
EVERY_DAY = {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
QUESTIONS = [
    {"id": "topic", "label": "Topic", "kind": "text", "required": True},
    {"id": "notes", "label": "Anything else", "kind": "long_text", "required": False},
    {"id": "phone", "label": "Phone", "kind": "phone", "required": False},
    {"id": "size", "label": "Team size", "kind": "single_choice", "options": ["1", "2-10"]},
    {"id": "tools", "label": "Tools", "kind": "multiple_choice", "options": ["Mail", "Chat"]},
    {"id": "city", "label": "City", "kind": "dropdown", "options": ["Paris", "Lyon"]},
    {"id": "consent", "label": "I agree to be called", "kind": "checkbox", "required": True},
]
# Toronto's zone as the list names it.
TORONTO = {
    "en-US": "Toronto (Eastern Time)",
    "fr-FR": "Toronto (heure de l\u2019Est nord-américain)",
}
# Controls whose look under the mouse and switched off must still read at 4.5:1.
HOVERED = [
    ".btn.primary",
    ".btn:not(.primary):not(.ghost):not(.danger)",
    ".btn.ghost",
    ".btn.danger",
    "main a:not(.btn)",
    ".tabs a",
    ".language button:not([disabled])",
    ".language button[disabled]",
]


@pytest.fixture
def organizer():
    """An organization admin with a page, bookings of every kind and a type asking questions
    of each kind; and someone invited who has not set a password yet."""
    person = make_person(name="Sam Organizer", page_slug="sam", weekly=EVERY_DAY)
    person.set_password(PASSWORD)
    person.is_org_admin = person.is_staff = True
    person.save()
    asking = make_type(person, title="Consulting", slug="consulting", questions=QUESTIONS)
    tz = ZoneInfo("Europe/Paris")
    today = datetime.now(tz).date()
    free = offer(asking, Days(today + timedelta(days=1), today + timedelta(days=20), tz)).starts
    answers = {"topic": "Plans", "notes": "Line one\nline two", "consent": True, "city": "Lyon"}

    def book(start, name, email):
        attendee = services.Attendee(name, email, "America/Toronto", answers=answers)
        return services.book(asking, start, attendee).booking

    book(free[0], "Ann Lee", "ann@example.org")
    gone = book(free[10], "Cy Gone", "cy@example.org")
    services.cancel(gone, by=Booking.CancelledBy.ATTENDEE, reason="Ill")
    past = book(free[20], "Pat Past", "pat@example.org")
    back = timedelta(days=40)
    Booking.objects.filter(pk=past.pk).update(
        start=past.start - back,
        end=past.end - back,
        blocked_start=past.blocked_start - back,
        blocked_end=past.blocked_end - back,
    )
    services.create_link(asking)
    invited = make_person(name="Ivy Invited", email="ivy@example.org", org=person.organization)
    invited.set_unusable_password()
    invited.save()
    return person, asking, invited


def no_violations(page, what: str) -> None:
    found = violations(page)
    assert not found, f"axe on {what}:\n{summary(found)}"


def checked(page, url: str, what: str, focus: bool = True) -> None:
    """Open the page: axe finds nothing, and (unless told) every control shows its focus."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    no_violations(page, what)
    if focus:
        assert_focus_always_shows(page, what)


def read_at_4_5(page, what: str) -> int:
    """One control of each kind on the page, under the mouse and switched off; how many."""
    measured = 0
    for selector in HOVERED:
        found = page.locator(selector).locator("visible=true")
        if not found.count():
            continue
        control = found.first.element_handle()  # the same one once switched off
        control.hover()
        ratio = control.evaluate(CONTRAST)
        assert ratio >= 4.5, f"{selector} under the mouse on {what}: {ratio:.2f}:1"
        if control.evaluate("(el) => el.tagName === 'BUTTON'"):
            control.evaluate("(el) => { el.dataset.was = el.disabled; el.disabled = true; }")
            page.mouse.move(0, 0)
            ratio = control.evaluate(CONTRAST)
            control.evaluate("(el) => { el.disabled = el.dataset.was === 'true'; }")
            assert ratio >= 4.5, f"{selector} switched off on {what}: {ratio:.2f}:1"
        measured += 1
    page.mouse.move(0, 0)
    return measured


def sign_in(page, site: str, email: str, password: str) -> None:
    """By the fields' ids: their labels are in the page's language."""
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("form:has(#id_password) button[type=submit]").click()


@pytest.mark.parametrize(("viewport", "locale"), CASES)
def test_the_app_and_the_admin_pass_axe_and_show_focus_in_every_state(
    site, browser, shots, organizer, viewport, locale
):
    person, asking, invited = organizer
    ctx = context(browser, locale=locale, timezone_id="Europe/Paris", viewport=viewport)
    page = ctx.new_page()
    phone = viewport == PHONE

    # Before signing in: an invitation's set-password page, the sign-in page, a wrong password.
    checked(page, set_password_url(invited), "the set-password page")
    checked(page, f"{site}/app/login", "the sign-in page")
    sign_in(page, site, person.email, "not the password")
    expect(page.locator(".notice.error, .errorlist").first).to_be_visible()
    no_violations(page, "the sign-in page, a wrong password")
    shots(page, "sign-in-refused")
    sign_in(page, site, person.email, PASSWORD)
    expect(page).to_have_url(f"{site}/app/")

    checked(page, f"{site}/app/", "the dashboard")
    assert read_at_4_5(page, "the dashboard") >= 5
    top_bar_holds(page, phone)
    if phone:
        page.locator(".nav-toggle").click()
        expect(page.locator(".nav-toggle")).to_have_attribute("aria-expanded", "true")
        no_violations(page, "the dashboard, the menu open")
        assert_focus_always_shows(page, "the dashboard, the menu open")
        read_at_4_5(page, "the menu")
        shots(page, "menu-open")
    else:
        shots(page, "dashboard")

    # Bookings: each tab, a search finding nobody, a booking's history and cancel form open.
    checked(page, f"{site}/app/bookings", "the upcoming bookings")
    for summary_ in page.locator("li.booking details > summary").all():
        summary_.click()
    no_violations(page, "a booking's details open")
    read_at_4_5(page, "the bookings")
    shots(page, "bookings-open")
    for tab in ("past", "cancelled"):
        checked(page, f"{site}/app/bookings?tab={tab}", f"the {tab} bookings", focus=False)
        expect(page.locator("li.booking")).to_have_count(1)
    checked(page, f"{site}/app/bookings?q=nobody-at-all", "a search finding nobody", focus=False)
    expect(page.locator("li.booking")).to_have_count(0)
    upcoming = Booking.objects.get(attendee_name="Ann Lee")
    checked(page, f"{site}/app/bookings/{upcoming.pk}/move", "the move page")
    read_at_4_5(page, "the move page")

    # Meeting types: the list, a new one refused, one asking a question of each kind, links.
    checked(page, f"{site}/app/types/", "the meeting types")
    checked(page, f"{site}/app/types/new", "a new meeting type")
    page.locator("#id_title").fill("")
    page.locator("#id_duration_minutes").fill("0")
    page.locator("#type-form").evaluate("(f) => { f.noValidate = true; f.requestSubmit(); }")
    expect(page.locator(".errorlist").first).to_be_visible()
    no_violations(page, "a new meeting type, refused")
    assert_focus_always_shows(page, "a new meeting type, refused")
    shots(page, "type-refused")
    checked(page, f"{site}/app/types/{asking.pk}/", "a type asking questions of each kind")
    kinds = page.locator(".question select").evaluate_all("(ss) => ss.map((s) => s.value)")
    assert sorted(kinds) == sorted(q["kind"] for q in QUESTIONS)
    read_at_4_5(page, "a type's page")
    checked(page, f"{site}/app/types/{asking.pk}/links", "a type's private links")

    checked(page, f"{site}/app/availability", "the availability")
    checked(page, f"{site}/app/calendar", "the calendar")
    checked(page, f"{site}/app/calendars/", "the connected calendars")

    # The profile: the time zone is the visitors' searchable list.
    checked(page, f"{site}/app/profile", "the profile")
    zone = page.locator("#id_time_zone-input")
    expect(zone).to_be_visible()
    expect(page.locator("#id_time_zone")).to_be_hidden()
    zone.fill("montreal")
    option = page.locator("#id_time_zone-list [role=option]").first
    expect(option).to_have_attribute("data-zone", "America/Toronto")
    no_violations(page, "the profile, the zone list open")
    shots(page, "profile-zones")
    page.keyboard.press("Enter")
    expect(page.locator("#id_time_zone")).to_have_value("America/Toronto")
    page.locator("#save-profile").click()
    expect(page.locator("#id_time_zone-input")).to_have_value(TORONTO[locale])
    person.refresh_from_db()
    assert person.time_zone == "America/Toronto"
    no_violations(page, "the profile, saved")

    # The admin, as an organization admin: its home and the people.
    checked(page, f"{site}/admin/", "the admin", focus=False)
    checked(page, f"{site}/admin/directory/person/", "the admin's people", focus=False)
    shots(page, "admin-people")
    ctx.close()


def top_bar_holds(page, phone: bool) -> None:
    """At 1280 px brand, pages and language on one line (French's labels are the longest);
    at 375 px brand and language on one, the menu button below."""
    tops = page.evaluate(
        """() => ['.brand', '.app-nav', '.language'].map(
            (s) => Math.round(document.querySelector(s).getBoundingClientRect().top))"""
    )
    height = page.locator(".topbar").bounding_box()["height"]
    if phone:
        assert abs(tops[0] - tops[2]) < 20 and tops[1] > tops[0] + 20, tops
    else:
        assert height < 70, f"the top bar wraps: {height}px high, {tops}"


def test_the_booking_form_names_the_chosen_zone_as_the_picker_does(site, browser):
    owner = make_person(name="Camille Dubois", page_slug="camille", weekly=EVERY_DAY)
    make_type(owner, title="Intro", slug="intro")
    ctx = browser.new_context(locale="en-US", timezone_id="America/Montreal", viewport=DESKTOP)
    page = ctx.new_page()
    page.goto(f"{site}/camille/intro")
    expect(page.locator("[data-picker]")).to_have_attribute("data-state", "ready")
    expect(page.locator("#picker-zone-input")).to_have_value("Toronto (Eastern Time)")
    page.locator(".time").first.click()
    chosen = page.locator("[data-chosen-zone]")
    expect(chosen).to_have_text("Toronto (Eastern Time)")
    expect(chosen).to_have_attribute("title", "America/Toronto")
    ctx.close()
