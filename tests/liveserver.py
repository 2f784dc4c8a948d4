"""A real `bookwithme serve` for tests: its own data dir and database, real processes."""

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

# How long any wait of the tests on a real process may last (a server answering, a port
# open, a process gone, a page in the browser) before it fails: BOOKWITHME_TEST_DEADLINE
# seconds, read here once. The slowest wait is serve's first answer, migrations included:
# some 15 s on two loaded cores, so a minute by default.
DEADLINE = float(os.environ.get("BOOKWITHME_TEST_DEADLINE", "60"))
# Between two looks at the condition polled.
POLL_INTERVAL = 0.05


def poll[T](
    condition: Callable[[], T], failure: str | Callable[[], str] = "", *, deadlines: float = 1
) -> T:
    """Call `condition` until it returns something true, and return that; fail the test if it
    has not within DEADLINE seconds (times `deadlines`, for work known to take long), saying
    `failure` (or what `failure()` says then)."""
    seconds = DEADLINE * deadlines
    deadline = time.monotonic() + seconds
    while True:
        if result := condition():
            return result
        if time.monotonic() >= deadline:
            said = failure() if callable(failure) else failure
            raise AssertionError(f"not within {seconds:g} s: {said or condition}")
        time.sleep(POLL_INTERVAL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(port: int, proc: subprocess.Popen) -> None:
    """Wait until serve answers /healthz; fail at once, with its log, should it exit."""

    def answers() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}: {output(proc)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    poll(answers, lambda: f"serve did not answer /healthz: {output(proc)[-2000:]}")


def server_env(
    data_dir: Path, database_url: str | None = None, cache_url: str | None = None
) -> dict[str, str]:
    """A server's environment: its own data dir, the given database (else its own SQLite
    file) and shared cache (else the default, the database's cache table)."""
    own = {"DATABASE_URL", "SECRET_KEY", "CACHE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in own}
    env["BOOKWITHME_DATA_DIR"] = str(data_dir)
    # The calendar servers of the tests listen on loopback, which the server refuses by default.
    env["BOOKWITHME_ALLOW_PRIVATE_ADDRESSES"] = "true"
    if database_url:
        env["DATABASE_URL"] = database_url
    if cache_url:
        env["CACHE_URL"] = cache_url
    return env


@contextlib.contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str | None]:
    """A fresh database for a server: a new PostgreSQL database when the suite runs on
    PostgreSQL (DATABASE_URL), else None (the server's own SQLite file in its data dir)."""
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith(("postgres", "postgresql")):
        yield None
        return
    import psycopg

    name = f"bwm_live_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(
            admin.replace("postgres://", "postgresql://", 1), autocommit=True
        ) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_serve(env: dict[str, str], port: int, *args: str) -> subprocess.Popen:
    """Start serve with its output going to serve.log in its data dir.

    Not a pipe: nobody reads a pipe while the server runs, and a full pipe would stall the
    server on its next log line. In a session of its own, which every process of its tree
    stays in (serve's children take process groups of their own, not sessions), so that
    `kill_tree` finds them all, even those a killed serve left behind.
    """
    log = open(Path(env["BOOKWITHME_DATA_DIR"]) / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "bookwithme", "serve", "--port", str(port), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    proc.log_path = Path(log.name)  # type: ignore[attr-defined]
    log.close()
    return proc


@contextlib.contextmanager
def serving(env: dict[str, str], port: int, *args: str) -> Iterator[subprocess.Popen]:
    """`start_serve`; on the way out, whatever happened in between (a failed assertion, a
    Ctrl-C), every process of its tree still running is killed."""
    proc = start_serve(env, port, *args)
    try:
        yield proc
    finally:
        kill_tree(proc)


@contextlib.contextmanager
def seeded_server(tmp: Path, seed: str) -> Iterator[dict]:
    """`serve` with 4 web workers and no task workers on a fresh database, seeded by `seed`
    (Django code printing one JSON object): yields {"base": its URL, **that object}. Booking
    rate limits are off: the requests of a test all come from one address."""
    with scratch_database(tmp) as database_url:
        env = server_env(tmp, database_url)
        env["BOOKWITHME_BOOKING_RATE_LIMIT"] = "0"
        port = free_port()
        proc = start_serve(env, port, "--workers", "4", "--no-worker")
        try:
            wait_for_health(port, proc)
            seeded = json.loads(run_python(env, seed))
            yield {"base": f"http://127.0.0.1:{port}", **seeded}
        finally:
            stop(proc)


def output(proc: subprocess.Popen) -> str:
    return proc.log_path.read_text()  # type: ignore[attr-defined]


def stop(proc: subprocess.Popen) -> str:
    """Stop the server (SIGTERM, as a supervisor would; SIGKILL should it outlast the
    DEADLINE), kill whatever of its tree is left, and return what it printed."""
    if proc.poll() is None:
        proc.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=DEADLINE)
    kill_tree(proc)
    return output(proc)


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run `bookwithme ARGS` as a user would, with the given environment."""
    return subprocess.run(
        [sys.executable, "-m", "bookwithme", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
        check=False,
    )


def run_python(env: dict[str, str], code: str) -> str:
    """Run Django code against the server's database; returns its stdout."""
    prelude = (
        "import django, os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bookwithme.settings')\n"
        f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "django.setup()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def call(method: str, url: str, body=None, headers=None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def on_each_engine(run: Callable[[str], None], description: str | None) -> None:
    """A benchmark's main: `run("sqlite")`, then `run("postgresql")` against DATABASE_URL (or
    the local server) unless `--sqlite-only` is given."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    saved = os.environ.pop("DATABASE_URL", None)
    run("sqlite")
    if not args.sqlite_only:
        os.environ["DATABASE_URL"] = saved or "postgres://postgres@127.0.0.1:5432/test"
        run("postgresql")


# --- process trees ------------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat past the command name: state, ppid, pgrp, session, ...; [] once gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def alive(pid: int) -> bool:
    """Running (a zombie has finished: only its exit status is left to collect)."""
    fields = _stat(pid)
    return bool(fields) and fields[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every process below `pid`: children, their children, ..."""
    children: dict[int, list[int]] = {}
    for other in _pids():
        fields = _stat(other)
        if fields:
            children.setdefault(int(fields[1]), []).append(other)
    found: set[int] = set()
    below = list(children.get(pid, []))
    while below:
        child = below.pop()
        if child not in found:
            found.add(child)
            below += children.get(child, [])
    return found


def session(sid: int) -> set[int]:
    """The live processes of session `sid`, wherever they were reparented."""
    return {pid for pid in _pids() if (f := _stat(pid)) and f[3] == str(sid) and f[0] != "Z"}


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL every process group of the session `proc` leads (see start_serve), again until
    none is left (serve may have started a worker meanwhile), then collect `proc` itself.
    Never this process's own group or session."""
    sid, own = proc.pid, {os.getpgrp(), os.getsid(0)}

    def nothing_left() -> bool:
        left = session(sid) if sid not in own else set()
        for group in {int(f[2]) for f in map(_stat, left) if f} - own:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        return not left

    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    poll(nothing_left, lambda: f"still running in session {sid}: {sorted(session(sid))}")
    proc.wait()
