"""The database itself refuses overlapping confirmed bookings of one owner (both engines)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from makers import make_person, make_type

from bookwithme.booking.models import Booking
from bookwithme.tokens import new_token

T = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def insert(mt, start, end, *, blocked=None, status="confirmed", owner=None):
    blocked_start, blocked_end = blocked or (start, end)
    return Booking.objects.create(
        meeting_type=mt,
        owner=owner or mt.owner,
        start=start,
        end=end,
        blocked_start=blocked_start,
        blocked_end=blocked_end,
        attendee_name="A",
        attendee_email="a@example.org",
        attendee_time_zone="UTC",
        status=status,
        manage_token_hash=new_token()[1],
    )


@pytest.fixture
def mt(db):
    return make_type(make_person())


def test_overlapping_confirmed_bookings_are_refused_by_the_database(mt):
    insert(mt, T, T + H)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(mt, T + H / 2, T + 2 * H)
    assert Booking.objects.count() == 1


def test_buffers_count_in_the_overlap(mt):
    insert(mt, T, T + H, blocked=(T, T + H + timedelta(minutes=15)))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(mt, T + H + timedelta(minutes=10), T + 2 * H)


def test_touching_bookings_are_fine(mt):
    insert(mt, T, T + H)
    insert(mt, T + H, T + 2 * H)
    assert Booking.objects.count() == 2


def test_a_cancelled_booking_blocks_nothing(mt):
    insert(mt, T, T + H, status="cancelled")
    insert(mt, T, T + H)
    assert Booking.objects.confirmed().count() == 1


def test_another_owner_may_book_the_same_time(mt):
    other = make_type(make_person())
    insert(mt, T, T + H)
    insert(other, T, T + H)
    assert Booking.objects.count() == 2


def test_moving_a_booking_onto_another_is_refused(mt):
    insert(mt, T, T + H)
    second = insert(mt, T + 2 * H, T + 3 * H)
    second.start, second.end = T + H / 2, T + H + H / 2
    second.blocked_start, second.blocked_end = second.start, second.end
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_reconfirming_a_cancelled_booking_over_a_new_one_is_refused(mt):
    old = insert(mt, T, T + H, status="cancelled")
    insert(mt, T, T + H)
    old.status = "confirmed"
    with pytest.raises(IntegrityError), transaction.atomic():
        old.save()
