"""`POST /api/v1/bookings/{id}/erase`: an organizer erases one booking's attendee data."""

from datetime import timedelta

import pytest
from apicheck import assert_error, ok
from makers import NOW, auth, ended, make_person, make_token, make_type

from bookwithme.booking import services
from bookwithme.directory.models import AuditEntry

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org")


def erase(client, token, booking_id):
    return client.post(f"/api/v1/bookings/{booking_id}/erase", **auth(token))


def test_a_past_booking_is_erased_and_answered_as_the_api_shows_bookings(client, alex):
    past = ended(make_type(alex, slug="intro"), NOW - timedelta(days=1))
    response = erase(client, make_token(alex), past.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == past.pk
    assert body["attendee"]["name"] == "(erased)"
    assert body["attendee"]["email"] == f"erased-{past.pk}@invalid"
    assert (body["notes"], body["answers"], body["guests"]) == ("", {}, [])
    assert body["status"] == "confirmed"
    (entry,) = AuditEntry.objects.filter(setting="privacy erase booking")
    assert (entry.actor, entry.target) == ("alex@example.org (API)", f"booking {past.pk}")


def test_an_upcoming_booking_is_refused_until_cancelled(client, alex):
    intro = make_type(alex, slug="intro")
    attendee = services.Attendee("Zoé", "zoe@example.org", "UTC")
    booking = services.book(intro, NOW + timedelta(hours=4), attendee).booking
    token = make_token(alex)
    assert_error(erase(client, token, booking.pk), 409, "booking_upcoming")
    booking.refresh_from_db()
    assert booking.attendee_email == "zoe@example.org"

    cancel = f"/api/v1/bookings/{booking.pk}/cancel"
    ok(client.post(cancel, "{}", content_type="application/json", **auth(token)))
    response = erase(client, token, booking.pk)
    assert ok(response)["attendee"]["name"] == "(erased)"


def test_another_persons_booking_is_not_found(client, alex):
    sam = make_person(name="Sam")
    past = ended(make_type(sam, slug="chat"), NOW - timedelta(days=1))
    assert_error(erase(client, make_token(alex), past.pk), 404, "not_found")
    past.refresh_from_db()
    assert past.attendee_email == "zoe@example.org"
