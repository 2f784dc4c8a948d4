"""When connections are synced: a periodic chain per connection that survives duplicates and
lost runs, sooner retries after a failure, a pause after a refusal, on demand, and right after
a booking."""

import itertools
import json
from datetime import timedelta

import pytest
from calendar_servers import vcalendar, vevent
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from makers import NOW, make_person, make_type

from bookwithme.calendars import connections, sync, tasks
from bookwithme.calendars.models import Connection

pytestmark = pytest.mark.usefixtures("frozen")
SYNC_TASK = "bookwithme.calendars.tasks.sync_connection"
FEED = vcalendar(vevent("a", "DTSTART:20260602T080000Z", "DTEND:20260602T090000Z"))


@pytest.fixture
def owner(db):
    return make_person(time_zone="Europe/Paris", page_slug="alex")


@pytest.fixture
def connection(owner, feeds, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return connections.connect_feed(owner, url=feeds.publish("team.ics", FEED))


@pytest.fixture
def syncs(monkeypatch):
    """The ids of the connections synced, in order."""
    seen = []
    real = sync.sync

    def spy(connection_id, **kwargs):
        seen.append(connection_id)
        return real(connection_id, **kwargs)

    monkeypatch.setattr(sync, "sync", spy)
    return seen


def pending(connection) -> list:
    """(run_after, periodic) of the connection's tasks not run yet."""
    return sorted(
        (t.run_after, t.args_kwargs["kwargs"].get("periodic", False))
        for t in DBTaskResult.objects.filter(status="READY", task_path=SYNC_TASK)
        if t.args_kwargs["args"] == [connection.pk]
    )


def test_a_new_connection_is_synced_at_once_then_every_ten_minutes(
    connection, run_worker, frozen, syncs
):
    run_worker()
    assert syncs == [connection.pk]
    connection.refresh_from_db()
    assert connection.last_success_at == NOW
    assert pending(connection) == [(NOW + timedelta(minutes=10), True)]

    frozen.shift(timedelta(minutes=10))
    run_worker()
    assert syncs == [connection.pk] * 2
    assert pending(connection) == [(NOW + timedelta(minutes=20), True)]


def test_duplicate_runs_end_at_once_so_the_worker_start_can_mend_lost_chains(
    connection, run_worker, frozen, syncs
):
    run_worker()
    assert tasks.ensure_scheduled() == 1
    assert tasks.ensure_scheduled() == 1
    assert len(pending(connection)) == 3

    frozen.shift(timedelta(minutes=10))
    run_worker()  # also mends, once more

    assert syncs == [connection.pk] * 2
    assert pending(connection) == [(NOW + timedelta(minutes=20), True)]


def test_a_lost_chain_is_mended_when_the_worker_starts(connection, run_worker, frozen, syncs):
    run_worker()
    DBTaskResult.objects.all().delete()  # the next run is gone
    frozen.shift(timedelta(minutes=10))
    run_worker()
    assert syncs == [connection.pk] * 2


def test_failures_are_retried_sooner_and_sooner_is_never_later_than_the_interval(
    connection, feeds, run_worker, frozen
):
    feeds.failing.add("team.ics")
    due = []
    for _ in range(6):
        run_worker()
        connection.refresh_from_db()
        due.append(connection.next_sync_at)
        frozen.move_to(connection.next_sync_at)

    gaps = [(b - a) / timedelta(minutes=1) for a, b in itertools.pairwise(due)]
    assert gaps == [2, 4, 8, 10, 10]
    assert due[0] == NOW + timedelta(minutes=1)
    assert connection.failures == 6
    assert "503" in connection.last_error


def test_a_refusal_pauses_the_chain_until_a_sync_on_demand_works(
    connection, feeds, run_worker, frozen, django_capture_on_commit_callbacks
):
    feeds.feeds.clear()  # 404: the feed is gone
    run_worker()
    connection.refresh_from_db()
    assert connection.next_sync_at is None
    assert "404" in connection.last_error
    frozen.shift(timedelta(hours=2))
    run_worker()
    assert Connection.objects.get(pk=connection.pk).failures == 1  # not retried by itself

    feeds.publish("team.ics", FEED)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.request_sync(connection.pk)
    run_worker()

    connection.refresh_from_db()
    assert connection.last_error == ""
    assert connection.next_sync_at == timezone.now() + timedelta(minutes=10)
    assert pending(connection) == [(connection.next_sync_at, True)]


def test_a_sync_already_running_is_not_run_twice(connection):
    Connection.objects.filter(pk=connection.pk).update(syncing_until=NOW + timedelta(minutes=5))
    assert sync.sync(connection.pk) is None
    Connection.objects.filter(pk=connection.pk).update(syncing_until=NOW - timedelta(seconds=1))
    assert sync.sync(connection.pk).ok  # a lease left by a crashed sync expires


def test_a_booking_syncs_the_owners_calendars_right_after(
    client, owner, connection, run_worker, syncs, django_capture_on_commit_callbacks
):
    run_worker()
    make_type(owner, slug="intro", duration_minutes=30)
    body = {
        "start": "2026-06-02T14:00:00+02:00",
        "name": "Eve",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/pages/alex/intro/bookings", json.dumps(body), content_type="application/json"
        )
    assert response.status_code == 201
    # The booking's fan-out, run by the worker, asks for the sync; the worker then runs it.
    run_worker()
    assert syncs == [connection.pk] * 2
