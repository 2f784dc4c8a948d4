"""The bookings feed through the organizer API: made and rotated, looked at, switched off."""

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import icalendar
from apicheck import API, assert_error, ok
from makers import NOW, auth, make_person, make_token, make_type

from bookwithme.booking import services

FEED = f"{API}/me/bookings-feed"


def post(client, token=None, body=None, **extra):
    headers = auth(token) if token else {}
    data = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    return client.post(FEED, data, content_type="application/json", **headers, **extra)


def feed_path(body) -> str:
    return urlsplit(body["url"]).path


def test_post_makes_a_feed_whose_address_lists_the_bookings(client, alex):
    token = make_token(alex)
    assert ok(client.get(FEED, **auth(token))) == {"enabled": False, "created_at": None}
    mt = make_type(alex, title="Intro call")
    booking = services.book(
        mt,
        datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
        services.Attendee("Zoé Roux", "zoe@example.org", "UTC"),
    ).booking

    body = ok(post(client, token), 201)

    assert set(body) == {"url"}
    assert body["url"].startswith("http") and feed_path(body).startswith("/feeds/")
    response = client.get(feed_path(body))
    assert response.status_code == 200
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]) == booking.uid
    state = ok(client.get(FEED, **auth(token)))
    assert state["enabled"] is True
    assert datetime.fromisoformat(state["created_at"]) == NOW


def test_post_again_rotates_and_the_old_address_is_gone(client, alex):
    token = make_token(alex)
    first = ok(post(client, token, {}), 201)  # an empty body is fine too
    second = ok(post(client, token), 201)
    assert first["url"] != second["url"]
    assert client.get(feed_path(first)).status_code == 404
    assert client.get(feed_path(second)).status_code == 200


def test_delete_switches_it_off_and_is_done_when_already_off(client, alex):
    token = make_token(alex)
    body = ok(post(client, token), 201)
    assert client.delete(FEED, **auth(token)).status_code == 204
    assert client.get(feed_path(body)).status_code == 404
    assert ok(client.get(FEED, **auth(token)))["enabled"] is False
    assert client.delete(FEED, **auth(token)).status_code == 204


def test_each_person_has_their_own_feed(client, alex):
    bea = make_person(name="Bea", page_slug="bea")
    alex_feed = ok(post(client, make_token(alex)), 201)
    bea_token = make_token(bea)
    ok(post(client, bea_token), 201)
    assert client.delete(FEED, **auth(bea_token)).status_code == 204
    assert client.get(feed_path(alex_feed)).status_code == 200


def test_anonymous_gets_401(client, alex):
    assert_error(post(client), 401, "unauthorized")
    assert_error(client.get(FEED), 401, "unauthorized")
    assert_error(client.delete(FEED), 401, "unauthorized")
    assert_error(post(client, "bwm_not-a-token"), 401, "unauthorized")


def test_bad_input_is_refused(client, alex):
    token = make_token(alex)
    body = assert_error(post(client, token, {"url": "https://mine.example"}), 422, "validation")
    assert "url" in body["fields"]
    assert_error(post(client, token, "{not json"), 400, "bad_request")
    assert_error(client.put(FEED, "{}", **auth(token)), 405, "method_not_allowed")
    assert ok(client.get(FEED, **auth(token)))["enabled"] is False  # nothing was made
