"""Benchmark: capacity per app process on PostgreSQL with Redis, the deployment guide's table.

`bookwithme serve --workers N --no-worker` for N = 1, 2 and 4 web processes (gunicorn, 4
threads each), on one PostgreSQL database with `CACHE_URL` on Redis (db 15 of the local
server, emptied first), as docs/deploy.md describes a larger site. For each N, measured with
wrk at 16 connections:

- bookings per second: every request books a distinct start of one of 16 organizers, who
  are new for each N (bench/bookings.py's requests; any answer other than 201 breaks it);
- slot look-ups per second, cached: the same month's slots of an organizer with 2,000 busy
  events a month, again and again (a page viewed until its owner's calendar changes);
- slot look-ups per second, uncached: every request a span no request asked before
  (bench/api.py's list of URLs; each N starts with empty caches, its processes being new).

Beside each: the share of the CPU time used in the run that went to PostgreSQL's processes
(and Redis's), the rest being the app's processes and wrk: what a bigger database machine or
more app machines would buy. The machine's CPUs cap every figure: more processes than CPUs
only queue (the table says how many CPUs there are and how busy they were).

No target: the figures are for the guide. Any failed answer breaks the bench.

    .venv/bin/python bench/capacity.py [--quick] [--duration SECONDS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api
from bookings import SEED as ORGANIZERS_SEED
from bookings import requests_for
from common import (
    Bench,
    busy_cpus,
    cpu_seconds,
    database,
    need_wrk,
    parser,
    pids_of,
    session_pids,
    wrk,
)
from liveserver import free_port, run_python, server_env, start_serve, stop, wait_for_health

PROCESSES = (1, 2, 4)
CONNECTIONS, ORGANIZERS = 16, 16
DURATION, QUICK_DURATION = 6, 3
REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_ready() -> str | None:
    """Why Redis cannot be used (None: it can); emptied db 15 when it can."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.flushdb()
    except Exception as e:  # Any failure to reach it: the bench says so and stops.
        return f"Redis at {REDIS_URL}: {type(e).__name__}: {e}"
    return None


def measured(run, server: list[int]) -> dict:
    """wrk's figures for `run()`, with the CPU time of PostgreSQL, Redis and the server."""
    sides = {
        "postgres": lambda: cpu_seconds(pids_of(("postgres",))),
        "redis": lambda: cpu_seconds(pids_of(("redis-server",))),
        "app": lambda: cpu_seconds(server),
    }
    before = {k: f() for k, f in sides.items()}
    figures, cpus = busy_cpus(run)
    used = {k: f() - before[k] for k, f in sides.items()}
    total = sum(used.values()) or 1e-9
    return {
        **figures,  # type: ignore[dict-item]
        "cpus": cpus,
        "db_share": used["postgres"] / total,
        "redis_share": used["redis"] / total,
    }


def one_size(env: dict, processes: int, pages: list[str], seeded: dict, seconds: int) -> dict:
    port = free_port()
    proc = start_serve(env, port, "--workers", str(processes), "--no-worker")
    try:
        wait_for_health(port, proc)
        base = f"http://127.0.0.1:{port}"
        (bookings,) = requests_for(base, pages, 1, processes)
        server = session_pids(proc.pid)
        # Code loaded and connections opened in every process, the cached answer kept.
        wrk(base + seeded["cached"], CONNECTIONS, 2)
        booked = measured(
            lambda: wrk(base, CONNECTIONS, seconds, requests=bookings, count_statuses=True),
            server,
        )
        cached = measured(lambda: wrk(base + seeded["cached"], CONNECTIONS, seconds), server)
        uncached = measured(
            lambda: wrk(base, CONNECTIONS, seconds, requests=seeded["uncached"]), server
        )
    finally:
        stop(proc)
    return {"bookings": booked, "cached": cached, "uncached": uncached}


def row(processes: int, name: str, f: dict, per_second: float) -> str:
    return (
        f"  {processes:>9} | {name:<23} | {per_second:8,.1f}/s | {per_second / processes:9,.1f}/s "
        f"| {f['p99']:6.0f} ms | {f['cpus']:9.2f} | {f['db_share']:10.0%} | {f['redis_share']:5.0%}"
    )


def main() -> int:
    p = parser(__doc__)
    p.add_argument("--duration", type=int, help=f"seconds per wrk run (default {DURATION})")
    args = p.parse_args()
    seconds = args.duration or (QUICK_DURATION if args.quick else DURATION)
    bench = Bench("capacity")
    if args.sqlite_only:
        print("capacity: PostgreSQL only; skipped with --sqlite-only")
        return bench.finish()
    why = redis_ready()
    if why:
        bench.broke(why)
        return bench.finish()
    if not need_wrk(bench):
        return bench.finish()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    with database("postgresql") as (tmp, database_url):
        env = server_env(tmp, database_url, cache_url=REDIS_URL)
        # Every request comes from one address: a limit no run reaches, which still counts
        # each booking in Redis, as a site's limits do.
        env["BOOKWITHME_BOOKING_RATE_LIMIT"] = str(10**9)
        migrated = subprocess.run(
            [sys.executable, "-m", "bookwithme", "migrate", "--verbosity", "0"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if migrated.returncode:
            bench.broke(f"migrate failed: {migrated.stderr[-500:]}")
            return bench.finish()
        seed = api.SEED.format(span_days=api.SPAN_DAYS, from_dates=60, busy_per_month=2000)
        # One process for both: the test makers number their people from 1 in each.
        seed += "\n" + ORGANIZERS_SEED.format(count=ORGANIZERS * len(PROCESSES))
        printed = run_python(env, seed).strip().splitlines()
        seeded, pages = json.loads(printed[-2]), json.loads(printed[-1])
        results = {}
        for n, processes in enumerate(PROCESSES):
            own = pages[n * ORGANIZERS : (n + 1) * ORGANIZERS]
            results[processes] = one_size(env, processes, own, seeded, seconds)
    print(
        f"\nPostgreSQL + Redis, wrk {CONNECTIONS} connections, {seconds} s a run, "
        f"{os.cpu_count()} CPUs on this machine (app, database, Redis and wrk share them)"
    )
    print(
        "  processes | measure                 | per second | per process "
        "|       p99 | CPUs busy | PostgreSQL | Redis"
    )
    for processes, runs in results.items():
        for key, name in (
            ("bookings", "bookings"),
            ("cached", "slot look-ups, cached"),
            ("uncached", "slot look-ups, uncached"),
        ):
            f = runs[key]
            if key == "bookings":
                statuses = f["statuses"]
                others = {s: c for s, c in statuses.items() if s != 201}
                if others or f["socket_errors"]:
                    bench.broke(f"{processes} processes: answers {others}")
                per_second = statuses.get(201, 0) / f["seconds"]
            else:
                if f["non_2xx"] or f["socket_errors"]:
                    bench.broke(f"{processes} processes, {name}: {f['non_2xx']} not 2xx")
                per_second = f["rps"]
            print(row(processes, name, f, per_second))
    return bench.finish()


if __name__ == "__main__":
    sys.exit(main())
