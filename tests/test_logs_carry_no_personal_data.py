"""The logs of a whole journey carry nothing personal or secret (docs/privacy.md).

An organizer signs in (a wrong password first), connects a CalDAV calendar and an ICS feed
through the API, a visitor books from a known address with a name, an email, notes, an answer
and a guest, through the page and a private link, mistypes a manage token, sends a bad form,
reschedules and cancels; the workers send the emails to a real SMTP server (the last ones fail,
the server stopped) and write the bookings into a real CalDAV server (Radicale). Every log
record of all of it, at DEBUG, is read as the operator's handler writes it (plain and JSON,
through the project's filter) and with its arguments and extra fields: none holds a value the
visitor or the organizer typed in, a token, a password, a feed's secret address or the
visitor's IP address. gunicorn's own lines are read under `bookwithme serve`.
"""

import json
import logging
import socket
from unittest import mock

import liveserver
import pytest
from calendar_servers import (  # noqa: F401 - fixtures
    USER,
    Radicale,
    _feed_server,
    feeds,
    vcalendar,
    vevent,
)
from django.core.management import call_command
from django.test import Client
from liveserver import free_port, wait_for_health
from mailserver import smtp  # noqa: F401 - fixture
from makers import make_link, make_person, make_token, make_type

from bookwithme.booking.models import Booking
from bookwithme.observe.logs import JsonFormatter, NoClientAddresses, PathsAsRoutes

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.usefixtures("frozen")]

API = "/api/v1"
# What must never be logged: each one distinctive, so that a line holding it shows.
VISITOR_IP = "198.51.100.173"
NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.quill@visitor.example"
NOTES = "notes-about-my-knee-surgery-4815"
ANSWER = "answer-budget-is-162342-euros"
GUEST = "guest.marmaduke@visitor.example"
REASON = "reason-cancel-family-matter-9931"
BAD_EMAIL = "not-an-email-typed-by-zephyrine"
WRONG_TOKEN = "m_wrong-token-guessed-7c1f9e0b2a"
PASSWORD = "organizer-password-Tr0ub4dor"
WRONG_PASSWORD = "wrong-password-Pa55w0rd!x"
CALDAV_PASSWORD = "caldav-password-Xyzzy-77172"
FEED_SECRET = "feed-secret-5f3ab1c0e9d2"

# The loggers of the test's own servers in this process (aiosmtpd writes each SMTP exchange).
TEST_SERVERS = ("mail.",)
QUESTIONS = [{"id": "budget", "label": "Budget", "kind": "text", "required": True}]
FEED = vcalendar(vevent("a", "DTSTART:20260604T080000Z", "DTEND:20260604T090000Z"))


class PrivateRadicale(Radicale):
    """Radicale with a password of its own, to look for in the logs."""

    def __init__(self, root):
        super().__init__(root)
        self.password = CALDAV_PASSWORD
        self.users.write_text(f"{USER}:{CALDAV_PASSWORD}\n")


@pytest.fixture(scope="module")
def dav(tmp_path_factory):
    server = PrivateRadicale(tmp_path_factory.mktemp("radicale")).start()
    yield server
    server.stop()


class Captured(logging.Handler):
    """Every record, as the console handler of settings.LOGGING writes it (through its
    filters, in the plain and the JSON formats), and every value it carries."""

    def __init__(self, console: logging.Handler):
        super().__init__(logging.DEBUG)
        self.filters = list(console.filters)
        self.plain = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.json = JsonFormatter()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(TEST_SERVERS):
            return
        self.lines += [self.plain.format(record), self.json.format(record)]
        if record.exc_info:  # the plain formatter writes the traceback with the message
            self.lines.append(self.plain.formatException(record.exc_info))
        self.lines += [repr(a) for a in _args(record.args)]
        self.lines += [
            repr(value)
            for key, value in vars(record).items()
            if key not in ("args", "msg", "message", "exc_info", "request")
        ]
        self.lines.append(str(record.msg))


def _args(args) -> list:
    if isinstance(args, dict):
        return list(args.values())
    return list(args or ())


@pytest.fixture
def logs():
    """Every record of every logger, at DEBUG, as LOG_LEVEL=DEBUG gives the operator (the
    loggers settings.LOGGING quiets stay as quiet)."""
    root = logging.getLogger()
    (console,) = [h for h in root.handlers if h.name == "console"]
    assert any(isinstance(f, PathsAsRoutes) for f in console.filters)
    handler = Captured(console)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def worker():
    """Run every task that is due, as `bookwithme worker` does, its own lines at DEBUG."""
    quieted = {n: logging.getLogger(n).level for n in ("django.tasks", "django_tasks_db")}

    def run():
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("worker", batch=True, verbosity=2)

    yield run
    for name, level in quieted.items():
        logging.getLogger(name).setLevel(level)


def _json(client, method, path, body=None, **extra):
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(path, data, content_type="application/json", **extra)


def journey(mail, dav, feed_server, worker) -> dict[str, str]:
    """The journey; the tokens it was given, to look for in the logs too."""
    alex = make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")
    alex.set_password(PASSWORD)
    alex.save()
    api_token = make_token(alex)
    organizer = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"}
    make_type(alex, slug="intro", questions=QUESTIONS, max_guests=1)
    link_token = make_link(
        make_type(alex, title="Private", slug="private", visibility="private", questions=QUESTIONS)
    )

    # The organizer signs in, a wrong password first, then connects their calendars.
    app = Client(REMOTE_ADDR="192.0.2.10")
    assert (
        app.post("/app/login", {"username": alex.email, "password": WRONG_PASSWORD}).status_code
        == 200
    )
    assert app.post("/app/login", {"username": alex.email, "password": PASSWORD}).status_code == 302
    assert app.get("/app/").status_code == 200
    calendar = dav.new_calendar()
    caldav = {"kind": "caldav", "url": dav.url, "username": USER, "password": CALDAV_PASSWORD}
    refused = _json(
        app, "post", f"{API}/calendars", {**caldav, "password": WRONG_PASSWORD}, **organizer
    )
    assert refused.status_code == 422, refused.content
    connected = _json(
        app, "post", f"{API}/calendars", {**caldav, "write_to": calendar}, **organizer
    )
    assert connected.status_code == 201, connected.content
    feed_url = feed_server.publish(f"{FEED_SECRET}.ics", FEED)
    connected = _json(
        app, "post", f"{API}/calendars", {"kind": "ics", "url": feed_url}, **organizer
    )
    assert connected.status_code == 201, connected.content
    worker()

    # The visitor books, from their own address.
    visitor = Client(REMOTE_ADDR=VISITOR_IP)
    assert visitor.get("/alex").status_code == 200
    assert visitor.get("/alex/intro").status_code == 200
    assert visitor.get(f"{API}/pages/alex/intro/slots").status_code == 200
    booking = {
        "start": "2026-06-02T10:00:00+02:00",
        "name": NAME,
        "email": EMAIL,
        "time_zone": "Europe/Paris",
        "notes": NOTES,
        "answers": {"budget": ANSWER},
        "guests": [GUEST],
    }
    bad = _json(
        visitor, "post", f"{API}/pages/alex/intro/bookings", {**booking, "email": BAD_EMAIL}
    )
    assert bad.status_code == 422, bad.content
    booked = _json(visitor, "post", f"{API}/pages/alex/intro/bookings", booking)
    assert booked.status_code == 201, booked.content
    manage_token = booked.json()["manage_token"]
    assert visitor.get(f"/l/{link_token}").status_code == 200
    by_link = {**booking, "start": "2026-06-03T10:00:00+02:00", "guests": []}
    booked_by_link = _json(visitor, "post", f"{API}/links/{link_token}/bookings", by_link)
    assert booked_by_link.status_code == 201, booked_by_link.content
    worker()

    # A mistyped manage link, then the right one: moved, then cancelled.
    assert visitor.get(f"/manage/{WRONG_TOKEN}").status_code == 404
    assert visitor.get(f"{API}/manage/{WRONG_TOKEN}").status_code == 404
    assert visitor.get(f"/manage/{manage_token}").status_code == 200
    later = {"start": "2026-06-02T14:00:00+02:00"}
    moved = _json(visitor, "post", f"{API}/manage/{manage_token}/reschedule", later)
    assert moved.status_code == 200, moved.content
    worker()
    cancelled = _json(visitor, "post", f"{API}/manage/{manage_token}/cancel", {"reason": REASON})
    assert cancelled.status_code == 200, cancelled.content
    mail.stop()  # the notices of the cancellation fail, and are logged as such
    worker()

    # The organizer reads their bookings; a wrong API token is refused.
    assert app.get(f"{API}/bookings", **organizer).status_code == 200
    wrong = {"HTTP_AUTHORIZATION": f"Bearer {WRONG_TOKEN}"}
    assert app.get(f"{API}/bookings", **wrong).status_code == 401

    assert Booking.objects.filter(attendee_email=EMAIL).count() == 2
    assert mail.inbox.to(EMAIL) and mail.inbox.to(GUEST)  # the emails went out
    assert len(dav.client().calendar(url=calendar).events()) == 1  # the link's booking
    return {"manage token": manage_token, "private link token": link_token, "API token": api_token}


def test_the_logs_of_a_whole_journey_carry_no_personal_data_or_secret(request, dav, worker, logs):
    # The SMTP server and the feeds' server, imported fixtures.
    mail, feed_server = request.getfixturevalue("smtp"), request.getfixturevalue("feeds")
    tokens = journey(mail, dav, feed_server, worker)

    secrets = {
        "IP address": VISITOR_IP,
        "name": NAME,
        "email": EMAIL,
        "notes": NOTES,
        "answer": ANSWER,
        "guest": GUEST,
        "cancellation reason": REASON,
        "bad input": BAD_EMAIL,
        "wrong token": WRONG_TOKEN,
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "CalDAV password": CALDAV_PASSWORD,
        "feed's secret": FEED_SECRET,
        **tokens,
    }
    text = "\n".join(logs.lines)
    assert "bookwithme.access" in text and "/api/v1/manage/<token>/cancel" in text
    # The workers' lines are there: emails sent, bookings written, calendars read.
    for task in ("notify.tasks.deliver", "notify.writeback.write_copy", "tasks.sync_connection"):
        assert f"{task} state=SUCCESSFUL" in text
    assert "Not Found: /manage/<str:token>" in text  # Django's own warnings, by route
    assert "not sent (" in text  # the failed sending
    leaked = {what: line for what, value in secrets.items() for line in logs.lines if value in line}
    assert not leaked


# --- gunicorn's own lines, under `bookwithme serve` ------------------------------------------

PEER = "127.0.0.77"  # a loopback address of its own, that nothing else in the log names


def record(msg: str, *args) -> logging.LogRecord:
    return logging.LogRecord("gunicorn.error", logging.WARNING, "", 0, msg, args, None)


@pytest.mark.parametrize(
    ("msg", "args", "written"),
    [
        (
            f"Invalid request from ip={VISITOR_IP}: Invalid HTTP request line: '{WRONG_TOKEN}'",
            (),
            "Invalid request refused: Invalid HTTP request line",
        ),
        (
            f"Invalid request from ip={VISITOR_IP}: Request Line is too large (9000 > 4094)",
            (),
            "Invalid request refused: Request Line is too large (9000 > 4094)",
        ),
        (
            "Error handling request %s %s",
            ("GET", f"/manage/{WRONG_TOKEN}"),
            "Error handling request GET (path not logged)",
        ),
        ("Error handling request %s", (f"/manage/{WRONG_TOKEN}",), "Error handling request -"),
        ("Booting worker with pid: %s", (42,), "Booting worker with pid: 42"),
    ],
)
def test_gunicorns_lines_name_no_client_address_or_path(msg, args, written):
    line = record(msg, *args)

    assert NoClientAddresses().filter(line)
    assert line.getMessage().startswith(written)
    assert VISITOR_IP not in line.getMessage() and WRONG_TOKEN not in line.getMessage()


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_a_request_gunicorn_refuses_is_logged_without_its_address_or_path(tmp_path, log_format):
    port = free_port()
    env = liveserver.server_env(tmp_path) | {"LOG_FORMAT": log_format}
    with liveserver.serving(env, port, "--workers", "1", "--no-worker") as proc:
        wait_for_health(port, proc)
        with socket.socket() as s:
            s.bind((PEER, 0))
            s.connect(("127.0.0.1", port))
            s.sendall(f"GET /manage/{WRONG_TOKEN} HTTP/1.1 extra\r\nHost: x\r\n\r\n".encode())
            assert s.recv(100).startswith(b"HTTP/1.1 400")
        out = liveserver.stop(proc)

    assert "Invalid request refused" in out and "Listening at" in out
    assert PEER not in out and WRONG_TOKEN not in out
