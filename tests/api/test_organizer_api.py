"""The organizer API (docs/api.md): profile, hours, calendar, meeting types, links, bookings."""

import json
from datetime import datetime, timedelta

import pytest
from apicheck import API, assert_error, grid, ok
from makers import NOW, auth, make_link, make_person, make_token, make_type

from bookwithme.booking import services
from bookwithme.booking.models import Booking, Link, MeetingType
from bookwithme.calendars.events import add_event
from bookwithme.calendars.models import Event
from bookwithme.directory.models import ApiToken

MONDAY, TUESDAY, WEDNESDAY = "2026-06-01", "2026-06-02", "2026-06-03"


@pytest.fixture
def token(alex):
    return make_token(alex)


@pytest.fixture
def intro(alex):
    return make_type(alex, title="Intro call", slug="intro")


def call(client, method, path, token=None, body=None, *, params=None):
    headers = auth(token) if token else {}
    if method == "get":
        return client.get(API + path, params or {}, **headers)
    data = "" if body is None else json.dumps(body)
    return getattr(client, method)(API + path, data, content_type="application/json", **headers)


def starts(client, day, tz="Europe/Paris", page="alex", type_slug="intro"):
    """The offered starts on one day of the visitor's zone, as the public API writes them."""
    params = {"from": day, "to": day, "tz": tz}
    body = ok(client.get(f"{API}/pages/{page}/{type_slug}/slots", params))
    return [s["start"] for s in body["slots"]]


WORKING_DAY = grid(MONDAY, "09:00", "16:30")


def book_at(meeting_type, start, name="Bea Roux"):
    """A booking made the way the public API makes them, at an aware `start`."""
    attendee = services.Attendee(name=name, email="bea@example.org", time_zone="Europe/Paris")
    return services.book(meeting_type, start, attendee).booking


def paris(day, hhmm):
    return datetime.fromisoformat(f"{day}T{hhmm}:00+02:00")


# --- /me -------------------------------------------------------------------------------------


def test_me_describes_the_token_holder(client, token):
    assert ok(call(client, "get", "/me", token)) == {
        "email": "alex@example.org",
        "name": "Alex Martin",
        "time_zone": "Europe/Paris",
        "page_slug": "alex",
        "page_url": "http://127.0.0.1:8000/alex",
        "page_published": True,
        "language": "en",
        "enabled": True,
        "disabled_reason": None,
        "accent_color": "",
        "photo_url": None,
        "daily_limit": None,
        "weekly_limit": None,
    }


def test_patch_me_changes_every_profile_field(client, token):
    changes = {
        "name": "Alexandra Martin",
        "time_zone": "America/New_York",
        "page_slug": "alexandra",
        "page_published": False,
        "language": "fr",
    }
    body = ok(call(client, "patch", "/me", token, changes))
    assert {k: body[k] for k in changes} == changes
    assert body["page_url"] == "http://127.0.0.1:8000/alexandra"
    assert ok(call(client, "get", "/me", token)) == body


def test_patch_me_with_one_field_leaves_the_others(client, token):
    body = ok(call(client, "patch", "/me", token, {"language": "fr"}))
    assert body["language"] == "fr"
    assert body["name"] == "Alex Martin"
    assert body["page_slug"] == "alex"
    assert body["time_zone"] == "Europe/Paris"


@pytest.mark.parametrize("slug", ["api", "admin", "ADMIN", "healthz", "static"])
def test_patch_me_refuses_a_reserved_page_slug(client, alex, token, slug):
    body = assert_error(call(client, "patch", "/me", token, {"page_slug": slug}), 422, "validation")
    assert "page_slug" in body["fields"]
    alex.refresh_from_db()
    assert alex.page_slug == "alex"


@pytest.mark.parametrize("slug", ["bea", "BEA"])
def test_patch_me_refuses_a_page_slug_someone_else_has(client, alex, token, slug):
    make_person(page_slug="bea")
    body = assert_error(call(client, "patch", "/me", token, {"page_slug": slug}), 422, "validation")
    assert "page_slug" in body["fields"]
    alex.refresh_from_db()
    assert alex.page_slug == "alex"


@pytest.mark.parametrize("slug", ["with space", "dots.in.it", "émilie", "a/b"])
def test_patch_me_refuses_a_page_slug_that_is_not_a_slug(client, token, slug):
    body = assert_error(call(client, "patch", "/me", token, {"page_slug": slug}), 422, "validation")
    assert "page_slug" in body["fields"]


def test_patch_me_refuses_an_unknown_time_zone(client, alex, token):
    response = call(client, "patch", "/me", token, {"time_zone": "Mars/Olympus"})
    body = assert_error(response, 422, "validation")
    assert "time_zone" in body["fields"]
    alex.refresh_from_db()
    assert alex.time_zone == "Europe/Paris"


def test_a_new_page_slug_moves_the_page(client, token, intro):
    ok(call(client, "patch", "/me", token, {"page_slug": "alex-martin"}))
    assert_error(client.get(f"{API}/pages/alex"), 404, "not_found")
    assert ok(client.get(f"{API}/pages/alex-martin"))["owner"]["name"] == "Alex Martin"


def test_working_hours_are_read_in_the_new_time_zone(client, token, intro):
    ok(call(client, "patch", "/me", token, {"time_zone": "America/New_York"}))
    assert starts(client, MONDAY, tz="America/New_York") == grid(
        MONDAY, "09:00", "16:30", offset="-04:00"
    )


@pytest.fixture
def public_requests(alex, intro):
    """Every public route of Alex's page and of a link to it, with a body it would accept."""
    token = make_link(intro)
    booking = {
        "start": "2026-06-01T11:00:00+02:00",
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
    }
    return {
        "page": ("get", "/pages/alex", None),
        "type": ("get", "/pages/alex/intro", None),
        "slots": ("get", "/pages/alex/intro/slots", None),
        "booking": ("post", "/pages/alex/intro/bookings", booking),
        "link": ("get", f"/links/{token}", None),
        "link slots": ("get", f"/links/{token}/slots", None),
        "link booking": ("post", f"/links/{token}/bookings", booking),
    }


@pytest.mark.parametrize(
    "route", ["page", "type", "slots", "booking", "link", "link slots", "link booking"]
)
def test_an_unpublished_page_is_unavailable_on_every_public_route(
    client, token, public_requests, route
):
    method, path, body = public_requests[route]
    assert (
        ok(call(client, "patch", "/me", token, {"page_published": False}))["page_published"]
        is False
    )
    assert_error(call(client, method, path, body=body), 404, "page_unavailable")
    assert not Booking.objects.exists()

    ok(call(client, "patch", "/me", token, {"page_published": True}))
    response = call(client, method, path, body=body)
    assert response.status_code == (201 if method == "post" else 200), response.content


# --- working hours ---------------------------------------------------------------------------


def test_working_hours_start_as_weekdays_nine_to_five(client, token):
    nine_to_five = [["09:00", "17:00"]]
    assert ok(call(client, "get", "/me/working-hours", token)) == {
        "weekly": {
            "mon": nine_to_five,
            "tue": nine_to_five,
            "wed": nine_to_five,
            "thu": nine_to_five,
            "fri": nine_to_five,
            "sat": [],
            "sun": [],
        },
        "overrides": [],
    }


HOURS = {
    "weekly": {
        "mon": [["08:00", "12:00"], ["13:30", "18:00"]],
        "tue": [],
        "wed": [["10:00", "16:00"]],
        "thu": [["09:00", "17:00"]],
        "fri": [["09:00", "12:00"]],
        "sat": [["10:00", "11:00"]],
        "sun": [],
    },
    "overrides": [
        {"date": "2026-06-02", "intervals": [["14:00", "15:00"]]},
        {"date": "2026-06-04", "intervals": []},
    ],
}


def test_working_hours_round_trip(client, token):
    assert ok(call(client, "put", "/me/working-hours", token, HOURS)) == HOURS
    assert ok(call(client, "get", "/me/working-hours", token)) == HOURS


def test_working_hours_decide_the_slots(client, token, intro):
    ok(call(client, "put", "/me/working-hours", token, HOURS))
    assert starts(client, MONDAY) == grid(MONDAY, "08:00", "11:30") + grid(MONDAY, "13:30", "17:30")
    # Tuesday is closed every week, but this one has an override.
    assert starts(client, TUESDAY) == grid(TUESDAY, "14:00", "14:30")
    assert starts(client, "2026-06-06") == grid("2026-06-06", "10:00", "10:30")


@pytest.mark.parametrize(
    "weekly",
    [
        {"mon": [["09:00", "25:00"]]},
        {"mon": [["9:00", "17:00"]]},
        {"mon": [["17:00", "09:00"]]},
        {"mon": [["24:00", "24:00"]]},
        {"mon": [["09:00"]]},
        {"mon": "09:00-17:00"},
        {"monday": [["09:00", "17:00"]]},
    ],
)
def test_working_hours_refuse_impossible_times(client, token, weekly):
    before = ok(call(client, "get", "/me/working-hours", token))
    response = call(client, "put", "/me/working-hours", token, {"weekly": weekly})
    body = assert_error(response, 422, "validation")
    assert "weekly" in body["fields"]
    assert ok(call(client, "get", "/me/working-hours", token)) == before


@pytest.mark.parametrize(
    "overrides",
    [
        [{"date": "2026-02-30", "intervals": []}],
        [{"date": "2026-06-02"}],
        [{"date": "2026-06-02", "intervals": [["10:00", "25:00"]]}],
        [{"date": "2026-06-02", "intervals": []}, {"date": "2026-06-02", "intervals": []}],
    ],
)
def test_working_hours_refuse_impossible_overrides(client, token, overrides):
    weekly = {"mon": [["09:00", "17:00"]]}
    response = call(
        client, "put", "/me/working-hours", token, {"weekly": weekly, "overrides": overrides}
    )
    assert_error(response, 422, "validation")


def test_a_day_off_override_removes_that_days_slots(client, token, intro):
    hours = ok(call(client, "get", "/me/working-hours", token))
    hours["overrides"] = [{"date": TUESDAY, "intervals": []}]
    ok(call(client, "put", "/me/working-hours", token, hours))
    assert starts(client, TUESDAY) == []
    assert starts(client, MONDAY) == WORKING_DAY
    assert starts(client, WEDNESDAY) == grid(WEDNESDAY, "09:00", "16:30")


# --- the built-in calendar -------------------------------------------------------------------


def event_body(start="10:15", end="11:00", day=MONDAY, **extra):
    return {
        "title": "Dentist",
        "start": f"{day}T{start}:00+02:00",
        "end": f"{day}T{end}:00+02:00",
    } | extra


def test_an_event_is_created_with_201_and_its_id(client, alex, token):
    body = ok(call(client, "post", "/me/events", token, event_body()), 201)
    assert set(body) == {"id"}
    event = Event.objects.get(pk=body["id"])
    assert event.owner == alex
    assert event.busy is True
    assert event.start == paris(MONDAY, "10:15")


@pytest.mark.parametrize("end", ["10:00", "10:15"], ids=["before-start", "at-start"])
def test_an_event_that_ends_before_it_starts_is_refused(client, token, end):
    response = call(client, "post", "/me/events", token, event_body(end=end))
    body = assert_error(response, 422, "validation")
    assert "end" in body["fields"]
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=SOMETIMES",
        "not a rule",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;COUNT=x",
        "FREQ=DAILY\nX",
    ],
)
def test_an_event_with_a_bad_rrule_is_refused(client, token, rrule):
    response = call(client, "post", "/me/events", token, event_body(rrule=rrule))
    body = assert_error(response, 422, "validation")
    assert "rrule" in body["fields"]
    assert not Event.objects.exists()


def test_a_busy_event_removes_the_slots_it_overlaps(client, token, intro):
    ok(call(client, "post", "/me/events", token, event_body("10:15", "11:00")), 201)
    offered = starts(client, MONDAY)
    assert "2026-06-01T10:00:00+02:00" not in offered
    assert "2026-06-01T10:30:00+02:00" not in offered
    assert offered == [s for s in WORKING_DAY if s[11:16] not in ("10:00", "10:30")]


def test_a_free_event_leaves_the_slots_alone(client, token, intro):
    ok(call(client, "post", "/me/events", token, event_body(busy=False)), 201)
    assert starts(client, MONDAY) == WORKING_DAY


def test_a_recurring_event_blocks_each_occurrence(client, token, intro):
    body = event_body("12:00", "13:00", rrule="FREQ=DAILY;COUNT=2")
    ok(call(client, "post", "/me/events", token, body), 201)
    for day in (MONDAY, TUESDAY):
        offered = starts(client, day)
        assert f"{day}T12:00:00+02:00" not in offered
        assert f"{day}T12:30:00+02:00" not in offered
        assert f"{day}T13:00:00+02:00" in offered
    assert f"{WEDNESDAY}T12:00:00+02:00" in starts(client, WEDNESDAY)


def ics(*events):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN"]
    for uid, start, end, extra in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20260501T000000Z",
            f"DTSTART:{start}",
            f"DTEND:{end}",
            "SUMMARY:Imported",
            *extra,
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def import_ics(client, token, text):
    return client.post(f"{API}/me/events/import", text, content_type="text/calendar", **auth(token))


def test_import_adds_the_calendars_events(client, token, intro):
    text = ics(
        ("dentist@example.org", "20260601T080000Z", "20260601T090000Z", []),
        ("maybe@example.org", "20260601T120000Z", "20260601T130000Z", ["TRANSP:TRANSPARENT"]),
    )
    assert ok(import_ics(client, token, text)) == {"imported": 2, "skipped": [], "warnings": []}
    offered = starts(client, MONDAY)
    # 08:00-09:00 UTC is 10:00-11:00 in Paris; the transparent 14:00-15:00 blocks nothing.
    assert "2026-06-01T10:00:00+02:00" not in offered
    assert "2026-06-01T10:30:00+02:00" not in offered
    assert "2026-06-01T14:00:00+02:00" in offered
    assert "2026-06-01T14:30:00+02:00" in offered


def test_reimporting_an_event_replaces_it(client, alex, token, intro):
    ok(import_ics(client, token, ics(("dentist", "20260601T080000Z", "20260601T090000Z", []))))
    moved = ics(("dentist", "20260601T130000Z", "20260601T140000Z", []))
    assert ok(import_ics(client, token, moved))["imported"] == 1
    assert Event.objects.filter(owner=alex).count() == 1
    offered = starts(client, MONDAY)
    assert "2026-06-01T10:00:00+02:00" in offered
    assert "2026-06-01T15:00:00+02:00" not in offered
    assert "2026-06-01T15:30:00+02:00" not in offered


@pytest.mark.parametrize(
    "text",
    ["hello, this is not a calendar", '{"title": "Dentist"}', "\x00\x01\x02 binary junk"],
    ids=["prose", "json", "binary"],
)
def test_import_refuses_what_is_not_a_calendar(client, alex, token, text):
    assert_error(import_ics(client, token, text), 422, "validation")
    assert not Event.objects.filter(owner=alex).exists()


EONS = "FREQ=DAILY;COUNT=1000000000"


def test_an_event_repeating_for_eons_is_refused(client, token, alex):
    # Working out where such a series ends would walk a billion days.
    body = assert_error(
        call(client, "post", "/me/events", token, event_body(rrule=EONS)), 422, "validation"
    )
    assert "rrule" in body["fields"]
    assert not Event.objects.filter(owner=alex).exists()


def test_an_imported_event_repeating_for_eons_is_skipped_and_said(client, token, alex):
    text = ics(
        ("eons", "20260601T080000Z", "20260601T090000Z", [f"RRULE:{EONS}"]),
        ("fine", "20260601T100000Z", "20260601T110000Z", []),
    )
    answer = ok(import_ics(client, token, text))
    assert answer["imported"] == 1
    assert answer["skipped"] == [
        {
            "uid": "eons",
            "reason": "a busy block can repeat at most 10,000 times; leave the end open instead",
        }
    ]
    assert list(Event.objects.filter(owner=alex).values_list("uid", flat=True)) == ["fine"]


def test_endless_series_from_long_ago_still_block_their_time(client, token, intro):
    # A daily series from 1950 is expanded near the asked days, not walked from its start
    # (tests/calendars/test_recurrence.py checks the expansion itself).
    body = {
        "title": "Since forever",
        "start": "1950-01-02T10:00:00+01:00",
        "end": "1950-01-02T11:00:00+01:00",
        "rrule": "FREQ=DAILY",
        "time_zone": "Europe/Paris",
    }
    ok(call(client, "post", "/me/events", token, body), 201)
    expected = [s for s in WORKING_DAY if not ("T10:00" <= s[10:16] < "T11:00")]
    assert starts(client, MONDAY) == expected


def test_events_before_1900_or_after_2999_are_refused(client, token):
    for start, end in (
        ("0001-01-01T22:00:00+00:00", "0001-01-01T23:00:00+00:00"),
        ("9999-12-31T20:00:00-05:00", "9999-12-31T21:00:00-05:00"),
    ):
        body = {"title": "Odd", "start": start, "end": end}
        assert (
            "start"
            in assert_error(call(client, "post", "/me/events", token, body), 422, "validation")[
                "fields"
            ]
        )


# --- meeting types ---------------------------------------------------------------------------


FULL_TYPE = {
    "title": "Design review",
    "slug": "design-review",
    "description": "Bring your mockups.",
    "duration_minutes": 45,
    "visibility": "private",
    "location": {"kind": "in_person", "value": "12 rue de Rivoli, Paris"},
    "online_meeting": True,
    "hours": {
        "weekly": {
            "mon": [["10:00", "12:00"]],
            "tue": [],
            "wed": [["14:00", "18:00"]],
            "thu": [],
            "fri": [],
            "sat": [],
            "sun": [],
        },
        "overrides": [{"date": "2026-06-08", "intervals": []}],
    },
    "buffer_before_minutes": 10,
    "buffer_after_minutes": 15,
    "min_notice_minutes": 240,
    "horizon_days": 30,
    "slot_step_minutes": 15,
    "daily_limit": 3,
    "questions": [
        {"id": "topic", "label": "What about?", "kind": "long_text", "required": True},
        {"id": "phone", "label": "Your number", "kind": "phone", "required": False},
    ],
    "reminder_minutes_before": 60,
    # The booking rules (issue 17).
    "weekly_limit": 8,
    "visitor_limit": 2,
    "durations_minutes": [15, 45],
    "cancel_notice_minutes": 1440,
    "reschedule_notice_minutes": 720,
    "max_reschedules": 3,
    "requires_approval": True,
    "approval_timeout_hours": 48,
    "max_guests": 4,
    "ask_consent": True,
}


def test_a_meeting_type_round_trips_every_field(client, token):
    created = ok(call(client, "post", "/meeting-types", token, FULL_TYPE), 201)
    assert {k: v for k, v in created.items() if k not in ("id", "url")} == FULL_TYPE
    assert created["url"] is None  # private: no public address
    assert ok(call(client, "get", f"/meeting-types/{created['id']}", token)) == created
    assert ok(call(client, "get", "/meeting-types", token)) == [created]


def test_a_meeting_type_has_the_contracts_defaults(client, token):
    body = {"title": "Intro call", "duration_minutes": 45}
    created = ok(call(client, "post", "/meeting-types", token, body), 201)
    assert created == {
        "id": created["id"],
        "title": "Intro call",
        "slug": "intro-call",
        "description": "",
        "duration_minutes": 45,
        "visibility": "public",
        "location": {"kind": "online", "value": ""},
        "online_meeting": True,  # an online type tells how to join: a generated link
        "hours": "working_hours",
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "min_notice_minutes": 120,
        "horizon_days": 60,
        "slot_step_minutes": 45,
        "daily_limit": None,
        "questions": [],
        "reminder_minutes_before": None,
        "weekly_limit": None,
        "visitor_limit": None,
        "durations_minutes": [],
        "cancel_notice_minutes": 0,
        "reschedule_notice_minutes": 0,
        "max_reschedules": None,
        "requires_approval": False,
        "approval_timeout_hours": 24,
        "max_guests": 0,
        "ask_consent": False,
        "url": "http://127.0.0.1:8000/alex/intro-call",
    }


def test_a_new_type_offers_slots_after_two_hours_notice(client, token):
    ok(
        call(client, "post", "/meeting-types", token, {"title": "Chat", "duration_minutes": 30}),
        201,
    )
    # It is 08:00 in Paris: the default two hours' notice leaves 10:00 as the first start.
    assert starts(client, MONDAY, type_slug="chat") == grid(MONDAY, "10:00", "16:30")


CHANGES = {
    "title": "Quick chat",
    "slug": "quick",
    "description": "Ten minutes, no more.",
    "duration_minutes": 20,
    "visibility": "private",
    "location": {"kind": "phone", "value": "+33 1 23 45 67 89"},
    "online_meeting": True,
    "hours": FULL_TYPE["hours"],
    "buffer_before_minutes": 5,
    "buffer_after_minutes": 25,
    "min_notice_minutes": 60,
    "horizon_days": 14,
    "slot_step_minutes": 10,
    "daily_limit": 2,
    "questions": [{"id": "why", "label": "Why?", "kind": "text", "required": False}],
    "reminder_minutes_before": 1440,
    "weekly_limit": 5,
    "visitor_limit": 1,
    "durations_minutes": [30, 60],
    "cancel_notice_minutes": 60,
    "reschedule_notice_minutes": 120,
    "max_reschedules": 0,
    "requires_approval": True,
    "approval_timeout_hours": 12,
    "max_guests": 2,
}


@pytest.mark.parametrize("field", list(CHANGES))
def test_patch_changes_one_field_of_a_meeting_type(client, token, intro, field):
    before = ok(call(client, "get", f"/meeting-types/{intro.pk}", token))
    after = ok(call(client, "patch", f"/meeting-types/{intro.pk}", token, {field: CHANGES[field]}))
    assert after[field] == CHANGES[field]
    follows = {"url"} | ({"slot_step_minutes"} if field == "duration_minutes" else set())
    assert {k: v for k, v in after.items() if k != field and k not in follows} == {
        k: v for k, v in before.items() if k != field and k not in follows
    }
    assert ok(call(client, "get", f"/meeting-types/{intro.pk}", token)) == after


def test_patch_back_to_working_hours(client, token, alex):
    mt = make_type(alex, slug="custom", hours=FULL_TYPE["hours"])
    body = ok(call(client, "patch", f"/meeting-types/{mt.pk}", token, {"hours": "working_hours"}))
    assert body["hours"] == "working_hours"


def test_a_types_own_hours_decide_its_slots(client, token):
    body = {"title": "Weekend", "duration_minutes": 60, "min_notice_minutes": 0}
    body["hours"] = {"weekly": {"sat": [["10:00", "12:00"]]}, "overrides": []}
    ok(call(client, "post", "/meeting-types", token, body), 201)
    assert starts(client, MONDAY, type_slug="weekend") == []
    assert starts(client, "2026-06-06", type_slug="weekend") == grid(
        "2026-06-06", "10:00", "11:00", step=60
    )


def test_a_step_longer_than_the_meeting_is_refused(client, token):
    body = {"title": "Chat", "duration_minutes": 30, "slot_step_minutes": 45}
    response = call(client, "post", "/meeting-types", token, body)
    assert "slot_step_minutes" in assert_error(response, 422, "validation")["fields"]
    assert not MeetingType.objects.exists()


def test_shortening_a_meeting_below_its_step_is_refused(client, token, alex):
    mt = make_type(alex, slug="long", duration_minutes=60, slot_step_minutes=60)
    response = call(client, "patch", f"/meeting-types/{mt.pk}", token, {"duration_minutes": 30})
    assert "slot_step_minutes" in assert_error(response, 422, "validation")["fields"]
    mt.refresh_from_db()
    assert mt.duration_minutes == 60


@pytest.mark.parametrize("minutes", [0, 4, 481, 600])
def test_a_duration_outside_5_to_480_minutes_is_refused(client, token, minutes):
    body = {"title": "Chat", "duration_minutes": minutes}
    response = call(client, "post", "/meeting-types", token, body)
    assert "duration_minutes" in assert_error(response, 422, "validation")["fields"]


@pytest.mark.parametrize("minutes", [5, 480])
def test_durations_of_5_and_480_minutes_are_accepted(client, token, minutes):
    body = {"title": "Chat", "duration_minutes": minutes}
    assert (
        ok(call(client, "post", "/meeting-types", token, body), 201)["duration_minutes"] == minutes
    )


def question(**fields):
    return {"id": "topic", "label": "Topic", "kind": "text", "required": False} | fields


@pytest.mark.parametrize(
    "questions",
    [
        [question(id="Has Space")],
        [question(id="")],
        [question(id="x" * 41)],
        [question(), question()],
        [question(label="")],
        [question(label="   ")],
        [question(kind="number")],
        [question(required="sometimes")],
        [{"label": "Topic"}],
        [question(id=f"q{i}") for i in range(21)],
    ],
    ids=[
        "id-with-space",
        "empty-id",
        "long-id",
        "same-id-twice",
        "empty-label",
        "blank-label",
        "unknown-kind",
        "required-not-bool",
        "no-id",
        "21-questions",
    ],
)
def test_questions_are_validated(client, token, questions):
    body = {"title": "Chat", "duration_minutes": 30, "questions": questions}
    fields = assert_error(call(client, "post", "/meeting-types", token, body), 422, "validation")[
        "fields"
    ]
    assert any(name.startswith("questions") for name in fields), fields
    assert not MeetingType.objects.exists()


@pytest.mark.parametrize("kind", ["in_person", "phone"])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_in_person_or_phone_location_needs_a_value(client, token, kind, value):
    location = {"kind": kind} if value is None else {"kind": kind, "value": value}
    body = {"title": "Chat", "duration_minutes": 30, "location": location}
    response = call(client, "post", "/meeting-types", token, body)
    assert "location" in assert_error(response, 422, "validation")["fields"]


def test_two_types_cannot_share_a_slug(client, token, intro):
    body = {"title": "Another", "slug": "intro", "duration_minutes": 30}
    response = call(client, "post", "/meeting-types", token, body)
    assert "slug" in assert_error(response, 422, "validation")["fields"]


def test_a_title_alone_makes_a_fresh_slug(client, token, intro):
    body = {"title": "Intro", "duration_minutes": 30}
    assert ok(call(client, "post", "/meeting-types", token, body), 201)["slug"] == "intro-2"


def test_a_deleted_meeting_type_disappears_everywhere(client, token, intro):
    link = make_link(intro)
    assert call(client, "delete", f"/meeting-types/{intro.pk}", token).status_code == 204

    assert_error(call(client, "get", f"/meeting-types/{intro.pk}", token), 404, "not_found")
    response = call(client, "patch", f"/meeting-types/{intro.pk}", token, {"title": "Back"})
    assert_error(response, 404, "not_found")
    assert_error(call(client, "delete", f"/meeting-types/{intro.pk}", token), 404, "not_found")
    assert ok(call(client, "get", "/meeting-types", token)) == []
    assert ok(client.get(f"{API}/pages/alex"))["meeting_types"] == []
    assert_error(client.get(f"{API}/pages/alex/intro"), 404, "not_found")
    assert_error(client.get(f"{API}/pages/alex/intro/slots"), 404, "not_found")
    assert_error(client.get(f"{API}/links/{link}/slots"), 404, "not_found")


def test_a_deleted_types_slug_can_be_taken_again(client, token, intro):
    call(client, "delete", f"/meeting-types/{intro.pk}", token)
    body = {"title": "New intro", "slug": "intro", "duration_minutes": 30}
    assert ok(call(client, "post", "/meeting-types", token, body), 201)["slug"] == "intro"


def test_a_deleted_types_bookings_stay_listed(client, token, intro):
    booking = book_at(intro, paris(MONDAY, "10:00"))
    call(client, "delete", f"/meeting-types/{intro.pk}", token)
    listed = ok(call(client, "get", "/bookings", token))
    assert [b["id"] for b in listed] == [booking.pk]
    assert listed[0]["status"] == "confirmed"


# --- links -----------------------------------------------------------------------------------


def test_a_new_link_answers_its_token_once(client, token, intro):
    body = ok(call(client, "post", f"/meeting-types/{intro.pk}/links", token, {}), 201)
    assert set(body) == {"id", "token", "url", "expires_at", "single_use"}
    assert body["url"] == f"http://127.0.0.1:8000/l/{body['token']}"
    assert datetime.fromisoformat(body["expires_at"]) == NOW + timedelta(days=90)
    assert body["single_use"] is False
    assert ok(client.get(f"{API}/links/{body['token']}"))["meeting_type"]["slug"] == "intro"
    assert Link.objects.get(pk=body["id"]).meeting_type == intro


def test_a_new_link_takes_its_expiry_and_single_use(client, token, intro):
    options = {"expires_in_days": 7, "single_use": True}
    body = ok(call(client, "post", f"/meeting-types/{intro.pk}/links", token, options), 201)
    assert datetime.fromisoformat(body["expires_at"]) == NOW + timedelta(days=7)
    assert body["single_use"] is True


def test_a_private_type_is_reached_through_its_link(client, token, alex):
    secret = make_type(alex, slug="secret", visibility="private")
    body = ok(call(client, "post", f"/meeting-types/{secret.pk}/links", token, {}), 201)
    slots = ok(client.get(f"{API}/links/{body['token']}/slots", {"from": MONDAY, "to": MONDAY}))
    assert [s["start"] for s in slots["slots"]] == WORKING_DAY


def test_the_link_list_shows_each_state_and_no_token(client, token, intro, frozen):
    def new_link(**options):
        return ok(call(client, "post", f"/meeting-types/{intro.pk}/links", token, options), 201)

    active = new_link()
    used = new_link(single_use=True)
    expired = new_link(expires_in_days=1)
    revoked = new_link()
    booking = {
        "start": "2026-06-03T10:00:00+02:00",
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
    }
    ok(call(client, "post", f"/links/{used['token']}/bookings", body=booking), 201)
    assert call(client, "delete", f"/links/{revoked['id']}", token).status_code == 204
    frozen.move_to(NOW + timedelta(days=2))

    response = call(client, "get", f"/meeting-types/{intro.pk}/links", token)
    listed = ok(response)
    assert {link["id"]: link["state"] for link in listed} == {
        active["id"]: "active",
        used["id"]: "used",
        expired["id"]: "expired",
        revoked["id"]: "revoked",
    }
    for link in listed:
        assert "token" not in link
        assert "url" not in link
    for made in (active, used, expired, revoked):
        assert made["token"] not in response.content.decode()


def test_a_revoked_link_answers_404(client, token, intro):
    link = ok(call(client, "post", f"/meeting-types/{intro.pk}/links", token, {}), 201)
    response = call(client, "delete", f"/links/{link['id']}", token)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(client.get(f"{API}/links/{link['token']}"), 404, "not_found")
    assert_error(client.get(f"{API}/links/{link['token']}/slots"), 404, "not_found")
    booking = {
        "start": "2026-06-01T10:00:00+02:00",
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
    }
    response = call(client, "post", f"/links/{link['token']}/bookings", body=booking)
    assert_error(response, 404, "not_found")
    assert not Booking.objects.exists()


# --- bookings --------------------------------------------------------------------------------


@pytest.fixture
def week(alex, intro):
    """Bookings on Monday, Tuesday (cancelled) and Wednesday at 10:00 in Paris."""
    monday = book_at(intro, paris(MONDAY, "10:00"), "Mona")
    tuesday = book_at(intro, paris(TUESDAY, "10:00"), "Tess")
    wednesday = book_at(intro, paris(WEDNESDAY, "10:00"), "Wes")
    services.cancel(tuesday, by="attendee")
    return {"mon": monday.pk, "tue": tuesday.pk, "wed": wednesday.pk}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["mon", "tue", "wed"]),
        ({"from": TUESDAY, "to": TUESDAY}, ["tue"]),
        ({"from": TUESDAY}, ["tue", "wed"]),
        ({"to": TUESDAY}, ["mon", "tue"]),
        ({"status": "confirmed"}, ["mon", "wed"]),
        ({"status": "cancelled"}, ["tue"]),
        ({"from": MONDAY, "to": TUESDAY, "status": "confirmed"}, ["mon"]),
        ({"from": "2026-06-04", "to": "2026-06-30"}, []),
    ],
)
def test_the_bookings_list_filters_by_dates_and_status(client, token, week, params, expected):
    listed = ok(call(client, "get", "/bookings", token, params=params))
    assert [b["id"] for b in listed] == [week[day] for day in expected]


def test_the_bookings_list_describes_each_booking(client, token, week, intro):
    listed = ok(call(client, "get", "/bookings", token, params={"from": MONDAY, "to": MONDAY}))
    assert len(listed) == 1
    booking = listed[0]
    assert booking["meeting_type"] == {"id": intro.pk, "slug": "intro", "title": "Intro call"}
    assert booking["start"] == "2026-06-01T10:00:00+02:00"
    assert booking["end"] == "2026-06-01T10:30:00+02:00"
    assert booking["status"] == "confirmed"
    assert booking["attendee"]["name"] == "Mona"
    assert booking["attendee"]["email"] == "bea@example.org"


def test_the_bookings_list_reads_dates_in_the_organizers_zone(client, token, alex):
    late = make_type(alex, slug="late", hours={"weekly": {"tue": [["00:00", "02:00"]]}})
    booking = book_at(late, paris(TUESDAY, "00:30"))  # Monday 22:30 UTC
    monday = ok(call(client, "get", "/bookings", token, params={"from": MONDAY, "to": MONDAY}))
    tuesday = ok(call(client, "get", "/bookings", token, params={"from": TUESDAY, "to": TUESDAY}))
    assert monday == []
    assert [b["id"] for b in tuesday] == [booking.pk]


def test_the_organizer_cancels_a_booking_and_frees_its_time(client, token, intro):
    booking = book_at(intro, paris(MONDAY, "10:00"))
    assert "2026-06-01T10:00:00+02:00" not in starts(client, MONDAY)
    body = ok(call(client, "post", f"/bookings/{booking.pk}/cancel", token, {"reason": "Ill"}))
    assert body["id"] == booking.pk
    assert body["status"] == "cancelled"
    assert body["cancelled_by"] == "organizer"
    assert body["cancel_reason"] == "Ill"
    assert "2026-06-01T10:00:00+02:00" in starts(client, MONDAY)
    listed = ok(call(client, "get", "/bookings", token, params={"status": "cancelled"}))
    assert [b["id"] for b in listed] == [booking.pk]


def test_the_organizer_cancels_without_a_body(client, token, intro):
    booking = book_at(intro, paris(MONDAY, "10:00"))
    response = client.generic("POST", f"{API}/bookings/{booking.pk}/cancel", b"", **auth(token))
    assert ok(response)["status"] == "cancelled"


def test_cancelling_twice_changes_nothing_more(client, token, intro):
    booking = book_at(intro, paris(MONDAY, "10:00"))
    first = ok(call(client, "post", f"/bookings/{booking.pk}/cancel", token, {"reason": "Ill"}))
    again = ok(call(client, "post", f"/bookings/{booking.pk}/cancel", token, {"reason": "Other"}))
    assert again == first
    booking.refresh_from_db()
    assert booking.sequence == 1


# --- who may call what -----------------------------------------------------------------------


@pytest.fixture
def owned(alex, intro):
    """One of each of Alex's objects, by id."""
    link, _ = services.create_link(intro)
    booking = book_at(intro, paris(MONDAY, "10:00"))
    event = add_event(alex, title="Lunch", start=paris(MONDAY, "12:00"), end=paris(MONDAY, "13:00"))
    return {"type": intro.pk, "link": link.pk, "booking": booking.pk, "event": event.pk}


# (method, path, a body the route accepts)
ORGANIZER_ROUTES = [
    ("get", "/me", None),
    ("patch", "/me", {"name": "Mallory"}),
    ("get", "/me/working-hours", None),
    ("put", "/me/working-hours", {"weekly": {}, "overrides": []}),
    ("get", "/me/events", None),
    ("post", "/me/events", event_body()),
    ("post", "/me/events/import", None),
    ("delete", "/me/events/{event}", None),
    ("get", "/meeting-types", None),
    ("post", "/meeting-types", {"title": "Mallory's", "duration_minutes": 30}),
    ("get", "/meeting-types/{type}", None),
    ("patch", "/meeting-types/{type}", {"title": "Owned"}),
    ("delete", "/meeting-types/{type}", None),
    ("post", "/meeting-types/{type}/links", {}),
    ("get", "/meeting-types/{type}/links", None),
    ("delete", "/links/{link}", None),
    ("get", "/bookings", None),
    ("post", "/bookings/{booking}/cancel", {}),
]
ROUTE_IDS = [f"{m.upper()} {p}" for m, p, _ in ORGANIZER_ROUTES]


def assert_untouched(alex, owned):
    alex.refresh_from_db()
    assert alex.name == "Alex Martin"
    assert MeetingType.objects.live().get(pk=owned["type"]).title == "Intro call"
    assert MeetingType.objects.count() == 1
    assert Link.objects.get(pk=owned["link"]).revoked_at is None
    assert Link.objects.count() == 1
    assert Booking.objects.get(pk=owned["booking"]).status == "confirmed"
    assert list(Event.objects.values_list("pk", flat=True)) == [owned["event"]]


def bad_credentials(alex):
    revoked = make_token(alex)
    ApiToken.objects.filter(person=alex).update(revoked_at=NOW)
    gone = make_person(name="Gone")
    gone_token = make_token(gone)
    gone.is_active = False
    gone.save()
    return {
        "none": {},
        "forged": auth("bwm_" + "A" * 43),
        "revoked": auth(revoked),
        "deactivated-person": auth(gone_token),
        "basic": {"HTTP_AUTHORIZATION": "Basic YWxleDpwdw=="},
        "bearer-without-token": {"HTTP_AUTHORIZATION": "Bearer "},
        "huge": auth("x" * 5000),
    }


CREDENTIALS = [
    "none",
    "forged",
    "revoked",
    "deactivated-person",
    "basic",
    "bearer-without-token",
    "huge",
]


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize(("method", "path", "body"), ORGANIZER_ROUTES, ids=ROUTE_IDS)
def test_every_organizer_route_refuses_a_missing_or_bad_token(
    client, alex, owned, method, path, body, credential
):
    headers = bad_credentials(alex)[credential]
    data = ics() if path.endswith("/import") else json.dumps(body or {})
    kind = "text/calendar" if path.endswith("/import") else "application/json"
    url = API + path.format(**owned)
    if method == "get":
        response = client.get(url, **headers)
    else:
        response = getattr(client, method)(url, data, content_type=kind, **headers)
    assert assert_error(response, 401, "unauthorized") == {
        "error": "unauthorized",
        "message": response.json()["message"],
    }
    assert_untouched(alex, owned)


OWNED_ROUTES = [r for r in ORGANIZER_ROUTES if "{" in r[1]]


@pytest.mark.parametrize(
    ("method", "path", "body"), OWNED_ROUTES, ids=[f"{m.upper()} {p}" for m, p, _ in OWNED_ROUTES]
)
def test_someone_elses_objects_answer_404(client, alex, owned, method, path, body):
    mallory = make_token(make_person(name="Mallory", page_slug="mallory"))
    response = call(client, method, path.format(**owned), mallory, body)
    assert_error(response, 404, "not_found")
    assert_untouched(alex, owned)


@pytest.mark.parametrize("path", ["/meeting-types", "/bookings", "/me/events"])
def test_lists_show_only_ones_own_objects(client, owned, path):
    mallory = make_token(make_person(name="Mallory", page_slug="mallory"))
    assert ok(call(client, "get", path, mallory)) == []


def test_the_token_acts_for_its_own_person(client, alex, owned):
    mallory = make_person(name="Mallory", email="mallory@example.org", page_slug="mallory")
    ok(call(client, "patch", "/me", make_token(mallory), {"name": "Mal"}))
    mallory.refresh_from_db()
    alex.refresh_from_db()
    assert (mallory.name, alex.name) == ("Mal", "Alex Martin")


def test_a_changed_meeting_type_shows_in_its_slots_at_once(client, token, intro):
    assert starts(client, MONDAY) == WORKING_DAY
    ok(call(client, "patch", f"/meeting-types/{intro.pk}", token, {"duration_minutes": 60}))
    assert starts(client, MONDAY) == grid(MONDAY, "09:00", "16:00", step=60)


def test_a_question_without_kind_or_required_gets_the_defaults(client, token):
    body = {
        "title": "Chat",
        "duration_minutes": 30,
        "questions": [{"id": "topic", "label": "Topic"}],
    }
    expected = [{"id": "topic", "label": "Topic", "kind": "text", "required": False}]
    assert ok(call(client, "post", "/meeting-types", token, body), 201)["questions"] == expected
    assert ok(client.get(f"{API}/pages/alex/chat"))["questions"] == expected


def test_a_null_page_slug_takes_the_page_down_for_anyone(client, token):
    other = make_token(make_person(name="Bea", page_slug="bea"))
    for who in (token, other):
        body = ok(call(client, "patch", "/me", who, {"page_slug": None}))
        assert (body["page_slug"], body["page_url"]) == (None, None)
    assert_error(client.get(f"{API}/pages/alex"), 404, "not_found")
