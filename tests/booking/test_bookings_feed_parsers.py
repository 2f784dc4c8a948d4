"""The owner's secret bookings feed read by two parsers. Being the owner's own data, for the
owner, it keeps what the anonymous free/busy feed leaves out: the invitation's UID (one
meeting, whichever copy a calendar meets), the attendee and their notes."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from icscheck import parse_both
from makers import make_person, make_type

from bookwithme.booking import feeds, services
from bookwithme.booking.ics import vevent

pytestmark = pytest.mark.usefixtures("frozen")

START = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("owner", "attendee"),
    [("Alex Martin", "Zoé Roux"), ('Alex "Ace" Martin', 'Zoé, "the; boss" \\ <b>^</b>')],
)
def test_the_bookings_feed_reads_in_both_parsers_and_keeps_the_invitation_uid(
    client, db, owner, attendee
):
    alex = make_person(name=owner, page_slug="alex")
    mt = make_type(
        alex,
        location={"kind": "phone", "value": "+33 1 23"},
        questions=[{"id": "phone", "label": "Your phone", "kind": "phone", "required": True}],
    )
    who = services.Attendee(
        attendee, "zoe@example.org", "UTC", notes="About Q3", answers={"phone": "+1 514"}
    )
    booking = services.book(mt, START, who).booking
    url = feeds.rotate_bookings_feed(alex)

    response = client.get(urlsplit(url).path)

    assert response.status_code == 200
    (event,) = parse_both(response.content).walk("VEVENT")
    assert str(event["UID"]) == str(vevent(booking)["UID"]) == booking.uid
    assert str(event["ATTENDEE"]) == "mailto:zoe@example.org"
    assert "About Q3" in str(event["DESCRIPTION"])
