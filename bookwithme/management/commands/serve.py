"""`bookwithme serve`: migrations, then gunicorn and the task workers as one process tree.

One task worker per group of queues (settings.TASKS): one for mail, one for calendars and the
rest, one for webhooks, so that a slow calendar server or webhook receiver never holds up an
email. A worker that dies is started again, 1 second later, then 2, 4 ... at most a minute
apart, back to 1 second once it has run for a minute; the site keeps serving meanwhile. Should
gunicorn itself die (it restarts its own web workers; its arbiter dying means something is
badly wrong, its port taken, say), the workers are stopped and serve exits with an error, so
that a process supervisor sees it.

The children run in their own process groups so that a Ctrl-C or SIGTERM reaches them once,
from here, as a SIGTERM: gunicorn finishes its requests, a worker its current task. On Linux
they also get a SIGTERM when serve itself dies, even by `kill -9` (PR_SET_PDEATHSIG), so no
worker or web server is left behind holding the port.
"""

import ctypes
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

HEADER_LINE_BYTES = 32 * 1024
GRACE_SECONDS = 10
FIRST_DELAY, LONGEST_DELAY = 1.0, 60.0
# A worker that ran this long before dying had started well: its next restart is quick again.
STEADY_AFTER = 60.0

# One worker per group, named for serve's messages.
WORKERS = {
    "mail worker": ["mail"],
    "calendars worker": ["calendars", "default"],
    # Receivers that hang hold up only this one (docs/webhooks.md).
    "webhooks worker": ["webhooks"],
}

PR_SET_PDEATHSIG = 1

logger = logging.getLogger("bookwithme.serve")


def gunicorn_log_config(folder: str) -> list[str]:
    """gunicorn's own lines (starting, listening, a worker booted or killed) in the project's
    format (LOG_FORMAT, JSON objects too), without the client addresses and request paths
    gunicorn would write (`NoClientAddresses`): a file of logging configuration in `folder`,
    and the option naming it. Its access log stays off: the project's middleware writes one
    line per request, without the client's address."""
    formatters: dict[str, dict] = settings.LOGGING["formatters"]  # type: ignore[assignment]
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {settings.LOG_FORMAT: formatters[settings.LOG_FORMAT]},
        "filters": {"no_addresses": {"()": "bookwithme.observe.logs.NoClientAddresses"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": settings.LOG_FORMAT,
                "filters": ["no_addresses"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": [], "propagate": False},
        },
    }
    path = os.path.join(folder, "gunicorn-logging.json")
    with open(path, "w") as out:
        json.dump(config, out)
    return ["--log-config-json", path]


def restart_delay(previous: float | None, ran_for: float) -> float:
    """Seconds before starting again a worker that died after running `ran_for` seconds,
    `previous` being the delay before its last start (None: first start)."""
    if previous is None or ran_for >= STEADY_AFTER:
        return FIRST_DELAY
    return min(previous * 2, LONGEST_DELAY)


def _die_with_parent():
    """A `preexec_fn`: the child gets SIGTERM when serve dies, however it dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the forked child
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # serve died before prctl: nobody would send the signal
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


@dataclass
class Child:
    name: str
    argv: list[str]
    restarts: bool
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float | None = None
    start_at: float = 0.0

    def start(self, preexec) -> None:
        # Our own interpreter and arguments.
        self.process = subprocess.Popen(self.argv, process_group=0, preexec_fn=preexec)  # noqa: S603
        self.started_at = time.monotonic()

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()


class Command(BaseCommand):
    help = "Apply migrations, then serve the web app and API with task workers beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument("--workers", type=int, default=2, help="Web worker processes.")
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="Threads per web worker: requests waiting on the database overlap.",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run task workers here (run `bookwithme worker` elsewhere).",
        )

    def handle(
        self, *, host: str, port: int, workers: int, threads: int, no_worker: bool, **options
    ):
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}")
        if workers < 1:
            raise CommandError(f"--workers must be at least 1, not {workers}")
        if threads < 1:
            raise CommandError(f"--threads must be at least 1, not {threads}")
        call_command("migrate", interactive=False, verbosity=0)
        # The web workers count requests into files here, which /metrics sums whichever
        # worker answers the scrape (prometheus-client's multiprocess mode; docs/operations.md).
        metrics_dir = tempfile.mkdtemp(prefix="bookwithme-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir

        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        web = self._gunicorn(bind, workers, threads) + gunicorn_log_config(metrics_dir)
        children = [Child("web", web, restarts=False)]
        if not no_worker:
            children += [
                Child(name, self._worker(queues), restarts=True) for name, queues in WORKERS.items()
            ]

        stop_signal: list[int] = []

        def on_signal(signum, frame):
            stop_signal.append(signum)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        preexec = _die_with_parent()
        for child in children:
            child.start(preexec)
        self.say(f"bookwithme serving on http://{bind}/ (Ctrl-C stops)")
        failed = None
        try:
            while not stop_signal and failed is None:
                failed = self._tend(children, preexec)
                time.sleep(0.2)
        finally:
            self._stop(children)
            shutil.rmtree(metrics_dir, ignore_errors=True)
            for s, handler in previous.items():
                signal.signal(s, handler)
        if failed is not None:
            raise CommandError(
                f"the {failed.name} process exited with code {failed.exited()}; stopped the rest"
            )
        self.say("bookwithme stopped")

    def say(self, message: str, level: int = logging.INFO) -> None:
        """One of serve's own lines: a log record with LOG_FORMAT=json (one JSON object per
        line, like every other line), else plain text (stderr for warnings)."""
        if settings.LOG_FORMAT == "json":
            logger.log(level, message)
        elif level >= logging.WARNING:
            self.stderr.write(message)
        else:
            self.stdout.write(message)

    def _tend(self, children: list[Child], preexec) -> Child | None:
        """Restart the workers that died when their time has come; the child whose death stops
        everything, if one died."""
        now = time.monotonic()
        for child in children:
            if child.process is None:
                if now >= child.start_at:
                    child.start(preexec)
                continue
            code = child.exited()
            if code is None:
                continue
            if not child.restarts:
                return child
            child.delay = restart_delay(child.delay, now - child.started_at)
            child.start_at = now + child.delay
            child.process = None
            self.say(
                f"the {child.name} exited with code {code}; starting it again in {child.delay:g} s",
                level=logging.WARNING,
            )
        return None

    def _stop(self, children: list[Child]) -> None:
        running = [c.process for c in children if c.process is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS + 5
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    @staticmethod
    def _gunicorn(bind: str, workers: int, threads: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "bookwithme.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--graceful-timeout",
            str(GRACE_SECONDS),
            "--no-control-socket",
            # gunicorn answers a longer header line itself, with an HTML page; up to this many
            # bytes a bad header (a 10 kB Idempotency-Key, say) gets the API's JSON 4xx.
            "--limit-request-field_size",
            str(HEADER_LINE_BYTES),
            # gunicorn's own default trusts 127.0.0.1 for X-Forwarded-Proto; trust exactly the
            # proxies bookwithme trusts (none: "").
            "--forwarded-allow-ips",
            ",".join(settings.BOOKWITHME_TRUSTED_PROXIES),
        ]

    @staticmethod
    def _worker(queues: list[str]) -> list[str]:
        argv = [sys.executable, "-m", "bookwithme", "worker"]
        for queue in queues:
            argv += ["--queue", queue]
        return argv
