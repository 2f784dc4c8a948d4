"""Several lengths to choose from (`durations_minutes`): the visitor's choice shapes the slots,
buffers and daily limits, the booking keeps its length, a move keeps it, and the cache keeps
each length's answer apart."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from makers import NOW, make_person, make_type

from bookwithme.booking import availability, services
from bookwithme.booking.availability import Days, is_offered, offer
from bookwithme.booking.errors import Invalid
from bookwithme.booking.models import Booking, MeetingType

pytestmark = pytest.mark.usefixtures("frozen")

DAY = NOW.date()  # Monday; 9 to 5 in Paris
PARIS = ZoneInfo("Europe/Paris")
START = NOW + timedelta(hours=4)  # 12:00 in Paris


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", page_slug="alex")


@pytest.fixture
def chat(alex):
    return make_type(alex, title="Chat", slug="chat", durations_minutes=[15, 30, 60])


def monday():
    return Days(DAY, DAY, PARIS)


def spans(answer):
    return [(e - s) / 60 for s, e in answer.pairs]


def visitor(email="zoe@example.org"):
    return services.Attendee("Zoé", email, "Europe/Paris")


def test_the_default_duration_must_be_among_the_lengths(alex):
    mt = MeetingType(owner=alex, title="T", duration_minutes=45, durations_minutes=[15, 30])
    mt.location_value = "https://meet.example/x"
    with pytest.raises(ValidationError) as refused:
        mt.full_clean()
    assert "durations_minutes" in refused.value.message_dict
    mt.durations_minutes = [15, 30, 45]
    mt.full_clean()
    mt.durations_minutes = []  # no choice: the one duration
    mt.full_clean()


def test_the_lengths_are_the_choice_or_the_one_duration(alex, chat):
    assert chat.lengths == [15, 30, 60]
    assert make_type(alex, title="One", slug="one").lengths == [30]


def test_slots_follow_the_chosen_length(chat):
    assert set(spans(offer(chat, monday()))) == {30}
    long = offer(chat, monday(), length=60)
    assert set(spans(long)) == {60}
    # 9:00 to 17:00, hourly starts by the length's own step: the last one at 16:00.
    assert long.starts[-1].astimezone(PARIS).hour == 16
    short = offer(chat, monday(), length=15)
    assert len(short.pairs) == 32


def test_each_length_is_cached_apart(chat):
    first = offer(chat, monday(), length=60).pairs
    assert offer(chat, monday()).pairs != first  # not the 60-minute answer from the cache
    assert offer(chat, monday(), length=60).pairs == first
    span = monday().span()
    plain = availability._key(chat.pk, 1, "Europe/Paris", *span)
    assert availability._key(chat.pk, 1, "Europe/Paris", *span, length=60) != plain


def test_a_length_that_is_not_offered_is_refused_by_field(chat):
    with pytest.raises(Invalid) as refused:
        availability.sized(chat, 45, field="duration")
    assert list(refused.value.message_dict) == ["duration"]
    with pytest.raises(Invalid) as refused:
        services.book(chat, START, visitor(), length=45)
    assert list(refused.value.message_dict) == ["duration_minutes"]
    assert not Booking.objects.exists()


def test_the_booking_keeps_its_length_and_buffers_follow_it(alex):
    mt = make_type(alex, title="B", slug="b", durations_minutes=[30, 60], buffer_after_minutes=15)
    booking = services.book(mt, START, visitor(), length=60).booking
    assert booking.end - booking.start == timedelta(minutes=60)
    assert booking.blocked_end == START + timedelta(minutes=75)
    # 13:00 + 15 minutes' buffer: the next 30-minute start is 13:30, not 13:00.
    assert not is_offered(mt, START + timedelta(minutes=60))
    assert is_offered(mt, START + timedelta(minutes=90))


def test_a_long_booking_fits_only_where_the_long_length_fits(chat):
    # 16:30 in Paris takes 30 minutes, not 60, before the day ends at 17:00.
    late = NOW + timedelta(hours=8, minutes=30)
    assert is_offered(chat, late)
    assert not is_offered(chat.of_length(60), late)
    with pytest.raises(services.SlotUnavailable):
        services.book(chat, late, visitor(), length=60)


def test_a_move_keeps_the_bookings_length(chat):
    booking = services.book(chat, START, visitor(), length=60).booking
    moved = services.reschedule(booking, START + timedelta(hours=2))
    assert moved.end - moved.start == timedelta(minutes=60)
    assert moved.blocked_end - moved.blocked_start == timedelta(minutes=60)


def test_the_daily_limit_counts_bookings_of_every_length(alex):
    mt = make_type(alex, title="L", slug="l", durations_minutes=[30, 60], daily_limit=1)
    services.book(mt, START, visitor(), length=60)
    assert offer(mt, monday(), length=30).pairs == []
