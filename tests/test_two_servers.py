"""Several servers and workers on one database and one shared cache, as a site that outgrew one
process runs: one winner across servers, limits counted site-wide, a booking on one server
seen at once by the other, and workers sharing the queues with no task run twice or lost.

On the suite's database (a SQLite file, or PostgreSQL in CI) with each shared cache: the
database's own (the default) and Redis.
"""

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from liveserver import (
    DEADLINE,
    ROOT,
    call,
    free_port,
    poll,
    run_python,
    scratch_database,
    server_env,
    start_serve,
    stop,
    wait_for_health,
)

pytestmark = pytest.mark.slow

SEED = """
import json
from makers import make_person, make_type
p = make_person(time_zone="UTC", weekly={d: [["00:00", "24:00"]] for d in
    ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
make_type(p, title="Chat", slug="chat", duration_minutes=30, horizon_days=700)
print(json.dumps({"page": p.page_slug}))
"""


@pytest.fixture(scope="module", params=["db://", "redis://127.0.0.1:6379/14"])
def site(request, tmp_path_factory):
    """Two `serve` processes (no worker) on one database and one shared cache."""
    tmp = tmp_path_factory.mktemp("site")
    if request.param.startswith("redis"):
        import redis

        redis.Redis.from_url(request.param).flushdb()
    with scratch_database(tmp) as database_url:
        env = server_env(tmp, database_url, cache_url=request.param)
        env["BOOKWITHME_BOOKING_RATE_LIMIT"] = "5"
        # The tests speak as several visitors: the servers trust loopback as their proxy.
        env["BOOKWITHME_TRUSTED_PROXIES"] = "127.0.0.1"
        env["BOOKWITHME_SSL_REDIRECT"] = "false"
        ports = [free_port(), free_port()]
        servers = [start_serve(env, ports[0], "--workers", "2", "--no-worker")]
        try:
            wait_for_health(ports[0], servers[0])  # the first one migrates
            servers.append(start_serve(env, ports[1], "--workers", "2", "--no-worker"))
            wait_for_health(ports[1], servers[1])
            seed = json.loads(run_python(env, SEED))
            yield {"bases": [f"http://127.0.0.1:{p}" for p in ports], "env": env, **seed}
        finally:
            for server in servers:
                stop(server)


_day = iter(range(1, 10_000))


def fresh_day() -> datetime:
    """A day of its own for each test (the servers run on the real clock)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7 + next(_day))


def book(site, server: int, start: datetime, visitor: str) -> int:
    status, _ = call(
        "POST",
        f"{site['bases'][server]}/api/v1/pages/{site['page']}/chat/bookings",
        {"start": start.isoformat(), "name": "Ann", "email": "ann@example.org", "time_zone": "UTC"},
        {"X-Forwarded-For": visitor},
    )
    return status


def starts(site, server: int, day: datetime) -> list[str]:
    status, body = call(
        "GET",
        f"{site['bases'][server]}/api/v1/pages/{site['page']}/chat/slots"
        f"?from={day.date()}&to={day.date()}&tz=UTC",
    )
    assert status == 200
    return [s["start"] for s in body["slots"]]


def test_one_slot_booked_from_both_servers_at_once_has_one_winner(site):
    start = fresh_day().replace(hour=10)
    barrier = threading.Barrier(20)
    results: list[int] = []

    def visitor(i: int) -> None:
        barrier.wait()
        results.append(book(site, i % 2, start, f"198.51.100.{i + 1}"))

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLINE)
    assert sorted(results) == [201] + [409] * 19


def test_the_booking_limit_is_one_count_for_the_whole_site(site):
    """Twelve tries from one address, alternating servers: five are let through in all."""
    day = fresh_day()
    results = [book(site, i % 2, day + timedelta(hours=i), "203.0.113.9") for i in range(12)]
    assert results == [201] * 5 + [429] * 7


def test_a_booking_on_one_server_takes_the_slot_off_the_other_at_once(site):
    day = fresh_day()
    before = starts(site, 1, day)  # cached by the second server
    assert before == starts(site, 1, day)
    chosen = datetime.fromisoformat(before[3])
    assert book(site, 0, chosen, "192.0.2.44") == 201
    after = starts(site, 1, day)
    assert before[3] not in after
    assert len(after) == len(before) - 1


def test_three_workers_share_a_thousand_tasks_running_each_once(site, tmp_path):
    """Each task leaves a file of its own, made exclusively: none is run twice (a second run
    would fail on the file) and none is lost; the work is shared among the workers."""
    marks = tmp_path / "marks"
    marks.mkdir()
    env = {**site["env"], "PYTHONPATH": str(ROOT / "tests")}
    run_python(
        env,
        "from worker_probe import leave_mark\n"
        f"for n in range(1000): leave_mark.enqueue({str(marks)!r}, n)\n",
    )

    worker = [sys.executable, "-m", "bookwithme", "worker", "--queue", "default"]
    logs = [tmp_path / f"worker{i}.log" for i in range(3)]  # a pipe would fill and block them
    workers = [
        subprocess.Popen(
            [*worker, "--interval", "0.05"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        for log in logs
    ]
    try:
        poll(
            lambda: len(list(marks.iterdir())) >= 1000,
            lambda: f"the workers ran {len(list(marks.iterdir()))} of 1000 tasks",
            deadlines=5,  # a thousand claims, each a write: SQLite takes them one at a time
        )
    finally:
        for proc in workers:
            proc.terminate()
            proc.wait(timeout=DEADLINE)
    errors = [log.read_text() for log in logs]
    assert sorted(int(p.name) for p in marks.iterdir()) == list(range(1000))
    assert all("FileExistsError" not in e for e in errors), errors
    runners = {Path(marks / str(n)).read_text() for n in range(1000)}
    assert len(runners) == 3  # shared: every worker ran some
    failed = run_python(
        env,
        "from django_tasks_db.models import DBTaskResult\n"
        "probes = DBTaskResult.objects.filter(task_path='worker_probe.leave_mark')\n"
        "print(probes.count(), probes.exclude(status='SUCCESSFUL').count())\n",
    )
    assert failed.split() == ["1000", "0"]  # every probe's task done, none failed
