"""One booking, one writing of its time: the attendee's emails say it as the confirmation and
manage pages do in the same language (bookwithme/formats.py for both), the organizer's in
their own language and zone."""

from datetime import timedelta

import pytest
import time_machine
from dom import dom, one, text
from makers import NOW, make_person, make_type

from bookwithme.booking import addresses, services
from bookwithme.notify import messages

pytestmark = pytest.mark.django_db

START = NOW + timedelta(hours=4)  # 10:00 UTC: 06:00 in Montreal, 12:00 in Paris
LATER = NOW + timedelta(hours=6)
MONTREAL = " (America/Montreal, UTC\u22124)"
# What the pages and the emails both write, per language (Babel's CLDR for "en" and "fr").
WRITTEN = {
    "en": "Monday, June 1, 2026, 6:00 AM \u2013 6:30 AM",
    "fr": "lundi 1 juin 2026, de 06:00 à 06:30",
}
# The subject names the start alone, in the same date and clock.
STARTS = {"en": "Monday, June 1, 2026, 6:00 AM", "fr": "lundi 1 juin 2026, 06:00"}
MOVED = {
    "en": "Monday, June 1, 2026, 8:00 AM \u2013 8:30 AM",
    "fr": "lundi 1 juin 2026, de 08:00 à 08:30",
}


def book(language: str, owner_language: str = "en") -> services.BookResult:
    with time_machine.travel(NOW, tick=False):
        owner = make_person(name="Alex Martin", time_zone="Europe/Paris")
        owner.language = owner_language
        owner.save()
        attendee = services.Attendee(
            "Zoé Durand", "zoe@example.org", "America/Montreal", language=language
        )
        return services.book(make_type(owner, title="Bilan"), START, attendee)


def page_when(client, token: str, language: str, query: str) -> str:
    """The time the manage page shows (as the confirmation, `?booked=1`, or after a move)."""
    response = client.get(f"/manage/{token}?{query}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return text(one(dom(response), "//time[contains(@class, 'manage-when')]"))


def mail_texts(message) -> tuple[str, str, str]:
    return str(message.subject), message.body, message.alternatives[0][0]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_confirmation_email_and_page_write_the_same_time(client, language):
    result = book(language)
    manage_url = addresses.manage_url(result.manage_token)
    sent = messages.render("confirmed", "attendee", result.booking, manage_url=manage_url)
    subject, body, html = mail_texts(sent)

    shown = page_when(client, result.manage_token, language, "booked=1")

    assert shown == WRITTEN[language]
    assert f"{shown}{MONTREAL}" in body
    assert f"{shown}{MONTREAL}" in html
    assert subject.endswith(STARTS[language])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_reschedule_email_and_the_manage_page_write_the_same_time(client, language):
    result = book(language)
    with time_machine.travel(NOW, tick=False):
        moved = services.reschedule(result.booking, LATER)
    manage_url = addresses.manage_url(result.manage_token)
    sent = messages.render(
        "rescheduled", "attendee", moved, manage_url=manage_url, previous_start=START
    )
    _subject, body, html = mail_texts(sent)

    shown = page_when(client, result.manage_token, language, "moved=1")

    assert shown == MOVED[language]
    assert f"{shown}{MONTREAL}" in body
    assert f"{shown}{MONTREAL}" in html
    assert WRITTEN[language] in body  # the time it moved from, written alike


def test_each_side_reads_their_own_language_and_clock():
    result = book("en", owner_language="fr")
    _subject, attendee_body, _html = mail_texts(
        messages.render("confirmed", "attendee", result.booking, manage_url="https://x.example/m")
    )
    _subject, organizer_body, _html = mail_texts(
        messages.render("confirmed", "organizer", result.booking)
    )

    assert WRITTEN["en"] + MONTREAL in attendee_body
    assert "lundi 1 juin 2026, de 12:00 à 12:30 (Europe/Paris, UTC+2)" in organizer_body
