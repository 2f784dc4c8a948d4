"""A worker started before the deploy's `migrate` waits for it instead of failing on tables
the new code needs; with --batch it refuses at once. Real processes, on the suite's engine."""

import subprocess
import sys

from liveserver import DEADLINE, ROOT, cli, poll, scratch_database, server_env


def test_a_worker_waits_for_the_migrations_then_starts(tmp_path):
    with scratch_database(tmp_path) as url:
        env = server_env(tmp_path, url)
        log = tmp_path / "worker.log"
        with open(log, "w") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "bookwithme", "worker"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            poll(lambda: "waiting:" in log.read_text(), "the worker says it waits")
            assert "migrations are not applied yet" in log.read_text()
            assert worker.poll() is None, log.read_text()
            migrated = cli(env, "migrate", "--no-input", "-v", "0")
            assert migrated.returncode == 0, migrated.stderr
            poll(lambda: "migrations applied; starting" in log.read_text(), "the worker starts")
            assert worker.poll() is None, log.read_text()
            assert "Traceback" not in log.read_text()
        finally:
            worker.terminate()
            worker.wait(timeout=DEADLINE)


def test_a_batch_worker_refuses_before_the_migrations(tmp_path):
    with scratch_database(tmp_path) as url:
        done = cli(server_env(tmp_path, url), "worker", "--batch")
        assert done.returncode != 0
        assert "cannot run tasks:" in done.stderr
        assert "migrations are not applied yet" in done.stderr
