"""Connecting a calendar: the input checked, the connection tested once with a clear reason
when it fails, the password encrypted at rest and never logged, the choice of calendars."""

import logging
import time

import pytest
from calendar_servers import PASSWORD, one_event
from django.db import connection as db
from liveserver import free_port
from makers import make_person

from bookwithme.calendars import connections, dav, icsfeed, sync
from bookwithme.calendars.connections import ConnectError
from bookwithme.calendars.models import CheckedCalendar, Connection
from bookwithme.tokens import SecretUnreadable, decrypt, encrypt


@pytest.fixture
def owner(db):
    return make_person()


def connect(owner, server, **kwargs) -> Connection:
    return connections.connect_caldav(
        owner,
        url=server.url,
        username=server.username or "",
        password=server.password or "",
        **kwargs,
    )


def refusal(call) -> dict:
    with pytest.raises(ConnectError) as refused:
        call()
    return refused.value.message_dict


def test_the_password_is_encrypted_at_rest_and_never_logged(owner, radicale, caplog):
    calendar = radicale.new_calendar()
    with caplog.at_level(logging.DEBUG):
        connection = connect(owner, radicale, check=[calendar])
        sync.sync(connection.pk)
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM calendars_connection WHERE id = %s", [connection.pk])
        row = cursor.fetchone()

    assert not any(PASSWORD in str(value) for value in row)
    assert connection.password() == PASSWORD
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(connection.__dict__.get("password_encrypted"))


def test_a_secret_opens_only_with_its_own_purpose_and_key(settings):
    sealed = encrypt("hunter2", purpose="calendar-password")
    assert sealed != encrypt("hunter2", purpose="calendar-password")  # fresh IV each time
    assert decrypt(sealed, purpose="calendar-password") == "hunter2"
    with pytest.raises(SecretUnreadable):
        decrypt(sealed, purpose="webhook")
    settings.SECRET_KEY = "rotated"
    with pytest.raises(SecretUnreadable):
        decrypt(sealed, purpose="calendar-password")


def test_a_wrong_password_is_refused_with_the_reason(owner, radicale):
    fields = refusal(
        lambda: connections.connect_caldav(
            owner, url=radicale.url, username=radicale.username, password="wrong"
        )
    )
    assert fields == {"password": ["The server refused this username or password."]}
    assert not Connection.objects.exists()


def test_an_unreachable_server_is_refused_with_the_reason(owner):
    fields = refusal(
        lambda: connections.connect_caldav(owner, url=f"http://127.0.0.1:{free_port()}/")
    )
    assert fields == {"url": ["The server could not be reached."]}


def test_an_address_that_is_no_caldav_server_is_refused(owner, feeds):
    fields = refusal(lambda: connections.connect_caldav(owner, url=feeds.url("page.html")))
    assert fields == {"url": ["No CalDAV server answers at this address."]}


def test_an_unreachable_feed_is_refused_with_the_reason(owner):
    fields = refusal(
        lambda: connections.connect_feed(owner, url=f"http://127.0.0.1:{free_port()}/cal.ics")
    )
    assert fields == {"url": ["The server could not be reached."]}


@pytest.mark.parametrize(
    "url",
    [
        "",
        "cal.example.org",
        "ftp://cal.example.org/",
        "http:///nohost",
        "https://user:pw@cal.example.org/",
        "https://cal.example.org:port/",
        "https://cal.example.org/a b",
        "https://cal.example.org/" + "x" * 2000,
    ],
)
def test_a_bad_address_is_refused_before_any_request(owner, url, monkeypatch):
    monkeypatch.setattr(dav, "open_client", lambda *a, **k: pytest.fail("no request expected"))
    assert list(refusal(lambda: connections.connect_caldav(owner, url=url))) == ["url"]
    assert list(refusal(lambda: connections.connect_feed(owner, url=url))) == ["url"]


def test_the_calendars_found_are_listed_and_all_checked_by_default(owner, dav_server):
    home = dav_server.new_calendar("Home")
    connection = connect(owner, dav_server)

    found = {f["url"]: f["name"] for f in connection.found}
    assert found[home] == "Home"
    checked = set(
        CheckedCalendar.objects.filter(connection=connection).values_list("url", flat=True)
    )
    assert checked == set(found)
    assert connection.checks_busy and connection.write_to == ""
    assert connection.auth_scheme == ("basic" if dav_server.username else "")


def test_check_and_write_to_name_calendars_found_however_they_are_written(owner, radicale):
    work = radicale.new_calendar()
    written = work.replace("http://", "HTTP://").replace("/alice/", "/%61lice/").rstrip("/")
    connection = connect(owner, radicale, check=[written], write_to=work)
    assert list(connection.checked.values_list("url", flat=True)) == [work]
    assert connection.write_to == work

    fields = refusal(lambda: connect(owner, radicale, check=[radicale.url + "alice/nope/"]))
    assert list(fields) == ["check"] and "Not one of this account's calendars" in fields["check"][0]
    assert list(
        refusal(lambda: connect(owner, radicale, write_to="https://elsewhere.example/c/"))
    ) == ["write_to"]


def test_a_connection_that_checks_nothing_is_not_synced(owner, radicale):
    work = radicale.new_calendar()
    connection = connect(owner, radicale, check=[], write_to=work)
    assert not connection.checks_busy and connection.next_sync_at is None
    assert not connection.is_stale()


def test_choosing_other_calendars_needs_no_request_and_a_new_one_is_read_first(
    owner, radicale, monkeypatch, django_capture_on_commit_callbacks
):
    work, home = radicale.new_calendar("Work"), radicale.new_calendar("Home")
    radicale.put(home, "x", one_event("x", "20260602T080000Z", "20260602T090000Z"))
    connection = connect(owner, radicale, check=[work])
    sync.sync(connection.pk)
    monkeypatch.setattr(dav, "open_client", lambda *a, **k: pytest.fail("no request expected"))

    with django_capture_on_commit_callbacks() as queued:
        connections.choose(connection, check=[work, home], write_to=home)
    connection.refresh_from_db()
    assert connection.is_stale() and connection.write_to == home
    # A sync right away, and the upcoming bookings into the calendar chosen for them.
    assert len(queued) == 2

    connections.choose(connection, check=[home])
    assert list(connection.checked.values_list("url", flat=True)) == [home]
    connections.choose(connection, check=[], write_to=None)
    connection.refresh_from_db()
    assert (
        not connection.checks_busy and connection.next_sync_at is None and not connection.write_to
    )


def test_a_feed_has_nothing_to_choose(owner, feeds):
    connection = connections.connect_feed(
        owner, url=feeds.publish("a.ics", one_event("a", "20260602T080000Z", "20260602T090000Z"))
    )
    assert list(refusal(lambda: connections.choose(connection, check=[]))) == ["check"]


def test_twenty_connections_at_most(owner, feeds, monkeypatch):
    url = feeds.publish("a.ics", one_event("a", "20260602T080000Z", "20260602T090000Z"))
    for _ in range(connections.MAX_PER_OWNER):
        connections.connect_feed(owner, url=url)
    assert "At most 20" in refusal(lambda: connections.connect_feed(owner, url=url))["url"][0]


def test_write_back_gets_a_client_and_its_calendar(owner, radicale):
    work = radicale.new_calendar()
    connection = connect(owner, radicale, check=[], write_to=work)
    calendar = dav.write_calendar(Connection.objects.get(pk=connection.pk))

    calendar.add_event(one_event("booked@bookwithme", "20260602T080000Z", "20260602T090000Z"))

    with radicale.client() as client:
        stored = client.calendar(url=work).get_event_by_uid("booked@bookwithme")
    assert "20260602T080000Z" in stored.data


def test_a_server_the_caldav_library_cannot_make_sense_of_is_a_refusal(owner, monkeypatch):
    def confused(self):
        raise KeyError("{DAV:}href")

    monkeypatch.setattr(dav.DAVClient, "principal", confused)
    fields = refusal(lambda: connections.connect_caldav(owner, url="https://cal.example.org/"))
    assert fields == {"url": ["No CalDAV server answers at this address."]}


# --- through the fenced client (bookwithme/outbound.py) -------------------------------------

NOT_REACHED = {"url": ["The server could not be reached."]}


def test_every_way_of_not_reaching_a_server_says_the_same_sentence(
    owner, settings, hostile, no_http, monkeypatch
):
    monkeypatch.setattr(icsfeed, "CHECK_TIMEOUT", 1.0)
    monkeypatch.setattr(dav, "CHECK_TIMEOUT", 1.0)
    closed = f"http://127.0.0.1:{free_port()}/cal/"
    cases = {
        # Refused before connecting: an open port and a closed one look the same.
        (False, "private, open port"): hostile.url("/cal/"),
        (False, "private, closed port"): closed,
        # Allowed through: whatever went wrong on the way, the same.
        (True, "closed port"): closed,
        (True, "no HTTP spoken"): f"http://127.0.0.1:{no_http.port}/cal/",
        (True, "trickling"): hostile.url("/tarpit"),
    }
    said = {}
    for (allowed, case), url in cases.items():
        settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = allowed
        said[case, "feed"] = refusal(lambda url=url: connections.connect_feed(owner, url=url))
        said[case, "caldav"] = refusal(lambda url=url: connections.connect_caldav(owner, url=url))

    assert said == {key: NOT_REACHED for key in said}
    assert not Connection.objects.exists()


@pytest.mark.parametrize("limit", ["CHECK_TIMEOUT", "CHECK_TOTAL"])
def test_testing_a_caldav_server_that_trickles_ends_at_the_deadline(
    owner, hostile, monkeypatch, limit
):
    monkeypatch.setattr(dav, "CHECK_TIMEOUT", 30)
    monkeypatch.setattr(dav, "CHECK_TOTAL", 30)
    monkeypatch.setattr(dav, limit, 1.5)

    started = time.monotonic()
    fields = refusal(lambda: connections.connect_caldav(owner, url=hostile.url("/tarpit")))
    took = time.monotonic() - started

    assert fields == NOT_REACHED
    assert 1.4 < took < 2.5


def test_a_caldav_server_on_a_private_address_is_refused_before_any_request(
    owner, radicale, settings, no_connections
):
    settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = False
    assert refusal(lambda: connect(owner, radicale)) == NOT_REACHED
    assert no_connections == []
