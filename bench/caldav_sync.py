"""Benchmark: syncing a CalDAV calendar of 1,000 events (50 of them weekly series) from a
real Radicale on loopback into the database, on SQLite then PostgreSQL.

Prints the first (full) sync, an unchanged resync (the common case, every 10 minutes) and a
resync after one event was added, beside the targets: full < 5 s, unchanged < 200 ms; then a
table of them (bench/common.py).

    .venv/bin/python bench/caldav_sync.py [--sqlite-only]
"""

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import caldav

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from calendar_servers import Radicale  # noqa: E402 - after the path set-up above
from common import ENGINE_NAMES, Bench, database, each_engine, engine_names, parser  # noqa: E402
from liveserver import cli, run_python, server_env  # noqa: E402

EVENTS, SERIES = 1000, 50
TARGET_FULL_S, TARGET_UNCHANGED_MS = 5.0, 200.0

MEASURE = """
import json, statistics, time
import caldav
from makers import make_person, make_type
from bookwithme.calendars import connections, sync
from bookwithme.calendars.models import RemoteBusy

owner = make_person(time_zone="Europe/Paris")
make_type(owner, slug="chat", horizon_days=60)
connection = connections.connect_caldav(
    owner, url={url!r}, username={user!r}, password={password!r}, check=[{calendar!r}]
)

def timed():
    started = time.perf_counter()
    outcome = sync.sync(connection.pk)
    assert outcome is not None and outcome.ok, outcome
    return time.perf_counter() - started

full = timed()
rows = RemoteBusy.objects.filter(owner=owner).count()
unchanged = statistics.median(timed() for _ in range(7))
client = caldav.DAVClient(url={url!r}, username={user!r}, password={password!r},
                          auth_type="basic", enable_rfc6764=False)
client.put({calendar!r} + "moved.ics", {extra!r}, {{"Content-Type": "text/calendar"}})
one_changed = timed()
print(json.dumps({{"full": full, "rows": rows, "unchanged": unchanged, "changed": one_changed}}))
"""


def vevent(i: int, start: datetime, rule: str = "") -> str:
    end = start + timedelta(minutes=random.choice([30, 45, 60, 90]))
    return (
        f"BEGIN:VEVENT\r\nUID:bench-{i}@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\n{rule}"
        f"SUMMARY:Busy {i}\r\nEND:VEVENT\r\n"
    )


def calendar_text(now: datetime) -> str:
    """1,000 events over the next 60 days, 50 of them weekly series (some with exceptions)."""
    random.seed(7)
    base = now.replace(hour=7, minute=0, second=0, microsecond=0)
    events = []
    for i in range(EVENTS):
        start = base + timedelta(days=random.randrange(60), minutes=15 * random.randrange(40))
        rule = ""
        if i < SERIES:
            rule = "RRULE:FREQ=WEEKLY;COUNT=12\r\n"
            if i % 5 == 0:
                rule += f"EXDATE:{start + timedelta(weeks=2):%Y%m%dT%H%M%SZ}\r\n"
        events.append(vevent(i, start, rule))
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"
        + "".join(events)
        + ("END:VCALENDAR\r\n")
    )


FULL = "CalDAV full sync, 1,000 events, {engine}"
UNCHANGED = "CalDAV unchanged resync, {engine}"


def run(bench: Bench, engine: str) -> None:
    now = datetime.now(UTC)
    with database(engine) as (tmp, database_url):
        env = server_env(tmp, database_url)
        migrated = cli(env, "migrate", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr
        (tmp / "radicale").mkdir()
        server = Radicale(tmp / "radicale").start()
        try:
            calendar = f"{server.url}{server.username}/bench/"
            # One PUT of the whole calendar: Radicale stores it as 1,000 resources, which takes
            # more than the test client's 10 s on a busy machine; this is set-up, not measured.
            with caldav.DAVClient(
                url=server.url,
                username=server.username,
                password=server.password,
                auth_type="basic",
                timeout=120,
                enable_rfc6764=False,
            ) as client:
                put = client.put(calendar, calendar_text(now), {"Content-Type": "text/calendar"})
                assert put.status == 201, put.raw
            extra = calendar_text(now).split("BEGIN:VEVENT")[1]
            extra = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT" + (
                extra.replace("bench-0@", "bench-moved@") + "END:VCALENDAR\r\n"
            )
            code = MEASURE.format(
                url=server.url,
                user=server.username,
                password=server.password,
                calendar=calendar,
                extra=extra,
            )
            figures = json.loads(run_python(env, code).strip().splitlines()[-1])
        finally:
            server.stop()
    name, full, unchanged = ENGINE_NAMES[engine], figures["full"], figures["unchanged"] * 1000
    print(f"\n{name}: Radicale on loopback, {EVENTS:,} events ({SERIES} weekly series)")
    print(f"  busy blocks stored: {figures['rows']:,}")
    bench.check(FULL.format(engine=name), f"{full:.2f} s", full, "<", TARGET_FULL_S, "s")
    bench.check(
        UNCHANGED.format(engine=name),
        f"{unchanged:.1f} ms (median of 7)",
        unchanged,
        "<",
        TARGET_UNCHANGED_MS,
        "ms",
    )
    print(f"CalDAV resync, one event added, {name}: {figures['changed'] * 1000:.1f} ms (no target)")


def main() -> int:
    # --quick changes nothing here: one full sync and a few resyncs take seconds already.
    args = parser(__doc__).parse_args()
    bench = Bench("caldav_sync")
    measures = [
        (FULL, "<", TARGET_FULL_S, "s"),
        (UNCHANGED, "<", TARGET_UNCHANGED_MS, "ms"),
    ]
    each_engine(bench, engine_names(args), lambda engine: run(bench, engine), measures)
    return bench.finish()


if __name__ == "__main__":
    sys.exit(main())
