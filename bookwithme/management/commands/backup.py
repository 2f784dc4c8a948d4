"""`bookwithme backup PATH [--force]`: a consistent copy of the database, taken while serving.

SQLite through its online backup API, PostgreSQL through pg_dump's custom format; see
docs/backup.md for what each guarantees and how to restore.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bookwithme.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database to PATH (SQLite: a database file; PostgreSQL: a pg_dump archive)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to write; its directory must exist.")
        parser.add_argument("--force", action="store_true", help="Replace PATH if it exists.")

    def handle(self, *, path: str, force: bool, **options):
        try:
            written = backup(Path(path), force=force)
        except BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            f"Wrote {written.path} ({written.size:,} bytes), a {written.engine} backup."
        )
