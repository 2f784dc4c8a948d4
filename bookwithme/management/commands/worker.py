from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a task worker alone (mail, reminders, calendar sync and write-back)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", action="store_true", help="Run what is due, then exit (for cron or tests)."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )

    def handle(self, *, batch: bool, interval: float, verbosity: int, **options):
        from bookwithme.calendars.tasks import ensure_scheduled
        from bookwithme.notify import writeback

        # Mends a connected calendar's periodic sync whose next run was lost, and a booking's
        # write into a calendar whose task was (duplicates end at once, see calendars/tasks.py
        # and notify/writeback.py).
        ensure_scheduled()
        writeback.resume()
        call_command(
            "db_worker",
            queue_name="*",
            batch=batch,
            interval=interval,
            startup_delay=not batch,
            reload=False,
            verbosity=verbosity,
        )
