"""The Content-Security-Policy in a real browser: every page works under it without a single
violation, the API docs render, the booking pages book inside another site's frame, and the
manage page refuses to be framed."""

import re
from datetime import UTC, timedelta

import pytest
from browser import DESKTOP, PASSWORD, other_site, sign_in_on
from django.utils import timezone
from makers import make_link, make_person, make_type
from playwright.sync_api import expect

from bookwithme.booking import availability, services
from bookwithme.booking.models import Booking
from bookwithme.directory.models import Person

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_DAY = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Every violation the page reports, from the moment it starts.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture
def sam():
    person = make_person(name="Sam Organizer", page_slug="sam", weekly=EVERY_DAY)
    person.set_password(PASSWORD)
    person.save()
    Person.objects.filter(pk=person.pk).update(is_staff=True, is_superuser=True)
    return person


@pytest.fixture
def intro(sam):
    return make_type(sam, title="Office hours", slug="office-hours")


def watched(browser):
    """A page recording CSP violations, both as events and as console messages."""
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Paris", viewport=DESKTOP)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_refusals = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and page.console_refusals.append(m.text),
    )
    return page


def visit(page, url, ready=None):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if ready:
        expect(page.locator(ready).first).to_be_visible()
    assert page.evaluate("window.__violations") == [], url
    assert page.console_refusals == [], url


def test_every_kind_of_page_runs_without_a_policy_violation(site, browser, sam, intro):
    booked = services.book(
        intro,
        intro_start(intro),
        services.Attendee("Ann Lee", "ann@example.org", "Europe/Paris"),
    )
    page = watched(browser)

    visit(page, f"{site}/sam", "h1")
    visit(page, f"{site}/sam/office-hours", ".time")
    visit(page, f"{site}/l/{make_link(intro)}", ".time")
    visit(page, f"{site}/manage/{booked.manage_token}", "[data-manage]")
    page.locator('[data-opens="reschedule"]').click()  # the manage page's picker opens
    expect(page.locator("#reschedule .time").first).to_be_visible()
    assert page.evaluate("window.__violations") == []

    sign_in_on(page, site, sam.email)
    for path in ("/app/", "/app/types/new", "/app/availability", "/app/calendar", "/app/profile"):
        visit(page, site + path, "main")
    visit(page, f"{site}/admin/", "#content")
    visit(page, f"{site}/admin/booking/booking/", "#changelist")
    visit(page, f"{site}/admin/directory/person/{sam.pk}/change/", "#content")


def test_the_api_docs_render_under_the_policy(site, browser):
    page = watched(browser)

    visit(page, f"{site}/api/v1/docs", ".swagger-ui .info")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("bookwithme")
    expect(page.locator(".opblock").first).to_be_visible()


def test_the_admin_sign_in_page_works_under_the_policy(site, browser, sam):
    page = watched(browser)

    visit(page, f"{site}/admin/login/", "#login-form")
    page.locator("#id_username").fill(sam.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()

    expect(page).to_have_url(f"{site}/admin/")


@pytest.fixture
def embedding():
    """Another site: embedding(page, url) opens its page that frames `url`."""
    framed = {}

    def page_html() -> str:
        return (
            f'<!doctype html><title>Embedder</title><iframe src="{framed["url"]}" '
            'title="Booking" width="900" height="900"></iframe>'
        )

    with other_site(page_html) as address:

        def open_framing(page, url: str) -> None:
            framed["url"] = url
            page.goto(address)

        yield open_framing


@pytest.mark.parametrize(
    ("requires_approval", "said"), [(False, "[data-booked]"), (True, "[data-requested]")]
)
def test_a_framed_booking_page_books_and_confirms_in_the_frame(
    site, browser, sam, intro, embedding, requires_approval, said
):
    """A request (the type needs approval) is said to be one, not "You're booked"."""
    intro.requires_approval = requires_approval
    intro.save()
    page = watched(browser)
    embedding(page, f"{site}/sam/office-hours")
    frame = page.frame_locator("iframe")

    expect(frame.locator(".time").first).to_be_visible()
    frame.locator(".time").first.click()
    frame.locator("#book-name").fill("Ann Lee")
    frame.locator("#book-email").fill("ann@example.org")
    frame.locator("[data-submit]").click()

    expect(frame.locator(said)).to_be_visible()
    link = frame.locator(f"{said} [data-booked-link]")
    expect(link).to_have_attribute("href", re.compile(r"^/manage/[^?]+\?booked=1$"))
    expect(link).to_have_attribute("target", "_blank")
    assert [b.status for b in Booking.objects.all()] == [
        "pending" if requires_approval else "confirmed"
    ]
    assert page.console_refusals == []


def test_the_manage_page_refuses_to_be_framed(site, browser, sam, intro, embedding):
    booked = services.book(
        intro,
        intro_start(intro),
        services.Attendee("Ann Lee", "ann@example.org", "Europe/Paris"),
    )
    page = watched(browser)

    embedding(page, f"{site}/manage/{booked.manage_token}")
    page.wait_for_load_state("networkidle")

    expect(page.frame_locator("iframe").locator("[data-manage]")).to_have_count(0)
    assert any("frame-ancestors 'none'" in text for text in page.console_refusals)


def intro_start(meeting_type):
    today = timezone.now().date()
    days = availability.Days(today, today + timedelta(days=14), UTC)
    return availability.offer(meeting_type, days).starts[0]
