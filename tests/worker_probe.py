"""A task for the worker tests: it leaves one file per run, made exclusively, so a task run
twice fails loudly and a task never run leaves a gap (tests/test_two_servers.py)."""

import os
import time
from pathlib import Path

from django.tasks import task


@task(queue_name="default")
def leave_mark(directory: str, n: int) -> None:
    # Opened with "x": a second run of the same task finds the file and raises.
    with (Path(directory) / f"{n}").open("x") as mark:
        mark.write(str(os.getpid()))
    time.sleep(0.002)  # long enough for the other workers to be polling meanwhile
