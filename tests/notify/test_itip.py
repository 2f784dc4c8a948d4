"""The iTIP invitation: its fields through a booking's life, RFC 5545 escaping and folding,
names as mail clients show them; every one read by two parsers (tests/icscheck.py)."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.utils import translation
from icscheck import parse_both
from makers import NOW, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.ics import calendar_object, invitation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jitsi")]

START = NOW + timedelta(hours=4)
LATER = NOW + timedelta(hours=6)
MANAGE = "https://book.example/manage/tok-123"
HOSTILE = 'Zoé, "the; boss" \\ <script>alert(1)</script>'


def book(*, attendee_name="Zoé Durand", owner_name="Alex Martin", title="Intro call", **fields):
    with time_machine.travel(NOW, tick=False):
        owner = make_person(name=owner_name, email="alex@example.org")
        mt = make_type(owner, title=title, **fields)
        attendee = services.Attendee(attendee_name, "zoe@example.org", "America/Montreal")
        return services.book(mt, START, attendee).booking


def event_of(ics: bytes) -> icalendar.Event:
    (event,) = parse_both(ics).walk("VEVENT")
    return event


def unfolded(ics: bytes) -> bytes:
    return ics.replace(b"\r\n ", b"")


def test_a_request_carries_every_itip_field():
    booking = book(online_meeting=True)
    ics = invitation(booking, method="REQUEST", manage_url=MANAGE)
    cal = parse_both(ics)
    assert cal["METHOD"] == "REQUEST"
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"]
    event = event_of(ics)
    assert str(event["UID"]) == booking.uid
    assert event["SEQUENCE"] == 0
    assert event["DTSTART"].dt == START
    assert event["DTEND"].dt == START + timedelta(minutes=30)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:alex@example.org"
    assert event["ORGANIZER"].params["CN"] == "Alex Martin"
    assert str(event["ATTENDEE"]) == "mailto:zoe@example.org"
    assert event["ATTENDEE"].params["CN"] == "Zoé Durand"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
    assert str(event["LOCATION"]) == booking.meeting_url
    assert booking.meeting_url in str(event["DESCRIPTION"])
    assert MANAGE in str(event["DESCRIPTION"])
    assert str(event["SUMMARY"]) == "Intro call: Alex Martin and Zoé Durand"


def test_times_are_utc_and_dtstamp_is_now():
    booking = book()
    with time_machine.travel(datetime(2026, 6, 1, 7, 30, 15, tzinfo=UTC), tick=False):
        ics = unfolded(invitation(booking, method="REQUEST"))
    assert b"\r\nDTSTART:20260601T100000Z\r\n" in ics
    assert b"\r\nDTEND:20260601T103000Z\r\n" in ics
    assert b"\r\nDTSTAMP:20260601T073015Z\r\n" in ics


def test_uid_stays_and_sequence_rises_through_the_bookings_life():
    booking = book()
    first = event_of(invitation(booking, method="REQUEST"))
    with time_machine.travel(NOW, tick=False):
        booking = services.reschedule(booking, LATER)
    moved = event_of(invitation(booking, method="REQUEST"))
    with time_machine.travel(NOW, tick=False):
        booking = services.cancel(booking, by="attendee")
    cancelled_ics = invitation(booking, method="CANCEL")
    cancelled = event_of(cancelled_ics)
    assert str(first["UID"]) == str(moved["UID"]) == str(cancelled["UID"]) == booking.uid
    assert (first["SEQUENCE"], moved["SEQUENCE"], cancelled["SEQUENCE"]) == (0, 1, 2)
    assert moved["DTSTART"].dt == LATER
    assert parse_both(cancelled_ics)["METHOD"] == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["DTSTART"].dt == LATER
    assert cancelled["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


@pytest.mark.parametrize(
    ("kind", "value", "label"),
    [
        ("in_person", "12 rue de Rivoli; 2nd floor, Paris", "Address:"),
        ("phone", "+33 1 23 45 67 89", "Phone:"),
    ],
)
def test_without_a_meeting_link_the_location_is_the_address_or_phone(kind, value, label):
    booking = book(location={"kind": kind, "value": value})
    event = event_of(invitation(booking, method="REQUEST"))
    assert str(event["LOCATION"]) == value
    assert f"{label} {value}" in str(event["DESCRIPTION"])


def test_no_location_when_there_is_neither_link_nor_place():
    booking = book()
    booking.meeting_url = ""  # booked while the link provider was switched off (`none`)
    event = event_of(invitation(booking, method="REQUEST"))
    assert "LOCATION" not in event


def test_a_cancel_links_to_the_booking_rather_than_offering_to_move_it():
    with time_machine.travel(NOW, tick=False):
        booking = services.cancel(book(), by="organizer")
    description = str(
        event_of(invitation(booking, method="CANCEL", manage_url=MANAGE))["DESCRIPTION"]
    )
    assert f"To see the booking: {MANAGE}" in description
    assert "reschedule" not in description


def test_the_manage_link_is_only_there_when_given():
    booking = book()
    assert "manage" not in str(event_of(invitation(booking, method="REQUEST"))["DESCRIPTION"])
    assert b"tok-123" not in invitation(booking, method="CANCEL")


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="REQUEST, CANCEL, PUBLISH"):
        invitation(book(), method="REPLY")


def test_text_is_in_the_active_language():
    booking = book(location={"kind": "in_person", "value": "12 rue de Rivoli"})
    with translation.override("fr"):
        event = event_of(invitation(booking, method="REQUEST", manage_url=MANAGE))
    assert str(event["SUMMARY"]) == "Intro call\xa0: Alex Martin et Zoé Durand"
    description = str(event["DESCRIPTION"])
    assert "Adresse\xa0: 12 rue de Rivoli" in description
    assert f"Pour déplacer ou annuler\xa0: {MANAGE}" in description


def test_hostile_text_is_escaped_per_rfc_5545_and_round_trips():
    booking = book(
        attendee_name=HOSTILE,
        owner_name='Alex; Martin, \\ the "boss"',
        title='Intro; call, "deep" \\ dive',
        location={"kind": "in_person", "value": "1 rue A; bât. B, Paris \\ 75001"},
    )
    ics = invitation(booking, method="REQUEST", manage_url=MANAGE)
    raw = unfolded(ics).decode()
    # TEXT values: backslash, semicolon and comma escaped; the description's newlines as \n.
    assert "\r\nLOCATION:1 rue A\\; bât. B\\, Paris \\\\ 75001\r\n" in raw
    assert 'SUMMARY:Intro\\; call\\, "deep" \\\\ dive: Alex\\; Martin\\, \\\\ the' in raw
    description_line = next(line for line in raw.split("\r\n") if line.startswith("DESCRIPTION"))
    assert "\\n" in description_line and "\n" not in description_line
    # Parameters: quoted, a double quote in a name written as a single quote (see below).
    assert "CN=\"Zoé, 'the; boss' \\ <script>alert(1)</script>\"" in raw
    event = event_of(ics)
    assert event["ATTENDEE"].params["CN"] == HOSTILE.replace('"', "'")
    assert event["ORGANIZER"].params["CN"] == "Alex; Martin, \\ the 'boss'"
    assert str(event["LOCATION"]) == "1 rue A; bât. B, Paris \\ 75001"
    assert str(event["SUMMARY"]) == (
        'Intro; call, "deep" \\ dive: Alex; Martin, \\ the "boss" and ' + HOSTILE
    )
    assert str(event["DESCRIPTION"]).split("\n") == [
        'Intro; call, "deep" \\ dive with Alex; Martin, \\ the "boss"',
        "Address: 1 rue A; bât. B, Paris \\ 75001",
        f"To reschedule or cancel: {MANAGE}",
    ]


@pytest.mark.parametrize("letter", ["x", "é", "日", "😀"])
def test_300_character_names_fold_at_75_octets_and_round_trip(letter):
    booking = book()
    # Longer than a booking accepts: the invitation must hold anyway (nothing is saved).
    booking.attendee_name = (f"{letter * 8}, ; \\ " * 30)[:300]
    booking.owner.name = letter * 300
    booking.meeting_type.title = f'"{letter}"; ' * 50
    ics = invitation(booking, method="REQUEST", manage_url=MANAGE)
    lines = ics.split(b"\r\n")
    assert lines[-1] == b""
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never cuts a character in two
    assert max(len(line) for line in lines) > 60  # it did fold long lines, not only short ones
    event = event_of(ics)
    assert event["ATTENDEE"].params["CN"] == booking.attendee_name
    assert event["ORGANIZER"].params["CN"] == letter * 300
    assert str(event["SUMMARY"]).startswith(booking.meeting_type.title)


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "PUBLISH"])
def test_names_in_cn_carry_no_rfc_6868_escape_as_clients_print_them(method):
    booking = book(attendee_name='Zoé "Z" Durand', owner_name='Alex "the boss" Martin')
    ics = invitation(booking, method=method, manage_url=MANAGE)
    raw = unfolded(ics).decode()
    assert "^" not in raw
    assert "ATTENDEE;CN=\"Zoé 'Z' Durand\";" in raw
    assert "ORGANIZER;CN=\"Alex 'the boss' Martin\":mailto:" in raw
    # Only the parameter changes: the summary is TEXT, where a double quote needs no escape.
    assert str(event_of(ics)["SUMMARY"]) == 'Intro call: Alex "the boss" Martin and Zoé "Z" Durand'


def test_the_copy_written_into_the_organizers_calendar_names_people_the_same_way():
    booking = book(attendee_name='Zoé "Z" Durand')
    ics = calendar_object(booking)
    assert b"^'" not in unfolded(ics)
    assert event_of(ics)["ATTENDEE"].params["CN"] == "Zoé 'Z' Durand"
