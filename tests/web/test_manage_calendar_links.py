"""Adding a booking to a calendar from its manage page: the .ics download, and the "Add to
Google Calendar" and "Add to Outlook" links (built by `booking.ics.calendar_links`, which the
attendee's emails use too, tested in tests/notify/test_messages.py); none once cancelled."""

import html
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import makers
import pytest
from django.utils import translation
from icscheck import parse_both
from makers import make_person

from bookwithme.booking import addresses, services
from bookwithme.booking.ics import calendar_links

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

START = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 09:00 in Paris
MANAGE = "https://book.example/manage/tok-123"
HOSTILE_TITLE = 'Café & "thé" #1 + 50% ? 😀'
HOSTILE_PLACE = "1 rue A & B, Paris #2 / 3e étage + cour"


def book(*, title="Intro call", location=None, online=False, name="Sam Doe"):
    owner = make_person(name="Alex Martin")
    # An online type needs a way to join: made with a link, which "no place" then drops.
    fields = {"slug": "intro", "title": title, "online_meeting": online or not location}
    if location:
        fields["location"] = {"kind": "in_person", "value": location}
    meeting_type = makers.make_type(owner, **fields)
    attendee = services.Attendee(name, "sam@example.org", "America/New_York")
    result = services.book(meeting_type, START, attendee)
    if not online and not location:
        # No link, no place: as booked while the link provider was switched off (`none`).
        result.booking.meeting_url = ""
        result.booking.save(update_fields=["meeting_url"])
    return result.booking, result.manage_token


def query(url: str) -> dict[str, str]:
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert len(pairs) == len({key for key, _ in pairs})  # each field once
    return dict(pairs)


def html_of(response) -> str:
    return response.content.decode()


# --- the links -----------------------------------------------------------------------------


def test_the_google_link_fills_googles_template_with_the_event():
    booking, _ = book(title=HOSTILE_TITLE, location=HOSTILE_PLACE, name="Zoé 🎉 O'Brien")
    with translation.override("en"):
        google = calendar_links(booking, manage_url=MANAGE).google
    assert google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE&")
    fields = query(google)
    assert fields["text"] == f"{HOSTILE_TITLE}: Alex Martin and Zoé 🎉 O'Brien"
    assert fields["dates"] == "20260601T070000Z/20260601T073000Z"
    assert fields["location"] == HOSTILE_PLACE
    assert fields["details"].split("\n") == [
        f"{HOSTILE_TITLE} with Alex Martin",
        f"Address: {HOSTILE_PLACE}",
        f"To reschedule or cancel: {MANAGE}",
    ]


def test_the_outlook_link_fills_outlooks_compose_page_with_the_event():
    booking, _ = book(title=HOSTILE_TITLE, location=HOSTILE_PLACE)
    with translation.override("en"):
        outlook = calendar_links(booking, manage_url=MANAGE).outlook
    assert outlook.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    fields = query(outlook)
    assert fields["path"] == "/calendar/action/compose"
    assert fields["rru"] == "addevent"
    assert fields["subject"] == f"{HOSTILE_TITLE}: Alex Martin and Sam Doe"
    assert fields["startdt"] == "2026-06-01T07:00:00Z"
    assert fields["enddt"] == "2026-06-01T07:30:00Z"
    assert fields["location"] == HOSTILE_PLACE
    assert fields["body"].endswith(f"To reschedule or cancel: {MANAGE}")


def test_the_links_are_url_encoded_so_no_character_of_the_text_breaks_them():
    booking, _ = book(title=HOSTILE_TITLE, location=HOSTILE_PLACE)
    for url in calendar_links(booking, manage_url=MANAGE):
        parts = urlsplit(url)
        assert parts.fragment == ""  # a # in the title does not end the query
        assert url.isascii() and " " not in url and "\n" not in url
        # A + would read as a space on a page that decodes the query as form data.
        assert "+" not in url and "%2B" in url
        assert url.count("&") == len(query(url)) - 1  # no & of the text splits a field


def test_a_meeting_link_is_the_place_and_no_place_leaves_location_out(jitsi):
    online, _ = book(online=True)
    assert query(calendar_links(online).google)["location"] == online.meeting_url
    nowhere, _ = book()
    for url in calendar_links(nowhere):
        assert "location" not in query(url)


def test_a_cancelled_booking_has_no_links():
    booking, _ = book()
    booking = services.cancel(booking, by="attendee")
    assert calendar_links(booking, manage_url=MANAGE) is None


def test_the_links_speak_the_active_language():
    booking, _ = book(location="12 rue de Rivoli")
    with translation.override("fr"):
        fields = query(calendar_links(booking, manage_url=MANAGE).google)
    assert fields["text"] == "Intro call\xa0: Alex Martin et Sam Doe"
    assert "Adresse\xa0: 12 rue de Rivoli" in fields["details"]
    assert f"Pour déplacer ou annuler\xa0: {MANAGE}" in fields["details"]


# --- on the manage page --------------------------------------------------------------------


def test_the_manage_page_offers_google_and_outlook_beside_the_ics(client, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"
    booking, token = book(title=HOSTILE_TITLE, location=HOSTILE_PLACE)

    page = html_of(client.get(f"/manage/{token}"))

    with translation.override("en"):
        links = calendar_links(booking, manage_url=addresses.manage_url(token))
    actions = page.split('class="row manage-actions"')[1].split("</div>")[0]
    assert f'href="/api/v1/manage/{token}/ics"' in actions
    assert f'href="{html.escape(links.google)}"' in actions
    assert f'href="{html.escape(links.outlook)}"' in actions
    assert "Add to Google Calendar" in actions and "Add to Outlook" in actions
    assert actions.count('rel="noopener noreferrer" target="_blank"') == 2
    # The secret manage link in the event's description is this page's own address.
    assert f"https://book.example.org/manage/{token}" in query(links.google)["details"]


def test_the_manage_page_offers_them_in_french(client):
    _, token = book()

    page = html_of(client.get(f"/manage/{token}", HTTP_ACCEPT_LANGUAGE="fr"))

    assert "Ajouter à Google Agenda" in page and "Ajouter à Outlook" in page
    assert "et%20Sam%20Doe" in page  # the event's title in French too


def test_a_cancelled_bookings_page_offers_no_way_to_add_it_to_a_calendar(client):
    booking, token = book()
    services.cancel(booking, by="organizer")

    page = html_of(client.get(f"/manage/{token}"))

    assert "This booking is cancelled" in page
    for offer in (
        "/ics",
        "data-ics",
        "Add to calendar",
        "calendar.google.com",
        "Add to Google Calendar",
        "outlook.live.com",
        "Add to Outlook",
    ):
        assert offer not in page, offer


# --- the .ics itself -----------------------------------------------------------------------


def test_the_manage_pages_ics_reads_the_same_in_two_parsers(client):
    booking, token = book(title=HOSTILE_TITLE, location=HOSTILE_PLACE, name='Sam "S" Doe')
    page = html_of(client.get(f"/manage/{token}"))
    ics_url = f"/api/v1/manage/{token}/ics"
    assert f'href="{ics_url}"' in page

    cal = parse_both(client.get(ics_url).content)

    assert cal["METHOD"] == "PUBLISH"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == booking.uid
    assert event["DTSTART"].dt == START
    assert str(event["LOCATION"]) == HOSTILE_PLACE
    assert event["ATTENDEE"].params["CN"] == "Sam 'S' Doe"
