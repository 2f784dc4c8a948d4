"""The API of approval and several lengths (docs/api.md): the public type says both, the slots
routes take `duration`, a booking `duration_minutes`; a pending booking, the organizer's
approve and decline, and the attendee's manage link meanwhile. Refusals in the error shape."""

import json
from datetime import datetime, timedelta

import pytest
from apicheck import API, assert_error, ok
from makers import NOW, make_link, make_person, make_token, make_type

from bookwithme.booking.models import Booking

MONDAY = "2026-06-01"
START = "2026-06-01T12:00:00+02:00"


@pytest.fixture
def vetted(alex):
    return make_type(
        alex,
        title="Vetted call",
        slug="vetted",
        requires_approval=True,
        durations_minutes=[30, 60],
        online_meeting=False,
        location={"kind": "online", "value": "https://meet.example.org/alex"},
    )


@pytest.fixture
def token(alex):
    return make_token(alex)


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, path, body=None, **headers):
    data = json.dumps(body) if body is not None else ""
    return client.post(API + path, data, content_type="application/json", **headers)


def attendee(start=START, **extra):
    return {
        "start": start,
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
    } | extra


def slot_spans(body):
    return {
        (datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])).seconds // 60
        for s in body["slots"]
    }


def test_the_public_type_says_its_lengths_and_whether_it_is_approved(client, vetted):
    body = ok(client.get(f"{API}/pages/alex/vetted"))
    assert body["durations_minutes"] == [30, 60]
    assert body["requires_approval"] is True
    page = ok(client.get(f"{API}/pages/alex"))
    assert page["meeting_types"][0]["durations_minutes"] == [30, 60]


@pytest.mark.parametrize("path", ["/pages/alex/vetted/slots", "link"])
def test_slots_follow_the_duration_asked(client, vetted, path):
    if path == "link":
        path = f"/links/{make_link(vetted)}/slots"
    plain = ok(client.get(API + path, {"from": MONDAY, "to": MONDAY}))
    assert slot_spans(plain) == {30}
    long = ok(client.get(API + path, {"from": MONDAY, "to": MONDAY, "duration": 60}))
    assert slot_spans(long) == {60}
    assert long["slots"][-1]["start"] == "2026-06-01T16:00:00+02:00"
    # The default length asked by name answers as without it.
    same = ok(client.get(API + path, {"from": MONDAY, "to": MONDAY, "duration": 30}))
    assert same == plain


@pytest.mark.parametrize("path", ["/pages/alex/vetted/slots", "link"])
@pytest.mark.parametrize("duration", ["45", "0", "abc", "100000"])
def test_a_duration_that_is_not_the_types_is_refused(client, vetted, path, duration):
    if path == "link":
        path = f"/links/{make_link(vetted)}/slots"
    response = client.get(API + path, {"from": MONDAY, "duration": duration})
    body = assert_error(response, 422, "validation")
    assert any("duration" in name for name in body["fields"]), body


def test_an_unknown_page_still_answers_not_found_with_a_duration(client, vetted):
    assert_error(client.get(f"{API}/pages/alex/nope/slots", {"duration": 60}), 404, "not_found")


def test_a_booking_keeps_the_length_chosen(client, vetted):
    body = ok(
        post(client, "/pages/alex/vetted/bookings", attendee(duration_minutes=60)), status=201
    )
    assert body["end"] == "2026-06-01T13:00:00+02:00"
    manage = ok(client.get(f"{API}/manage/{body['manage_token']}"))
    assert manage["duration_minutes"] == 60


def test_a_booking_of_a_length_not_offered_is_refused(client, vetted):
    response = post(client, "/pages/alex/vetted/bookings", attendee(duration_minutes=45))
    body = assert_error(response, 422, "validation")
    assert "duration_minutes" in body["fields"]
    assert not Booking.objects.exists()


def test_a_booking_that_needs_approval_starts_pending_without_its_meeting_link(client, vetted):
    body = ok(post(client, "/pages/alex/vetted/bookings", attendee()), status=201)
    assert body["status"] == "pending"
    assert body["meeting_url"] == ""
    manage = ok(client.get(f"{API}/manage/{body['manage_token']}"))
    assert manage["status"] == "pending" and manage["meeting_url"] == ""
    # Its time is held.
    slots = ok(client.get(f"{API}/pages/alex/vetted/slots", {"from": MONDAY, "to": MONDAY}))
    assert START not in [s["start"] for s in slots["slots"]]
    refused = post(client, "/pages/alex/vetted/bookings", attendee(email="other@example.org"))
    assert_error(refused, 409, "slot_unavailable")


def test_the_attendee_may_cancel_a_pending_booking_but_not_move_it(client, vetted):
    manage = ok(post(client, "/pages/alex/vetted/bookings", attendee()), status=201)
    path = f"/manage/{manage['manage_token']}"
    later = {"start": "2026-06-01T15:00:00+02:00"}
    assert_error(post(client, f"{path}/reschedule", later), 409, "booking_pending")
    assert_error(client.get(API + f"{path}/slots"), 409, "booking_pending")
    assert_error(client.get(API + f"{path}/ics"), 409, "booking_pending")
    assert ok(post(client, f"{path}/cancel", {}))["status"] == "cancelled"


def test_the_organizer_lists_pending_bookings_and_approves_one(client, vetted, token):
    booked = ok(post(client, "/pages/alex/vetted/bookings", attendee()), status=201)
    listed = ok(client.get(f"{API}/bookings", {"status": "pending"}, **auth(token)))
    assert [b["id"] for b in listed] == [booked["id"]]
    assert listed[0]["status"] == "pending"
    approved = ok(post(client, f"/bookings/{booked['id']}/approve", **auth(token)))
    assert approved["status"] == "confirmed"
    assert ok(client.get(f"{API}/bookings", {"status": "pending"}, **auth(token))) == []
    again = post(client, f"/bookings/{booked['id']}/approve", **auth(token))
    assert_error(again, 409, "not_pending")
    assert_error(
        post(client, f"/bookings/{booked['id']}/decline", **auth(token)), 409, "not_pending"
    )
    assert ok(client.get(f"{API}/manage/{booked['manage_token']}"))["status"] == "confirmed"


def test_the_organizers_list_shows_bookings_waiting_for_approval_first(client, alex, vetted, token):
    open_type = make_type(
        alex,
        title="Open",
        slug="open",
        online_meeting=False,
        location={"kind": "online", "value": "https://meet.example.org/alex"},
    )
    early = ok(
        post(
            client, f"/pages/alex/{open_type.slug}/bookings", attendee("2026-06-01T10:00:00+02:00")
        ),
        status=201,
    )
    waiting = ok(post(client, "/pages/alex/vetted/bookings", attendee()), status=201)
    listed = ok(client.get(f"{API}/bookings", **auth(token)))
    # The request comes first although it starts later.
    assert [(b["id"], b["status"]) for b in listed] == [
        (waiting["id"], "pending"),
        (early["id"], "confirmed"),
    ]


def test_the_organizer_declines_with_a_reason_and_the_time_is_free_again(client, vetted, token):
    booked = ok(post(client, "/pages/alex/vetted/bookings", attendee()), status=201)
    reason = {"reason": "Away that day, sorry."}
    declined = ok(post(client, f"/bookings/{booked['id']}/decline", reason, **auth(token)))
    assert declined["status"] == "declined"
    assert declined["cancel_reason"] == "Away that day, sorry."
    slots = ok(client.get(f"{API}/pages/alex/vetted/slots", {"from": MONDAY, "to": MONDAY}))
    assert START in [s["start"] for s in slots["slots"]]
    assert ok(client.get(f"{API}/manage/{booked['manage_token']}"))["status"] == "declined"


def test_a_decline_reason_too_long_is_refused_by_field(client, vetted, token):
    booked = ok(post(client, "/pages/alex/vetted/bookings", attendee()), status=201)
    response = post(
        client, f"/bookings/{booked['id']}/decline", {"reason": "x" * 2001}, **auth(token)
    )
    body = assert_error(response, 422, "validation")
    assert "reason" in body["fields"]


def test_approving_after_the_deadline_is_refused(client, vetted, token, frozen):
    booked = ok(post(client, "/pages/alex/vetted/bookings", attendee()), status=201)
    frozen.move_to(NOW + timedelta(hours=4))  # its start: the deadline
    response = post(client, f"/bookings/{booked['id']}/approve", **auth(token))
    assert_error(response, 409, "not_pending")


def test_a_confirmed_booking_cannot_be_approved_or_declined(client, alex, token):
    mt = make_type(alex, title="Open", slug="open")
    booked = ok(post(client, "/pages/alex/open/bookings", attendee()), status=201)
    assert mt.pk
    for action in ("approve", "decline"):
        response = post(client, f"/bookings/{booked['id']}/{action}", **auth(token))
        assert_error(response, 409, "not_pending")


def test_another_organizers_booking_is_not_found(client, vetted):
    booked = ok(post(client, "/pages/alex/vetted/bookings", attendee()), status=201)
    other = make_token(make_person())
    for action in ("approve", "decline"):
        response = post(client, f"/bookings/{booked['id']}/{action}", **auth(other))
        assert_error(response, 404, "not_found")
    assert Booking.objects.get().is_pending


def test_an_unknown_status_filter_is_refused(client, vetted, token):
    response = client.get(f"{API}/bookings", {"status": "waiting"}, **auth(token))
    assert_error(response, 422, "validation")
