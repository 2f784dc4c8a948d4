"""/readyz, /metrics and the request logs (bookwithme/observe, docs/operations.md)."""

import io
import json
import logging
import re
import subprocess
import sys
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from liveserver import ROOT, run_python, server_env
from makers import make_person, make_type
from prometheus_client.parser import text_string_to_metric_families

from bookwithme.booking import services
from bookwithme.calendars.models import Connection
from bookwithme.notify.models import OutboxMessage
from bookwithme.observe import slot_lookup
from bookwithme.observe.logs import JsonFormatter, PathsAsRoutes
from bookwithme.observe.metrics import may_scrape

ATTENDEE_EMAIL = "ada.lovelace@example.net"

METRIC_NAMES = {
    "bookwithme_http_request_duration_seconds",
    "bookwithme_http_requests_total",
    "bookwithme_booking_changes_total",
    "bookwithme_slot_lookups_total",
    "bookwithme_outbox_backlog",
    "bookwithme_outbox_oldest_age_seconds",
    "bookwithme_outbox_failed",
    "bookwithme_tasks_ready",
    "bookwithme_tasks_oldest_ready_age_seconds",
    "bookwithme_calendar_sync_lag_seconds",
    "bookwithme_calendar_stale",
    "bookwithme_calendar_sync_failing",
    "bookwithme_database_up",
}


def scrape(client, **extra) -> dict[tuple[str, frozenset], float]:
    """/metrics as {(sample name, labels): value}."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples[(name, frozenset(labels.items()))]


def at(hhmm: str, day: str = "2026-06-02") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+02:00")


def book(meeting_type, hhmm: str = "09:00") -> services.BookResult:
    attendee = services.Attendee(name="Ada", email=ATTENDEE_EMAIL, time_zone="UTC")
    return services.book(meeting_type, at(hhmm), attendee)


@pytest.fixture
def mt(db, frozen):
    return make_type(make_person(time_zone="Europe/Paris"), duration_minutes=60)


@pytest.fixture
def log_lines():
    """What the console handler of settings.LOGGING writes with LOG_FORMAT=json (its JSON
    formatter and its filter), collected from the root logger; yields a function that returns
    the lines so far."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PathsAsRoutes())
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [line for line in stream.getvalue().splitlines() if line]
    finally:
        root.removeHandler(handler)


# --- /readyz --------------------------------------------------------------------------------


def test_readyz_answers_200_naming_each_check_when_all_is_well(client, db):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["ready"] is True
    assert body["failed"] == []
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert set(body["checks"].values()) == {"ok"}


class BrokenCache(BaseCache):
    """A cache whose server cannot be reached."""

    def get(self, key, default=None, version=None):
        raise ConnectionError("cache server unreachable")

    def set(self, key, value, timeout=None, version=None):
        raise ConnectionError("cache server unreachable")


def test_readyz_says_503_naming_the_cache_when_the_cache_does_not_answer(client, db, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": f"{__name__}.BrokenCache"},
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert body["failed"] == ["cache"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert "unreachable" not in response.content.decode()  # the reason goes to the log only


def test_readyz_says_503_naming_the_migrations_when_one_is_not_applied(client, db):
    # As if the code had a migration that `migrate` has not run yet: forget that the last
    # migration of an app was applied (the test's transaction puts the record back).
    leaf = next(
        node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "booking"
    )
    forgotten, _ = (
        MigrationRecorder(connection).migration_qs.filter(app=leaf[0], name=leaf[1]).delete()
    )
    assert forgotten == 1

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["migrations"]
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_says_503_when_the_database_is_down(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError):
        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database", "migrations"]
    assert body["checks"]["migrations"] == "unknown"


def test_healthz_stays_alive_only(client, db):
    # An unapplied migration makes the process unready, not dead.
    MigrationRecorder(connection).migration_qs.filter(app="booking").delete()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503


# --- /metrics: who may read it ------------------------------------------------------------


def test_metrics_is_not_found_from_an_address_not_allowed(client, db):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 404
    assert b"bookwithme_" not in response.content


def test_a_forwarded_loopback_address_from_an_untrusted_peer_does_not_open_metrics(client, db):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 404


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_one_checked(client, db, settings):
    settings.BOOKWITHME_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.BOOKWITHME_METRICS_ALLOW = ["192.0.2.0/24"]

    outsider = client.get("/metrics", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    monitor = client.get("/metrics", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.7")
    loopback = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert outsider.status_code == 404
    assert monitor.status_code == 200
    assert loopback.status_code == 404  # no longer listed


@pytest.mark.parametrize(
    "address, allowed",
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),  # an IPv4 client of a server listening on [::]
        ("10.1.2.3", False),
        ("::ffff:10.1.2.3", False),
        ("2001:db8::1", False),
        ("", False),
        ("not an address", False),
    ],
)
def test_by_default_only_loopback_may_scrape(address, allowed):
    assert may_scrape(address) is allowed


def test_metrics_from_loopback_has_every_metric(client, db):
    response = client.get("/metrics")  # the test client's REMOTE_ADDR is 127.0.0.1

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    declared = set(re.findall(r"^# TYPE (\S+) ", response.content.decode(), re.MULTILINE))
    assert declared >= METRIC_NAMES
    samples = scrape(client)
    for change in ("confirmed", "rescheduled", "cancelled"):
        assert ("bookwithme_booking_changes_total", frozenset({("change", change)})) in samples
    for queue in ("default", "mail", "calendars"):
        assert value(samples, "bookwithme_tasks_ready", queue=queue) >= 0
    assert value(samples, "bookwithme_database_up") == 1


# --- /metrics: what it counts --------------------------------------------------------------


def test_bookings_made_moved_and_cancelled_are_counted_once_committed(
    client, mt, django_capture_on_commit_callbacks
):
    def changes(samples):
        return {
            c: value(samples, "bookwithme_booking_changes_total", change=c)
            for c in ("confirmed", "rescheduled", "cancelled")
        }

    def waiting(samples):
        # What the booking set off, waiting for a worker: tasks, or outbox messages.
        tasks = sum(v for (name, _), v in samples.items() if name == "bookwithme_tasks_ready")
        return tasks + value(samples, "bookwithme_outbox_backlog")

    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        result = book(mt)
    after_booking = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule(result.booking, at("11:00"))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(result.booking, by="attendee")
    after_all = scrape(client)

    assert changes(after_booking) == {
        "confirmed": changes(before)["confirmed"] + 1,
        "rescheduled": changes(before)["rescheduled"],
        "cancelled": changes(before)["cancelled"],
    }
    assert waiting(after_booking) > waiting(before)
    assert changes(after_all) == {
        "confirmed": changes(before)["confirmed"] + 1,
        "rescheduled": changes(before)["rescheduled"] + 1,
        "cancelled": changes(before)["cancelled"] + 1,
    }


def test_a_booking_rolled_back_is_not_counted(client, mt):
    before = value(scrape(client), "bookwithme_booking_changes_total", change="confirmed")
    book(mt)  # the test's transaction never commits: no on-commit signal
    after = value(scrape(client), "bookwithme_booking_changes_total", change="confirmed")
    assert after == before


def test_slot_lookups_count_hits_and_misses(client, db):
    before = scrape(client)
    slot_lookup(hit=True)
    slot_lookup(hit=True)
    slot_lookup(hit=False)
    after = scrape(client)

    for result, more in (("hit", 2), ("miss", 1)):
        name = "bookwithme_slot_lookups_total"
        assert value(after, name, result=result) == value(before, name, result=result) + more


def test_requests_are_timed_per_route_and_counted_per_status(client, db):
    name = "bookwithme_http_requests_total"
    labels = {"route": "/healthz", "method": "GET", "status": "200"}
    before = scrape(client).get((name, frozenset(labels.items())), 0)
    client.get("/healthz")
    client.get("/healthz")
    after = scrape(client)

    assert value(after, name, **labels) == before + 2
    assert (
        value(
            after, "bookwithme_http_request_duration_seconds_count", route="/healthz", method="GET"
        )
        >= 2
    )
    # An unknown method is one label, not one per name a client makes up.
    client.generic("BREW", "/healthz")
    assert value(scrape(client), name, route="/healthz", method="other", status="405") >= 1


def test_the_outbox_gauges_count_what_is_due_and_how_late(client, mt):
    booking = book(mt).booking
    OutboxMessage.objects.all().delete()  # whatever the booking set off: these rows only
    DBTaskResult.objects.all().delete()
    now = timezone.now()

    def message(kind, recipient, **fields):
        return OutboxMessage.objects.create(
            booking=booking,
            kind=kind,
            recipient=recipient,
            to_email="x@example.org",
            **{"sequence": 0, **fields},
        )

    # Due two hours ago, retrying since: waiting, and the oldest.
    message(
        "confirmed",
        "attendee",
        created_at=now - timedelta(hours=2),
        next_attempt_at=now + timedelta(minutes=4),
        attempts=3,
    )
    # Being sent, asked for ten minutes ago.
    message(
        "confirmed",
        "organizer",
        state="sending",
        created_at=now - timedelta(minutes=10),
        next_attempt_at=now - timedelta(minutes=10),
    )
    # A reminder due tomorrow: not late, not waiting.
    message(
        "reminder",
        "attendee",
        due_at=now + timedelta(days=1),
        next_attempt_at=now + timedelta(days=1),
    )
    # Sent, and given up on.
    message("rescheduled", "attendee", state="sent", sequence=1)
    message("rescheduled", "organizer", state="failed", sequence=1)

    samples = scrape(client)

    # The retrying one waits for its next attempt (not due): only the sending one is waiting.
    assert value(samples, "bookwithme_outbox_backlog") == 1
    assert value(samples, "bookwithme_outbox_oldest_age_seconds") == 600
    assert value(samples, "bookwithme_outbox_failed") == 1

    OutboxMessage.objects.filter(attempts=3).update(next_attempt_at=now - timedelta(minutes=1))
    samples = scrape(client)
    assert value(samples, "bookwithme_outbox_backlog") == 2
    assert value(samples, "bookwithme_outbox_oldest_age_seconds") == 2 * 3600


def test_the_task_gauges_count_due_tasks_per_queue(client, db, frozen):
    DBTaskResult.objects.all().delete()
    now = timezone.now()

    def task(queue, **fields):
        fields.setdefault("run_after", get_date_max())
        return DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="bookwithme.notify.tasks.deliver",
            queue_name=queue,
            backend_name="default",
            **fields,
        )

    task("mail")
    task("mail", run_after=now - timedelta(minutes=5))  # due five minutes ago
    task("mail", run_after=now + timedelta(minutes=5))  # not due yet
    task("mail", status="RUNNING")
    task("calendars", status="SUCCESSFUL")

    samples = scrape(client)

    assert value(samples, "bookwithme_tasks_ready", queue="mail") == 2
    assert value(samples, "bookwithme_tasks_oldest_ready_age_seconds", queue="mail") == 300
    assert value(samples, "bookwithme_tasks_ready", queue="calendars") == 0
    assert value(samples, "bookwithme_tasks_oldest_ready_age_seconds", queue="calendars") == 0
    assert value(samples, "bookwithme_tasks_ready", queue="default") == 0


def test_the_calendar_gauges_tell_lag_staleness_and_failures(client, db, frozen, settings):
    settings.BOOKWITHME_CALENDAR_STALE_AFTER_MINUTES = 30
    owner = make_person()
    now = timezone.now()

    def connection_(**fields):
        return Connection.objects.create(
            owner=owner, kind="ics", url="https://cal.example/secret-feed-path.ics", **fields
        )

    assert value(scrape(client), "bookwithme_calendar_sync_lag_seconds") == 0
    connection_(last_success_at=now - timedelta(minutes=5))
    connection_(last_success_at=now - timedelta(hours=1), failures=2)  # failing for an hour
    connection_(checks_busy=False, created_at=now - timedelta(days=9))  # busy time not read

    samples = scrape(client)

    assert value(samples, "bookwithme_calendar_sync_lag_seconds") == 3600
    assert value(samples, "bookwithme_calendar_stale") == 1
    assert value(samples, "bookwithme_calendar_sync_failing") == 1

    connection_(created_at=now - timedelta(hours=3))  # never read at all
    samples = scrape(client)
    assert value(samples, "bookwithme_calendar_sync_lag_seconds") == 3 * 3600
    assert value(samples, "bookwithme_calendar_stale") == 2
    assert b"secret-feed-path" not in client.get("/metrics").content


def test_a_database_down_at_scrape_time_still_answers_the_counters(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError):
        response = client.get("/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    assert "bookwithme_database_up 0.0" in text
    assert "bookwithme_slot_lookups_total" in text
    assert "bookwithme_outbox_backlog" not in text


# --- routes, never paths, in metrics and logs ------------------------------------------------


def test_routes_are_patterns_and_tokens_appear_nowhere(client, mt, log_lines):
    token = book(mt).manage_token
    bogus = "no-such-token-" + "x" * 30

    assert client.get(f"/manage/{token}").status_code == 200
    assert client.get(f"/api/v1/manage/{token}", {"email": ATTENDEE_EMAIL}).status_code == 200
    assert client.get(f"/manage/{bogus}", {"email": ATTENDEE_EMAIL}).status_code == 404
    metrics = client.get("/metrics").content.decode()
    lines = log_lines()

    assert 'route="/manage/<str:token>"' in metrics
    assert 'route="/api/v1/manage/<token>"' in metrics
    everything = metrics + "\n".join(lines)
    for secret in (token, bogus, ATTENDEE_EMAIL, "example.net"):
        assert secret not in everything

    entries = [json.loads(line) for line in lines]
    access = [e for e in entries if e["logger"] == "bookwithme.access"]
    assert [(e["method"], e["route"], e["status"]) for e in access] == [
        ("GET", "/manage/<str:token>", 200),
        ("GET", "/api/v1/manage/<token>", 200),
        ("GET", "/manage/<str:token>", 404),
    ]
    # Django's own warning of the 404 names the route too.
    not_found = [e for e in entries if e["logger"] == "django.request"]
    assert not_found
    assert all("/manage/<str:token>" in e["message"] for e in not_found)
    assert not_found[0]["request_id"] == access[-1]["request_id"]


def test_json_log_lines_have_the_fields(client, db, log_lines):
    client.get("/no/such/page", HTTP_X_REQUEST_ID="trace-42.a:b_c")

    entries = [json.loads(line) for line in log_lines()]
    access = next(e for e in entries if e["logger"] == "bookwithme.access")
    assert set(access) == {
        "timestamp",
        "level",
        "logger",
        "message",
        "request_id",
        "route",
        "method",
        "status",
        "duration_ms",
    }
    assert access["level"] == "INFO"
    assert access["request_id"] == "trace-42.a:b_c"
    assert access["route"] == "unmatched"
    assert access["status"] == 404
    assert isinstance(access["duration_ms"], float)
    assert datetime.fromisoformat(access["timestamp"]).utcoffset() == timedelta(0)
    assert "/no/such/page" not in "\n".join(log_lines())


def test_a_multi_line_message_and_its_traceback_stay_one_json_line():
    record = logging.LogRecord("bookwithme.x", logging.ERROR, "x.py", 1, "first\nsecond", (), None)
    try:
        raise ValueError("bad")
    except ValueError:
        record.exc_info = sys.exc_info()

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "first\nsecond"
    assert entry["level"] == "ERROR"
    assert entry["exception"].startswith("Traceback") and "ValueError: bad" in entry["exception"]
    assert "request_id" not in entry  # written outside any request


def test_the_request_id_is_echoed_when_sane_else_made_fresh(client, db):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="3f1c9a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6")
    made = client.get("/healthz")
    made_again = client.get("/healthz")
    insane = client.get("/healthz", HTTP_X_REQUEST_ID="evil\r\nSet-Cookie: x=1 " + "a" * 10)
    too_long = client.get("/healthz", HTTP_X_REQUEST_ID="a" * 129)

    assert given["X-Request-ID"] == "3f1c9a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6"
    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])
    assert made["X-Request-ID"] != made_again["X-Request-ID"]
    for response in (insane, too_long):
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


# --- the settings, as a real process reads them -----------------------------------------------

REQUEST = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwithme.settings")
django.setup()
from django.test import Client
response = Client().get(
    "/no/such/SECRET-abc123", {"email": "ann@example.org"},
    HTTP_HOST="127.0.0.1", HTTP_X_REQUEST_ID="trace-42",
)
print(response.status_code, response.headers["X-Request-ID"])
"""


def run_request(tmp_path, **environ) -> subprocess.CompletedProcess:
    env = {**server_env(tmp_path / "data"), "PYTHONWARNINGS": "ignore"}
    env.pop("LOG_FORMAT", None)
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-c", REQUEST],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_log_format_json_writes_one_json_object_per_line(tmp_path):
    done = run_request(tmp_path, LOG_FORMAT="json")

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["404", "trace-42"]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"timestamp", "level", "logger", "message"} <= set(entries[0])
    access = [e for e in entries if e["logger"] == "bookwithme.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == "trace-42"
    assert (access[0]["method"], access[0]["route"], access[0]["status"]) == (
        "GET",
        "unmatched",
        404,
    )
    assert any(e["logger"] == "django.request" for e in entries)
    assert "SECRET-abc123" not in done.stderr
    assert "ann@example.org" not in done.stderr


def test_the_default_log_format_stays_readable(tmp_path):
    done = run_request(tmp_path)

    assert done.returncode == 0, done.stderr
    access = [line for line in done.stderr.splitlines() if "bookwithme.access" in line]
    assert len(access) == 1
    assert re.search(
        r"INFO bookwithme\.access: GET unmatched 404 [\d.]+ ms id=trace-42$", access[0]
    )
    assert not access[0].startswith("{")
    assert "SECRET-abc123" not in done.stderr


def test_an_unknown_log_format_is_refused(tmp_path):
    done = run_request(tmp_path, LOG_FORMAT="xml")

    assert done.returncode != 0
    assert "LOG_FORMAT must be plain or json" in done.stderr


SHOW_ALLOW = "from django.conf import settings\nprint(settings.BOOKWITHME_METRICS_ALLOW)"


def test_the_metrics_allow_list_is_read_from_the_environment(tmp_path):
    env = server_env(tmp_path / "data")
    env.pop("BOOKWITHME_METRICS_ALLOW", None)

    default = run_python(env, SHOW_ALLOW)
    listed = run_python(
        {**env, "BOOKWITHME_METRICS_ALLOW": "192.0.2.0/24, 2001:db8::7"}, SHOW_ALLOW
    )

    assert default.strip() == "['127.0.0.0/8', '::1/128']"
    assert listed.strip() == "['192.0.2.0/24', '2001:db8::7/128']"


# --- several processes ------------------------------------------------------------------------

COUNT_IN_A_PROCESS = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwithme.settings")
django.setup()
from bookwithme.observe import slot_lookup
for _ in range({n}):
    slot_lookup(hit=True)
"""

EXPOSE = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwithme.settings")
django.setup()
from bookwithme.observe.metrics import exposition
print(exposition()[0].decode())
"""


def python(env, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_with_a_multiprocess_directory_a_scrape_adds_up_every_process(tmp_path):
    """As under `bookwithme serve`, where gunicorn's workers count apart and any of them may
    answer the scrape."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    env = {
        **server_env(tmp_path / "data"),
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "PYTHONWARNINGS": "ignore",
    }

    python(env, COUNT_IN_A_PROCESS.format(n=2))
    python(env, COUNT_IN_A_PROCESS.format(n=3))
    text = python(env, EXPOSE)

    assert 'bookwithme_slot_lookups_total{result="hit"} 5.0' in text
    assert 'bookwithme_slot_lookups_total{result="miss"} 0.0' in text
    # The database-read gauges come from the database, whichever process answers (this one's
    # database has no tables yet: said so, not an error).
    assert "bookwithme_database_up 0.0" in text
