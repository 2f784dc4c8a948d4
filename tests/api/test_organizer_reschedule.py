"""`POST /api/v1/bookings/{id}/reschedule`: the organizer moves a booking (docs/api.md)."""

import json
from datetime import datetime

import pytest
from apicheck import API, assert_error, ok
from django_tasks_db.models import DBTaskResult
from makers import auth, make_person, make_token, make_type

from bookwithme.booking import services
from bookwithme.booking.models import Booking
from bookwithme.notify.models import OutboxMessage

FAN_OUT = "bookwithme.notify.tasks.fan_out"


@pytest.fixture
def token(alex):
    return make_token(alex)


@pytest.fixture
def intro(alex):
    return make_type(alex, title="Intro call", slug="intro")


def book(mt, start: str, name: str = "Sam Doe") -> Booking:
    attendee = services.Attendee(name=name, email="sam@example.org", time_zone="Europe/Paris")
    return services.book(mt, datetime.fromisoformat(start), attendee).booking


def move(client, token, booking_id, body):
    return client.post(
        f"{API}/bookings/{booking_id}/reschedule",
        json.dumps(body),
        content_type="application/json",
        **auth(token),
    )


def run_fan_outs() -> None:
    for result in DBTaskResult.objects.filter(task_path=FAN_OUT, status="READY"):
        result.claim("test")
        result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        result.set_successful(None)


def test_the_organizer_moves_a_booking_and_the_attendee_is_told(client, token, intro):
    booking = book(intro, "2026-06-02T10:00:00+02:00")
    run_fan_outs()

    body = ok(move(client, token, booking.pk, {"start": "2026-06-03T14:00:00+02:00"}))

    assert body["id"] == booking.pk and body["status"] == "confirmed"
    assert body["start"] == "2026-06-03T14:00:00+02:00"
    assert body["end"] == "2026-06-03T14:30:00+02:00"
    run_fan_outs()
    told = OutboxMessage.objects.get(booking=booking, kind="rescheduled", recipient="attendee")
    assert told.to_email == "sam@example.org"
    assert told.previous_start == datetime.fromisoformat("2026-06-02T10:00:00+02:00")


def test_the_old_time_is_freed_and_the_new_one_taken(client, token, intro):
    booking = book(intro, "2026-06-02T10:00:00+02:00")

    ok(move(client, token, booking.pk, {"start": "2026-06-02T15:00:00+02:00"}))

    assert book(intro, "2026-06-02T10:00:00+02:00", name="Takes The Old").is_active
    with pytest.raises(services.SlotUnavailable):
        book(intro, "2026-06-02T15:00:00+02:00", name="Wants The New")


def test_a_move_onto_another_booking_is_refused(client, token, intro):
    booking = book(intro, "2026-06-02T10:00:00+02:00")
    book(intro, "2026-06-02T15:00:00+02:00", name="First There")

    response = move(client, token, booking.pk, {"start": "2026-06-02T15:00:00+02:00"})

    assert_error(response, 409, "slot_unavailable")
    booking.refresh_from_db()
    assert booking.start == datetime.fromisoformat("2026-06-02T10:00:00+02:00")


def test_a_time_the_type_does_not_offer_is_refused(client, token, intro):
    booking = book(intro, "2026-06-02T10:00:00+02:00")

    response = move(client, token, booking.pk, {"start": "2026-06-02T03:00:00+02:00"})

    assert_error(response, 409, "slot_unavailable")


def test_a_cancelled_booking_cannot_be_moved(client, token, intro):
    booking = book(intro, "2026-06-02T10:00:00+02:00")
    services.cancel(booking, by=Booking.CancelledBy.ATTENDEE)

    response = move(client, token, booking.pk, {"start": "2026-06-02T15:00:00+02:00"})

    assert_error(response, 409, "booking_cancelled")


def test_someone_elses_booking_is_not_found(client, token):
    booking = book(make_type(make_person()), "2026-06-02T10:00:00+02:00")

    response = move(client, token, booking.pk, {"start": "2026-06-02T15:00:00+02:00"})

    assert_error(response, 404, "not_found")
    booking.refresh_from_db()
    assert booking.sequence == 0


@pytest.mark.parametrize("body", [{}, {"start": "tomorrow"}, {"start": "2026-06-02T15:00:00"}])
def test_a_bad_start_is_refused_in_the_apis_shape(client, token, intro, body):
    booking = book(intro, "2026-06-02T10:00:00+02:00")

    response = move(client, token, booking.pk, body)

    assert_error(response, 422, "validation")


def test_without_a_token_nobody_moves_anything(client, intro):
    booking = book(intro, "2026-06-02T10:00:00+02:00")

    response = client.post(
        f"{API}/bookings/{booking.pk}/reschedule",
        json.dumps({"start": "2026-06-02T15:00:00+02:00"}),
        content_type="application/json",
    )

    assert_error(response, 401, "unauthorized")
