"""Queues and workers: a booking's fan-out and mail on `mail`, syncs and write-back on
`calendars`; `bookwithme worker --queue NAME` runs its queues' tasks and leaves the others', and
`serve` restarts a dead worker sooner or later."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult
from makers import NOW, make_person, make_type

from bookwithme.booking import services
from bookwithme.calendars.models import Connection
from bookwithme.management.commands.serve import LONGEST_DELAY, restart_delay

pytestmark = pytest.mark.usefixtures("frozen")


def run_worker(*queues: str) -> None:
    # As the run_worker fixture: keep the test's own connection (see tests/conftest.py).
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("worker", queues=list(queues), batch=True, verbosity=0)


@pytest.fixture
def booked(db, smtp, django_capture_on_commit_callbacks):
    """A booking whose owner has a feed to read: mail to send, a calendar to sync."""
    alex = make_person(email="alex@example.org")
    Connection.objects.create(
        owner=alex,
        kind=Connection.Kind.ICS,
        url="http://127.0.0.1:9/",
        last_success_at=NOW,
        synced_until=NOW + timedelta(days=365),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.book(
            make_type(alex),
            datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
            services.Attendee("Zoé Roux", "zoe@example.org", "UTC"),
        )
    return smtp


def queues_waiting() -> set[str]:
    return set(DBTaskResult.objects.filter(status="READY").values_list("queue_name", flat=True))


def test_a_booking_leaves_one_task_on_mail_whose_fan_out_queues_for_both(booked, fan_out):
    assert list(DBTaskResult.objects.values_list("queue_name", "task_path")) == [
        ("mail", "bookwithme.notify.tasks.fan_out")
    ]
    fan_out()
    assert queues_waiting() == {"mail", "calendars"}


def test_a_mail_worker_sends_the_mail_and_leaves_the_calendars_to_theirs(booked):
    run_worker("mail")
    assert len(booked.inbox.envelopes) == 2
    assert queues_waiting() == {"calendars"}
    assert Connection.objects.get().last_sync_at is None
    run_worker("calendars", "default")
    assert Connection.objects.get().last_sync_at == NOW


def test_an_unknown_queue_is_refused(db):
    with pytest.raises(CommandError, match="no such queue: post"):
        call_command("worker", queues=["post"], batch=True)


def test_a_dead_worker_waits_longer_each_time_and_briefly_again_after_a_steady_run():
    delays = [restart_delay(None, 0.5)]
    for _ in range(8):
        delays.append(restart_delay(delays[-1], 0.5))
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert restart_delay(LONGEST_DELAY, 3600) == 1
