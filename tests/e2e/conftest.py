"""Journeys in a real browser: Debian's chromium driven by Playwright against a live server.

`make test` installs chromium when it is missing (the Makefile's `browser` step). Where it
cannot, these tests are skipped with the reason printed in the summary, unless
BOOKWITHME_REQUIRE_BROWSER=1 (CI sets it), which turns the skip into a failure.
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
from browser import LAUNCH_ARGS
from django.core.signals import request_finished, request_started
from liveserver import DEADLINE, poll
from playwright.sync_api import expect

# Two cores running the whole suite beside the browser: give pages time before failing, as
# long as any other wait of the tests (BOOKWITHME_TEST_DEADLINE).
expect.set_options(timeout=DEADLINE * 1000)


def chromium_path() -> str | None:
    return os.environ.get("BOOKWITHME_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if not path:
        reason = (
            "BROWSER TESTS NOT RUN: no chromium on this machine "
            "(`make test` tries `apt-get install -y chromium`; install it and rerun)"
        )
        if os.environ.get("BOOKWITHME_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": path, "args": LAUNCH_ARGS}


@pytest.fixture
def site(live_server, settings):
    """The live server's address; links in answers and emails point at it."""
    settings.BOOKWITHME_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def shots(request, tmp_path_factory):
    """Save a full-page screenshot: shots(page, "name"). Files go to a temporary folder
    (BOOKWITHME_SCREENSHOTS to choose it), never into the repository."""
    chosen = os.environ.get("BOOKWITHME_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screens")
    folder = folder / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    taken = []

    def shoot(page, name: str) -> Path:
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        return path

    yield shoot
    print(f"\nscreenshots of {request.node.name}: {folder}")


class InFlight:
    """The live server's requests not yet finished (it answers in threads of this process)."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    def started(self, **kwargs):
        with self.lock:
            self.count += 1

    def finished(self, **kwargs):
        with self.lock:
            self.count -= 1


@pytest.fixture(autouse=True)
def _requests_answered(transactional_db, live_server):
    """Every request the browser sent is answered before the test's database is emptied: one
    still running then (a last fetch of the page) would find its tables locked, or gone."""
    flight = InFlight()
    request_started.connect(flight.started, weak=False)
    request_finished.connect(flight.finished, weak=False)
    yield
    try:
        poll(lambda: flight.count <= 0, "the live server's requests to end", deadlines=0.5)
    finally:
        request_started.disconnect(flight.started)
        request_finished.disconnect(flight.finished)
