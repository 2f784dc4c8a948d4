"""`bookwithme serve`: migrations, then gunicorn and a task worker as one process tree.

The children run in their own process groups so that a Ctrl-C or SIGTERM reaches them once,
from here, as a SIGTERM: gunicorn finishes its requests, the worker its current task. Should a
child die on its own, the others are stopped too and serve exits with an error, so a process
supervisor sees the failure instead of a half-running app.
"""

import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Apply migrations, then serve the web app and API with a task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument("--workers", type=int, default=2, help="Web worker processes.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run a task worker here (run `bookwithme worker` elsewhere).",
        )

    def handle(self, *, host: str, port: int, workers: int, no_worker: bool, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}")
        if workers < 1:
            raise CommandError(f"--workers must be at least 1, not {workers}")
        call_command("migrate", interactive=False, verbosity=0)

        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "bookwithme.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--graceful-timeout",
                str(GRACE_SECONDS),
                "--access-logfile",
                "-",
                "--no-control-socket",
            ],
        }
        if not no_worker:
            commands["worker"] = [sys.executable, "-m", "bookwithme", "worker"]

        stop_signal: list[int] = []

        def on_signal(signum, frame):
            stop_signal.append(signum)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        children = {
            name: subprocess.Popen(argv, process_group=0)  # noqa: S603 - our own interpreter
            for name, argv in commands.items()
        }
        self.stdout.write(f"bookwithme serving on http://{bind}/ (Ctrl-C stops)")
        failed = None
        try:
            while not stop_signal and failed is None:
                for name, child in children.items():
                    if child.poll() is not None:
                        failed = (name, child.returncode)
                        break
                time.sleep(0.2)
        finally:
            self._stop(children)
            for s, handler in previous.items():
                signal.signal(s, handler)
        if failed is not None:
            name, code = failed
            raise CommandError(f"the {name} process exited with code {code}; stopped the rest")
        self.stdout.write("bookwithme stopped")

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS + 5
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
