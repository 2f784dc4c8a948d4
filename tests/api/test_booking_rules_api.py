"""Issue 17's rules through the API: each refusal in the contract's error shape
(`change_too_late`, `reschedule_limit`, `visitor_limit`, guests refused with 422), guests
stored and shown to both sides, and the organizer's own limits on their profile."""

import json
from datetime import datetime

import icalendar
import pytest
from apicheck import API, assert_error, ok
from makers import auth, make_token, make_type

from bookwithme.booking.models import Booking

TUESDAY = "2026-06-02"


def at(hhmm: str, day: str = TUESDAY) -> str:
    return f"{day}T{hhmm}:00+02:00"


def post(client, path, body, **headers):
    return client.post(API + path, json.dumps(body), content_type="application/json", **headers)


def book(client, start, slug="intro", **extra):
    body = {
        "start": start,
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
    } | extra
    return post(client, f"/pages/alex/{slug}/bookings", body)


def starts(client, day=TUESDAY, slug="intro"):
    body = ok(client.get(f"{API}/pages/alex/{slug}/slots", {"from": day, "to": day}))
    return [s["start"] for s in body["slots"]]


def intro(alex, **rules):
    return make_type(alex, title="Intro call", slug="intro", duration_minutes=60, **rules)


# --- change deadlines and the move limit ---------------------------------------------------------


def test_a_late_cancel_or_move_is_refused_with_whom_to_contact(client, alex, frozen):
    intro(alex, cancel_notice_minutes=60, reschedule_notice_minutes=60)
    token = ok(book(client, at("11:00")), 201)["manage_token"]
    frozen.move_to(datetime.fromisoformat(at("10:01")))
    moved = post(client, f"/manage/{token}/reschedule", {"start": at("15:00")})
    body = assert_error(moved, 409, "change_too_late")
    assert "Alex Martin (alex@example.org)" in body["message"]
    body = assert_error(post(client, f"/manage/{token}/cancel", {}), 409, "change_too_late")
    assert "alex@example.org" in body["message"]
    assert Booking.objects.get().status == "confirmed"
    # The organizer's API is held to no deadline.
    headers = auth(make_token(alex))
    booking_id = Booking.objects.get().pk
    path = f"/bookings/{booking_id}/reschedule"
    assert ok(post(client, path, {"start": at("15:00")}, **headers))["reschedule_count"] == 0
    cancelled = ok(post(client, f"/bookings/{booking_id}/cancel", {}, **headers))
    assert cancelled["status"] == "cancelled"


def test_in_time_the_visitor_cancels(client, alex, frozen):
    intro(alex, cancel_notice_minutes=60)
    token = ok(book(client, at("11:00")), 201)["manage_token"]
    frozen.move_to(datetime.fromisoformat(at("09:59")))
    assert ok(post(client, f"/manage/{token}/cancel", {})) == {"status": "cancelled"}


def test_one_move_more_than_allowed_is_refused(client, alex):
    intro(alex, max_reschedules=1)
    token = ok(book(client, at("09:00")), 201)["manage_token"]
    moved = ok(post(client, f"/manage/{token}/reschedule", {"start": at("10:00")}))
    assert moved["start"] == at("10:00")
    again = post(client, f"/manage/{token}/reschedule", {"start": at("11:00")})
    assert "alex@example.org" in assert_error(again, 409, "reschedule_limit")["message"]
    feed = ok(client.get(f"{API}/bookings", **auth(make_token(alex))))
    assert [b["reschedule_count"] for b in feed] == [1]


# --- limits --------------------------------------------------------------------------------------


def test_the_visitor_limit_in_the_error_shape(client, alex):
    intro(alex, visitor_limit=1)
    ok(book(client, at("09:00")), 201)
    refused = book(client, at("11:00"), email="EVE@example.org")
    body = assert_error(refused, 409, "visitor_limit")
    assert "1 upcoming booking" in body["message"] and "Alex Martin" in body["message"]
    ok(book(client, at("11:00"), email="max@example.org"), 201)


def test_the_cached_slots_follow_the_weekly_and_the_organizers_limits(client, alex):
    intro(alex, weekly_limit=2)
    make_type(alex, title="Review", slug="review", duration_minutes=60)
    token = make_token(alex)
    assert at("09:00") in starts(client)  # the answer is cached now
    ok(book(client, at("09:00")), 201)
    ok(book(client, at("09:00", "2026-06-03")), 201)  # the 2nd this week
    assert starts(client) == [] and starts(client, "2026-06-05") == []
    assert starts(client, "2026-06-08")
    assert_error(book(client, at("11:00", "2026-06-04")), 409, "slot_unavailable")
    # The organizer's own daily limit, set through the API, applies to the cached answers
    # of every type at once.
    assert at("11:00") in starts(client, slug="review")
    me = ok(client.patch(f"{API}/me", {"daily_limit": 1}, "application/json", **auth(token)))
    assert (me["daily_limit"], me["weekly_limit"]) == (1, None)
    assert starts(client, slug="review") == []
    assert starts(client, "2026-06-04", slug="review")
    assert_error(book(client, at("11:00"), slug="review"), 409, "slot_unavailable")
    cleared = client.patch(f"{API}/me", {"daily_limit": None}, "application/json", **auth(token))
    assert ok(cleared)["daily_limit"] is None
    assert at("11:00") in starts(client, slug="review")


@pytest.mark.parametrize("value", [0, 101, "two", True])
def test_a_bad_organizer_limit_is_refused(client, alex, value):
    response = client.patch(
        f"{API}/me", {"daily_limit": value}, "application/json", **auth(make_token(alex))
    )
    assert "daily_limit" in assert_error(response, 422, "validation")["fields"]


# --- guests --------------------------------------------------------------------------------------


def test_guests_are_stored_shown_to_both_sides_and_invited_in_the_ics(client, alex):
    intro(alex, max_guests=2)
    guests = ["Lea@Example.org", "sam@example.org"]
    booked = ok(book(client, at("09:00"), guests=guests), 201)
    assert Booking.objects.get().guests == ["lea@example.org", "sam@example.org"]
    manage = ok(client.get(f"{API}/manage/{booked['manage_token']}"))
    assert manage["guests"] == ["lea@example.org", "sam@example.org"]
    feed = ok(client.get(f"{API}/bookings", **auth(make_token(alex))))
    assert feed[0]["guests"] == ["lea@example.org", "sam@example.org"]
    ics = client.get(f"{API}/manage/{booked['manage_token']}/ics").content
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    attendees = {str(a): a.params for a in event.get("ATTENDEE")}
    assert set(attendees) == {
        "mailto:eve@example.org",
        "mailto:lea@example.org",
        "mailto:sam@example.org",
    }
    assert attendees["mailto:lea@example.org"]["PARTSTAT"] == "NEEDS-ACTION"
    assert attendees["mailto:eve@example.org"]["PARTSTAT"] == "ACCEPTED"


def test_the_public_type_says_how_many_guests_it_takes(client, alex):
    intro(alex, max_guests=3)
    assert ok(client.get(f"{API}/pages/alex/intro"))["max_guests"] == 3


@pytest.mark.parametrize(
    ("max_guests", "guests", "field"),
    [
        (0, ["lea@example.org"], "guests"),  # the type takes none
        (1, ["lea@example.org", "sam@example.org"], "guests"),  # one more than allowed
        (2, ["lea@example.org", "not an email"], "guests.1"),
        (2, ["lea@example.org", "LEA@example.org"], "guests.1"),  # twice
        (2, ["Eve@example.org"], "guests.0"),  # the attendee's own
        (2, [42], "guests.0"),
    ],
)
def test_bad_guests_are_refused_field_by_field(client, alex, max_guests, guests, field):
    intro(alex, max_guests=max_guests)
    body = assert_error(book(client, at("09:00"), guests=guests), 422, "validation")
    assert field in body["fields"], body
    assert not Booking.objects.exists()


def test_an_empty_guest_list_is_no_guests(client, alex):
    intro(alex)
    ok(book(client, at("09:00"), guests=[]), 201)
    assert Booking.objects.get().guests == []
