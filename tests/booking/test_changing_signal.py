"""`booking_changing`: sent inside the transaction of each change (so what receivers write
commits or rolls back with it), never for a refusal or a change that changes nothing."""

from datetime import datetime

import pytest
from django.db import connection
from makers import make_person, make_type

from bookwithme.booking import services, signals
from bookwithme.booking.errors import SlotUnavailable
from bookwithme.booking.models import Booking

pytestmark = [pytest.mark.usefixtures("frozen"), pytest.mark.django_db(transaction=True)]


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-06-02T{hhmm}:00+02:00")


def ann(name: str = "Ann") -> services.Attendee:
    return services.Attendee(name=name, email="ann@example.org", time_zone="UTC")


@pytest.fixture
def mt():
    return make_type(make_person(time_zone="Europe/Paris"), duration_minutes=60)


@pytest.fixture
def listen():
    receivers = []

    def connect(receiver):
        signals.booking_changing.connect(receiver)
        receivers.append(receiver)

    yield connect
    for receiver in receivers:
        signals.booking_changing.disconnect(receiver)


def test_each_change_is_announced_inside_its_transaction(mt, listen):
    seen = []

    def record(sender, booking, change, previous_start=None, **kwargs):
        saved = Booking.objects.filter(pk=booking.pk, sequence=booking.sequence).exists()
        seen.append((change, connection.in_atomic_block, saved, previous_start))

    listen(record)
    booking = services.book(mt, at("09:00"), ann()).booking
    with pytest.raises(SlotUnavailable):
        services.book(mt, at("09:00"), ann("Bo"))
    services.reschedule(booking, at("10:00"))
    services.reschedule(booking, at("10:00"))  # the same time: nothing changes
    services.cancel(booking, by="attendee")
    services.cancel(booking, by="attendee")  # already cancelled
    assert seen == [
        ("confirmed", True, True, None),
        ("rescheduled", True, True, at("09:00")),
        ("cancelled", True, True, None),
    ]


def test_a_receiver_that_fails_undoes_the_change(mt, listen):
    def fail(sender, booking, **kwargs):
        raise RuntimeError("the outbox could not be written")

    listen(fail)
    with pytest.raises(RuntimeError):
        services.book(mt, at("09:00"), ann())
    assert not Booking.objects.exists()
