"""Connected calendars in the organizer app: connecting a CalDAV account (against a real
Radicale) and an ICS feed (a real local feed server), choosing calendars, the list with how
each last synced, syncing now through the task worker, removing one."""

import re
from datetime import timedelta

import pytest
from calendar_servers import PASSWORD, USER, one_event
from django.test import Client
from django_tasks_db.models import DBTaskResult
from liveserver import free_port
from makers import NOW, make_person

from bookwithme.calendars.models import CheckedCalendar, Connection
from bookwithme.web.app.connected_calendars import shown_address

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
EVENT = one_event("busy", "20260602T080000Z", "20260602T090000Z")
# A feed's address as Google hands it out: the path holds the secret.
SECRET = "private-3f9a8c7e1b2d4f6a8c0e"
REFUSED = "The server refused this username or password."


@pytest.fixture
def alex():
    return make_person(time_zone="Europe/Paris")


def make_connection(owner, *, found=("Work",), checked=("Work",), **fields) -> Connection:
    """A CalDAV connection straight into the database: no server."""
    base = "https://cal.example.org/dav/alex/"
    fields.setdefault("username", "alex")
    connection = Connection.objects.create(
        owner=owner,
        kind=Connection.Kind.CALDAV,
        url="https://cal.example.org/dav/",
        found=[{"url": f"{base}{name.lower()}/", "name": name} for name in found],
        checks_busy=bool(checked),
        **fields,
    )
    for name in checked:
        CheckedCalendar.objects.create(
            connection=connection, url=f"{base}{name.lower()}/", name=name
        )
    return connection


def caldav_post(url, username=USER, password=PASSWORD) -> dict:
    return {"caldav-url": url, "caldav-username": username, "caldav-password": password}


# --- connecting ------------------------------------------------------------------------------


def test_connecting_a_caldav_account_lists_its_calendars_then_saves_the_choice(
    signed_in, alex, radicale
):
    work, home = radicale.new_calendar("Work"), radicale.new_calendar("Home")

    response = signed_in.post("/app/calendars/caldav", caldav_post(radicale.url))

    connection = Connection.objects.get(owner=alex)
    choose_url = f"/app/calendars/{connection.pk}/choose"
    assert response.status_code == 302 and response["Location"] == choose_url
    page = signed_in.get(choose_url).content.decode()
    assert "Connected to 127.0.0.1: " in page and " calendars found." in page
    assert f'type="checkbox" name="check" value="{work}"' in page
    assert f'type="radio" name="write_to" value="{home}"' in page
    assert "Don&#x27;t write bookings into a calendar" in page
    assert "Work" in page and "Home" in page
    assert PASSWORD not in page

    response = signed_in.post(choose_url, {"check": [work], "write_to": home})

    assert response.status_code == 302 and response["Location"] == "/app/calendars/"
    connection.refresh_from_db()
    assert list(connection.checked.values_list("url", flat=True)) == [work]
    assert connection.write_to == home
    assert connection.password() == PASSWORD
    listed = signed_in.get("/app/calendars/").content.decode()
    assert "Your choice of calendars is saved." in listed
    row = listed.split(f'id="connection-{connection.pk}"')[1].split("</li>")[0]
    assert "CalDAV" in row and USER in row
    assert "Checked for conflicts</dt>\n              <dd>Work</dd>" in row
    assert "Bookings written into</dt>\n              <dd>Home</dd>" in row
    assert PASSWORD not in listed


def test_choosing_no_calendar_to_check_and_none_to_write_into(signed_in, alex):
    connection = make_connection(alex, found=("Work", "Home"), checked=("Work",))

    response = signed_in.post(f"/app/calendars/{connection.pk}/choose", {"write_to": ""})

    assert response.status_code == 302
    connection.refresh_from_db()
    assert not connection.checked.exists() and not connection.checks_busy
    assert connection.write_to == ""


def test_the_choice_starts_from_what_is_stored(signed_in, alex):
    connection = make_connection(alex, found=("Work", "Home"), checked=("Home",))
    home = "https://cal.example.org/dav/alex/home/"
    Connection.objects.filter(pk=connection.pk).update(write_to=home)

    page = signed_in.get(f"/app/calendars/{connection.pk}/choose").content.decode()

    assert f'name="check" value="{home}" id="id_check_1" checked' in page
    assert 'name="check" value="https://cal.example.org/dav/alex/work/" id="id_check_0">' in page
    assert f'name="write_to" value="{home}" id="id_write_to_2" checked' in page


def test_a_calendar_that_was_not_found_cannot_be_chosen(signed_in, alex):
    connection = make_connection(alex)

    response = signed_in.post(
        f"/app/calendars/{connection.pk}/choose",
        {"check": ["https://elsewhere.example/c/"], "write_to": "https://elsewhere.example/c/"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_check_error"' in html and 'id="id_write_to_error"' in html
    assert list(connection.checked.values_list("name", flat=True)) == ["Work"]


def test_a_wrong_password_is_refused_under_the_password_and_nothing_is_kept(
    signed_in, alex, radicale
):
    response = signed_in.post(
        "/app/calendars/caldav", caldav_post(radicale.url, password="wrong-Pa55word")
    )

    assert response.status_code == 200
    html = response.content.decode()
    error = html.split('id="id_caldav-password_error"')[1].split("</ul>")[0]
    assert REFUSED in error
    assert f'value="{radicale.url}"' in html and f'value="{USER}"' in html  # kept
    assert "wrong-Pa55word" not in html  # not shown again
    assert not Connection.objects.exists()


def test_an_unreachable_server_is_refused_under_the_address(signed_in, alex):
    url = f"http://127.0.0.1:{free_port()}/"

    response = signed_in.post("/app/calendars/caldav", caldav_post(url))

    assert response.status_code == 200
    html = response.content.decode()
    error = html.split('id="id_caldav-url_error"')[1].split("</ul>")[0]
    assert "The server could not be reached." in error
    assert f'value="{url}"' in html and f'value="{USER}"' in html
    assert PASSWORD not in html
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the address."),
        ("ftp://cal.example.org/", "Give an address starting with https:// (or http://)."),
        (
            "https://alex:pw@cal.example.org/",
            "Give the username and password in their own fields, not in the address.",
        ),
    ],
)
def test_a_bad_address_is_refused_with_the_apis_message(signed_in, alex, url, message):
    response = signed_in.post("/app/calendars/caldav", caldav_post(url))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Connection.objects.exists()


def test_subscribing_to_a_feed_shows_its_host_but_never_its_secret(signed_in, alex, feeds):
    url = feeds.publish(f"{SECRET}/basic.ics", EVENT)

    response = signed_in.post("/app/calendars/feed", {"feed-url": url}, follow=True)

    assert response.redirect_chain == [("/app/calendars/", 302)]
    connection = Connection.objects.get(owner=alex)
    assert (connection.kind, connection.url) == (Connection.Kind.ICS, url)
    html = response.content.decode()
    assert "Subscribed to the feed on 127.0.0.1." in html
    row = html.split(f'id="connection-{connection.pk}"')[1].split("</li>")[0]
    assert "ICS feed" in row and f"http://127.0.0.1:{feeds.server_address[1]}/…" in row
    assert "Not read yet" in row and "your page offers no times until this syncs." in row
    assert "Choose calendars" not in row  # a feed is one calendar
    assert SECRET not in html


def test_an_address_that_serves_no_feed_is_refused_under_it(signed_in, alex, feeds):
    response = signed_in.post("/app/calendars/feed", {"feed-url": feeds.url("page.html")})

    assert response.status_code == 200
    html = response.content.decode()
    error = html.split('id="id_feed-url_error"')[1].split("</ul>")[0]
    assert "This address does not serve an iCalendar feed." in error
    assert not Connection.objects.exists()


def test_an_unreachable_feed_is_refused_with_the_reason(signed_in, alex):
    url = f"http://127.0.0.1:{free_port()}/{SECRET}.ics"

    response = signed_in.post("/app/calendars/feed", {"feed-url": url})

    html = response.content.decode()
    assert "The server could not be reached." in html
    assert f'value="{url}"' in html  # the organizer's own input, kept for a retry
    assert not Connection.objects.exists()


# --- the list --------------------------------------------------------------------------------


def test_an_empty_list_says_so_and_offers_both_forms(signed_in):
    html = signed_in.get("/app/calendars/").content.decode()

    assert "No calendar is connected yet." in html
    for label in ("id_caldav-url", "id_caldav-username", "id_caldav-password", "id_feed-url"):
        assert f'<label for="{label}">' in html
    assert 'type="password" name="caldav-password"' in html
    assert 'aria-current="page">Connected calendars</a>' in html


def test_the_list_shows_the_last_error_and_the_stale_warning(signed_in, alex, frozen):
    failing = make_connection(
        alex,
        last_sync_at=NOW - timedelta(minutes=5),
        last_success_at=NOW - timedelta(hours=2),
        last_error=REFUSED,
    )
    fresh = make_connection(
        alex,
        last_sync_at=NOW - timedelta(seconds=30),
        last_success_at=NOW - timedelta(seconds=30),
        next_sync_at=NOW + timedelta(minutes=9),
    )

    html = signed_in.get("/app/calendars/").content.decode()

    row = html.split(f'id="connection-{failing.pk}"')[1].split("</li>")[0]
    assert f"The last sync failed:</strong> {REFUSED}" in row
    assert "Stale:</strong> your page offers no times until this syncs." in row
    assert "5\xa0minutes ago" in row and "Monday, June 1, 2026, 7:55 AM" in row  # Paris time
    assert "2\xa0hours ago" in row and "Monday, June 1, 2026, 6:00 AM" in row
    assert "Paused after a refusal" in row
    row = html.split(f'id="connection-{fresh.pk}"')[1].split("</li>")[0]
    assert "Stale" not in row and "failed" not in row and "Up to date" in row
    assert "in 9\xa0minutes" in row and "Just now" in row


def test_the_list_shows_a_failed_write_of_a_booking(signed_in, alex, frozen):
    connection = make_connection(alex, last_success_at=NOW, write_error="Forbidden (HTTP 403).")

    html = signed_in.get("/app/calendars/").content.decode()

    row = html.split(f'id="connection-{connection.pk}"')[1].split("</li>")[0]
    assert "A booking could not be written into it:</strong> Forbidden (HTTP 403)." in row
    assert 'data-state="failing"' in row and "Stale" not in row


def test_names_and_errors_from_a_server_are_escaped(signed_in, alex):
    connection = make_connection(
        alex, found=(SCRIPT,), checked=(SCRIPT,), username=SCRIPT, last_error=SCRIPT
    )

    for path in ("/app/calendars/", f"/app/calendars/{connection.pk}/choose"):
        html = signed_in.get(path).content.decode()
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://cloud.example.org/remote.php/dav/", "https://cloud.example.org/remote.php/…"),
        ("http://127.0.0.1:5232/", "http://127.0.0.1:5232/"),
        ("https://cal.example.org/feed.ics?token=abc", "https://cal.example.org/feed.ics?…"),
        (
            "https://calendar.google.com/calendar/ical/a%40b.org/private-0a1b/basic.ics",
            "https://calendar.google.com/calendar/…",
        ),
        ("https://p01.icloud.com/published/2/MTIzNDU2Nzg5", "https://p01.icloud.com/published/…"),
        ("https://x.example/abc123/cal.ics", "https://x.example/…"),
        ("https://x.example/" + "a" * 30, "https://x.example/…"),
        ("https://[::1]:8443/cal/", "https://[::1]:8443/cal/"),
    ],
)
def test_an_address_is_shown_without_what_may_be_its_secret(url, shown):
    assert shown_address(url) == shown


# --- syncing, removing -----------------------------------------------------------------------


def test_sync_now_queues_a_sync_that_the_worker_runs(
    signed_in, alex, feeds, run_worker, django_capture_on_commit_callbacks, frozen
):
    url = feeds.publish("team.ics", EVENT)
    signed_in.post("/app/calendars/feed", {"feed-url": url})  # its first sync is not queued
    connection = Connection.objects.get(owner=alex)
    # Paused after a refusal, as when the feed was gone for a while.
    Connection.objects.filter(pk=connection.pk).update(next_sync_at=None, last_error="Gone.")

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/app/calendars/{connection.pk}/sync", follow=True)

    assert response.redirect_chain == [("/app/calendars/", 302)]
    assert "A sync of 127.0.0.1 is queued" in response.content.decode()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker()
    connection.refresh_from_db()
    assert connection.last_success_at is not None and connection.last_error == ""
    assert not connection.is_stale() and connection.next_sync_at is not None  # resumed
    assert connection.checked.get().busy.count() == 1
    row = signed_in.get("/app/calendars/").content.decode().split(f"connection-{connection.pk}")[1]
    assert "Up to date" in row.split("</li>")[0]


def test_removing_asks_first_then_removes(signed_in, alex):
    connection = make_connection(alex)

    page = signed_in.get(f"/app/calendars/{connection.pk}/remove").content.decode()
    assert "Remove this connected calendar?" in page and "https://cal.example.org/dav/" in page
    assert Connection.objects.filter(pk=connection.pk).exists()

    response = signed_in.post(f"/app/calendars/{connection.pk}/remove", follow=True)

    assert response.redirect_chain == [("/app/calendars/", 302)]
    assert "The calendar on cal.example.org is removed" in response.content.decode()
    assert not Connection.objects.filter(pk=connection.pk).exists()
    assert not CheckedCalendar.objects.exists()


# --- who may --------------------------------------------------------------------------------


def test_the_pages_need_a_sign_in(client, alex):
    connection = make_connection(alex)
    pages = [
        ("get", "/app/calendars/"),
        ("post", "/app/calendars/caldav"),
        ("post", "/app/calendars/feed"),
        ("get", f"/app/calendars/{connection.pk}/choose"),
        ("post", f"/app/calendars/{connection.pk}/sync"),
        ("post", f"/app/calendars/{connection.pk}/remove"),
    ]
    for method, path in pages:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/app/login?next={path}"
    assert Connection.objects.filter(pk=connection.pk).exists()


def test_someone_elses_connection_is_not_found(signed_in, alex):
    theirs = make_connection(make_person(), checked=())
    base = f"/app/calendars/{theirs.pk}"

    assert signed_in.get(f"{base}/choose").status_code == 404
    assert signed_in.post(f"{base}/choose", {"check": []}).status_code == 404
    assert signed_in.post(f"{base}/sync").status_code == 404
    assert signed_in.get(f"{base}/remove").status_code == 404
    assert signed_in.post(f"{base}/remove").status_code == 404
    assert Connection.objects.filter(pk=theirs.pk).exists()
    assert not DBTaskResult.objects.exists()


def test_a_feed_has_no_calendars_to_choose(signed_in, alex):
    feed = Connection.objects.create(owner=alex, kind=Connection.Kind.ICS, url="https://x.example/")

    assert signed_in.get(f"/app/calendars/{feed.pk}/choose").status_code == 404


def test_every_form_needs_the_csrf_token(alex):
    connection = make_connection(alex)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alex)
    base = f"/app/calendars/{connection.pk}"

    assert client.post("/app/calendars/caldav", caldav_post("http://x.example/")).status_code == 403
    assert client.post("/app/calendars/feed", {"feed-url": "http://x.example/"}).status_code == 403
    assert client.post(f"{base}/choose", {"check": []}).status_code == 403
    assert client.post(f"{base}/sync").status_code == 403
    assert client.post(f"{base}/remove").status_code == 403
    assert list(Connection.objects.all()) == [connection]
    assert connection.checked.count() == 1 and not DBTaskResult.objects.exists()


# --- the bookings feed ---------------------------------------------------------------------


def test_making_the_bookings_feed_shows_its_address_once_and_it_serves(signed_in, alex):
    response = signed_in.post("/app/calendars/bookings-feed", {"action": "new"}, follow=True)

    path = _feed_path(response)
    assert re.fullmatch(r"/feeds/[\w-]+\.ics", path)
    assert "bookings feed" in response.content.decode()
    assert Client().get(path).status_code == 200
    # Once: the next look at the page no longer holds it.
    again = signed_in.get("/app/calendars/").content.decode()
    assert path not in again
    assert "Make a new address" in again


def test_a_new_feed_address_kills_the_old_one(signed_in, alex):
    first = _feed_path(
        signed_in.post("/app/calendars/bookings-feed", {"action": "new"}, follow=True)
    )
    second = _feed_path(
        signed_in.post("/app/calendars/bookings-feed", {"action": "new"}, follow=True)
    )

    assert first != second
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200


def test_switching_the_feed_off(signed_in, alex):
    path = _feed_path(
        signed_in.post("/app/calendars/bookings-feed", {"action": "new"}, follow=True)
    )

    response = signed_in.post("/app/calendars/bookings-feed", {"action": "stop"}, follow=True)

    assert "switched off" in response.content.decode()
    assert Client().get(path).status_code == 404
    assert "Switch the feed off" not in signed_in.get("/app/calendars/").content.decode()


def test_the_feed_needs_a_sign_in_and_its_csrf_token(alex):
    assert Client().post("/app/calendars/bookings-feed", {"action": "new"}).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alex)
    assert strict.post("/app/calendars/bookings-feed", {"action": "new"}).status_code == 403
    assert strict.get("/app/calendars/bookings-feed").status_code == 405


def _feed_path(response) -> str:
    html = response.content.decode()
    url = re.search(r'id="new-link-url" type="text" readonly value="([^"]+)"', html).group(1)
    return "/" + url.split("/", 3)[3]
