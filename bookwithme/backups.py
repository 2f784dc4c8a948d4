"""Backups of the database and their restore, for `bookwithme backup` and `bookwithme restore`.

SQLite is copied through its online backup API, PostgreSQL dumped by pg_dump in its custom
format: either way a snapshot of one moment, taken while the server goes on serving and
writing. How to use them: docs/backup.md.
"""

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# The first bytes of each engine's backup file, which tell them apart before anything is read.
HEADERS = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
# How each engine is chosen, for a backup offered to the other one.
WHERE = {
    "sqlite": "DATABASE_URL unset, or sqlite:///FILE",
    "postgresql": "DATABASE_URL=postgres://...",
}
# The settings of DATABASES' OPTIONS that are libpq's own, passed on to pg_dump and pg_restore
# (a DATABASE_URL's `?sslmode=require` lands there).
LIBPQ_OPTIONS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "channel_binding",
    "gssencmode",
    "connect_timeout",
    "target_session_attrs",
)


class BackupError(Exception):
    """A refusal or a failure, said in one sentence for the command line."""


@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    engine: str


def _engine() -> str:
    """The current database's engine, "sqlite" or "postgresql"; no other is backed up."""
    if connection.vendor not in ENGINES:
        raise BackupError(f"Backups cover SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def backup(path: Path, *, force: bool = False) -> Written:
    """Write a backup of the current database to `path`, all or nothing.

    Written beside `path` first and renamed into place once checked, so a failed backup never
    leaves half a file under the name, nor destroys the backup it was to replace.
    """
    vendor = _engine()
    path = _target(path.absolute(), force)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as e:
        raise BackupError(f"Cannot write in {path.parent}: {e.strerror}.") from None
    os.close(fd)
    # mkstemp made it 0600, and both ways of writing keep that: it holds everyone's bookings.
    partial = Path(name)
    try:
        if vendor == "sqlite":
            _copy_sqlite(partial)
        else:
            _dump_postgresql(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Written(path, path.stat().st_size, ENGINES[vendor])


def _checked(path: Path) -> Path:
    """`path` as an absolute path once it is known to be a sound backup of the current engine;
    run before anything of the live database is touched."""
    vendor = _engine()
    path = path.absolute()
    if not path.is_file():
        raise BackupError(
            f"{path} does not exist." if not path.exists() else f"{path} is not a file."
        )
    with path.open("rb") as file:
        head = file.read(len(HEADERS["sqlite"]))
    kind = next((k for k, header in HEADERS.items() if head.startswith(header)), None)
    if kind is None:
        raise BackupError(
            f"{path} is not a bookwithme backup: neither a SQLite database nor a pg_dump archive."
        )
    if kind != vendor:
        raise BackupError(
            f"{path} is a {ENGINES[kind]} backup and this database is {ENGINES[vendor]}: "
            f"restore it into a {ENGINES[kind]} database ({WHERE[kind]})."
        )
    if vendor == "sqlite":
        if _is_live_database(path):
            raise BackupError(f"{path} is the live database itself.")
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as copy:
            _check_sqlite(copy, path)
    elif "django_migrations" not in _archive_tables(path):
        raise BackupError(f"{path} holds no bookwithme database (no django_migrations table).")
    return path


def restore(path: Path, confirm: Callable[[str], bool]) -> None:
    """Replace every row of the current database with those of the backup at `path`, once
    `confirm` agrees to the question it is asked."""
    path = _checked(path)
    vendor = _engine()
    if not confirm(f"This replaces all data of {describe()} with {path}."):
        raise BackupError("Not confirmed: nothing was restored (--yes skips the question).")
    if vendor == "sqlite":
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as copy:
            # The backup API writes the pages into the live file under its write lock, so
            # the server's connections read either the old database or the restored one.
            _sqlite_backup(copy, connection.connection, "restored")
    else:
        pg_restore = _client("pg_restore")
        # The tables are dropped and made anew: no plan or statement this process prepared
        # against the old ones must outlive them.
        connection.close()
        _run(
            pg_restore,
            "--clean",
            "--if-exists",
            # The roles that owned the tables and were granted rights where the backup was made
            # need not exist here: whoever restores owns what is restored.
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--no-password",
            f"--dbname={_conninfo()}",
            str(path),
        )


def describe() -> str:
    """The current database, as an operator would name it (never with its password)."""
    settings = connection.settings_dict
    if _engine() == "sqlite":
        return f"the SQLite database {settings['NAME']}"
    where = settings["HOST"] or "the local socket"
    return f"the PostgreSQL database {settings['NAME']} on {where}"


def _target(path: Path, force: bool) -> Path:
    if not path.parent.is_dir():
        raise BackupError(f"The directory {path.parent} does not exist.")
    if path.is_dir():
        raise BackupError(f"{path} is a directory; name a file in it.")
    if path.exists():
        if not force:
            raise BackupError(f"{path} already exists; --force replaces it.")
        if _is_live_database(path):
            raise BackupError(f"{path} is the live database itself.")
    return path


# --- SQLite ---------------------------------------------------------------------------------


def _copy_sqlite(destination: Path) -> None:
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(destination)) as copy:
        # In one step (pages=-1, the default): the whole copy is read in one read transaction,
        # one snapshot, while WAL lets the server go on writing. A copy in steps of a few pages
        # starts over whenever another process writes, and might never end on a busy server.
        _sqlite_backup(connection.connection, copy, "written")
        # The copy is one self-contained file, not a WAL database wanting -wal and -shm files.
        copy.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(copy, destination)


def _sqlite_backup(source: sqlite3.Connection, target: sqlite3.Connection, done: str) -> None:
    """Copy `source` into `target`, giving up once either stays locked as long as a query of
    the server would wait (the database's timeout): Python's backup would wait for ever."""
    patience = float(connection.settings_dict["OPTIONS"].get("timeout", 5))
    deadline = time.monotonic() + patience

    def waited(status: int, remaining: int, total: int) -> None:
        if status in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED} and time.monotonic() > deadline:
            raise BackupError(
                f"The database stayed locked for {patience:g} s (a transaction held open); "
                f"nothing was {done}."
            )

    source.backup(target, progress=waited)


def _check_sqlite(database: sqlite3.Connection, path: Path) -> None:
    try:
        problems = [row[0] for row in database.execute("PRAGMA integrity_check")]
        migrations = database.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{path} cannot be read as a SQLite database: {e}.") from None
    if problems != ["ok"]:
        raise BackupError(f"{path} fails SQLite's integrity check: {'; '.join(problems[:3])}.")
    if migrations is None:
        raise BackupError(f"{path} holds no bookwithme database (no django_migrations table).")


def _is_live_database(path: Path) -> bool:
    """Whether `path` is the live SQLite database's own file (never so on PostgreSQL, nor for
    the tests' database in memory)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name == ":memory:" or name.startswith("file:"):
        return False
    try:
        return path.samefile(name)
    except OSError:
        return False


# --- PostgreSQL -----------------------------------------------------------------------------


def _dump_postgresql(destination: Path) -> None:
    pg_dump = _client("pg_dump")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server = int(cursor.fetchone()[0]) // 10_000
    # pg_dump refuses a server newer than itself; said first, with the package that fixes it.
    if (version := _major_version(pg_dump)) < server:
        raise BackupError(
            f"pg_dump is version {version} and the server runs PostgreSQL {server}: pg_dump "
            f"must be at least the server's version (Debian: postgresql-client-{server})."
        )
    # A snapshot: pg_dump reads every table in one repeatable-read transaction, and its share
    # locks hold back only schema changes (a migration), never the server's writes.
    _run(
        pg_dump,
        "--format=custom",
        f"--file={destination}",
        "--no-password",
        f"--dbname={_conninfo()}",
    )
    # The archive reads back: its table of contents, and in it the migrations' table.
    if "django_migrations" not in _archive_tables(destination):
        raise BackupError(f"pg_dump wrote no django_migrations table to {destination}.")


def _archive_tables(path: Path) -> set[str]:
    """The tables of a pg_dump custom archive, from its table of contents."""
    listing = _run(_client("pg_restore"), "--list", str(path))
    # A table's line: `ID; OID OID TABLE SCHEMA NAME OWNER`.
    return set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing, re.MULTILINE))


def _client(name: str) -> str:
    """The path of PostgreSQL's client program `name`, or why there is none."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed; it comes with PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client)."
        )
    return found


def _major_version(program: str) -> int:
    said = _run(program, "--version").strip()
    if match := re.search(r"\(PostgreSQL\) (\d+)", said):
        return int(match[1])
    raise BackupError(f"{program} --version said “{said}”, not a PostgreSQL version.")


def _conninfo() -> str:
    """libpq's connection string for the database, without its password: the command line of
    a process is anyone's to read."""
    settings = connection.settings_dict
    fields = {
        "dbname": settings["NAME"],
        "host": settings["HOST"],
        "port": settings["PORT"],
        "user": settings["USER"],
    }
    fields |= {k: v for k, v in settings["OPTIONS"].items() if k in LIBPQ_OPTIONS}
    return " ".join(f"{k}={_quoted(str(v))}" for k, v in fields.items() if v not in {None, ""})


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _run(program: str, *args: str) -> str:
    """Run a PostgreSQL client program and return its output; its own message if it fails.

    The password goes in PGPASSWORD, in the child's environment alone.
    """
    env = dict(os.environ)
    if password := connection.settings_dict["PASSWORD"]:
        env["PGPASSWORD"] = str(password)
    done = subprocess.run(  # noqa: S603 (a program found on the PATH, arguments of ours)
        [program, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        said = done.stderr.strip() or f"exit status {done.returncode}"
        raise BackupError(f"{Path(program).name} failed: {said}")
    return done.stdout
