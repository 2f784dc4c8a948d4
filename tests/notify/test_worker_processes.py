"""Workers as real processes against a real SMTP server and a real calendar server on loopback:
a mail worker killed mid-delivery loses nothing, and mail goes out while a calendar hangs."""

import asyncio
import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from liveserver import (
    DEADLINE,
    ROOT,
    cli,
    free_port,
    poll,
    run_python,
    scratch_database,
    server_env,
    start_serve,
    stop,
    wait_for_health,
)

pytestmark = pytest.mark.slow

# An owner available every hour of the week, with a feed at `feed_url` (if one is given),
# read at once.
OWNER = """
import json
from datetime import UTC, datetime, timedelta
from makers import make_person, make_type
from bookwithme.calendars.models import Connection
from bookwithme.calendars.tasks import request_sync

alex = make_person(email="alex@example.org", time_zone="UTC", weekly={
    d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
make_type(alex, horizon_days=30)
if feed_url:
    now = datetime.now(UTC)
    feed = Connection.objects.create(owner=alex, kind="ics", url=feed_url, last_success_at=now,
                                     synced_until=now + timedelta(days=365))
    feed.checked.create(url=feed_url)
    request_sync(feed.pk)
"""

# A booking a week from now (the server's clock is the real one).
BOOK = """
from datetime import UTC, datetime, timedelta
from bookwithme.booking import services
from bookwithme.booking.models import MeetingType

start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
attendee = services.Attendee("Zoé Roux", "zoe@example.org", "UTC")
services.book(MeetingType.objects.get(), start, attendee)
"""


def owner(env: dict[str, str], feed_url: str = "") -> None:
    run_python(env, f"feed_url = {feed_url!r}\n" + OWNER)


OUTBOX = """
import json
from bookwithme.notify.models import OutboxMessage
rows = OutboxMessage.objects.order_by("pk").values("to_email", "state", "message_id", "attempts")
print(json.dumps(list(rows)))
"""

# What five minutes do to a lease (the worker's own clock is the real one).
LEASE_RUNS_OUT = """
from datetime import timedelta
from django.utils import timezone
from bookwithme.notify.models import OutboxMessage
OutboxMessage.objects.filter(state="sending").update(
    leased_until=timezone.now() - timedelta(seconds=1))
"""

TASKS = """
import json
from django_tasks_db.models import DBTaskResult
print(json.dumps(list(DBTaskResult.objects.values_list("task_path", "status"))))
"""


class HoldFirst:
    """An SMTP server that takes the first message's data and then answers nothing, until
    released; the messages after it are received as usual."""

    def __init__(self):
        self.first = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        if self.first is None:
            self.first = envelope
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 too late"  # nobody is listening anymore
        self.received.append(envelope)
        return "250 OK"


def parsed(envelope):
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


@pytest.fixture
def site(tmp_path):
    """A data dir with a migrated database, as `serve` leaves it."""
    with scratch_database(tmp_path) as database_url:
        env = server_env(tmp_path, database_url)
        migrated = cli(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        yield env


@pytest.fixture
def hold_first():
    handler = HoldFirst()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    handler.release.set()
    controller.stop()


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen:
    log = open(os.path.join(env["BOOKWITHME_DATA_DIR"], "worker.log"), "a")  # noqa: SIM115
    with log:
        return subprocess.Popen(
            [sys.executable, "-m", "bookwithme", "worker", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def test_a_mail_worker_killed_mid_delivery_loses_nothing(site, hold_first):
    smtp, port = hold_first
    env = {**site, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    owner(env)
    run_python(env, BOOK)
    worker = start_worker(env, "--queue", "mail")
    try:
        assert smtp.holding.wait(60), "the worker never sent"
        worker.send_signal(signal.SIGKILL)  # mid-delivery: the server has the data, no answer
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    smtp.release.set()
    in_flight = parsed(smtp.first)["Message-ID"]
    rows = json.loads(run_python(env, OUTBOX))
    assert [r["state"] for r in rows if r["message_id"] == in_flight] == ["sending"]

    run_python(env, LEASE_RUNS_OUT)
    done = cli(env, "worker", "--queue", "mail", "--batch")
    assert done.returncode == 0, done.stderr

    rows = json.loads(run_python(env, OUTBOX))
    assert {r["state"] for r in rows} == {"sent"}
    # Each message arrived whole, once, the one in flight again with its Message-ID.
    delivered = sorted(parsed(e)["Message-ID"] for e in smtp.received)
    assert delivered == sorted(r["message_id"] for r in rows)
    assert in_flight in delivered
    assert sorted(r["to_email"] for r in rows) == ["alex@example.org", "zoe@example.org"]


class Hanging(ThreadingHTTPServer):
    """A calendar server that takes each request and never answers, until released."""

    daemon_threads = True

    def __init__(self):
        self.asked = threading.Event()
        self.release = threading.Event()
        self.answered = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.asked.set()
                server.release.wait(120)
                server.answered.set()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/busy.ics"


@pytest.fixture
def hanging():
    server = Hanging()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def test_mail_goes_out_while_a_calendar_server_hangs(site, smtp, hanging):
    env = {**site, "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}
    env["BOOKWITHME_ALLOW_PRIVATE_ADDRESSES"] = "1"  # the calendar server is on loopback
    port = free_port()
    proc = start_serve(env, port, "--workers", "1")
    try:
        wait_for_health(port, proc)
        # The owner's feed is read at once (by the calendars worker), and hangs; then a booking.
        owner(env, hanging.url)
        assert hanging.asked.wait(DEADLINE), "the calendars worker never read the feed"
        run_python(env, BOOK)
        poll(lambda: len(smtp.inbox.envelopes) >= 2, "two mails")
        assert sorted(e.rcpt_tos[0] for e in smtp.inbox.envelopes) == [
            "alex@example.org",
            "zoe@example.org",
        ]
        # All while the calendar's request was still unanswered, its task still running.
        assert not hanging.answered.is_set()
        tasks = json.loads(run_python(env, TASKS))
        assert ["bookwithme.calendars.tasks.sync_connection", "RUNNING"] in tasks
    finally:
        hanging.release.set()
        stop(proc)
