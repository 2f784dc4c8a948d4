"""Benchmark: bookings over HTTP at 8 and at 32 connections, on PostgreSQL, `bookwithme serve`
with 4 gunicorn workers (no task workers), driven by wrk.

Whether bookings scale with workers: at 32 connections the four workers should take at least
1.5x the bookings per second they take at 8. Every request books a distinct start (so 409s, a
start no longer offered, should stay at zero) of one of 16 organizers: a booking locks its
organizer (their row) for its whole transaction, so one organizer's bookings are served one at
a time whatever the workers; spread over several organizers they can run side by side, which
is the scaling asked about. For comparison, the same at 32 connections for one organizer
alone (no target).

The starts are read beforehand from the slots route (62 days of 15-minute slots round the
clock per organizer) and shuffled; each run has organizers of its own, so every run books
into calendars as empty as the others'. wrk POSTs them from a list (bench/common.py), one
start per request, and counts the answers by status. The 8-connection figure is measured in
two halves, before and after the 32-connection run, so that a drift of the machine's speed
falls on both sides of the ratio. Booking rate limits are off (BOOKWITHME_BOOKING_RATE_LIMIT=0):
every request comes from one address. Any answer other than 201 or 409, or a socket error,
means the bench broke: it says so and exits 1.

    .venv/bin/python bench/bookings.py [--quick] [--duration SECONDS]
"""

from __future__ import annotations

import json
import os
import random
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH_DIR,
    Bench,
    busy_cpus,
    cpu_seconds,
    database,
    each_engine,
    need_wrk,
    parser,
    pids_of,
    session_pids,
    target_text,
    wrk,
)
from liveserver import (
    free_port,
    run_python,
    server_env,
    start_serve,
    stop,
    wait_for_health,
)

WORKERS, ORGANIZERS = 4, 16
LOW, HIGH = 8, 32
DURATION, QUICK_DURATION = 8, 4
TARGET_SCALING = 1.5
SCALING = "bookings, distinct slots, PostgreSQL, 4 workers, c=32 vs c=8"

SEED = """
import json
from django.test import override_settings
from makers import make_person, make_type
# The organizers never sign in: a fast hash spares a second of PBKDF2 per organizer.
override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()
round_the_clock = {{day: [["00:00", "24:00"]] for day in
                    ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
pages = []
for _ in range({count}):
    owner = make_person(time_zone="Europe/Paris", weekly=round_the_clock)
    make_type(owner, title="Chat", slug="chat", duration_minutes=15, horizon_days=730)
    pages.append(owner.page_slug)
print(json.dumps(pages))
"""

# In a process of its own after the server stopped: one booking request in process (Django's
# test client, the whole middleware stack), profiled, for a missed target's why.
PROFILE = """
import json, sys
sys.path.insert(0, {bench!r})
from common import profile
from django.test import Client

client, lines = Client(), iter({lines!r})

def book():
    path, body = next(lines).split("\\t")
    answer = client.post(path, body, content_type="application/json", HTTP_HOST="127.0.0.1")
    assert answer.status_code == 201, answer.content

for _ in range(5):
    book()
print(json.dumps(profile(book, 25)))
"""

STORED = """
from bookwithme.booking.models import Booking
print(Booking.objects.filter(status=Booking.Status.CONFIRMED).count())
"""


def free_starts(base: str, page: str) -> list[str]:
    """The starts the slots route offers for `page` over 62 days from tomorrow."""
    first = (datetime.now(UTC) + timedelta(days=1)).date()
    query = f"from={first}&to={first + timedelta(days=61)}&tz=Europe/Paris"
    with urllib.request.urlopen(f"{base}/api/v1/pages/{page}/chat/slots?{query}") as answer:
        return [slot["start"] for slot in json.loads(answer.read())["slots"]]


def requests_for(base: str, pages: list[str], parts: int, seed: int) -> list[list[str]]:
    """`parts` disjoint lists of booking requests (PATH<TAB>BODY) over `pages`' free starts,
    organizers taking turns, so that consecutive requests (and each wrk thread's share) go to
    different organizers."""
    rng = random.Random(seed)
    per_page = []
    for page in pages:
        starts = free_starts(base, page)
        rng.shuffle(starts)
        per_page.append((page, starts))
    lines = []
    for i in range(min(len(starts) for _, starts in per_page)):
        for page, starts in per_page:
            body = {
                "start": starts[i],
                "name": "Bench Attendee",
                "email": f"attendee{len(lines)}@example.org",
                "time_zone": "Europe/Paris",
            }
            lines.append(f"/api/v1/pages/{page}/chat/bookings\t{json.dumps(body)}")
    # Consecutive blocks, one a part: each part still alternates between the organizers.
    size = len(lines) // parts
    return [lines[n * size : (n + 1) * size] for n in range(parts)]


def booked(figures: list[dict]) -> dict:
    """wrk runs of one setting as one: bookings (201s) per second, statuses, worse p99."""
    seconds = sum(f["seconds"] for f in figures)
    statuses: dict[int, int] = {}
    for f in figures:
        for status, n in f["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {
        "per_second": statuses.get(201, 0) / seconds,
        "p50": max(f["p50"] for f in figures),
        "p99": max(f["p99"] for f in figures),
        "statuses": statuses,
        "socket_errors": sum(f["socket_errors"] for f in figures),
        "wrapped": sum(f["wrapped"] for f in figures),
    }


def run(bench: Bench, seconds: int) -> None:
    half = max(1, seconds // 2)
    with database("postgresql") as (tmp, database_url):
        env = server_env(tmp, database_url)
        env["BOOKWITHME_BOOKING_RATE_LIMIT"] = "0"
        port = free_port()
        proc = start_serve(env, port, "--workers", str(WORKERS), "--no-worker")
        try:
            wait_for_health(port, proc)
            pages = json.loads(run_python(env, SEED.format(count=2 * ORGANIZERS + 3)))
            base = f"http://127.0.0.1:{port}"
            low_a, low_b = requests_for(base, pages[:ORGANIZERS], 2, 1)
            (high,) = requests_for(base, pages[ORGANIZERS : 2 * ORGANIZERS], 1, 2)
            (alone,) = requests_for(base, pages[-2:-1], 1, 3)
            (warm_up,) = requests_for(base, pages[-1:], 1, 4)
            (profiled,) = requests_for(base, pages[-3:-2], 1, 5)
            server = session_pids(proc.pid)

            def book(connections: int, duration: int, requests: list[str]) -> dict:
                return wrk(base, connections, duration, requests=requests, count_statuses=True)

            runs: dict[str, list[dict]] = {"warm-up": [], "low": [], "high": [], "alone": []}
            # Every worker first loads the booking path's code, for an organizer of its own.
            runs["warm-up"].append(book(LOW, 2, warm_up))
            cpus: dict[str, list[float]] = {"low": [], "high": []}
            database_cpu = cpu_seconds(pids_of(("postgres",)))
            app_cpu = cpu_seconds(server)
            for name, connections, duration, lines in (
                ("low", LOW, half, low_a),
                ("high", HIGH, seconds, high),
                ("low", LOW, half, low_b),
            ):
                figures, busy = busy_cpus(lambda c=connections, d=duration, r=lines: book(c, d, r))
                runs[name].append(figures)  # type: ignore[arg-type]
                cpus[name].append(busy)
            database_cpu = cpu_seconds(pids_of(("postgres",))) - database_cpu
            app_cpu = cpu_seconds(server) - app_cpu
            runs["alone"].append(book(HIGH, half, alone))
            stored = int(run_python(env, STORED).strip())
        finally:
            stop(proc)
        # An organizer of its own, whom no run booked.
        code = PROFILE.format(bench=str(BENCH_DIR), lines=profiled[-40:])
        inside = json.loads(run_python(env, code).strip().splitlines()[-1])
    figures = {name: booked(r) for name, r in runs.items()}
    print(
        f"\nPostgreSQL: gunicorn {WORKERS} workers; c={HIGH}: {seconds} s over {ORGANIZERS} "
        f"organizers; c={LOW}: {half} + {half} s (before and after) over {ORGANIZERS} others; "
        f"one organizer alone: {half} s"
    )
    labels = {
        "warm-up": f"c={LOW}, warm-up",
        "low": f"c={LOW}, {ORGANIZERS} organizers",
        "high": f"c={HIGH}, {ORGANIZERS} organizers",
        "alone": f"c={HIGH}, one organizer",
    }
    answered = 0
    for name, f in figures.items():
        statuses = f["statuses"]
        answered += statuses.get(201, 0)
        others = {s: n for s, n in statuses.items() if s not in (201, 409)}
        print(
            f"  {labels[name]:<22} {f['per_second']:7.1f} bookings/s   p50 {f['p50']:7.1f} ms   "
            f"p99 {f['p99']:7.1f} ms   201: {statuses.get(201, 0):,}   409: {statuses.get(409, 0)}"
            + (f"   other: {others}" if others else "")
        )
        if others or f["socket_errors"]:
            bench.broke(f"{labels[name]}: answers {others}, {f['socket_errors']} socket errors")
        if f["wrapped"]:
            bench.broke(f"{labels[name]}: wrk ran out of free starts")
    if stored < answered:
        bench.broke(f"{answered} bookings answered 201, only {stored} stored")
    low, high = figures["low"]["per_second"], figures["high"]["per_second"]
    ratio = high / low if low else 0.0
    met = bench.check(
        SCALING,
        f"{ORGANIZERS} organizers a run; c={LOW} {low:.1f}/s (p99 {figures['low']['p99']:.0f} "
        f"ms), c={HIGH} {high:.1f}/s (p99 {figures['high']['p99']:.0f} ms); ratio {ratio:.2f}x",
        ratio,
        ">=",
        TARGET_SCALING,
        "x",
    )
    if not met:
        low_cpus, high_cpus = sum(cpus["low"]) / 2, cpus["high"][0]
        print(
            f"  why: the machine's {os.cpu_count()} CPUs were {low_cpus:.2f} busy at c={LOW} "
            f"and {high_cpus:.2f} at c={HIGH} (all processes: app, PostgreSQL, wrk); with "
            f"c={LOW} already near the machine's CPUs, more connections only queue. Of the "
            f"CPU time the app and PostgreSQL used in these runs, PostgreSQL's share was "
            f"{database_cpu / (database_cpu + app_cpu):.0%}. One booking request in process:\n"
            + inside
        )
    print(
        f"bookings for one organizer alone, c={HIGH}: {figures['alone']['per_second']:.1f}/s "
        f"(p99 {figures['alone']['p99']:.0f} ms); no target: its lock serialises its bookings"
    )


def main() -> int:
    p = parser(__doc__)
    p.add_argument("--duration", type=int, help=f"seconds of the c={HIGH} run (default {DURATION})")
    args = p.parse_args()
    seconds = args.duration or (QUICK_DURATION if args.quick else DURATION)
    bench = Bench("bookings")
    measures = [(SCALING, ">=", TARGET_SCALING, "x")]
    if args.sqlite_only:
        # The target is PostgreSQL's: SQLite takes one write at a time whatever the workers.
        bench.not_measured(SCALING, target_text(*measures[0][1:]), "--sqlite-only")
    elif need_wrk(bench):
        each_engine(bench, ["postgresql"], lambda _engine: run(bench, seconds), measures)
    return bench.finish()


if __name__ == "__main__":
    sys.exit(main())
