"""A visitor answers choice questions on the booking form with the keyboard alone, and the
answers arrive as given (at 375 and 1280 px, in English and French); an organizer orders
questions with the editor's up and down buttons."""

import pytest
from browser import DESKTOP, PHONE
from makers import make_person, make_type
from playwright.sync_api import expect

from bookwithme.booking.models import Booking, MeetingType

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
QUESTIONS = [
    {
        "id": "where",
        "label": "Where shall we meet?",
        "kind": "single_choice",
        "required": True,
        "options": ["Remote", "On site"],
    },
    {
        "id": "areas",
        "label": "Areas",
        "kind": "multiple_choice",
        "required": False,
        "options": ["Design", "Code", "Budget"],
    },
    {
        "id": "size",
        "label": "Team size",
        "kind": "dropdown",
        "required": False,
        "options": ["1-5", "6-20"],
    },
    {"id": "consent", "label": "I agree to be called", "kind": "checkbox", "required": True},
]


@pytest.mark.parametrize(
    ("viewport", "locale"),
    [
        pytest.param(PHONE, "en-US", id="phone-en"),
        pytest.param(DESKTOP, "en-US", id="desktop-en"),
        pytest.param(PHONE, "fr-FR", id="phone-fr"),
        pytest.param(DESKTOP, "fr-FR", id="desktop-fr"),
    ],
)
def test_a_visitor_answers_choice_questions_with_the_keyboard(
    site, browser, shots, viewport, locale
):
    owner = make_person(name="Alex Martin", page_slug="alex", weekly=EVERY_DAY, time_zone="UTC")
    make_type(owner, title="Review", slug="review", questions=QUESTIONS)
    context = browser.new_context(locale=locale, timezone_id="UTC", viewport=viewport)
    page = context.new_page()
    page.goto(f"{site}/alex/review")

    picker = page.locator("[data-picker]").first
    expect(picker).to_have_attribute("data-state", "ready")
    first_time = picker.locator(".time").first
    expect(first_time).to_be_visible()
    first_time.focus()
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", locale[:2])
    # The questions read as the organizer wrote them; the form's own labels by their ids.
    page.locator("#book-name").fill("Eve Moreau")
    page.locator("#book-email").fill("eve@example.org")
    where = page.get_by_role("group", name="Where shall we meet?")
    expect(where).to_be_visible()
    # Into the radio group with Tab, then the arrow keys pick, as in any radio group.
    page.locator("#book-email").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="Remote")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="On site")).to_be_checked()
    page.keyboard.press("Tab")  # to the boxes of the multiple choice
    expect(page.get_by_role("checkbox", name="Design")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("checkbox", name="Budget")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Team size")).to_be_focused()
    page.get_by_label("Team size").select_option("6-20")
    page.keyboard.press("Tab")
    expect(page.get_by_role("checkbox", name="I agree to be called")).to_be_focused()
    page.keyboard.press("Space")
    shots(page, "answered")
    page.locator("[data-submit]").focus()
    page.keyboard.press("Enter")

    page.wait_for_url("**/manage/**")
    booking = Booking.objects.get()
    assert booking.answers == {
        "where": "On site",
        "areas": ["Design", "Budget"],
        "size": "6-20",
        "consent": True,
    }
    context.close()


def test_a_refused_choice_answer_is_shown_on_its_question(site, browser, shots):
    owner = make_person(name="Alex Martin", page_slug="alex", weekly=EVERY_DAY, time_zone="UTC")
    make_type(owner, title="Review", slug="review", questions=QUESTIONS)
    context = browser.new_context(locale="en-US", timezone_id="UTC", viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{site}/alex/review")
    picker = page.locator("[data-picker]").first
    expect(picker).to_have_attribute("data-state", "ready")
    picker.locator(".time").first.click()
    page.get_by_label("Your name").fill("Eve Moreau")
    page.locator("#book-email").fill("eve@example.org")
    page.get_by_role("radio", name="Remote").check()
    # The browser would stop an unticked required box; the server's answer is what is shown.
    page.locator("#book-q-consent").evaluate("box => box.removeAttribute('required')")
    page.locator("[data-submit]").click()
    errors = page.locator("#book-q-consent-errors")
    expect(errors).to_have_text("Tick this box to go on.")
    expect(page.locator("#book-q-consent")).to_have_attribute("aria-invalid", "true")
    shots(page, "refused")
    assert not Booking.objects.exists()
    context.close()


def test_the_organizer_moves_a_question_up(site, browser, shots):
    owner = make_person(name="Alex Martin", page_slug="alex", time_zone="UTC")
    owner.set_password("pw-alex-123")
    owner.save()
    mt = make_type(owner, title="Review", slug="review", questions=QUESTIONS)
    context = browser.new_context(locale="en-US", viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{site}/app/login")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill("pw-alex-123")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{site}/app/types/{mt.pk}/")

    rows = page.locator("#questions [data-row]")
    expect(rows.nth(1).locator("textarea")).to_have_value("Design\nCode\nBudget")
    expect(rows.nth(3).locator("[data-shown-when]")).to_be_hidden()  # a box has no options
    up = rows.nth(2).get_by_role("button", name="Up (move this question up)")
    up.focus()
    page.keyboard.press("Enter")
    # The row is now second, and the keyboard is still on its button.
    expect(rows.nth(1).locator("select")).to_have_value("dropdown")
    expect(rows.nth(1).get_by_role("button", name="Up (move this question up)")).to_be_focused()
    shots(page, "moved")
    page.locator("#save-type").click()
    page.wait_for_url("**/app/types/")

    mt.refresh_from_db()
    assert [q["id"] for q in mt.questions] == ["where", "size", "areas", "consent"]
    assert MeetingType.objects.get(pk=mt.pk).questions[2]["options"] == ["Design", "Code", "Budget"]
    context.close()
