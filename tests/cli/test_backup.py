"""`bookwithme backup` and `bookwithme restore`, on the engine the suite runs on.

The round trip runs a real server taking bookings while the backup is made, and restores into
a fresh database; the rest drives the commands in this process, refusals first.
"""

import json
import re
import sqlite3
import stat
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO
from itertools import count
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from liveserver import (
    DEADLINE,
    call,
    cli,
    free_port,
    poll,
    run_python,
    scratch_database,
    server_env,
    serving,
    wait_for_health,
)
from makers import make_person

from bookwithme.directory.models import Person

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"

SEED = """
import json
from makers import make_person, make_type
p = make_person(time_zone="UTC", weekly={d: [["00:00", "24:00"]] for d in
    ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
make_type(p, title="Quick", slug="quick", duration_minutes=15, horizon_days=700)
print(json.dumps({"page": p.page_slug}))
"""

RESTORED_IDS = """
import json
from bookwithme.booking.models import Booking
print(json.dumps(list(Booking.objects.values_list("id", flat=True))))
"""


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


class Booker:
    """A visitor booking the next quarter hour, one booking after another, each confirmed
    (201) before the next is asked: the server commits them in the order they are listed."""

    def __init__(self, base: str, page: str):
        self.url = f"{base}/api/v1/pages/{page}/quick/bookings"
        first = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.starts = (first + timedelta(days=2, minutes=15 * i) for i in count())
        self.confirmed: list[int] = []
        self.failure = ""
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.loop)

    def book(self) -> None:
        start = next(self.starts)
        attendee = {"start": start.isoformat(), "name": "Sam", "email": "sam@example.org"}
        status, body = call("POST", self.url, {**attendee, "time_zone": "UTC"})
        assert status == 201, body
        self.confirmed.append(body["id"])

    def loop(self) -> None:
        try:
            while not self.stopping.is_set():
                self.book()
        except AssertionError as e:
            self.failure = str(e)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=DEADLINE)
        assert not self.failure, f"a booking during the backup failed: {self.failure}"


@pytest.mark.slow
def test_a_backup_taken_while_the_server_books_restores_all_it_had_confirmed(tmp_path):
    source, target, backups = tmp_path / "source", tmp_path / "target", tmp_path / "backups"
    for directory in (source, target, backups):
        directory.mkdir()
    backup_file = backups / "bookwithme.backup"
    with scratch_database(source) as source_url, scratch_database(target) as target_url:
        env = server_env(source, source_url)
        env["BOOKWITHME_BOOKING_RATE_LIMIT"] = "0"  # every booking here comes from one address
        port = free_port()
        with serving(env, port, "--workers", "2") as proc:
            wait_for_health(port, proc)
            seed = json.loads(run_python(env, SEED))
            booker = Booker(f"http://127.0.0.1:{port}", seed["page"])
            for _ in range(10):
                booker.book()
            booker.thread.start()
            # The loop is booking when the backup starts, and goes on while it runs.
            poll(lambda: len(booker.confirmed) > 12, "the loop made no booking")
            before = list(booker.confirmed)
            backed_up = cli(env, "backup", str(backup_file))
            during = len(booker.confirmed) - len(before)
            booker.stop()

        assert backed_up.returncode == 0, backed_up.stderr
        engine = "SQLite" if source_url is None else "PostgreSQL"
        size = backup_file.stat().st_size
        assert backed_up.stdout.splitlines() == [
            f"Wrote {backup_file} ({size:,} bytes), a {engine} backup."
        ]
        assert during > 0, "no booking was confirmed while the backup ran"
        assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600

        target_env = server_env(target, target_url)
        restored = cli(target_env, "restore", str(backup_file), "--yes")
        assert restored.returncode == 0, restored.stderr
        ids = json.loads(run_python(target_env, RESTORED_IDS))
        # Everything confirmed before the backup started is there, and what it holds is a
        # snapshot of one moment: the first bookings confirmed, up to some point, no gap.
        assert set(before) <= set(ids)
        assert sorted(ids) == sorted(booker.confirmed[: len(ids)])
        said = rf"Restored {re.escape(str(backup_file))} into the {engine} database .*: "
        assert re.fullmatch(said + rf"{len(ids)} bookings, 1 person\.", restored.stdout.strip()), (
            restored.stdout
        )

        checked = cli(target_env, "migrate", "--check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        if target_url is None:
            assert backup_file.read_bytes().startswith(SQLITE_HEADER)
            database = sqlite3.connect(target / "bookwithme.sqlite3")
            assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            database.close()
        else:
            assert backup_file.read_bytes().startswith(PG_DUMP_HEADER)


@pytest.mark.django_db(transaction=True)
def test_restore_puts_back_what_was_backed_up_and_says_what_to_migrate(tmp_path):
    kept = make_person(email="kept@example.org")
    latest = MigrationRecorder.Migration.objects.order_by("-id").first()
    assert latest is not None
    # A backup made by an older version: its last migration not applied yet.
    latest.delete()
    try:
        run("backup", str(tmp_path / "backup"))
        make_person(email="after@example.org")
        out = run("restore", str(tmp_path / "backup"), "--yes")
    finally:
        MigrationRecorder.Migration.objects.get_or_create(app=latest.app, name=latest.name)

    assert list(Person.objects.values_list("email", flat=True)) == [kept.email]
    assert out.splitlines()[0].endswith(": 0 bookings, 1 person.")
    assert out.splitlines()[1:] == [
        "1 migration of this version not applied yet: `bookwithme migrate` applies them "
        "(serve does at its start)."
    ]


@pytest.mark.django_db
def test_a_backup_from_inside_an_open_transaction(tmp_path, monkeypatch):
    # The test runs in a transaction of its own, not committed: this person is not yet data.
    make_person(email="uncommitted@example.org")
    backup = tmp_path / "backup"

    if on_postgresql():
        # pg_dump reads from a session of its own: what is committed, and nothing else.
        assert run("backup", str(backup)).startswith(f"Wrote {backup} (")
        data = subprocess.run(
            ["pg_restore", "--data-only", "--file=-", str(backup)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "django_migrations" in data.stdout
        assert "uncommitted@example.org" not in data.stdout
        return
    # SQLite copies through this process's own connection, whose transaction keeps the
    # database locked: the backup gives up after the database's timeout.
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.5)
    with pytest.raises(CommandError, match=r"stayed locked for 0\.5 s .*nothing was written"):
        run("backup", str(backup))
    assert list(tmp_path.iterdir()) == []


# Refusals


@pytest.mark.django_db(transaction=True)
def test_backup_refuses_to_replace_a_file_unless_forced(tmp_path):
    existing = tmp_path / "backup"
    existing.write_text("last week's backup")

    with pytest.raises(CommandError, match=r"backup already exists; --force replaces it\."):
        run("backup", str(existing))
    assert existing.read_text() == "last week's backup"

    out = run("backup", str(existing), "--force")
    assert out.startswith(f"Wrote {existing} (")
    header = PG_DUMP_HEADER if on_postgresql() else SQLITE_HEADER
    assert existing.read_bytes().startswith(header)
    assert [p.name for p in tmp_path.iterdir()] == ["backup"]


@pytest.mark.django_db
def test_backup_refuses_a_directory_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match=rf"The directory {tmp_path / 'nowhere'} does not exist"):
        run("backup", str(tmp_path / "nowhere" / "backup"))


@pytest.mark.django_db
def test_restore_refuses_a_backup_of_the_other_engine(tmp_path):
    other = tmp_path / "other"
    if on_postgresql():
        sqlite3.connect(other).execute("CREATE TABLE django_migrations (id integer)")
        said = "is a SQLite backup and this database is PostgreSQL"
    else:
        other.write_bytes(PG_DUMP_HEADER + bytes(100))
        said = "is a PostgreSQL backup and this database is SQLite"

    with pytest.raises(CommandError, match=said):
        run("restore", str(other), "--yes")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "does not exist"),
        (b"name,email\n", "is not a bookwithme backup: neither a SQLite database nor"),
    ],
)
def test_restore_refuses_what_is_no_backup(tmp_path, content, said):
    path = tmp_path / "backup"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(CommandError, match=said):
        run("restore", str(path), "--yes")


@pytest.mark.django_db(transaction=True)
def test_restore_asks_first_and_a_no_changes_nothing(tmp_path, monkeypatch):
    run("backup", str(tmp_path / "backup"))
    make_person(email="stays@example.org")
    asked = []
    monkeypatch.setattr("builtins.input", lambda question: asked.append(question) or "no")

    with pytest.raises(CommandError, match="Not confirmed: nothing was restored"):
        run("restore", str(tmp_path / "backup"))

    assert asked == [
        f"This replaces all data of the {connection.display_name} database "
        f"{connection.settings_dict['NAME']}"
        + ("" if not on_postgresql() else f" on {connection.settings_dict['HOST']}")
        + f" with {tmp_path / 'backup'}. Type yes to go on: "
    ]
    assert Person.objects.filter(email="stays@example.org").exists()


def fake_pg_dump(directory: Path, kind: str) -> Path:
    """A PATH of one directory, holding no pg_dump, an old one, or one that fails and writes
    down what it was given; returns where it writes that."""
    directory.mkdir()
    record = directory / "record"
    version = "9.6.24" if kind == "old" else "99.0"
    script = f"""#!/bin/sh
if [ "$1" = --version ]; then echo "pg_dump (PostgreSQL) {version}"; exit 0; fi
printf '%s\\n' "$@" "PGPASSWORD=$PGPASSWORD" > {record}
echo "pg_dump: error: connection to server failed: the test said no" >&2
exit 1
"""
    if kind != "missing":
        (directory / "pg_dump").write_text(script)
        (directory / "pg_dump").chmod(0o755)
    return record


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["missing", "old", "failing"])
def test_backup_needs_a_pg_dump_at_least_the_servers_on_postgresql_only(
    tmp_path, monkeypatch, kind
):
    record = fake_pg_dump(tmp_path / "bin", kind)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-password")
    backup = str(tmp_path / "backup")

    if not on_postgresql():
        # SQLite copies itself: no PostgreSQL program is asked, whatever the PATH holds.
        assert run("backup", backup).startswith(f"Wrote {backup} (")
        assert not record.exists()
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server = int(cursor.fetchone()[0]) // 10_000
    said = {
        "missing": r"pg_dump is not installed; .*\(Debian: apt-get install postgresql-client\)",
        "old": rf"pg_dump is version 9 and the server runs PostgreSQL {server}: .*"
        rf"postgresql-client-{server}",
        "failing": "pg_dump failed: pg_dump: error: connection to server failed: the test said no",
    }[kind]
    with pytest.raises(CommandError, match=said):
        run("backup", backup)
    assert not Path(backup).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bin"]
    if kind == "failing":
        # The password reached pg_dump in its environment, never on its command line.
        given = record.read_text().splitlines()
        assert given[-1] == "PGPASSWORD=s3cret-password"
        assert not any("s3cret" in arg for arg in given[:-1])
        assert "--format=custom" in given
