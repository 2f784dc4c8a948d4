"""`bookwithme serve` as a user runs it: a real process tree, real signals, a real socket."""

import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
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
        # gunicorn's master and its worker, and the two task workers.
        assert len(tree) >= 4
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


def test_serve_stops_the_rest_and_fails_when_the_web_server_dies(tmp_path):
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


def poll(condition, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    return condition()


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
    proc = start_serve(tmp_path, port)
    try:
        wait_for_health(port, proc)
        workers = poll(lambda: len(task_workers(proc.pid)) == 2 and task_workers(proc.pid))
        # One worker for mail, one for the calendars (and anything else).
        assert set(workers) == {"--queue mail", "--queue calendars --queue default"}
        os.kill(workers["--queue mail"], signal.SIGKILL)
        assert healthy(port)
        again = poll(lambda: task_workers(proc.pid).get("--queue mail"))
        assert again and again != workers["--queue mail"]
        assert (
            task_workers(proc.pid)["--queue calendars --queue default"]
            == workers["--queue calendars --queue default"]
        )
        assert proc.poll() is None and healthy(port)
    finally:
        out = liveserver.stop(proc)
    assert "the mail worker exited with code -9; starting it again in 1 s" in out
    assert proc.returncode == 0, out


def test_a_killed_serve_leaves_no_process_behind_and_frees_its_port(tmp_path):
    port = free_port()
    proc = start_serve(tmp_path, port)
    tree: set[int] = set()
    try:
        wait_for_health(port, proc)
        poll(lambda: len(task_workers(proc.pid)) == 2)
        tree = descendants(proc.pid)
        assert len(tree) >= 4  # gunicorn's arbiter and its worker, two task workers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert poll(lambda: not [pid for pid in tree if alive(pid)], timeout=15), [
            cmdline(pid) for pid in tree if alive(pid)
        ]
        assert poll(lambda: port_free(port), timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in tree:  # should the test fail, leave no orphan behind either
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_serve_refuses_a_bad_port(tmp_path):
    proc = start_serve(tmp_path, 70000)
    proc.wait(timeout=30)
    out = liveserver.output(proc)
    assert proc.returncode != 0
    assert "--port must be between 1 and 65535" in out
