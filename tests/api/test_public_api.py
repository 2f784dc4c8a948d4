"""The public API (docs/api.md): booking pages, slots, bookings, private links, manage links."""

import json
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from apicheck import API, assert_error, grid, ok
from makers import NOW, make_link, make_type

from bookwithme.booking import services
from bookwithme.booking.models import Booking

MONDAY, TUESDAY = "2026-06-01", "2026-06-02"


@pytest.fixture
def intro(alex):
    # Joined at its own fixed address: no link generated per booking.
    return make_type(
        alex,
        title="Intro call",
        slug="intro",
        description="Let's meet.",
        online_meeting=False,
        location={"kind": "online", "value": "https://meet.example.org/alex"},
    )


@pytest.fixture
def secret(alex):
    return make_type(alex, title="Board prep", slug="secret", visibility="private")


def post(client, path, body, **headers):
    return client.post(API + path, json.dumps(body), content_type="application/json", **headers)


def slots(client, path, first=MONDAY, last=None, tz=None):
    params = {"from": first, "to": last or first} | ({"tz": tz} if tz else {})
    return ok(client.get(API + path, params))


def starts(client, path="/pages/alex/intro/slots", first=MONDAY, last=None, tz=None):
    return [s["start"] for s in slots(client, path, first, last, tz)["slots"]]


WORKING_DAY = grid(MONDAY, "09:00", "16:30")


def attendee(start, **extra):
    return {
        "start": start,
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
    } | extra


def book(client, start, path="/pages/alex/intro/bookings", **extra):
    return post(client, path, attendee(start, **extra))


# --- pages -----------------------------------------------------------------------------------


def test_a_page_lists_its_public_types_only(client, alex, intro, secret):
    gone = make_type(alex, title="Old", slug="old")
    gone.deleted_at = NOW
    gone.save()
    assert ok(client.get(f"{API}/pages/alex")) == {
        "owner": {"name": "Alex Martin", "time_zone": "Europe/Paris", "privacy_notice_url": None},
        "meeting_types": [
            {
                "slug": "intro",
                "title": "Intro call",
                "description": "Let's meet.",
                "duration_minutes": 30,
                "location_kind": "online",
                "online_meeting": False,
                "questions": [],
                "max_guests": 0,
                "durations_minutes": [],
                "requires_approval": False,
                "ask_consent": False,
            }
        ],
    }


def test_a_type_page_describes_one_public_type(client, intro):
    body = ok(client.get(f"{API}/pages/alex/intro"))
    assert body["slug"] == "intro"
    assert body["title"] == "Intro call"
    assert body["duration_minutes"] == 30
    assert body["owner"] == {
        "name": "Alex Martin",
        "time_zone": "Europe/Paris",
        "privacy_notice_url": None,
    }


@pytest.mark.parametrize("path", ["/pages/nobody", "/pages/nobody/intro", "/pages/alex/nothing"])
def test_an_unknown_page_or_type_answers_not_found(client, intro, path):
    assert_error(client.get(API + path), 404, "not_found")


@pytest.mark.parametrize("suffix", ["", "/slots"])
def test_a_private_type_is_not_found_through_the_page(client, secret, suffix):
    assert_error(client.get(f"{API}/pages/alex/secret{suffix}"), 404, "not_found")


def test_a_private_type_cannot_be_booked_through_the_page(client, secret):
    response = book(client, "2026-06-01T10:00:00+02:00", "/pages/alex/secret/bookings")
    assert_error(response, 404, "not_found")
    assert not Booking.objects.exists()


# --- slots -----------------------------------------------------------------------------------


def test_slots_are_written_with_the_visitors_offset(client, intro):
    body = slots(client, "/pages/alex/intro/slots", TUESDAY, tz="Pacific/Auckland")
    assert body["time_zone"] == "Pacific/Auckland"
    # Tuesday in Auckland (UTC+12) runs from Monday 14:00 to Tuesday 14:00 in Paris.
    expected = grid(TUESDAY, "00:00", "02:30", "+12:00") + grid(TUESDAY, "19:00", "23:30", "+12:00")
    assert [s["start"] for s in body["slots"]] == expected


def test_slots_cover_from_to_inclusive(client, intro):
    assert starts(client, first=MONDAY, last=TUESDAY) == WORKING_DAY + grid(
        TUESDAY, "09:00", "16:30"
    )


def test_slots_end_one_duration_after_they_start(client, intro):
    for slot in slots(client, "/pages/alex/intro/slots")["slots"]:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        assert end - start == timedelta(minutes=30)
        assert slot["end"].endswith("+02:00")


def test_slots_default_to_the_owners_zone_and_a_week(client, intro):
    body = ok(client.get(f"{API}/pages/alex/intro/slots"))
    assert body["time_zone"] == "Europe/Paris"
    days = {date.fromisoformat(s["start"][:10]) for s in body["slots"]}
    # Monday 2026-06-01 to Sunday 2026-06-07: the five working days.
    assert days == {date(2026, 6, d) for d in range(1, 6)}
    assert len(body["slots"]) == 5 * 16


def test_slots_carry_no_notice_normally(client, intro):
    body = slots(client, "/pages/alex/intro/slots")
    assert body["slots"]
    assert "notice" not in body


def test_slots_leave_the_minimum_notice(client, alex):
    make_type(alex, slug="notice", min_notice_minutes=150)
    # 08:00 in Paris plus two and a half hours.
    assert starts(client, "/pages/alex/notice/slots") == grid(MONDAY, "10:30", "16:30")


def test_slots_stop_at_the_horizon(client, alex):
    make_type(alex, slug="soon", horizon_days=1)
    assert starts(client, "/pages/alex/soon/slots") == WORKING_DAY
    # The horizon ends on Tuesday at 08:00 in Paris, before Tuesday's hours begin.
    assert starts(client, "/pages/alex/soon/slots", TUESDAY) == []


def test_bookings_of_any_type_block_with_their_own_buffers(client, alex, intro):
    padded = make_type(alex, slug="padded", buffer_after_minutes=15)
    services.book(
        padded,
        datetime.fromisoformat("2026-06-01T10:00:00+02:00"),
        services.Attendee(name="Bea", email="bea@example.org", time_zone="Europe/Paris"),
    )
    offered = starts(client)
    # The padded booking holds 10:00-10:45: intro loses 10:00 and 10:30, keeps 11:00.
    assert offered == [s for s in WORKING_DAY if s[11:16] not in ("10:00", "10:30")]


def test_a_types_buffer_keeps_it_away_from_busy_time(client, alex, intro):
    make_type(alex, slug="careful", buffer_before_minutes=30)
    ok(book(client, "2026-06-01T10:00:00+02:00"), 201)
    offered = starts(client, "/pages/alex/careful/slots")
    assert "2026-06-01T10:30:00+02:00" not in offered  # its buffer would overlap 10:00-10:30
    assert "2026-06-01T11:00:00+02:00" in offered
    assert "2026-06-01T09:30:00+02:00" in offered


def test_a_daily_limit_counts_the_types_own_bookings(client, alex, intro):
    make_type(alex, slug="rare", daily_limit=1)
    ok(book(client, "2026-06-01T15:00:00+02:00"), 201)  # another type: does not count
    assert len(starts(client, "/pages/alex/rare/slots")) == 15
    ok(book(client, "2026-06-01T10:00:00+02:00", "/pages/alex/rare/bookings"), 201)
    assert starts(client, "/pages/alex/rare/slots") == []
    assert starts(client, "/pages/alex/rare/slots", TUESDAY) == grid(TUESDAY, "09:00", "16:30")


# --- booking ---------------------------------------------------------------------------------


def test_a_booking_answers_201_with_the_contract_fields(client, intro):
    body = ok(book(client, "2026-06-01T10:00:00+02:00"), 201)
    assert {"id", "start", "end", "status", "manage_token", "manage_url", "meeting_url"} <= set(
        body
    )
    assert body["start"] == "2026-06-01T10:00:00+02:00"
    assert body["end"] == "2026-06-01T10:30:00+02:00"
    assert body["status"] == "confirmed"
    token = body["manage_token"]
    assert len(token) >= 32
    assert body["manage_url"] == f"http://127.0.0.1:8000/manage/{token}"
    assert body["ics_url"] == f"http://127.0.0.1:8000{API}/manage/{token}/ics"
    assert body["meeting_url"] == ""
    booking = Booking.objects.get(pk=body["id"])
    assert booking.start == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert booking.attendee_email == "eve@example.org"


def test_a_booked_time_leaves_the_slots(client, intro):
    ok(book(client, "2026-06-01T10:00:00+02:00"), 201)
    assert starts(client) == [s for s in WORKING_DAY if s[11:16] != "10:00"]


def test_a_booking_is_written_in_the_attendees_zone(client, intro):
    body = ok(book(client, "2026-06-01T10:00:00+02:00", time_zone="America/New_York"), 201)
    assert body["start"] == "2026-06-01T04:00:00-04:00"
    assert body["end"] == "2026-06-01T04:30:00-04:00"


def test_a_start_in_any_offset_names_the_same_instant(client, intro):
    ok(book(client, "2026-06-01T08:00:00+00:00"), 201)
    response = book(client, "2026-06-01T17:00:00+09:00")  # the same instant, from Tokyo
    assert_error(response, 409, "slot_unavailable")


def test_an_online_meeting_type_gives_each_booking_its_own_meeting_url(client, alex):
    make_type(alex, slug="video", online_meeting=True)
    first = ok(book(client, "2026-06-01T10:00:00+02:00", "/pages/alex/video/bookings"), 201)
    second = ok(book(client, "2026-06-01T11:00:00+02:00", "/pages/alex/video/bookings"), 201)
    assert first["meeting_url"].startswith("https://")
    assert second["meeting_url"].startswith("https://")
    assert first["meeting_url"] != second["meeting_url"]


def test_a_start_is_accepted_exactly_when_it_is_offered(client, intro, settings):
    settings.BOOKWITHME_BOOKING_RATE_LIMIT = 0  # 96 attempts from one address
    offered = set(starts(client))
    assert offered
    # Every quarter hour of Monday, in order; 30-minute meetings, so accepting one start
    # never withdraws another start that was offered.
    for minute in range(0, 24 * 60, 15):
        start = f"{MONDAY}T{minute // 60:02d}:{minute % 60:02d}:00+02:00"
        response = book(client, start, email=f"eve{minute}@example.org")
        if start in offered:
            assert response.status_code == 201, (start, response.content)
        else:
            assert_error(response, 409, "slot_unavailable")
    assert Booking.objects.count() == len(offered)
    assert starts(client) == []


def test_booking_the_same_slot_twice_answers_409(client, intro):
    ok(book(client, "2026-06-01T10:00:00+02:00"), 201)
    response = book(client, "2026-06-01T10:00:00+02:00", name="Someone Else")
    assert_error(response, 409, "slot_unavailable")
    assert Booking.objects.count() == 1


def test_an_overlapping_time_of_another_type_answers_409(client, alex, intro):
    make_type(alex, slug="long", duration_minutes=60)
    ok(book(client, "2026-06-01T10:00:00+02:00", "/pages/alex/long/bookings"), 201)
    assert_error(book(client, "2026-06-01T10:30:00+02:00"), 409, "slot_unavailable")


def test_answers_to_the_types_questions_reach_the_organizer(client, alex):
    questions = [
        {"id": "topic", "label": "Topic", "kind": "long_text", "required": True},
        {"id": "phone", "label": "Phone", "kind": "phone", "required": False},
    ]
    make_type(alex, slug="asks", questions=questions)
    assert ok(client.get(f"{API}/pages/alex/asks"))["questions"] == questions
    answers = {"topic": "Pricing,\nand the roadmap", "phone": "+33 1 23 45 67 89"}
    body = ok(
        book(client, "2026-06-01T10:00:00+02:00", "/pages/alex/asks/bookings", answers=answers), 201
    )
    assert Booking.objects.get(pk=body["id"]).answers == answers


# --- Idempotency-Key -------------------------------------------------------------------------


def test_a_repeated_idempotency_key_returns_the_same_booking(client, intro):
    headers = {"HTTP_IDEMPOTENCY_KEY": "3f1c2d1e-retry"}
    body = attendee("2026-06-01T10:00:00+02:00")
    first = ok(post(client, "/pages/alex/intro/bookings", body, **headers), 201)
    again = ok(post(client, "/pages/alex/intro/bookings", body, **headers), 201)
    assert again == first
    assert Booking.objects.count() == 1
    assert ok(client.get(f"{API}/manage/{again['manage_token']}"))["id"] == first["id"]


def test_an_idempotency_key_reused_for_another_request_answers_422(client, intro):
    headers = {"HTTP_IDEMPOTENCY_KEY": "3f1c2d1e-retry"}
    ok(
        post(
            client, "/pages/alex/intro/bookings", attendee("2026-06-01T10:00:00+02:00"), **headers
        ),
        201,
    )
    other = attendee("2026-06-01T11:00:00+02:00")
    response = post(client, "/pages/alex/intro/bookings", other, **headers)
    assert_error(response, 422, "validation")
    assert Booking.objects.count() == 1


def test_different_idempotency_keys_make_different_bookings(client, intro):
    for n, start in enumerate(["2026-06-01T10:00:00+02:00", "2026-06-01T11:00:00+02:00"]):
        headers = {"HTTP_IDEMPOTENCY_KEY": f"key-{n}"}
        ok(post(client, "/pages/alex/intro/bookings", attendee(start), **headers), 201)
    assert Booking.objects.count() == 2


def test_a_repeat_through_a_spent_single_use_link_returns_the_same_booking(client, secret):
    token = make_link(secret, single_use=True)
    headers = {"HTTP_IDEMPOTENCY_KEY": "once"}
    body = attendee("2026-06-01T10:00:00+02:00")
    first = ok(post(client, f"/links/{token}/bookings", body, **headers), 201)
    assert ok(post(client, f"/links/{token}/bookings", body, **headers), 201) == first
    other = attendee("2026-06-01T11:00:00+02:00")
    assert_error(post(client, f"/links/{token}/bookings", other), 410, "link_used")
    assert Booking.objects.count() == 1


# --- private links ---------------------------------------------------------------------------


def test_a_link_describes_its_type(client, secret):
    token = make_link(secret, expires_in_days=10)
    body = ok(client.get(f"{API}/links/{token}"))
    assert body["owner"] == {
        "name": "Alex Martin",
        "time_zone": "Europe/Paris",
        "privacy_notice_url": None,
    }
    assert body["meeting_type"]["slug"] == "secret"
    assert body["meeting_type"]["title"] == "Board prep"
    assert datetime.fromisoformat(body["expires_at"]) == NOW + timedelta(days=10)
    assert body["single_use"] is False


def test_a_link_offers_and_books_its_private_type(client, secret):
    token = make_link(secret)
    assert starts(client, f"/links/{token}/slots") == WORKING_DAY
    body = ok(book(client, "2026-06-01T10:00:00+02:00", f"/links/{token}/bookings"), 201)
    assert Booking.objects.get(pk=body["id"]).meeting_type == secret
    assert "2026-06-01T10:00:00+02:00" not in starts(client, f"/links/{token}/slots")


def link_routes(token):
    return [
        ("get", f"/links/{token}"),
        ("get", f"/links/{token}/slots"),
        ("post", f"/links/{token}/bookings"),
    ]


def call_link(client, method, path, start="2026-06-03T10:00:00+02:00"):
    if method == "get":
        return client.get(API + path)
    return book(client, start, path, email="late@example.org")


@pytest.mark.parametrize("route", [0, 1, 2], ids=["link", "slots", "booking"])
def test_an_expired_link_answers_410(client, secret, frozen, route):
    token = make_link(secret, expires_in_days=1)
    method, path = link_routes(token)[route]
    assert call_link(client, method, path).status_code in (200, 201)
    Booking.objects.all().delete()
    frozen.move_to(NOW + timedelta(days=1, seconds=1))
    assert_error(call_link(client, method, path), 410, "link_expired")
    assert not Booking.objects.exists()


@pytest.mark.parametrize("route", [0, 1, 2], ids=["link", "slots", "booking"])
def test_a_spent_single_use_link_answers_410(client, secret, route):
    token = make_link(secret, single_use=True)
    ok(book(client, "2026-06-01T10:00:00+02:00", f"/links/{token}/bookings"), 201)
    method, path = link_routes(token)[route]
    assert_error(call_link(client, method, path), 410, "link_used")
    assert Booking.objects.count() == 1


def test_a_single_use_link_survives_a_refused_booking(client, secret):
    token = make_link(secret, single_use=True)
    response = book(client, "2026-06-06T10:00:00+02:00", f"/links/{token}/bookings")  # Saturday
    assert_error(response, 409, "slot_unavailable")
    ok(book(client, "2026-06-01T10:00:00+02:00", f"/links/{token}/bookings"), 201)


@pytest.mark.parametrize("route", [0, 1, 2], ids=["link", "slots", "booking"])
def test_a_revoked_link_answers_404(client, secret, route):
    link, token = services.create_link(secret)
    link.revoked_at = NOW
    link.save()
    method, path = link_routes(token)[route]
    assert_error(call_link(client, method, path), 404, "not_found")
    assert not Booking.objects.exists()


@pytest.mark.parametrize("route", [0, 1, 2], ids=["link", "slots", "booking"])
def test_an_unknown_link_answers_404(client, secret, route):
    method, path = link_routes("n0t-a-real-t0ken-at-all-0000000000000000000")[route]
    assert_error(call_link(client, method, path), 404, "not_found")


# --- the attendee's manage link --------------------------------------------------------------


@pytest.fixture
def booked(client, intro):
    """Eve's booking on Monday at 10:00 in Paris, as the booking answered it."""
    return ok(book(client, "2026-06-01T10:00:00+02:00"), 201)


def manage(booked, suffix=""):
    return f"{API}/manage/{booked['manage_token']}{suffix}"


def test_the_manage_link_describes_the_booking(client, booked):
    body = ok(client.get(manage(booked)))
    assert {k: body[k] for k in ("id", "start", "end", "status")} == {
        "id": booked["id"],
        "start": "2026-06-01T10:00:00+02:00",
        "end": "2026-06-01T10:30:00+02:00",
        "status": "confirmed",
    }
    assert body["meeting_type"] == "Intro call"
    assert body["organizer_name"] == "Alex Martin"
    assert body["meeting_url"] == ""


def test_manage_slots_count_the_bookings_own_time_as_free(client, booked):
    assert "2026-06-01T10:00:00+02:00" not in starts(client)
    body = ok(client.get(manage(booked, "/slots"), {"from": MONDAY, "to": MONDAY}))
    assert body["time_zone"] == "Europe/Paris"  # the attendee's
    assert [s["start"] for s in body["slots"]] == WORKING_DAY


def test_manage_slots_still_exclude_other_bookings(client, booked):
    ok(book(client, "2026-06-01T11:00:00+02:00", name="Other"), 201)
    offered = [
        s["start"] for s in ok(client.get(manage(booked, "/slots"), {"from": MONDAY}))["slots"]
    ]
    assert "2026-06-01T10:00:00+02:00" in offered
    assert "2026-06-01T11:00:00+02:00" not in offered


def reschedule(client, booked, start):
    return post(client, manage(booked, "/reschedule")[len(API) :], {"start": start})


def test_rescheduling_keeps_the_booking_and_its_manage_token(client, booked):
    body = ok(reschedule(client, booked, "2026-06-01T14:00:00+02:00"))
    assert body["id"] == booked["id"]
    assert body["start"] == "2026-06-01T14:00:00+02:00"
    assert body["end"] == "2026-06-01T14:30:00+02:00"
    assert body["status"] == "confirmed"
    assert ok(client.get(manage(booked))) == body
    assert Booking.objects.count() == 1
    booking = Booking.objects.get()
    assert (booking.attendee_name, booking.attendee_email) == ("Eve Moreau", "eve@example.org")
    offered = starts(client)
    assert "2026-06-01T10:00:00+02:00" in offered
    assert "2026-06-01T14:00:00+02:00" not in offered


def test_rescheduling_onto_its_own_overlapping_time_is_allowed(client, booked):
    # 10:15 is off the grid; 10:30 overlaps nothing but the booking itself.
    body = ok(reschedule(client, booked, "2026-06-01T10:30:00+02:00"))
    assert body["start"] == "2026-06-01T10:30:00+02:00"


def test_rescheduling_onto_a_taken_time_answers_409(client, booked):
    ok(book(client, "2026-06-01T11:00:00+02:00", name="Other"), 201)
    assert_error(reschedule(client, booked, "2026-06-01T11:00:00+02:00"), 409, "slot_unavailable")
    assert ok(client.get(manage(booked)))["start"] == "2026-06-01T10:00:00+02:00"


def test_rescheduling_onto_a_time_not_offered_answers_409(client, booked):
    assert_error(reschedule(client, booked, "2026-06-06T10:00:00+02:00"), 409, "slot_unavailable")
    assert ok(client.get(manage(booked)))["start"] == "2026-06-01T10:00:00+02:00"


def test_cancelling_answers_cancelled_and_frees_the_time(client, booked):
    response = post(client, manage(booked, "/cancel")[len(API) :], {"reason": "Ill"})
    assert ok(response) == {"status": "cancelled"}
    assert ok(client.get(manage(booked)))["status"] == "cancelled"
    assert "2026-06-01T10:00:00+02:00" in starts(client)
    booking = Booking.objects.get()
    assert (booking.cancelled_by, booking.cancel_reason) == ("attendee", "Ill")


def test_cancelling_again_answers_200_and_changes_nothing(client, booked):
    path = manage(booked, "/cancel")[len(API) :]
    ok(post(client, path, {}))
    sequence = Booking.objects.get().sequence
    assert ok(post(client, path, {"reason": "again"})) == {"status": "cancelled"}
    assert Booking.objects.get().sequence == sequence


def test_cancelling_without_a_body(client, booked):
    assert ok(client.generic("POST", manage(booked, "/cancel"), b"")) == {"status": "cancelled"}


def test_a_cancelled_booking_cannot_be_moved(client, booked):
    ok(post(client, manage(booked, "/cancel")[len(API) :], {}))
    response = reschedule(client, booked, "2026-06-01T14:00:00+02:00")
    assert_error(response, 409, "booking_cancelled")
    assert_error(client.get(manage(booked, "/slots")), 409, "booking_cancelled")
    assert Booking.objects.get().status == "cancelled"


def calendar_event(client, booked):
    response = client.get(manage(booked, "/ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_the_ics_download_follows_the_booking(client, booked):
    first = calendar_event(client, booked)
    assert first.decoded("DTSTART") == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert first.decoded("DTEND") == datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
    assert str(first["STATUS"]) == "CONFIRMED"

    ok(reschedule(client, booked, "2026-06-01T14:00:00+02:00"))
    moved = calendar_event(client, booked)
    assert moved.decoded("DTSTART") == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert str(moved["UID"]) == str(first["UID"])
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])

    ok(post(client, manage(booked, "/cancel")[len(API) :], {}))
    cancelled = calendar_event(client, booked)
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == str(first["UID"])
    assert int(cancelled["SEQUENCE"]) > int(moved["SEQUENCE"])


def test_each_booking_has_its_own_uid(client, booked):
    other = ok(book(client, "2026-06-01T11:00:00+02:00", name="Other"), 201)
    assert str(calendar_event(client, booked)["UID"]) != str(calendar_event(client, other)["UID"])


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "/slots"), ("get", "/ics"), ("post", "/reschedule"), ("post", "/cancel")],
)
def test_an_unknown_manage_token_answers_404(client, booked, method, suffix):
    path = f"{API}/manage/{booked['manage_token'][:-2]}xx{suffix}"
    if method == "get":
        response = client.get(path)
    else:
        response = client.post(
            path,
            json.dumps({"start": "2026-06-01T14:00:00+02:00"} if "re" in suffix else {}),
            content_type="application/json",
        )
    assert_error(response, 404, "not_found")
    assert Booking.objects.get().status == "confirmed"


# --- documentation and health ----------------------------------------------------------------


def test_the_openapi_schema_is_served(client, db):
    body = ok(client.get(f"{API}/openapi.json"))
    assert body["openapi"].startswith("3.")
    assert "/api/v1/pages/{page_slug}/{type_slug}/bookings" in body["paths"]
    assert "/api/v1/meeting-types" in body["paths"]


def test_the_api_docs_load_nothing_from_a_cdn(client, db):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "openapi.json" in html
    assert "cdn." not in html
    assert "jsdelivr" not in html


def test_healthz_answers_200(client, db):
    assert client.get("/healthz").status_code == 200


def test_one_address_booking_too_often_is_told_to_wait(client, intro, settings, frozen):
    settings.BOOKWITHME_BOOKING_RATE_LIMIT = 3
    answers = [
        book(client, f"{MONDAY}T{hour}:00:00+02:00", email=f"eve{hour}@example.org")
        for hour in (10, 11, 12, 14)
    ]

    assert [r.status_code for r in answers[:3]] == [201, 201, 201]
    assert_error(answers[3], 429, "rate_limited")
    assert Booking.objects.count() == 3
    # Another address is not held back, and the wait ends.
    other = client.post(
        API + "/pages/alex/intro/bookings",
        attendee(f"{MONDAY}T14:00:00+02:00", email="ann@example.org"),
        content_type="application/json",
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 201
    frozen.shift(10 * 60 + 1)
    assert book(client, f"{MONDAY}T15:00:00+02:00", email="bob@example.org").status_code == 201


def book_from(client, hour, **meta):
    return client.post(
        API + "/pages/alex/intro/bookings",
        attendee(f"{MONDAY}T{hour}:00:00+02:00", email=f"eve{hour}@example.org"),
        content_type="application/json",
        **meta,
    )


def test_a_spoofed_forwarded_for_does_not_escape_the_booking_limit(client, intro, settings):
    settings.BOOKWITHME_BOOKING_RATE_LIMIT = 2
    settings.BOOKWITHME_TRUSTED_PROXIES = ["10.0.0.0/8"]
    answers = [
        book_from(client, hour, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{hour}")
        for hour in (10, 11, 12)
    ]

    assert [r.status_code for r in answers] == [201, 201, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_booking_limit(client, intro, settings):
    settings.BOOKWITHME_BOOKING_RATE_LIMIT = 2
    settings.BOOKWITHME_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = [
        book_from(client, hour, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
        for hour in (10, 11, 12)
    ]
    other = book_from(client, 14, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)

    assert [r.status_code for r in first] == [201, 201, 429]
    assert other.status_code == 201
