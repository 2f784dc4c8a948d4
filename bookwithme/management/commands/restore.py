"""`bookwithme restore PATH [--yes]`: the database replaced by a backup of `bookwithme backup`.

All data is replaced, so it asks first unless told --yes. Stop the server meanwhile: its
processes keep answers cached from the data being replaced (docs/backup.md).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bookwithme.backups import BackupError, describe, restore
from bookwithme.booking.models import Booking
from bookwithme.directory.models import Person


def counted(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def ask(stdout, question: str) -> bool:
    """Whether the operator typed yes to `question` (the commands that destroy data ask)."""
    try:
        answer = input(f"{question} Type yes to go on: ")
    except EOFError:
        # No one to answer (stdin closed): a no, on a line of its own.
        stdout.write("")
        answer = ""
    return answer.strip().lower() == "yes"


class Command(BaseCommand):
    help = "Replace all data of the database with the backup at PATH (asks first unless --yes)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file written by `bookwithme backup`.")
        parser.add_argument("--yes", action="store_true", help="Do not ask before replacing.")

    def handle(self, *, path: str, yes: bool, **options):
        try:
            restore(Path(path), confirm=lambda question: yes or ask(self.stdout, question))
        except BackupError as e:
            raise CommandError(str(e)) from None
        if "django_migrations" not in connection.introspection.table_names():
            raise CommandError(f"After the restore, {describe()} has no django_migrations table.")
        bookings = counted(Booking.objects.count(), "booking", "bookings")
        people = counted(Person.objects.count(), "person", "people")
        self.stdout.write(
            f"Restored {Path(path).absolute()} into {describe()}: {bookings}, {people}."
        )
        executor = MigrationExecutor(connection)
        if pending := executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(
                f"{counted(len(pending), 'migration', 'migrations')} of this version not applied "
                "yet: `bookwithme migrate` applies them (serve does at its start)."
            )
