"""Issue 17's rules on the pages: the manage page past a change deadline or the move limit
(why, whom to contact, no button left that would be refused), the booking form's guests
field, the type form's rows for the rules and the profile's limits across all types."""

from datetime import UTC, datetime, timedelta

import makers
import pytest
from dom import dom, one, text
from makers import make_person

from bookwithme.booking import services
from bookwithme.booking.models import Booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# Tuesday 2026-06-02, 11:00 in Paris.
START = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def alex():
    return make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")


def make_type(owner, **rules):
    return makers.make_type(owner, slug="intro", duration_minutes=60, **rules)


def book(meeting_type, **fields):
    attendee = {"name": "Sam Doe", "email": "sam@example.org", "time_zone": "Europe/Paris"}
    result = services.book(meeting_type, START, services.Attendee(**(attendee | fields)))
    return result.booking, result.manage_token


def manage(client, token):
    response = client.get(f"/manage/{token}")
    assert response.status_code == 200
    return dom(response)


def buttons(page) -> set[str]:
    return {b.get("data-opens") for b in page.xpath("//button[@data-opens]")}


def note(page) -> str:
    notes = page.xpath("//*[@data-change-refused]")
    return text(notes[0]) if notes else ""


# --- the manage page -----------------------------------------------------------------------------


def test_before_the_deadlines_both_changes_are_offered(client, alex, frozen):
    _, token = book(make_type(alex, cancel_notice_minutes=60, reschedule_notice_minutes=120))
    frozen.move_to(START - timedelta(minutes=120))
    page = manage(client, token)
    assert buttons(page) == {"reschedule", "cancel"} and note(page) == ""
    assert page.xpath("//*[@id='cancel']") and page.xpath("//*[@id='reschedule']")


def test_past_the_move_deadline_only_cancelling_is_left(client, alex, frozen):
    _, token = book(make_type(alex, cancel_notice_minutes=60, reschedule_notice_minutes=120))
    frozen.move_to(START - timedelta(minutes=119))
    page = manage(client, token)
    assert buttons(page) == {"cancel"}
    assert not page.xpath("//*[@id='reschedule']")
    assert note(page) == (
        "It is too late to move this booking online. Please contact Alex Martin (alex@example.org)."
    )


def test_past_both_deadlines_the_page_says_whom_to_contact_once(client, alex, frozen):
    _, token = book(make_type(alex, cancel_notice_minutes=60, reschedule_notice_minutes=120))
    frozen.move_to(START - timedelta(minutes=59))
    page = manage(client, token)
    assert buttons(page) == set()
    assert not page.xpath("//*[@id='cancel']")
    assert note(page) == (
        "It is too late to cancel or move this booking online. "
        "Please contact Alex Martin (alex@example.org)."
    )


def test_moved_as_often_as_allowed_the_page_says_so(client, alex):
    booking, token = book(make_type(alex, max_reschedules=1))
    services.reschedule(booking, START + timedelta(hours=2), by=Booking.CancelledBy.ATTENDEE)
    page = manage(client, token)
    assert buttons(page) == {"cancel"}
    assert "cannot be moved again online" in note(page) and "alex@example.org" in note(page)


def test_the_manage_page_lists_the_guests(client, alex):
    _, token = book(make_type(alex, max_guests=2), guests=("lea@example.org",))
    facts = manage(client, token).xpath("//dd[@data-guests]")
    assert [text(dd) for dd in facts] == ["lea@example.org"]


def test_the_refusal_is_said_in_french(client, alex, frozen):
    _, token = book(make_type(alex, cancel_notice_minutes=60))
    frozen.move_to(START - timedelta(minutes=30))
    client.cookies["django_language"] = "fr"
    page = manage(client, token)
    assert note(page).startswith("Il est trop tard pour annuler ce rendez-vous en ligne.")


# --- the booking form ----------------------------------------------------------------------------


def test_the_booking_form_asks_for_guests_only_when_the_type_takes_them(client, alex):
    intro = make_type(alex)
    assert not dom(client.get("/alex/intro")).xpath("//*[@id='book-guests']")
    intro.max_guests = 3
    intro.save()
    page = dom(client.get("/alex/intro"))
    field = one(page, "//textarea[@id='book-guests']")
    assert field.get("name") == "guests"
    assert text(one(page, "//label[@for='book-guests']")).startswith("Guests")
    assert "up to 3 others" in text(one(page, "//*[@id='book-guests-help']"))


# --- the organizer app ---------------------------------------------------------------------------


def test_the_type_form_shows_the_rules(client, alex):
    client.force_login(alex)
    page = dom(client.get("/app/types/new"))
    for name in (
        "weekly_limit",
        "visitor_limit",
        "cancel_notice_minutes",
        "reschedule_notice_minutes",
        "max_reschedules",
        "max_guests",
    ):
        assert page.xpath(f"//input[@name='{name}']"), name
        assert page.xpath(f"//label[@for='id_{name}']"), name


def test_the_profile_sets_and_clears_the_limits_across_types(client, alex):
    client.force_login(alex)
    data = {
        "name": "Alex Martin",
        "time_zone": "Europe/Paris",
        "page_slug": "alex",
        "page_published": "on",
        "language": "en",
        "daily_limit": "3",
        "weekly_limit": "10",
    }
    assert client.post("/app/profile", data).status_code == 302
    alex.refresh_from_db()
    assert (alex.daily_limit, alex.weekly_limit) == (3, 10)
    page = dom(client.get("/app/profile"))
    assert one(page, "//input[@name='daily_limit']").get("value") == "3"
    refused = client.post("/app/profile", data | {"weekly_limit": "0"})
    assert refused.status_code == 200
    error = one(dom(refused), "//*[@id='id_weekly_limit_error']")
    assert "greater than or equal to 1" in text(error)
    cleared = client.post("/app/profile", data | {"daily_limit": "", "weekly_limit": ""})
    assert cleared.status_code == 302
    alex.refresh_from_db()
    assert (alex.daily_limit, alex.weekly_limit) == (None, None)


def test_the_organizers_bookings_show_the_guests(client, alex):
    book(make_type(alex, max_guests=2), guests=("lea@example.org", "max@example.org"))
    client.force_login(alex)
    page = dom(client.get("/app/bookings"))
    assert text(one(page, "//dd[contains(@class, 'booking-guests')]")) == (
        "lea@example.org, max@example.org"
    )
