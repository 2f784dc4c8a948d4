import os

import pytest

# Misbehaving servers on loopback, for the fenced outbound client (tests/hostile_servers.py).
from hostile_servers import (  # noqa: F401
    _hostile_server,
    elsewhere,
    hostile,
    hostile_is_public,
    hostile_tls,
    hostile_v6,
    no_connections,
    no_http,
)
from hypothesis import settings as hypothesis_settings

# Playwright drives the browser from the test thread while pytest-django's live server runs
# Django in another; Django's async-safety check would refuse the ORM calls in between.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The property tests take their number of examples from one profile: few while working, many
# in CI (.ci/run exports HYPOTHESIS_PROFILE=ci), with the blob that replays a failure printed.
# No deadline: an example's time says more about the machine's load than about the code.
hypothesis_settings.register_profile("dev", max_examples=50, deadline=None)
hypothesis_settings.register_profile("ci", max_examples=500, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config):
    # The shared cache in this process's memory, unless CACHE_URL names one: tests without a
    # database can clear it. The database's and Redis's are tried by tests/test_caches.py, and
    # every real server the tests start uses the default (tests/liveserver.server_env).
    if config.pluginmanager.hasplugin("django") and "CACHE_URL" not in os.environ:
        from django.conf import settings

        from bookwithme.environ import cache

        settings.CACHES["default"] = cache("locmem://")


def _django_is_on(request) -> bool:
    # tests/slots also runs without Django (`-p no:django`): the engine knows no Django.
    return request.config.pluginmanager.hasplugin("django")


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Each test starts with an empty cache: test databases roll back and reuse ids, which a
    real database never does, so cached answers must not leak from one test to the next."""
    if _django_is_on(request):
        from django.core.cache import caches

        from bookwithme.calendars import busy

        for cache in caches.all():
            cache.clear()
        busy._kept.clear()  # expansions kept per owner version, which test databases reuse
    yield


@pytest.fixture
def frozen():
    """Time stands at makers.NOW (Monday 2026-06-01, 08:00 in Paris); yields the traveller
    so a test can move the clock on."""
    import time_machine
    from makers import NOW

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def jitsi(settings):
    """Online meetings get Jitsi rooms at a known address."""
    settings.BOOKWITHME_MEETING_PROVIDER = "jitsi"
    settings.BOOKWITHME_JITSI_URL = "https://meet.example"


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher(request):
    """The production hasher is slow on purpose; no test here measures it."""
    if _django_is_on(request):
        from django.conf import settings

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield


@pytest.fixture(autouse=True, scope="session")
def _loopback_servers_reachable(request):
    """Every calendar server of the tests listens on loopback, which outbound requests refuse
    by default; the tests of that fence (tests/test_outbound.py) switch it back off."""
    if _django_is_on(request):
        from django.conf import settings

        settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = True
    yield


@pytest.fixture
def run_worker():
    """Run every task that is due now, as `bookwithme worker --batch` does, then return."""
    from unittest import mock

    from django.core.management import call_command

    def run():
        # The worker checks its connection between tasks and drops one left outside
        # autocommit, which the test's own transaction is: keep it for the test.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("worker", batch=True, verbosity=0)

    return run
