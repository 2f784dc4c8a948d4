"""The emails of a booking that waits for approval, in English and French: requested (to the
attendee; to the organizer with the approve and decline links), then confirmed as any booking,
or declined by the organizer (with the reason) or for want of a decision."""

import re
from datetime import timedelta

import pytest
import time_machine
from makers import NOW, make_person, make_type
from test_messages import french_catalog, parse  # noqa: F401 (a module-wide fixture)

from bookwithme.booking import approval, services
from bookwithme.notify import messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jitsi")]

START = NOW + timedelta(days=1, hours=4)  # Tuesday 12:00 in Paris
KINDS = ("requested", "declined")
ENGLISH = ["Hello", "Booking", "Approve", "Decline", "request", "When:", "Tuesday", "June"]
FRENCH = ["Bonjour", "Rendez-vous", "rendez-vous", "Quand", "mardi", "juin"]


def pending(language="en"):
    with time_machine.travel(NOW, tick=False):
        owner = make_person(name="Alex Martin", time_zone="Europe/Paris", page_slug="alex")
        owner.language = language
        owner.save()
        mt = make_type(owner, title="Bilan", slug="bilan", requires_approval=True)
        attendee = services.Attendee(
            "Zoé Durand", "zoe@example.org", "America/Montreal", language=language
        )
        return services.book(mt, START, attendee).booking


def decided(language, *, reason=None):
    """Each message of a pending booking's life, by template: requested, then declined by the
    organizer (with `reason`) or, with none, for want of a decision."""
    booking = pending(language)
    sent = {
        "requested_to_attendee": messages.render("requested", "attendee", booking),
        "requested_to_organizer": messages.render("requested", "organizer", booking),
    }
    if reason is None:
        with time_machine.travel(START, tick=False):
            approval.decline_overdue()
    else:
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            approval.decline(booking, reason=reason)
    booking.refresh_from_db()
    sent["declined_to_attendee"] = messages.render("declined", "attendee", booking)
    sent["declined_to_organizer"] = messages.render("declined", "organizer", booking)
    return sent


@pytest.mark.parametrize("reason", [None, "Je suis absent."])
def test_every_approval_message_renders_in_english(reason):
    for name, message in decided("en", reason=reason).items():
        parsed = parse(message)
        assert parsed.text.startswith("Hello "), name
        assert '<html lang="en">' in parsed.html, name
        assert parsed.calendar is None and parsed.attachment is None, name  # no invitation
        for french in FRENCH:
            assert french not in parsed.subject + parsed.text, (name, french)


@pytest.mark.parametrize("reason", [None, "Je suis absent."])
def test_every_approval_message_renders_in_french(reason):
    for name, message in decided("fr", reason=reason).items():
        parsed = parse(message)
        assert parsed.text.startswith("Bonjour "), name
        assert '<html lang="fr">' in parsed.html, name
        for english in ENGLISH:
            assert english not in parsed.subject + parsed.text, (name, english)


def test_the_subjects_say_the_state():
    sent = {name: parse(m).subject for name, m in decided("en", reason="Away.").items()}
    assert sent["requested_to_attendee"].startswith("Booking requested: Bilan with Alex Martin")
    assert sent["requested_to_organizer"].startswith("Approve or decline: Bilan with Zoé")
    assert sent["declined_to_attendee"].startswith("Booking declined: Bilan with Alex Martin")
    assert sent["declined_to_organizer"].startswith("Booking declined: Bilan with Zoé")


def test_the_attendee_hears_it_is_not_confirmed_yet_and_gets_no_meeting_link():
    parsed = parse(decided("en", reason="x")["requested_to_attendee"])
    assert "It is not confirmed yet" in parsed.text
    assert "meet.example" not in parsed.text + parsed.html
    assert "Approve" not in parsed.text  # the links are the organizer's only


def test_the_organizers_request_carries_links_that_open_the_booking():
    booking = pending()
    parsed = parse(messages.render("requested", "organizer", booking))
    found = dict(re.findall(r"/approval/(approve|decline)/(\S+)", parsed.text))
    assert set(found) == {"approve", "decline"}
    for action, token in found.items():
        assert approval.booking_for_link(token, action, now=NOW) == booking
        assert f"/approval/{action}/{token}" in parsed.html
    # When it is declined unless decided: 24 hours after the request, before its start, in
    # the organizer's zone.
    assert "Unless you decide by Tuesday, June 2, 2026, 8:00" in parsed.text


def test_the_declined_attendee_reads_the_reason_and_where_to_book_again():
    parsed = parse(decided("en", reason="Away that week.")["declined_to_attendee"])
    assert "Alex Martin declined your booking request." in parsed.text
    assert "Away that week." in parsed.text
    assert "To book another time: http" in parsed.text
    assert parsed.text.count("/alex/bilan") == 1


def test_a_request_nobody_decided_says_so_to_both():
    sent = decided("en")
    assert (
        "could not confirm your booking request in time" in parse(sent["declined_to_attendee"]).text
    )
    assert "You did not decide in time" in parse(sent["declined_to_organizer"]).text


def test_every_approval_kind_and_recipient_is_in_the_table():
    for kind in KINDS:
        for recipient in ("attendee", "organizer"):
            assert messages.MESSAGES[kind, recipient].method is None
