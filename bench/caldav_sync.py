"""Benchmark: syncing a CalDAV calendar of 1,000 events (50 of them weekly series) from a
real Radicale on loopback into the database, on SQLite then PostgreSQL.

Prints the first (full) sync, an unchanged resync (the common case, every 10 minutes) and a
resync after one event changed, beside the targets: full < 5 s, unchanged < 200 ms.

    .venv/bin/python bench/caldav_sync.py [--sqlite-only]
"""

import json
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from calendar_servers import Radicale  # noqa: E402 - after the path set-up above
from liveserver import cli, on_each_engine, run_python, scratch_database, server_env  # noqa: E402

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


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run(engine: str) -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp, scratch_database(Path(tmp)) as database_url:
        if engine == "postgresql" and database_url is None:
            print(f"{engine}: skipped (DATABASE_URL does not point at PostgreSQL)")
            return
        env = server_env(Path(tmp), database_url)
        migrated = cli(env, "migrate", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr
        (Path(tmp) / "radicale").mkdir()
        server = Radicale(Path(tmp) / "radicale").start()
        try:
            calendar = f"{server.url}{server.username}/bench/"
            with server.client() as client:
                # One PUT of the whole calendar: Radicale stores it as 1,000 resources.
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
    full, unchanged = figures["full"], figures["unchanged"] * 1000
    print(f"\n{engine}: Radicale on loopback, {EVENTS:,} events ({SERIES} weekly series)")
    print(f"  busy blocks stored        {figures['rows']:,}")
    print(
        f"  full sync                 {full:8.2f} s    target < {TARGET_FULL_S:.0f} s     "
        f"{verdict(full < TARGET_FULL_S)}"
    )
    print(
        f"  unchanged resync (median) {unchanged:8.1f} ms   target < {TARGET_UNCHANGED_MS:.0f} ms  "
        f"{verdict(unchanged < TARGET_UNCHANGED_MS)}"
    )
    print(f"  resync, one event added   {figures['changed'] * 1000:8.1f} ms")


if __name__ == "__main__":
    on_each_engine(run, __doc__)
