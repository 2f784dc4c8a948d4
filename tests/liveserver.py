"""A real `bookwithme serve` for tests: its own data dir and database, real processes."""

import argparse
import contextlib
import json
import os
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}: {output(proc)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("serve did not answer /healthz in time")


def server_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env["BOOKWITHME_DATA_DIR"] = str(data_dir)
    # The calendar servers of the tests listen on loopback, which the server refuses by default.
    env["BOOKWITHME_ALLOW_PRIVATE_ADDRESSES"] = "true"
    if database_url:
        env["DATABASE_URL"] = database_url
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
    server on its next log line.
    """
    log = open(Path(env["BOOKWITHME_DATA_DIR"]) / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "bookwithme", "serve", "--port", str(port), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    proc.log_path = Path(log.name)  # type: ignore[attr-defined]
    log.close()
    return proc


def output(proc: subprocess.Popen) -> str:
    return proc.log_path.read_text()  # type: ignore[attr-defined]


def stop(proc: subprocess.Popen) -> str:
    """Stop the server (SIGTERM, as a supervisor would) and return what it printed."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
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
