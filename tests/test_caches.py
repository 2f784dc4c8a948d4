"""The shared cache: CACHE_URL, and counting in it once per attempt across processes."""

import subprocess
import sys

import pytest
from liveserver import ROOT, cli, scratch_database, server_env

from bookwithme.environ import ConfigError, cache


@pytest.mark.parametrize(
    "url, backend, location",
    [
        ("db://", "bookwithme.caches.DatabaseCache", "bookwithme_cache"),
        ("db://shared_cache", "bookwithme.caches.DatabaseCache", "shared_cache"),
        ("redis://127.0.0.1:6379/2", "django.core.cache.backends.redis.RedisCache", None),
        ("rediss://:pw@cache.example:6380/0", "django.core.cache.backends.redis.RedisCache", None),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache", None),
    ],
)
def test_cache_urls(url, backend, location):
    setting = cache(url)
    assert setting["BACKEND"] == backend
    if backend.endswith("RedisCache"):
        assert setting["LOCATION"] == url  # the client takes the URL itself
    else:
        assert setting.get("LOCATION") == location


@pytest.mark.parametrize(
    "url, says",
    [
        ("memcached://127.0.0.1:11211", "must start with db://"),
        ("db://drop table;", "cannot be one"),
        ("redis:///0", "no host"),
        ("127.0.0.1:6379", "must start with"),
    ],
)
def test_unusable_cache_urls_are_refused_with_the_reason(url, says):
    with pytest.raises(ConfigError, match=says):
        cache(url)


COUNT = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwithme.settings")
import django
django.setup()
from bookwithme import throttle
print(" ".join(str(throttle.spend("attempts:198.51.100.7", 600)) for _ in range(40)))
"""


def count_in_processes(env: dict[str, str], processes: int) -> list[int]:
    """Every process counts 40 attempts under one key at once; the counts they were told."""
    running = [
        subprocess.Popen(
            [sys.executable, "-c", COUNT], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    told = []
    for proc in running:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        told += [int(n) for n in out.split()]
    return told


@pytest.mark.slow
def test_the_database_cache_counts_each_attempt_once_across_processes(tmp_path):
    """The default shared cache, made by `migrate`: four processes counting at once are told
    1 to 160, each number once (Django's own increment would tell some the same number)."""
    with scratch_database(tmp_path) as url:
        env = server_env(tmp_path, url)
        migrated = cli(env, "migrate", "--no-input")
        assert migrated.returncode == 0, migrated.stderr
        assert sorted(count_in_processes(env, 4)) == list(range(1, 161))


@pytest.mark.slow
def test_redis_counts_each_attempt_once_across_processes(tmp_path):
    import redis

    url = "redis://127.0.0.1:6379/13"
    redis.Redis.from_url(url).flushdb()
    env = server_env(tmp_path, cache_url=url)
    assert sorted(count_in_processes(env, 4)) == list(range(1, 161))
    redis.Redis.from_url(url).flushdb()


def test_redis_gets_time_limits_so_a_dead_one_never_hangs_a_request():
    options = cache("redis://cache.example:6379/0")["OPTIONS"]
    assert options == {"socket_connect_timeout": 1.0, "socket_timeout": 5.0}


def test_a_cache_that_does_not_answer_never_stops_a_booking_or_a_sign_in(
    db, client, settings, frozen, caplog
):
    """Redis down: the limits count nothing, the booking and the sign-in go through, the log
    says why (once)."""
    from datetime import timedelta

    from makers import NOW, make_person, make_type

    settings.CACHES = {**settings.CACHES, "default": cache(f"redis://127.0.0.1:{closed_port()}/0")}
    settings.BOOKWITHME_BOOKING_RATE_LIMIT = 1
    alex = make_person(page_slug="alex")
    alex.set_password("a long and private passphrase")
    alex.save()
    make_type(alex, title="Intro", slug="intro", duration_minutes=30, online_meeting=True)
    for hours in (1, 2):  # two: a limit of 1 would refuse the second, were it counted
        start = NOW + timedelta(days=1, hours=hours)
        answer = client.post(
            "/api/v1/pages/alex/intro/bookings",
            {
                "start": start.isoformat(),
                "name": "Eve",
                "email": "eve@example.org",
                "time_zone": "Europe/Paris",
            },
            content_type="application/json",
        )
        assert answer.status_code == 201, answer.content
    signed_in = client.post(
        "/app/login", {"username": alex.email, "password": "a long and private passphrase"}
    )
    assert signed_in.status_code == 302, signed_in.content
    said = [r for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(said) == 1
    assert said[0].levelname == "ERROR"


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
