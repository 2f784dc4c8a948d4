"""`bookwithme migrate`: Django's migrate, one at a time for a database.

Every `serve` migrates as it starts, so servers started together (a deployment, every
machine rebooted, or `serve` beside a `bookwithme migrate` by hand) migrate together, and two
migrations at once fail on each other's tables ("table already exists"). So each migration
holds a lock while it runs; the next waits for it, then finds nothing left to do: on
PostgreSQL a session advisory lock (servers on many machines), on SQLite an exclusive lock on
a file beside the database (one machine).
"""

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# Any 64-bit number, the same for every server of a site: "bwm-migr" as an integer.
LOCK = int.from_bytes(b"bwm-migr", "big", signed=True)


@contextlib.contextmanager
def one_at_a_time(connection: BaseDatabaseWrapper) -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
        try:
            yield
        finally:
            # Released with the session anyway, should the migration have closed it.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
    elif connection.vendor == "sqlite" and not connection.is_in_memory_db():  # type: ignore[attr-defined]
        with open(Path(f"{connection.settings_dict['NAME']}.migrate-lock"), "a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # released when the file is closed
            yield
    else:
        yield


class Command(DjangoMigrate):
    help = "Apply the database migrations, one at a time per database (serve does it too)."

    def handle(self, *args, **options):
        with one_at_a_time(connections[options["database"]]):
            return super().handle(*args, **options)
