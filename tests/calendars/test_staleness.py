"""The staleness bound: when a connected calendar has not been read for too long, its owner's
pages offer nothing (and say why) and bookings are refused; it all comes back by itself once
the server answers again. Requests never call a remote calendar."""

import json
from datetime import timedelta

import pytest
from calendar_servers import Radicale, vcalendar, vevent
from makers import NOW, make_person, make_type

from bookwithme.booking import availability, services
from bookwithme.booking.errors import SlotUnavailable
from bookwithme.calendars import connections, dav, icsfeed, sync
from bookwithme.calendars.models import Connection

API = "/api/v1"
SLOTS = f"{API}/pages/alex/intro/slots"
TEN, ELEVEN = "2026-06-02T10:00:00+02:00", "2026-06-02T11:00:00+02:00"


@pytest.fixture
def alex(db):
    return make_person(time_zone="Europe/Paris", page_slug="alex")


@pytest.fixture
def intro(alex):
    return make_type(alex, slug="intro", duration_minutes=60)


@pytest.fixture
def server(tmp_path):
    """A Radicale of this test's own, which it stops and starts."""
    radicale = Radicale(tmp_path).start()
    yield radicale
    radicale.stop()


def connect(owner, server) -> Connection:
    calendar = server.new_calendar()
    server.put(
        calendar,
        "dentist",
        vcalendar(vevent("d", "DTSTART:20260602T080000Z", "DTEND:20260602T090000Z")),
    )
    return connections.connect_caldav(
        owner, url=server.url, username=server.username, password=server.password, check=[calendar]
    )


def answer(client) -> dict:
    response = client.get(SLOTS, {"from": "2026-06-02", "to": "2026-06-02"})
    assert response.status_code == 200, response.content
    return response.json()


def starts(client) -> list[str]:
    return [s["start"] for s in answer(client)["slots"]]


def book(client, start=ELEVEN):
    body = {"start": start, "name": "Eve", "email": "eve@example.org", "time_zone": "Europe/Paris"}
    return client.post(
        f"{API}/pages/alex/intro/bookings", json.dumps(body), content_type="application/json"
    )


def test_a_server_going_down_withdraws_the_offers_after_the_bound_and_recovery_is_automatic(
    client, alex, intro, server, frozen, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        connection = connect(alex, server)
    run_worker()  # the first sync, enqueued by the connection
    assert TEN not in starts(client) and ELEVEN in starts(client)

    server.stop()
    frozen.shift(timedelta(minutes=10))  # the periodic sync is due, and fails
    run_worker()
    connection.refresh_from_db()
    assert connection.last_error == "The server could not be reached."
    assert connection.failures == 1
    assert connection.next_sync_at == NOW + timedelta(minutes=11)  # retried a minute later
    assert ELEVEN in starts(client)  # 10 minutes old: still within the 30-minute bound

    frozen.shift(timedelta(minutes=20, seconds=1))
    body = answer(client)
    assert body == {"time_zone": "Europe/Paris", "slots": [], "notice": "calendar_stale"}
    refused = book(client)
    assert refused.status_code == 409 and refused.json()["error"] == "slot_unavailable"

    server.start()
    run_worker()  # the retry was due long ago
    connection.refresh_from_db()
    assert connection.last_error == "" and connection.failures == 0
    assert "notice" not in answer(client)
    assert TEN not in starts(client) and ELEVEN in starts(client)
    assert book(client).status_code == 201


def test_a_new_connection_is_stale_until_its_first_sync(client, alex, intro, radicale, frozen):
    connection = connect(alex, radicale)
    assert answer(client)["notice"] == "calendar_stale"
    assert not availability.is_offered(intro, NOW.replace(hour=9) + timedelta(days=1))

    sync.sync(connection.pk)

    assert ELEVEN in starts(client)


def test_the_cached_answer_is_not_served_past_the_bound(client, alex, intro, radicale, frozen):
    connection = connect(alex, radicale)
    sync.sync(connection.pk)
    assert ELEVEN in starts(client)  # computed and cached
    assert ELEVEN in starts(client)  # from the cache (the hot path)

    frozen.shift(timedelta(minutes=31))

    assert answer(client)["notice"] == "calendar_stale"
    paris = availability.ZoneInfo("Europe/Paris")
    days = availability.Days(NOW.date(), NOW.date() + timedelta(days=1), paris)
    assert availability.offer(intro, days) == availability.Offer(paris, [], "calendar_stale")


def test_a_stale_calendar_refuses_reschedules_too(alex, intro, radicale, frozen):
    connection = connect(alex, radicale)
    sync.sync(connection.pk)
    start = NOW.replace(hour=9) + timedelta(days=1)  # 11:00 in Paris
    attendee = services.Attendee("Eve", "eve@example.org", "Europe/Paris")
    booked = services.book(intro, start, attendee).booking
    frozen.shift(timedelta(minutes=31))

    with pytest.raises(SlotUnavailable):
        services.reschedule(booked, start + timedelta(hours=2))
    with pytest.raises(SlotUnavailable):
        services.book(intro, start + timedelta(hours=4), attendee)


def test_a_calendar_that_checks_nothing_never_makes_the_page_stale(
    client, alex, intro, radicale, frozen
):
    calendar = radicale.new_calendar()
    connections.connect_caldav(
        alex,
        url=radicale.url,
        username=radicale.username,
        password=radicale.password,
        check=[],
        write_to=calendar,
    )
    assert "notice" not in answer(client)
    assert ELEVEN in starts(client)


def test_the_bound_is_a_setting(client, alex, intro, radicale, frozen, settings):
    connection = connect(alex, radicale)
    sync.sync(connection.pk)
    settings.BOOKWITHME_CALENDAR_STALE_AFTER_MINUTES = 5
    frozen.shift(timedelta(minutes=6))
    assert answer(client)["notice"] == "calendar_stale"


def test_slots_stop_where_the_calendars_were_read(alex, radicale, frozen):
    long = make_type(alex, slug="long", duration_minutes=60, horizon_days=120)
    connection = connect(alex, radicale)
    sync.sync(connection.pk)
    # Then the horizon grows, and the calendars have not been read that far yet.
    connection.refresh_from_db()
    Connection.objects.filter(pk=connection.pk).update(synced_until=NOW + timedelta(days=30))
    first, last = NOW.date(), NOW.date() + timedelta(days=100)
    days = availability.Days(first, last, availability.ZoneInfo("UTC"))
    pairs = availability.offer(long, days).pairs

    assert pairs
    assert max(end for _start, end in pairs) <= (NOW + timedelta(days=30)).timestamp()


def test_no_request_calls_a_remote_calendar(client, alex, intro, radicale, frozen, monkeypatch):
    connection = connect(alex, radicale)
    sync.sync(connection.pk)

    def remote(*args, **kwargs):
        raise AssertionError("a request called a remote calendar")

    monkeypatch.setattr(dav, "open_client", remote)
    monkeypatch.setattr(icsfeed, "fetch", remote)
    assert ELEVEN in starts(client)
    assert book(client).status_code == 201
