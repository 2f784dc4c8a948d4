"""Online-meeting links per BOOKWITHME_MEETING_PROVIDER."""

from datetime import UTC, datetime

import pytest
import time_machine
from makers import NOW, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.meetings import meeting_url_for


@pytest.fixture
def owner(db):
    return make_person()


def test_jitsi_gives_each_booking_its_own_unguessable_room(owner, settings):
    settings.BOOKWITHME_MEETING_PROVIDER = "jitsi"
    settings.BOOKWITHME_JITSI_URL = "https://meet.example.org/"
    mt = make_type(owner, online_meeting=True)
    rooms = {meeting_url_for(mt) for _ in range(50)}
    assert len(rooms) == 50
    for room in rooms:
        name = room.removeprefix("https://meet.example.org/bookwithme-")
        assert name != room
        assert len(name) >= 20  # 16 random bytes, url-safe


def test_fixed_uses_the_types_own_url(owner, settings):
    settings.BOOKWITHME_MEETING_PROVIDER = "fixed"
    mt = make_type(
        owner, online_meeting=True, location={"kind": "online", "value": "https://zoom.example/j/1"}
    )
    assert meeting_url_for(mt) == "https://zoom.example/j/1"


@pytest.mark.parametrize("provider", ["none", "jitsi", "fixed"])
def test_no_link_without_online_meeting_or_with_provider_none(owner, settings, provider):
    settings.BOOKWITHME_MEETING_PROVIDER = provider
    assert meeting_url_for(make_type(owner, online_meeting=False, location=PHONE)) == ""
    settings.BOOKWITHME_MEETING_PROVIDER = "none"
    other = make_type(owner, title="Other", online_meeting=True, location=PHONE)
    assert meeting_url_for(other) == ""


# A type joined otherwise than online: no link to make, whatever the provider.
PHONE = {"kind": "phone", "value": "+33 1 23 45 67 89"}


def test_a_reschedule_keeps_the_meeting_link(owner, settings):
    settings.BOOKWITHME_MEETING_PROVIDER = "jitsi"
    with time_machine.travel(NOW, tick=False):
        mt = make_type(owner, online_meeting=True, duration_minutes=60)
        attendee = services.Attendee(name="Ann", email="ann@example.org", time_zone="UTC")
        booking = services.book(mt, datetime(2026, 6, 2, 8, 0, tzinfo=UTC), attendee).booking
        moved = services.reschedule(booking, datetime(2026, 6, 2, 12, 0, tzinfo=UTC))
    assert booking.meeting_url.startswith("https://")
    assert moved.meeting_url == booking.meeting_url
