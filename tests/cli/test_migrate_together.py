"""Migrations started together, as servers starting together start them, run one at a time.

On the engine the suite runs on: a fresh database of its own (PostgreSQL) or a fresh SQLite
file, real `bookwithme migrate` processes.
"""

import fcntl
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from liveserver import DEADLINE, ROOT, scratch_database, server_env

from bookwithme.management.commands.migrate import LOCK


def start_migrate(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bookwithme", "migrate", "--no-input", "-v", "0"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def check_applied(env: dict[str, str]) -> None:
    # `migrate --check` fails when any migration is left unapplied.
    left = subprocess.run(
        [sys.executable, "-m", "bookwithme", "migrate", "--check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert left.returncode == 0, left.stdout + left.stderr


def test_three_migrations_started_at_once_all_succeed(tmp_path):
    with scratch_database(tmp_path) as url:
        env = server_env(tmp_path, url)
        runs = [start_migrate(env) for _ in range(3)]
        for run in runs:
            out, _ = run.communicate(timeout=DEADLINE * 2)
            assert run.returncode == 0, out  # without the lock: "table ... already exists"
        check_applied(env)


def test_a_migration_waits_while_another_holds_the_lock(tmp_path):
    """Held here, as a running migration holds it: the command waits, then goes on once it is
    released."""
    with scratch_database(tmp_path) as url:
        env = server_env(tmp_path, url)
        if url:  # PostgreSQL: the session advisory lock
            held = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
            held.execute("SELECT pg_advisory_lock(%s)", [LOCK])
            release = held.close
        else:  # SQLite: the lock file beside the database
            lock = open(Path(tmp_path) / "bookwithme.sqlite3.migrate-lock", "a")  # noqa: SIM115
            fcntl.flock(lock, fcntl.LOCK_EX)
            release = lock.close
        run = start_migrate(env)
        try:
            time.sleep(2)
            assert run.poll() is None, "migrate went ahead while the lock was held"
        finally:
            release()
        out, _ = run.communicate(timeout=DEADLINE * 2)
        assert run.returncode == 0, out
        check_applied(env)
