"""Bad input to the JSON API: always a 4xx in the API's error shape, never a 5xx.

`assert_error` is the one check of that shape; the organizer and public API tests use it too.
"""

import json
from types import SimpleNamespace

import pytest
from apicheck import API, assert_error
from makers import NOW, auth, make_link, make_person, make_token, make_type

from bookwithme.booking import services
from bookwithme.booking.models import Booking, MeetingType
from bookwithme.calendars.events import add_event


@pytest.fixture
def world(db):
    """Alex's page, a type that asks questions, a link, bookings at 10:00 and 12:00, an event."""
    alex = make_person(name="Alex Martin", page_slug="alex")
    mt = make_type(
        alex,
        slug="intro",
        questions=[
            {"id": "topic", "label": "Topic", "kind": "text", "required": True},
            {"id": "phone", "label": "Phone", "kind": "phone", "required": False},
        ],
    )
    result = services.book(
        mt,
        NOW.replace(hour=8),  # 10:00 in Paris
        services.Attendee(
            name="Bea", email="bea@example.org", time_zone="Europe/Paris", answers={"topic": "x"}
        ),
    )
    services.book(
        mt,
        NOW.replace(hour=10),  # 12:00 in Paris
        services.Attendee(
            name="Cy", email="cy@example.org", time_zone="UTC", answers={"topic": "y"}
        ),
    )
    event = add_event(
        alex, title="Lunch", start=NOW.replace(hour=20), end=NOW.replace(hour=21), busy=True
    )
    return SimpleNamespace(
        person=alex,
        token=make_token(alex),
        type=mt,
        ids={
            "type": mt.pk,
            "link": make_link(mt),
            "manage": result.manage_token,
            "booking": result.booking.pk,
            "event": event.pk,
        },
    )


def call(client, world, method, path, body=None, *, raw=None, params=None, headers=None):
    """One request as Alex (the token is harmless on public routes)."""
    url = API + path.format(**world.ids)
    extra = {**auth(world.token), **(headers or {})}
    if method == "get":
        return client.get(url, params or {}, **extra)
    data = raw if raw is not None else json.dumps(body)
    return getattr(client, method)(url, data, content_type="application/json", **extra)


GOOD_BOOKING = {
    "start": "2026-06-01T11:00:00+02:00",
    "name": "Eve Moreau",
    "email": "eve@example.org",
    "time_zone": "Europe/Paris",
    "answers": {"topic": "Roadmap"},
}

# name: (method, path, a body that the route accepts)
JSON_ROUTES = {
    "page booking": ("post", "/pages/alex/intro/bookings", GOOD_BOOKING),
    "link booking": ("post", "/links/{link}/bookings", GOOD_BOOKING),
    "reschedule": ("post", "/manage/{manage}/reschedule", {"start": "2026-06-01T14:00:00+02:00"}),
    "attendee cancel": ("post", "/manage/{manage}/cancel", {"reason": "Ill"}),
    "organizer cancel": ("post", "/bookings/{booking}/cancel", {"reason": "Away"}),
    "profile": ("patch", "/me", {"name": "Alex M."}),
    "working hours": (
        "put",
        "/me/working-hours",
        {"weekly": {"mon": [["09:00", "17:00"]]}, "overrides": []},
    ),
    "event": (
        "post",
        "/me/events",
        {
            "title": "Dentist",
            "start": "2026-06-02T12:00:00+02:00",
            "end": "2026-06-02T13:00:00+02:00",
        },
    ),
    "new type": ("post", "/meeting-types", {"title": "Deep dive", "duration_minutes": 60}),
    "type change": ("patch", "/meeting-types/{type}", {"title": "Intro"}),
    "new link": ("post", "/meeting-types/{type}/links", {"expires_in_days": 30}),
}
ROUTE_NAMES = list(JSON_ROUTES)
BODY_ROUTES = [n for n in ROUTE_NAMES if n not in ("attendee cancel", "organizer cancel")]

SLOT_ROUTES = {
    "page slots": "/pages/alex/intro/slots",
    "link slots": "/links/{link}/slots",
    "manage slots": "/manage/{manage}/slots",
}


def request_with(client, world, route, changes=None, *, drop=(), raw=None, headers=None):
    method, path, body = JSON_ROUTES[route]
    body = {**body, **(changes or {})}
    for name in drop:
        body.pop(name)
    return call(client, world, method, path, body, raw=raw, headers=headers)


@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_the_reference_requests_succeed(client, world, route):
    # The cases below change one thing in these bodies; they must be good to begin with.
    response = request_with(client, world, route)
    assert response.status_code in (200, 201), response.content


# --- bodies that are not JSON, or not an object ----------------------------------------------


@pytest.mark.parametrize(
    "raw", ["not json", "{", "{'single': 'quotes'}", '{"a": 1,}', b"\xff\xfe{"]
)
@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_a_body_that_is_not_json_answers_400(client, world, route, raw):
    assert_error(request_with(client, world, route, raw=raw), 400, "bad_request")


@pytest.mark.parametrize("raw", ["[]", '[{"start": "2026-06-01T11:00:00+02:00"}]', '"text"', "42"])
@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_an_array_or_scalar_where_an_object_belongs_answers_422(client, world, route, raw):
    assert_error(request_with(client, world, route, raw=raw), 422, "validation")


@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_an_unknown_field_answers_422_naming_it(client, world, route):
    body = assert_error(request_with(client, world, route, {"surprise": True}), 422, "validation")
    assert "surprise" in body["fields"]


NESTED_SHAPES = [
    ("page booking", {"answers": ["Roadmap"]}, "answers"),
    ("page booking", {"answers": {"topic": 5}}, "answers"),
    ("new type", {"location": ["online"]}, "location"),
    ("new type", {"location": {"kind": "online", "url": "https://x"}}, "location"),
    ("new type", {"questions": {"id": "a", "label": "A"}}, "questions"),
    ("new type", {"questions": [["a", "A"]]}, "questions"),
    ("new type", {"questions": [{"id": "a", "label": "A", "options": []}]}, "questions"),
    ("new type", {"hours": ["mon", "09:00", "17:00"]}, "hours"),
    ("new type", {"hours": {"mon": {"09:00": "17:00"}}}, "hours"),
    ("working hours", {"weekly": [["09:00", "17:00"]]}, "weekly"),
    ("working hours", {"weekly": {"monday": [["09:00", "17:00"]]}}, "weekly"),
    ("working hours", {"overrides": {"date": "2026-06-02", "intervals": []}}, "overrides"),
]


@pytest.mark.parametrize(("route", "changes", "field"), NESTED_SHAPES)
def test_a_nested_value_of_the_wrong_shape_answers_422(client, world, route, changes, field):
    body = assert_error(request_with(client, world, route, changes), 422, "validation")
    assert any(name == field or name.startswith(field + ".") for name in body["fields"]), body


WRONG_TYPES = [
    ("new type", {"duration_minutes": "long"}, "duration_minutes"),
    ("new type", {"duration_minutes": 30.5}, "duration_minutes"),
    ("new type", {"duration_minutes": None}, "duration_minutes"),
    ("new type", {"title": 42}, "title"),
    ("new type", {"online_meeting": "sometimes"}, "online_meeting"),
    ("new type", {"visibility": "secret"}, "visibility"),
    ("new type", {"buffer_before_minutes": "ten"}, "buffer_before_minutes"),
    ("type change", {"daily_limit": [1]}, "daily_limit"),
    ("page booking", {"name": 42}, "name"),
    ("page booking", {"email": ["eve@example.org"]}, "email"),
    ("page booking", {"start": True}, "start"),
    ("page booking", {"start": "tomorrow at ten"}, "start"),
    ("page booking", {"start": "2026-06-01T25:00:00+02:00"}, "start"),
    ("page booking", {"time_zone": None}, "time_zone"),
    ("page booking", {"language": "klingon"}, "language"),
    ("event", {"busy": "sometimes"}, "busy"),
    ("event", {"end": "later"}, "end"),
    ("profile", {"page_published": "perhaps"}, "page_published"),
    ("profile", {"language": "de"}, "language"),
    ("new link", {"expires_in_days": "soon"}, "expires_in_days"),
    ("new link", {"single_use": "maybe"}, "single_use"),
    # Booleans are true or false, not numbers the schema does not allow.
    ("new link", {"single_use": 0}, "single_use"),
    ("event", {"busy": 1}, "busy"),
    ("profile", {"page_published": 0}, "page_published"),
    ("reschedule", {"start": None}, "start"),
    ("attendee cancel", {"reason": {"text": "Ill"}}, "reason"),
]


@pytest.mark.parametrize(("route", "changes", "field"), WRONG_TYPES)
def test_a_value_of_the_wrong_type_answers_422(client, world, route, changes, field):
    body = assert_error(request_with(client, world, route, changes), 422, "validation")
    assert field in body["fields"], body


MISSING = [
    ("page booking", "start"),
    ("page booking", "name"),
    ("page booking", "email"),
    ("page booking", "time_zone"),
    ("link booking", "start"),
    ("reschedule", "start"),
    ("event", "start"),
    ("event", "end"),
    ("new type", "title"),
    ("new type", "duration_minutes"),
    ("working hours", "weekly"),
]


@pytest.mark.parametrize(("route", "field"), MISSING)
def test_a_missing_required_field_answers_422_naming_it(client, world, route, field):
    body = assert_error(request_with(client, world, route, drop=[field]), 422, "validation")
    assert field in body["fields"], body


NULL_NOT_ALLOWED = [
    "title",
    "duration_minutes",
    "visibility",
    "online_meeting",
    "questions",
    "buffer_before_minutes",
    "min_notice_minutes",
    "horizon_days",
]


@pytest.mark.parametrize("field", NULL_NOT_ALLOWED)
def test_null_for_a_meeting_type_field_that_needs_a_value_answers_422(client, world, field):
    body = assert_error(
        request_with(client, world, "type change", {field: None}), 422, "validation"
    )
    assert field in body["fields"], body
    world.type.refresh_from_db()
    assert world.type.title == "Intro call"


@pytest.mark.parametrize("field", ["name", "time_zone", "page_published", "language"])
def test_null_for_a_profile_field_answers_422(client, world, field):
    body = assert_error(request_with(client, world, "profile", {field: None}), 422, "validation")
    assert field in body["fields"], body


# --- dates, ranges and zones in queries ------------------------------------------------------


BAD_DATES = [
    ({"from": "2026-02-30"}, "from"),
    ({"from": "2026-13-01"}, "from"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-06-31"}, "to"),
    ({"from": "2026-06-01", "to": "June"}, "to"),
    # Only YYYY-MM-DD, within the years times can be converted in: not a number read as a
    # timestamp, nor a year the schema does not allow.
    ({"to": "0"}, "to"),
    ({"from": "1767225600"}, "from"),
    ({"from": "0026-03-22"}, "from"),
    ({"from": "3000-01-01"}, "from"),
]


@pytest.mark.parametrize(("params", "field"), BAD_DATES)
@pytest.mark.parametrize("route", [*SLOT_ROUTES, "organizer bookings"])
def test_an_impossible_date_answers_422(client, world, route, params, field):
    path = SLOT_ROUTES.get(route, "/bookings")
    body = assert_error(call(client, world, "get", path, params=params), 422, "validation")
    assert field in body["fields"], body


@pytest.mark.parametrize("route", [*SLOT_ROUTES, "organizer bookings"])
def test_from_after_to_answers_422(client, world, route):
    path = SLOT_ROUTES.get(route, "/bookings")
    params = {"from": "2026-06-10", "to": "2026-06-09"}
    assert_error(call(client, world, "get", path, params=params), 422, "validation")


@pytest.mark.parametrize("route", SLOT_ROUTES)
def test_slots_over_more_than_62_days_answer_422(client, world, route):
    # 2026-06-01..2026-08-02 is 63 days, counting both ends.
    params = {"from": "2026-06-01", "to": "2026-08-02"}
    assert_error(call(client, world, "get", SLOT_ROUTES[route], params=params), 422, "validation")


@pytest.mark.parametrize("route", SLOT_ROUTES)
def test_slots_over_exactly_62_days_are_served(client, world, route):
    params = {"from": "2026-06-01", "to": "2026-08-01"}
    response = call(client, world, "get", SLOT_ROUTES[route], params=params)
    assert response.status_code == 200, response.content
    starts = [s["start"] for s in response.json()["slots"]]
    # The horizon (60 days) ends on Friday 2026-07-31 at 08:00 in Paris: the last full
    # working day offered is Thursday 2026-07-30.
    assert starts[-1] == "2026-07-30T16:30:00+02:00"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "9999-12-30", "to": "9999-12-31"},
    ],
    ids=["year-1", "year-9999"],
)
@pytest.mark.parametrize("route", [*SLOT_ROUTES, "organizer bookings"])
def test_dates_at_the_ends_of_the_calendar_do_not_break_the_server(client, world, route, params):
    path = SLOT_ROUTES.get(route, "/bookings")
    response = call(client, world, "get", path, params=params)
    # Nothing can be bookable then: an empty answer or a refusal are both fine, a 500 is not.
    if response.status_code == 200:
        body = response.json()
        assert body.get("slots", body) == []
    else:
        assert_error(response, 422, "validation")


# `localtime`, `posixrules` and `Factory` are files in the system's zone folder, not IANA zones.
BAD_ZONES = [
    "Mars/Olympus",
    "../../etc/passwd",
    "Europe/Paris\n",
    "Europe/Paris ",
    "A" * 5000,
    "localtime",
    "posixrules",
    "Factory",
]
ZONE_IDS = [
    "unknown",
    "path",
    "newline",
    "space",
    "5000-chars",
    "localtime",
    "posixrules",
    "factory",
]


@pytest.mark.parametrize("zone", BAD_ZONES, ids=ZONE_IDS)
@pytest.mark.parametrize("route", SLOT_ROUTES)
def test_slots_refuse_an_unknown_zone(client, world, route, zone):
    response = call(client, world, "get", SLOT_ROUTES[route], params={"tz": zone})
    body = assert_error(response, 422, "validation")
    assert "tz" in body["fields"], body


@pytest.mark.parametrize("zone", BAD_ZONES, ids=ZONE_IDS)
@pytest.mark.parametrize(
    ("route", "field"),
    [
        ("page booking", "time_zone"),
        ("link booking", "time_zone"),
        ("profile", "time_zone"),
        ("event", "time_zone"),
    ],
)
def test_bodies_refuse_an_unknown_zone(client, world, route, field, zone):
    body = assert_error(request_with(client, world, route, {field: zone}), 422, "validation")
    assert field in body["fields"], body
    world.person.refresh_from_db()
    assert world.person.time_zone == "Europe/Paris"


# --- starts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "field"),
    [
        ("page booking", "start"),
        ("link booking", "start"),
        ("reschedule", "start"),
        ("event", "start"),
        ("event", "end"),
    ],
)
def test_a_time_without_offset_answers_422_asking_for_the_offset(client, world, route, field):
    response = request_with(client, world, route, {field: "2026-06-01T10:00:00"})
    body = assert_error(response, 422, "validation")
    assert "offset" in " ".join(body["fields"][field]).lower(), body


NOT_OFFERED = [
    "2026-06-06T10:00:00+02:00",  # a Saturday
    "2026-06-01T11:15:00+02:00",  # off the half-hour grid
    "2026-06-01T16:45:00+02:00",  # would end after 17:00
    "2026-06-01T07:00:00+02:00",  # before working hours, and before now
    "2026-06-01T12:00:00+02:00",  # Cy's booking holds it
    "2026-09-01T10:00:00+02:00",  # beyond the 60-day horizon
    "2025-06-02T10:00:00+02:00",  # a year ago
    "9999-12-31T23:30:00-05:00",  # past the last UTC instant there is
    "0001-01-01T00:30:00+01:00",  # before the first one
]


@pytest.mark.parametrize("start", NOT_OFFERED)
@pytest.mark.parametrize("route", ["page booking", "link booking", "reschedule"])
def test_a_start_that_is_not_offered_answers_409(client, world, route, start):
    assert_error(request_with(client, world, route, {"start": start}), 409, "slot_unavailable")
    assert Booking.objects.count() == 2
    assert Booking.objects.get(pk=world.ids["booking"]).start == NOW.replace(hour=8)


# --- text: line breaks, lengths, control characters -----------------------------------------


@pytest.mark.parametrize(
    ("route", "field", "value"),
    [
        ("page booking", "name", "Eve\r\nBcc: x@y"),
        ("page booking", "name", "Eve\nMoreau"),
        ("page booking", "email", "eve@example.org\r\nBcc: x@y"),
        ("link booking", "name", "Eve\r\nBcc: x@y"),
        ("link booking", "email", "eve@example.org\r\nBcc: x@y"),
        ("profile", "name", "Alex\r\nBcc: x@y"),
        ("new type", "title", "Intro\r\nBcc: x@y"),
    ],
)
def test_line_breaks_in_names_emails_and_titles_answer_422(client, world, route, field, value):
    body = assert_error(request_with(client, world, route, {field: value}), 422, "validation")
    assert field in body["fields"], body


LONG = "x" * 5000
TOO_LONG = [
    ("page booking", {"name": LONG}, "name"),
    ("page booking", {"email": LONG + "@example.org"}, "email"),
    ("page booking", {"notes": "x" * 5001}, "notes"),
    ("page booking", {"answers": {"topic": "x" * 5001}}, "answers.topic"),
    ("link booking", {"name": LONG}, "name"),
    ("profile", {"name": LONG}, "name"),
    ("profile", {"page_slug": LONG}, "page_slug"),
    ("new type", {"title": LONG}, "title"),
    ("new type", {"slug": LONG}, "slug"),
    ("new type", {"description": "x" * 5001}, "description"),
    ("new type", {"location": {"kind": "in_person", "value": LONG}}, "location"),
    (
        "new type",
        {"questions": [{"id": "q", "label": LONG, "kind": "text", "required": False}]},
        "questions",
    ),
    ("type change", {"title": LONG}, "title"),
    ("event", {"title": LONG}, "title"),
    ("event", {"rrule": "FREQ=DAILY;" + LONG}, "rrule"),
    ("new link", {"label": LONG}, "label"),
    ("attendee cancel", {"reason": "x" * 2001}, "reason"),
    ("organizer cancel", {"reason": "x" * 2001}, "reason"),
]


@pytest.mark.parametrize(("route", "changes", "field"), TOO_LONG)
def test_text_that_is_too_long_answers_422(client, world, route, changes, field):
    body = assert_error(request_with(client, world, route, changes), 422, "validation")
    assert any(name == field or name.startswith(field + ".") for name in body["fields"]), body


@pytest.mark.parametrize(
    ("route", "changes", "field"),
    [
        ("page booking", {"name": "Eve\x00"}, "name"),
        ("page booking", {"notes": "hi\x00"}, "notes"),
        ("profile", {"name": "Alex\x00"}, "name"),
        ("new type", {"title": "Intro\x00"}, "title"),
        ("new type", {"description": "About\x00"}, "description"),
        ("new type", {"location": {"kind": "in_person", "value": "Rue\x00"}}, "location"),
        ("event", {"title": "Lunch\x00"}, "title"),
        ("new link", {"label": "For Bea\x00"}, "label"),
        ("organizer cancel", {"reason": "Away\x00"}, "reason"),
    ],
)
def test_a_nul_character_in_text_answers_422(client, world, route, changes, field):
    # PostgreSQL cannot store U+0000 at all; no one types it. Refuse it everywhere alike.
    body = assert_error(request_with(client, world, route, changes), 422, "validation")
    assert any(name == field or name.startswith(field + ".") for name in body["fields"]), body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "Eve <eve@example.org>"}, "email"),
        ({"email": ""}, "email"),
        ({"name": "   "}, "name"),
    ],
)
def test_a_malformed_attendee_answers_422(client, world, changes, field):
    body = assert_error(request_with(client, world, "page booking", changes), 422, "validation")
    assert field in body["fields"], body


# --- answers to the type's questions ---------------------------------------------------------


@pytest.mark.parametrize("route", ["page booking", "link booking"])
def test_an_answer_to_an_unknown_question_answers_422(client, world, route):
    changes = {"answers": {"topic": "Roadmap", "favourite_colour": "blue"}}
    body = assert_error(request_with(client, world, route, changes), 422, "validation")
    assert "answers" in body["fields"], body
    assert Booking.objects.count() == 2


@pytest.mark.parametrize("answers", [None, {}, {"topic": ""}, {"topic": "   "}, {"phone": "+33 1"}])
@pytest.mark.parametrize("route", ["page booking", "link booking"])
def test_a_missing_required_answer_answers_422(client, world, route, answers):
    changes = {"answers": answers}
    body = assert_error(request_with(client, world, route, changes), 422, "validation")
    assert "answers.topic" in body["fields"], body
    assert Booking.objects.count() == 2


def test_a_phone_answer_must_look_like_a_number(client, world):
    changes = {"answers": {"topic": "Roadmap", "phone": "call me maybe"}}
    body = assert_error(request_with(client, world, "page booking", changes), 422, "validation")
    assert "answers.phone" in body["fields"], body


# --- numbers out of range --------------------------------------------------------------------


OUT_OF_RANGE = [
    ("new type", {"duration_minutes": 4}, "duration_minutes"),
    ("new type", {"duration_minutes": 481}, "duration_minutes"),
    ("new type", {"duration_minutes": -30}, "duration_minutes"),
    ("new type", {"duration_minutes": 10**20}, "duration_minutes"),
    ("new type", {"buffer_before_minutes": -1}, "buffer_before_minutes"),
    ("new type", {"buffer_after_minutes": 10**20}, "buffer_after_minutes"),
    ("new type", {"min_notice_minutes": -5}, "min_notice_minutes"),
    ("new type", {"horizon_days": 0}, "horizon_days"),
    ("new type", {"slot_step_minutes": 0}, "slot_step_minutes"),
    ("new type", {"slot_step_minutes": 90}, "slot_step_minutes"),
    ("new type", {"daily_limit": 0}, "daily_limit"),
    ("new type", {"reminder_minutes_before": -60}, "reminder_minutes_before"),
    ("type change", {"duration_minutes": 481}, "duration_minutes"),
    ("new link", {"expires_in_days": 0}, "expires_in_days"),
    ("new link", {"expires_in_days": -1}, "expires_in_days"),
    ("new link", {"expires_in_days": 10**20}, "expires_in_days"),
]


@pytest.mark.parametrize(("route", "changes", "field"), OUT_OF_RANGE)
def test_a_number_out_of_range_answers_422(client, world, route, changes, field):
    body = assert_error(request_with(client, world, route, changes), 422, "validation")
    assert field in body["fields"], body
    assert MeetingType.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"end": "2026-06-02T11:00:00+02:00"},
        {"end": "2026-06-02T12:00:00+02:00"},
        {"start": "9999-12-31T23:00:00-05:00", "end": "9999-12-31T23:30:00-05:00"},
        {"rrule": "FREQ=SOMETIMES"},
        {"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
        {"rrule": "FREQ=DAILY\nFREQ=WEEKLY"},
    ],
    ids=[
        "end-before-start",
        "empty",
        "year-10000-in-utc",
        "bad-rrule",
        "never-occurs",
        "two-lines",
    ],
)
def test_an_impossible_event_answers_422(client, world, changes):
    assert_error(request_with(client, world, "event", changes), 422, "validation")


@pytest.mark.parametrize("key", ["k" * 201, "k" * 10_000, ""], ids=["201", "10kB", "empty"])
def test_an_idempotency_key_not_1_to_200_characters_answers_422_naming_it(client, world, key):
    response = request_with(client, world, "page booking", headers={"HTTP_IDEMPOTENCY_KEY": key})
    body = assert_error(response, 422, "validation")
    assert "Idempotency-Key" in body["fields"], body
    assert Booking.objects.count() == 2


def test_an_oversize_idempotency_key_is_named_beside_a_bad_body(client, world):
    response = call(
        client,
        world,
        "post",
        "/pages/alex/intro/bookings",
        {},
        headers={"HTTP_IDEMPOTENCY_KEY": "k" * 10_000},
    )
    body = assert_error(response, 422, "validation")
    assert {"Idempotency-Key", "start"} <= set(body["fields"]), body


def test_a_body_over_djangos_size_limit_answers_400_in_the_error_shape(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {**GOOD_BOOKING, "notes": "n" * 2000}

    response = call(client, world, "post", "/pages/alex/intro/bookings", body)

    assert_error(response, 400, "bad_request")


def test_a_host_header_not_served_answers_400_in_the_error_shape(client, world):
    response = client.get(f"{API}/pages/alex", HTTP_HOST="evil.example")

    assert_error(response, 400, "bad_request")


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/pages/al%00ex",
        "/pages/alex/in%00tro",
        "/pages/alex/in%00tro/slots",
        "/pages/" + "a" * 5000,
        "/links/" + "t" * 5000,
        "/links/not-a-token/slots",
        "/manage/" + "t" * 5000,
        "/manage/not-a-token/slots",
        "/manage/not-a-token/ics",
        "/meeting-types/99999999999999999999",
        "/meeting-types/99999999999999999999/links",
        "/meeting-types/0",
        "/nowhere",
    ],
)
def test_an_unknown_or_absurd_address_answers_404(client, world, path):
    assert_error(call(client, world, "get", path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/links/99999999999999999999"),
        ("post", "/bookings/99999999999999999999/cancel"),
        ("patch", "/meeting-types/99999999999999999999"),
        ("delete", "/me/events/99999999999999999999"),
        ("post", "/manage/not-a-token/cancel"),
        ("post", "/links/not-a-token/bookings"),
    ],
)
def test_writes_to_unknown_objects_answer_404(client, world, method, path):
    body = GOOD_BOOKING if path.endswith("bookings") else {}
    assert_error(call(client, world, method, path, body), 404, "not_found")


def test_an_unknown_status_filter_answers_422(client, world):
    response = call(client, world, "get", "/bookings", params={"status": "maybe"})
    body = assert_error(response, 422, "validation")
    assert "status" in body["fields"], body


def test_a_wrong_method_answers_405_in_the_error_shape(client, world):
    assert_error(call(client, world, "delete", "/me"), 405, "method_not_allowed")


def test_the_openapi_document_lists_the_time_zones_once_and_every_zone_field_refers_to_them(
    client,
):
    from bookwithme.directory.models import available_time_zones

    document = client.get(f"{API}/openapi.json").json()
    assert document["components"]["schemas"]["TimeZone"]["enum"] == sorted(available_time_zones())
    assert "localtime" not in document["components"]["schemas"]["TimeZone"]["enum"]
    text = json.dumps(document)
    # Profile, event, booking, and the three slots routes' `tz`.
    assert text.count('"$ref": "#/components/schemas/TimeZone"') >= 6
    for name in ("MePatch", "EventIn", "BookingIn"):
        field = document["components"]["schemas"][name]["properties"]["time_zone"]
        assert {"$ref": "#/components/schemas/TimeZone"} in (field, *field.get("anyOf", ())), name


def test_the_openapi_document_declares_the_400_of_bodies_that_are_not_json(client):
    document = client.get(f"{API}/openapi.json").json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if "requestBody" in operation:
                assert "400" in operation["responses"], (method, path)
