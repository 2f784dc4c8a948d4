"""`bookwithme worker`: run the tasks of some queues (all by default), as `serve` does beside
the web server, one worker per group of queues.

Before it takes its first task, and then every minute, a worker takes up again the work of its
queues whose task was lost: a booking change's fan-out, outbox messages, webhook deliveries
and calendar writes that are due or whose lease ran out (notify/leases.py, notify/tasks.py,
notify/webhooks_sending.py), and each connected
calendar's sync chain (at the start only). The mail workers' sweep also declines the bookings
whose organizer did not approve them in time (booking/approval.py), and erases the attendee
data and emails past their retention period (booking/retention.py, notify/retention.py).
"""

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from bookwithme.observe.ready import unapplied_migrations

logger = logging.getLogger(__name__)

SWEEP_EVERY = 60  # seconds
MIGRATION_POLL_SECONDS = 2.0


def known_queues() -> list[str]:
    return list(settings.TASKS["default"]["QUEUES"])


def sweeps(chosen: set[str]) -> list[Callable[..., int]]:
    """What the workers of these queues take up again (each takes `only_overdue`)."""
    from bookwithme.booking import approval, retention
    from bookwithme.notify import retention as outbox_retention
    from bookwithme.notify import tasks as outbox
    from bookwithme.notify import webhooks_sending, writeback

    found = []
    if "mail" in chosen:
        found.append(outbox.resume)
        # Bookings nobody approved in time, declined (each once, whatever workers sweep).
        found.append(approval.sweep)
        # Attendees' data past its retention period, and the emails sent about it (at the
        # start, then once an hour; each row once, whatever workers sweep).
        found.append(retention.sweep)
        found.append(outbox_retention.sweep)
    if "calendars" in chosen:
        found.append(writeback.resume)
    if "webhooks" in chosen:
        # Webhook deliveries due or whose lease ran out, and lost notices of a pause.
        found.append(webhooks_sending.resume)
    return found


def sweep(resumes: list[Callable[..., int]], *, only_overdue: bool) -> None:
    for resume in resumes:
        try:
            resume(only_overdue=only_overdue)
        except Exception:
            # The next sweep tries again; the worker goes on with its tasks meanwhile.
            logger.exception("sweep %s failed", resume.__module__)


def sweep_forever(resumes: list[Callable[..., int]]) -> None:
    """Every minute: work whose task went missing while this worker ran (a web process that
    died between a booking's commit and its enqueue, another worker killed mid-task)."""
    while True:
        time.sleep(SWEEP_EVERY)
        sweep(resumes, only_overdue=True)
        connections.close_all()  # this thread's own, not to be held between sweeps


class Command(BaseCommand):
    help = "Run a task worker alone (mail, reminders, calendar sync and write-back, webhooks)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            metavar="NAME",
            help="Run this queue's tasks; repeat for several "
            f"(default: all of {', '.join(known_queues())}).",
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run what is due, then exit (for cron or tests)."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )

    def wait_for_migrations(self, batch: bool) -> None:
        """A worker started beside a deploy's `migrate` (or before it) waits for it: the tasks
        of the new code need its tables. With --batch, it refuses at once instead."""
        said = False
        while True:
            try:
                left = unapplied_migrations()
            except DatabaseError as e:
                left, why = -1, f"the database does not answer ({type(e).__name__})"
            else:
                why = f"{left} migrations are not applied yet (`bookwithme migrate`)"
            if left == 0:
                if said:
                    self.stdout.write("migrations applied; starting")
                return
            if batch:
                raise CommandError(f"cannot run tasks: {why}")
            if not said:
                self.stdout.write(f"waiting: {why}")
                said = True
            time.sleep(MIGRATION_POLL_SECONDS)

    def handle(self, *, queues: list[str] | None, batch: bool, interval: float, **options):
        known = known_queues()
        chosen = set(queues or known)
        unknown = sorted(chosen - set(known))
        if unknown:
            raise CommandError(f"no such queue: {', '.join(unknown)} (queues: {', '.join(known)})")
        self.wait_for_migrations(batch)
        if "calendars" in chosen:
            from bookwithme.calendars.tasks import ensure_scheduled

            # Mends a connected calendar's periodic sync whose next run was lost (duplicates
            # end at once, see calendars/tasks.py).
            ensure_scheduled()
        resumes = sweeps(chosen)
        sweep(resumes, only_overdue=False)
        if not batch and resumes:
            threading.Thread(target=sweep_forever, args=(resumes,), daemon=True).start()
        call_command(
            "db_worker",
            queue_name="*" if not queues else ",".join(sorted(chosen)),
            batch=batch,
            interval=interval,
            startup_delay=not batch,
            reload=False,
            verbosity=options["verbosity"],
        )
