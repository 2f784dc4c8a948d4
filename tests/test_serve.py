"""`bookwithme serve` as a user runs it: a real process tree, real signals, a real socket.

Each test looks at the tree inside `serving`, which kills whatever of it is left on the way
out: a failing test leaves no process behind either.
"""

import json
import os
import signal
import socket
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import liveserver
import pytest
from liveserver import DEADLINE, alive, descendants, free_port, poll, wait_for_health

pytestmark = pytest.mark.slow


def serving(tmp_path: Path, port: int):
    return liveserver.serving(liveserver.server_env(tmp_path), port, "--workers", "1")


def left_of(tree: set[int]) -> list[str]:
    """The processes of `tree` still running, as their command lines."""
    return [cmdline(pid) for pid in sorted(tree) if alive(pid)]


def test_a_long_bad_header_gets_the_apis_json_error_not_gunicorns_page(tmp_path):
    port = free_port()
    with serving(tmp_path, port) as proc:
        wait_for_health(port, proc)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/pages/nobody/intro/bookings",
            data=b"{}",
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": "k" * 10_000},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=DEADLINE)
        assert refused.value.code == 422
        assert refused.value.headers["Content-Type"] == "application/json"
        body = json.loads(refused.value.read())
        assert body["error"] == "validation" and "Idempotency-Key" in body["fields"], body


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_then_stops_every_child_on_a_signal(tmp_path, signum):
    port = free_port()
    with serving(tmp_path, port) as proc:
        wait_for_health(port, proc)
        tree = descendants(proc.pid)
        # gunicorn's master and its worker, and the three task workers.
        assert len(tree) >= 5
        proc.send_signal(signum)
        proc.wait(timeout=DEADLINE)
        out = liveserver.output(proc)
        assert proc.returncode == 0, out
        assert "bookwithme stopped" in out
        poll(lambda: not left_of(tree), lambda: f"left behind: {left_of(tree)}")
    # Migrations ran into the data dir's SQLite file, which is in WAL mode.
    db = sqlite3.connect(tmp_path / "bookwithme.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 10
    assert (tmp_path / "secret_key").exists()


def test_serve_stops_the_rest_and_fails_when_the_web_server_dies(tmp_path):
    port = free_port()
    with serving(tmp_path, port) as proc:
        wait_for_health(port, proc)
        children = {pid for pid in descendants(proc.pid) if "gunicorn" in cmdline(pid)}
        master = min(children)
        tree = descendants(proc.pid)
        os.kill(master, signal.SIGKILL)
        proc.wait(timeout=DEADLINE)
        out = liveserver.output(proc)
        assert proc.returncode != 0
        assert "the web process exited" in out
        # gunicorn's own worker may outlive a SIGKILLed master briefly; the task workers must
        # not outlive serve.
        workers = tree - children
        poll(lambda: not left_of(workers), lambda: f"left behind: {left_of(workers)}")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def task_workers(serve_pid: int) -> dict[str, int]:
    """serve's task workers: their queues (as given on the command line) -> pid."""
    found = {}
    for pid in descendants(serve_pid):
        line = cmdline(pid)
        if " worker " in f"{line} " and alive(pid):
            found[line.split(" worker ", 1)[1].strip()] = pid
    return found


def healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        return response.status == 200


def port_free(port: int) -> bool:
    """A new server could listen there (as gunicorn does, past connections in TIME_WAIT)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_serve_restarts_a_killed_worker_and_keeps_serving(tmp_path):
    port = free_port()
    with serving(tmp_path, port) as proc:
        wait_for_health(port, proc)
        workers = poll(
            lambda: len(task_workers(proc.pid)) == 3 and task_workers(proc.pid),
            lambda: f"serve's task workers: {task_workers(proc.pid)}",
        )
        # One worker for mail, one for the calendars (and anything else), one for webhooks.
        assert set(workers) == {
            "--queue mail",
            "--queue calendars --queue default",
            "--queue webhooks",
        }
        killed = workers["--queue mail"]
        os.kill(killed, signal.SIGKILL)
        assert healthy(port)

        def new_mail_worker() -> int | None:
            pid = task_workers(proc.pid).get("--queue mail")
            return pid if pid != killed else None

        poll(new_mail_worker, "no new mail worker")
        assert (
            task_workers(proc.pid)["--queue calendars --queue default"]
            == workers["--queue calendars --queue default"]
        )
        assert proc.poll() is None and healthy(port)
        out = liveserver.stop(proc)
    assert "the mail worker exited with code -9; starting it again in 1 s" in out
    assert proc.returncode == 0, out


def test_a_killed_serve_leaves_no_process_behind_and_frees_its_port(tmp_path):
    port = free_port()
    with serving(tmp_path, port) as proc:
        wait_for_health(port, proc)
        poll(lambda: len(task_workers(proc.pid)) == 3, "serve did not start three task workers")
        tree = descendants(proc.pid)
        assert len(tree) >= 5  # gunicorn's arbiter and its worker, three task workers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=DEADLINE)
        poll(lambda: not left_of(tree), lambda: f"left behind: {left_of(tree)}")
        poll(lambda: port_free(port), f"port {port} still taken")


def test_serve_refuses_a_bad_port(tmp_path):
    with serving(tmp_path, 70000) as proc:
        proc.wait(timeout=DEADLINE)
    out = liveserver.output(proc)
    assert proc.returncode != 0
    assert "--port must be between 1 and 65535" in out


def test_with_json_logs_every_line_serve_prints_is_a_json_object(tmp_path):
    """serve's own lines, gunicorn's and the task workers', start to stop: nothing plain left
    for a log shipper to choke on."""
    port = free_port()
    env = liveserver.server_env(tmp_path) | {"LOG_FORMAT": "json"}
    with liveserver.serving(env, port, "--workers", "1") as proc:
        wait_for_health(port, proc)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=DEADLINE)
        lines = [line for line in liveserver.output(proc).splitlines() if line.strip()]
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON object: {line!r}")
    by = {(e["logger"], e["message"].split(" ")[0]) for e in entries}
    assert ("bookwithme.serve", "bookwithme") in by  # "bookwithme serving on ..."
    assert any(e["logger"] == "gunicorn.error" and "Listening at" in e["message"] for e in entries)
    assert entries[-1]["message"] == "bookwithme stopped"
