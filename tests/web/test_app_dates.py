"""The organizer app writes dates and times as the booking pages and the emails do
(bookwithme/formats.py through the `when` tags): the full date, the region's clock, in the
organizer's zone and the page's language."""

from datetime import datetime

import pytest
from dom import dom, one, text
from makers import make_link, make_person, make_type

from bookwithme.booking import services
from bookwithme.calendars.events import add_event
from bookwithme.notify import messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

START = "2026-06-02T15:00:00+02:00"  # a Tuesday afternoon in Paris: a 12 hour clock shows PM
# What each reader's browser asks for -> the day, the two times, as the formatter writes them.
WRITTEN = {
    "en-US": ("Tuesday, June 2, 2026", "3:00 PM \u2013 3:30 PM"),
    "en-GB,en;q=0.8": ("Tuesday, 2 June 2026", "15:00 \u2013 15:30"),
    "fr": ("mardi 2 juin 2026", "de 15:00 à 15:30"),
}


@pytest.fixture
def alex():
    # New York's attendee, Paris's organizer: the app writes the organizer's time.
    return make_person(name="Alex Martin", page_slug="alex", time_zone="Europe/Paris")


@pytest.fixture
def booking(alex):
    attendee = services.Attendee("Sam Doe", "sam@example.org", "America/New_York")
    return services.book(make_type(alex, title="Intro"), datetime.fromisoformat(START), attendee)


def when_in_list(page, booking) -> tuple[str, str]:
    item = one(page, f"//li[@id='booking-{booking.booking.pk}']/div[@class='booking-when']")
    return text(item.xpath("strong")[0]), text(item.xpath("span")[0])


@pytest.mark.parametrize("accept", sorted(WRITTEN))
def test_the_dashboard_and_the_bookings_write_the_readers_date_and_clock(
    signed_in, booking, accept
):
    for address in ("/app/", "/app/bookings"):
        page = dom(signed_in.get(address, HTTP_ACCEPT_LANGUAGE=accept))
        assert when_in_list(page, booking) == WRITTEN[accept], address


@pytest.mark.parametrize(
    ("language", "now", "first_day", "first_start"),
    [
        ("en", "Tuesday, June 2, 2026, 3:00 PM \u2013 3:30 PM", "Tuesday, June 2, 2026", "9:00 AM"),
        ("fr", "mardi 2 juin 2026, de 15:00 à 15:30", "mardi 2 juin 2026", "09:00"),
    ],
)
def test_the_move_page_writes_the_booking_and_the_free_times_alike(
    signed_in, booking, language, now, first_day, first_start
):
    page = dom(
        signed_in.get(f"/app/bookings/{booking.booking.pk}/move", HTTP_ACCEPT_LANGUAGE=language)
    )

    assert text(one(page, "//section//p[strong]/strong")) == now
    assert text(page.xpath("//h3[@class='move-day-name']")[0]) == first_day
    assert text(page.xpath("//label[@class='move-start']")[0]) == first_start


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_app_and_the_organizers_email_write_the_booking_alike(
    signed_in, alex, booking, language
):
    alex.language = language
    alex.save()
    sent = messages.render("confirmed", "organizer", booking.booking)

    page = dom(
        signed_in.get(f"/app/bookings/{booking.booking.pk}/move", HTTP_ACCEPT_LANGUAGE=language)
    )

    shown = text(one(page, "//section//p[strong]/strong"))
    assert f"{shown} (Europe/Paris, UTC+2)" in sent.body


@pytest.mark.parametrize(
    ("language", "block", "made", "expires"),
    [
        (
            "en",
            "Tuesday, June 2, 2026, 9:00 AM \u2013 10:00 AM",
            "Monday, June 1, 2026",
            "Wednesday, June 3, 2026, 8:00 AM",
        ),
        (
            "fr",
            "mardi 2 juin 2026, de 09:00 à 10:00",
            "lundi 1 juin 2026",
            "mercredi 3 juin 2026, 08:00",
        ),
    ],
)
def test_the_calendar_and_the_links_write_dates_as_the_rest(
    signed_in, alex, language, block, made, expires
):
    add_event(
        alex,
        title="Dentist",
        start=datetime.fromisoformat("2026-06-02T09:00:00+02:00"),
        end=datetime.fromisoformat("2026-06-02T10:00:00+02:00"),
    )
    link_type = make_type(alex)
    make_link(link_type, expires_in_days=2)

    calendar = dom(signed_in.get("/app/calendar", HTTP_ACCEPT_LANGUAGE=language))
    address = f"/app/types/{link_type.pk}/links"
    links = dom(signed_in.get(address, HTTP_ACCEPT_LANGUAGE=language))

    assert block in text(one(calendar, "//main"))
    row = [text(td) for td in one(links, "//tr[starts-with(@id, 'link-')]").xpath("td")]
    assert row[2:4] == [made, expires]
