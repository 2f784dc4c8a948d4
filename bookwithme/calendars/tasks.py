"""The sync tasks and their schedule, on the `calendars` queue (a slow calendar server holds
up only that queue's worker, never mail).

Every connection has one periodic chain: a `sync_connection(id, periodic=True)` task due at
the connection's `next_sync_at`. A periodic run first takes its turn with a conditional
UPDATE (`next_sync_at <= now` becomes `now + interval`) and enqueues the next run in that same
transaction, so the chain outlives a crash during the sync; a duplicate run finds the turn
taken and ends. Duplicates are harmless, so the worker's start simply enqueues every
connection's next run again (`ensure_scheduled`), which mends a chain whose task was lost.

After a failure the next run comes sooner (1, 2, 4 ... minutes, never later than the interval);
after a refusal (wrong password, calendar gone) the chain pauses (`next_sync_at` null) until
an on-demand sync succeeds. On-demand syncs (the API's, and the one after each booking) run
once and leave the chain alone.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from bookwithme.calendars import sync
from bookwithme.calendars.models import Connection

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)


def interval() -> timedelta:
    return timedelta(minutes=max(1, settings.BOOKWITHME_CALENDAR_SYNC_MINUTES))


def backoff(failures: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(failures - 1, 0), interval())


def _enqueue_periodic(connection_id: int, when) -> None:
    sync_connection.using(run_after=when).enqueue(connection_id, periodic=True)


def _take_turn(connection_id: int) -> bool:
    now = timezone.now()
    due = now + interval()
    with transaction.atomic():
        taken = Connection.objects.filter(pk=connection_id, next_sync_at__lte=now).update(
            next_sync_at=due
        )
        if taken:
            _enqueue_periodic(connection_id, due)
    return bool(taken)


def _reschedule(connection_id: int, outcome: sync.Outcome) -> None:
    now = timezone.now()
    with transaction.atomic():
        connection = Connection.objects.select_for_update().filter(pk=connection_id).first()
        if connection is None:
            return
        due = connection.next_sync_at
        if outcome.ok:
            due = due or now + interval()  # a paused chain resumes
        elif outcome.error is not None and outcome.error.retryable:
            retry = now + backoff(connection.failures)
            due = min(due, retry) if due else retry
        else:
            due = None
        if due != connection.next_sync_at:
            Connection.objects.filter(pk=connection_id).update(next_sync_at=due)
            if due is not None:
                _enqueue_periodic(connection_id, due)


@task(queue_name="calendars")
def sync_connection(connection_id: int, periodic: bool = False) -> None:
    """Read one connection's calendars now; `periodic` runs are the connection's chain."""
    if periodic and not _take_turn(connection_id):
        return
    outcome = sync.sync(connection_id)
    if outcome is not None:
        _reschedule(connection_id, outcome)


def start_schedule(connection: Connection) -> None:
    """Start a new connection's chain with a sync right away (after the commit)."""
    connection_id = connection.pk
    transaction.on_commit(lambda: _enqueue_periodic(connection_id, timezone.now()))


def request_sync(connection_id: int) -> None:
    """Sync the connection as soon as a worker can (after the commit)."""
    transaction.on_commit(lambda: sync_connection.enqueue(connection_id))


def sync_owner(owner_id: int) -> None:
    """Sync each of the owner's checked connections soon (after a booking, say). Enqueued at
    once, in the caller's transaction if any: the task backend writes rows, which commit or
    roll back with it."""
    for connection_id in (
        Connection.objects.checked().filter(owner_id=owner_id).values_list("pk", flat=True)
    ):
        sync_connection.enqueue(connection_id)


def ensure_scheduled() -> int:
    """Enqueue every running chain's next run (duplicates end at once). For the worker's start."""
    count = 0
    chains = Connection.objects.filter(next_sync_at__isnull=False).values_list("pk", "next_sync_at")
    for connection_id, due in chains.iterator():
        _enqueue_periodic(connection_id, due)
        count += 1
    if count:
        logger.info("scheduled the calendar sync of %s connections", count)
    return count
