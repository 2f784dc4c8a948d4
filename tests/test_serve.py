"""`bookwithme serve` as a user runs it: a real process tree, real signals, a real socket."""

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import liveserver
import pytest
from liveserver import free_port, wait_for_health

pytestmark = pytest.mark.slow


def descendants(pid: int) -> set[int]:
    children = set()
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(status.parent.name)
            children |= {child} | descendants(child)
    return children


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_serve(tmp_path: Path, port: int) -> subprocess.Popen:
    return liveserver.start_serve(liveserver.server_env(tmp_path), port, "--workers", "1")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_then_stops_every_child_on_a_signal(tmp_path, signum):
    port = free_port()
    proc = start_serve(tmp_path, port)
    try:
        wait_for_health(port, proc)
        tree = descendants(proc.pid)
        # gunicorn's master and its worker, and the task worker.
        assert len(tree) >= 3
        proc.send_signal(signum)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = liveserver.output(proc)
    assert proc.returncode == 0, out
    assert "bookwithme stopped" in out
    time.sleep(0.2)
    assert [pid for pid in tree if alive(pid)] == []
    # Migrations ran into the data dir's SQLite file, which is in WAL mode.
    db = sqlite3.connect(tmp_path / "bookwithme.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 10
    assert (tmp_path / "secret_key").exists()


def test_serve_stops_the_rest_and_fails_when_a_child_dies(tmp_path):
    port = free_port()
    proc = start_serve(tmp_path, port)
    try:
        wait_for_health(port, proc)
        children = [
            pid
            for pid in descendants(proc.pid)
            if "gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        ]
        master = min(children)
        tree = descendants(proc.pid)
        os.kill(master, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = liveserver.output(proc)
    assert proc.returncode != 0
    assert "the web process exited" in out
    time.sleep(0.5)
    # gunicorn's own worker may outlive a SIGKILLed master briefly; the task worker must not.
    assert [pid for pid in tree if alive(pid) and pid != master and pid not in children] == []


def test_serve_refuses_a_bad_port(tmp_path):
    proc = start_serve(tmp_path, 70000)
    proc.wait(timeout=30)
    out = liveserver.output(proc)
    assert proc.returncode != 0
    assert "--port must be between 1 and 65535" in out
