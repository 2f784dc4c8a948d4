"""A person's secret bookings feed: what it lists, its escaping, its caching, and its address
that stops working the moment it is rotated or switched off."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from django.conf import settings
from makers import NOW, make_person, make_type

from bookwithme.booking import feeds, services
from bookwithme.booking.models import Booking, BookingsFeed
from bookwithme.tokens import hash_token

pytestmark = pytest.mark.usefixtures("frozen", "jitsi")

START = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
HOSTILE = 'Zoé, "the; boss" \\ <script>alert(1)</script>'


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")


@pytest.fixture
def intro(alex):
    return make_type(alex, title="Intro call", slug="intro", online_meeting=True)


def book(mt, start=START, name="Zoé Roux", email="zoe@example.org", notes="") -> Booking:
    attendee = services.Attendee(name, email, "America/Montreal", notes=notes)
    return services.book(mt, start, attendee).booking


def path(url: str) -> str:
    return urlsplit(url).path


def fetch(client, url, **headers):
    response = client.get(path(url), **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response


def events(response) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def moved_to_the_past(booking: Booking, days: int) -> None:
    shift = timedelta(days=days)
    Booking.objects.filter(pk=booking.pk).update(
        start=booking.start - shift,
        end=booking.end - shift,
        blocked_start=booking.blocked_start - shift,
        blocked_end=booking.blocked_end - shift,
    )


def test_the_feed_lists_confirmed_bookings_with_attendee_link_and_type(client, alex, intro):
    url = feeds.rotate_bookings_feed(alex)
    assert url.startswith(f"{settings.BOOKWITHME_BASE_URL}/feeds/") and url.endswith(".ics")
    confirmed = book(intro, notes="About Q3")
    later = book(intro, START + timedelta(days=3), name="Bea Stone", email="bea@example.org")
    cancelled = book(intro, START + timedelta(hours=2))
    services.cancel(cancelled, by=Booking.CancelledBy.ATTENDEE)
    recent, old = book(intro, START + timedelta(hours=4)), book(intro, START + timedelta(hours=5))
    moved_to_the_past(recent, 20)
    moved_to_the_past(old, 40)
    bea = make_person(name="Bea", page_slug="bea")
    book(make_type(bea), START)  # someone else's

    response = fetch(client, url)

    found = events(response)
    # Cancelled ones are left out: a subscribing app then drops them from its copy.
    assert set(found) == {confirmed.uid, later.uid, recent.uid}
    event = found[confirmed.uid]
    assert event["DTSTART"].dt == START
    assert event["DTEND"].dt == START + timedelta(minutes=30)
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Intro call: Alex Martin and Zoé Roux"
    assert str(event["LOCATION"]) == confirmed.meeting_url
    assert str(event["URL"]) == confirmed.meeting_url
    assert confirmed.meeting_url.startswith("https://meet.example/")
    assert str(event["ATTENDEE"]) == "mailto:zoe@example.org"
    assert event["ATTENDEE"].params["CN"] == "Zoé Roux"
    assert "SCHEDULE-AGENT" not in event["ATTENDEE"].params
    description = str(event["DESCRIPTION"])
    assert "Zoé Roux <zoe@example.org>" in description
    assert "About Q3" in description
    assert confirmed.meeting_url in description
    assert "manage" not in description  # the attendee's own link never goes here
    cal = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in cal
    assert b"X-WR-CALNAME:Bookings of Alex Martin" in response.content
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT15M" in response.content
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_moved_booking_shows_at_its_new_time_with_a_higher_sequence(client, alex, intro):
    url = feeds.rotate_bookings_feed(alex)
    booking = book(intro)
    services.reschedule(booking, START + timedelta(hours=3))
    event = events(fetch(client, url))[booking.uid]
    assert event["DTSTART"].dt == START + timedelta(hours=3)
    assert event["SEQUENCE"] == 1


def test_the_feed_is_in_the_persons_language(client, alex, intro):
    alex.language = "fr"
    alex.save()
    url = feeds.rotate_bookings_feed(alex)
    booking = book(intro)
    event = events(fetch(client, url))[booking.uid]
    assert str(event["SUMMARY"]).endswith(": Alex Martin et Zoé Roux")


def test_hostile_text_is_escaped_and_round_trips(client, alex, intro):
    alex.name = 'Alex, "A"; B'
    alex.save()
    url = feeds.rotate_bookings_feed(alex)
    notes = "Line one\nline two; three, four \\ five"
    booking = book(intro, name=HOSTILE, notes=notes)
    response = fetch(client, url)
    raw = response.content
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    unfolded = raw.replace(b"\r\n ", b"").decode()
    # Text values escape ; , and \ (RFC 5545); a double quote in a name, which a parameter
    # could only carry as RFC 6868's ^' (printed as is by Outlook, Google and Apple), becomes '.
    assert "the\\; boss" in unfolded
    assert "^'" not in unfolded
    assert 'X-WR-CALNAME:Bookings of Alex\\, "A"\\; B\r\n' in unfolded
    event = events(response)[booking.uid]
    assert event["ATTENDEE"].params["CN"] == HOSTILE.replace('"', "'")
    assert str(event["SUMMARY"]) == f'Intro call: Alex, "A"; B and {HOSTILE}'
    assert event["ORGANIZER"].params["CN"] == "Alex, 'A'; B"
    assert notes in str(event["DESCRIPTION"])
    assert len(list(icalendar.Calendar.from_ical(raw).walk("VEVENT"))) == 1


def test_an_unchanged_feed_answers_304_and_a_new_booking_changes_it(client, alex, intro):
    url = feeds.rotate_bookings_feed(alex)
    book(intro)
    first = fetch(client, url)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert client.get(path(url), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert fetch(client, url).content == first.content  # stable, DTSTAMP included

    book(intro, START + timedelta(hours=2))
    again = client.get(path(url), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag


def test_a_rotated_address_answers_404_and_the_new_one_works(client, alex, intro):
    old = feeds.rotate_bookings_feed(alex)
    fetch(client, old)
    new = feeds.rotate_bookings_feed(alex)
    assert new != old
    assert client.get(path(old)).status_code == 404
    fetch(client, new)
    assert BookingsFeed.objects.filter(person=alex).count() == 1


def test_only_the_hash_of_the_token_is_kept(alex):
    url = feeds.rotate_bookings_feed(alex)
    token = path(url).removeprefix("/feeds/").removesuffix(".ics")
    feed = BookingsFeed.objects.get(person=alex)
    assert feed.token_hash == hash_token(token)
    assert token not in feed.token_hash


def test_switched_off_it_answers_404(client, alex):
    url = feeds.rotate_bookings_feed(alex)
    assert feeds.has_bookings_feed(alex)
    assert feeds.stop_bookings_feed(alex) is True
    assert not feeds.has_bookings_feed(alex)
    assert feeds.stop_bookings_feed(alex) is False
    assert client.get(path(url)).status_code == 404


@pytest.mark.parametrize(
    "token", ["nope", "x" * 43, "x" * 500, "%00", "..%2f..%2fetc", "a.b", "%3Cscript%3E"]
)
def test_a_wrong_token_answers_404(client, alex, token):
    feeds.rotate_bookings_feed(alex)
    assert client.get(f"/feeds/{token}.ics").status_code == 404


def test_a_deactivated_person_has_no_feed(client, alex):
    url = feeds.rotate_bookings_feed(alex)
    alex.is_active = False
    alex.save()
    assert client.get(path(url)).status_code == 404


def test_a_person_without_a_page_still_has_their_feed(client, alex, intro):
    # Like manage links, the feed of existing bookings keeps working when the page is off.
    url = feeds.rotate_bookings_feed(alex)
    booking = book(intro)
    alex.has_licence = False
    alex.save()
    assert booking.uid in events(fetch(client, url))


def test_only_get_and_head(client, alex):
    url = feeds.rotate_bookings_feed(alex)
    assert client.head(path(url)).status_code == 200
    assert client.post(path(url)).status_code == 405


def test_an_empty_feed_is_a_valid_calendar(client, alex):
    response = fetch(client, feeds.rotate_bookings_feed(alex))
    assert events(response) == {}
    assert feeds.bookings_feed_of(alex).created_at == NOW
