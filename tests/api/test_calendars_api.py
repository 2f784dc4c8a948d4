"""Connected calendars through the organizer API: connect (tested once), list, choose,
sync on demand, remove; passwords go in and never come out."""

import json
import time

import pytest
from apicheck import API, assert_error, ok
from calendar_servers import PASSWORD, one_event
from liveserver import free_port
from makers import auth, make_person, make_token

from bookwithme.calendars import dav, icsfeed, sync
from bookwithme.calendars.models import Connection, RemoteBusy

FEED = one_event("a", "20260602T080000Z", "20260602T090000Z")


@pytest.fixture
def token(alex):
    return make_token(alex)


def call(client, method, path, token, body=None):
    kwargs = auth(token) if token else {}
    if body is not None:
        kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method)(API + path, **kwargs)


def add_feed(client, token, feeds) -> dict:
    body = {"kind": "ics", "url": feeds.publish("a.ics", FEED)}
    return ok(call(client, "post", "/calendars", token, body), 201)


def caldav_body(server, **extra):
    return {
        "kind": "caldav",
        "url": server.url,
        "username": server.username,
        "password": server.password,
    } | extra


def test_connecting_a_caldav_server_lists_its_calendars_and_never_returns_the_password(
    client, token, radicale
):
    work = radicale.new_calendar("Work")
    response = call(
        client, "post", "/calendars", token, caldav_body(radicale, check=[work], write_to=work)
    )

    body = ok(response, 201)
    assert PASSWORD not in response.content.decode()
    assert set(body) == {
        "id", "kind", "url", "username", "check", "write_to", "calendars",
        "last_sync_at", "last_success_at", "last_error", "write_error", "stale",
        "next_sync_at", "skipped_count", "skipped", "warnings",
    }  # fmt: skip
    assert body["kind"] == "caldav" and body["username"] == radicale.username
    assert body["check"] == [work] and body["write_to"] == work
    assert {"url": work, "name": "Work"} in body["calendars"]
    assert body["stale"] is True and body["last_success_at"] is None  # until its first sync

    listed = ok(call(client, "get", "/calendars", token))
    assert [c["id"] for c in listed] == [body["id"]]
    assert PASSWORD not in json.dumps(listed)


def test_a_feed_connects_and_its_sync_shows_in_the_answer(client, token, feeds, frozen):
    body = add_feed(client, token, feeds)
    assert body["check"] == [feeds.url("a.ics")] and body["username"] is None

    sync.sync(body["id"])

    again = ok(call(client, "get", f"/calendars/{body['id']}", token))
    assert again["stale"] is False and again["last_success_at"] is not None
    assert again["last_error"] is None


def test_a_failed_test_is_a_422_with_the_reason(client, token, radicale, feeds):
    wrong = call(client, "post", "/calendars", token, caldav_body(radicale, password="nope"))
    assert assert_error(wrong, 422, "validation")["fields"] == {
        "password": ["The server refused this username or password."]
    }
    down = call(
        client,
        "post",
        "/calendars",
        token,
        {"kind": "ics", "url": f"http://127.0.0.1:{free_port()}/a.ics"},
    )
    assert assert_error(down, 422, "validation")["fields"]["url"] == [
        "The server could not be reached."
    ]
    missing = call(
        client, "post", "/calendars", token, {"kind": "ics", "url": feeds.url("none.ics")}
    )
    assert "404" in assert_error(missing, 422, "validation")["fields"]["url"][0]
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "google", "url": "https://x.example/"}, "kind"),
        ({"kind": "ics"}, "url"),
        ({"kind": "ics", "url": "file:///etc/passwd"}, "url"),
        ({"kind": "ics", "url": "https://x.example/a.ics", "password": "pw"}, "password"),
        ({"kind": "ics", "url": "https://x.example/a.ics", "check": []}, "check"),
        ({"kind": "caldav", "url": "https://x.example/", "check": "all"}, "check"),
        ({"kind": "caldav", "url": "https://x.example/", "colour": "red"}, "colour"),
        ({"kind": "caldav", "url": "https://u:p@x.example/"}, "url"),
        ({"kind": "caldav", "url": "x" * 2001}, "url"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_without_calling_out(
    client, token, body, field, monkeypatch
):
    monkeypatch.setattr(dav, "open_client", lambda *a, **k: pytest.fail("no request expected"))
    monkeypatch.setattr(icsfeed, "fetch", lambda *a, **k: pytest.fail("no request expected"))
    assert (
        field
        in assert_error(call(client, "post", "/calendars", token, body), 422, "validation")[
            "fields"
        ]
    )


def test_a_body_that_is_not_json_is_a_400(client, token):
    response = client.post(API + "/calendars", "{", content_type="application/json", **auth(token))
    assert_error(response, 400, "bad_request")


def test_choosing_calendars_and_removing_the_connection(client, token, radicale, alex, frozen):
    work, home = radicale.new_calendar("Work"), radicale.new_calendar("Home")
    radicale.put(work, "x", FEED)
    created = ok(
        call(client, "post", "/calendars", token, caldav_body(radicale, check=[work])), 201
    )
    sync.sync(created["id"])
    assert RemoteBusy.objects.filter(owner=alex).count() == 1

    chosen = ok(
        call(
            client,
            "patch",
            f"/calendars/{created['id']}",
            token,
            {"check": [home], "write_to": home},
        )
    )
    assert chosen["check"] == [home] and chosen["write_to"] == home
    assert not RemoteBusy.objects.filter(owner=alex).exists()  # the work calendar's went
    refused = call(
        client, "patch", f"/calendars/{created['id']}", token, {"check": ["https://else.example/"]}
    )
    assert "check" in assert_error(refused, 422, "validation")["fields"]

    alex.refresh_from_db()
    version = alex.availability_version
    assert call(client, "delete", f"/calendars/{created['id']}", token).status_code == 204
    assert not Connection.objects.exists()
    alex.refresh_from_db()
    assert alex.availability_version > version
    assert_error(call(client, "delete", f"/calendars/{created['id']}", token), 404, "not_found")


def test_a_sync_on_demand_is_queued_for_the_worker(
    client, token, feeds, monkeypatch, run_worker, django_capture_on_commit_callbacks, frozen
):
    created = add_feed(client, token, feeds)
    monkeypatch.setattr(icsfeed, "fetch", lambda *a, **k: pytest.fail("the request fetched"))
    with django_capture_on_commit_callbacks(execute=True):
        queued = call(client, "post", f"/calendars/{created['id']}/sync", token)
    assert ok(queued, 202)["id"] == created["id"]

    monkeypatch.undo()
    run_worker()
    assert ok(call(client, "get", f"/calendars/{created['id']}", token))["stale"] is False


def test_anonymous_callers_and_other_people_get_nothing(client, token, feeds):
    created = add_feed(client, token, feeds)
    other = make_token(make_person())
    path = f"/calendars/{created['id']}"
    for method, route in [
        ("get", "/calendars"),
        ("post", "/calendars"),
        ("get", path),
        ("delete", path),
        ("post", f"{path}/sync"),
    ]:
        assert_error(
            call(client, method, route, None, {} if method == "post" else None), 401, "unauthorized"
        )
    assert ok(call(client, "get", "/calendars", other)) == []
    for method, route, body in [
        ("get", path, None),
        ("patch", path, {"check": []}),
        ("delete", path, None),
        ("post", f"{path}/sync", None),
    ]:
        assert_error(call(client, method, route, other, body), 404, "not_found")
    assert Connection.objects.count() == 1


def test_a_feed_that_trickles_is_refused_at_the_deadline_with_the_plain_reason(
    client, token, hostile, monkeypatch
):
    monkeypatch.setattr(icsfeed, "CHECK_TIMEOUT", 1.5)

    started = time.monotonic()
    response = call(
        client, "post", "/calendars", token, {"kind": "ics", "url": hostile.url("/tarpit")}
    )
    took = time.monotonic() - started

    assert assert_error(response, 422, "validation")["fields"] == {
        "url": ["The server could not be reached."]
    }
    assert 1.4 < took < 2.5
    assert not Connection.objects.exists()


def test_a_private_address_is_refused_with_the_same_reason_as_a_server_that_is_down(
    client, token, feeds, settings, no_connections
):
    settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = False
    for url in (feeds.url("a.ics"), "http://169.254.169.254/latest/meta-data/"):
        response = call(client, "post", "/calendars", token, {"kind": "ics", "url": url})
        assert assert_error(response, 422, "validation")["fields"] == {
            "url": ["The server could not be reached."]
        }
    assert no_connections == [] and feeds.requests == []
