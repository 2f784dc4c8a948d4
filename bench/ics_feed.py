"""Benchmark: reading a large ICS feed as real clients publish it, and the cost of rules that
would otherwise make expansion unbounded; on SQLite then PostgreSQL.

The feed: 5,000 events over a year, 200 of them series in the shapes real clients write
(Outlook's Windows zone names and own VTIMEZONE, UNTIL as a DATE or in local time, COUNT,
EXDATE), served over loopback HTTP. Printed beside the targets:
- first sync (fetch, parse, store) < 3 s;
- unchanged resync < 200 ms, both when the server answers 304 and when it has no validators
  and sends the same body again;
- refusing a rule that never occurs (30 February), once when it is saved: < 50 ms;
- one slot look-up's expansion of a secondly rule and of a 10,000-instance series: < 5 ms
  each.
Then a table of them (bench/common.py).

    .venv/bin/python bench/ics_feed.py [--sqlite-only]
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from common import ENGINE_NAMES, Bench, database, each_engine, engine_names, parser  # noqa: E402
from liveserver import cli, run_python, server_env  # noqa: E402

EVENTS, SERIES = 5000, 200
TARGET_FULL_S, TARGET_UNCHANGED_MS, TARGET_RULE_MS, TARGET_CHECK_MS = 3.0, 200.0, 5.0, 50.0

MEASURE = """
import json, statistics, threading, time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo
from calendar_servers import FeedServer
from makers import make_person, make_type
from bookwithme.calendars import connections, sync
from bookwithme.calendars.models import RemoteBusy
from bookwithme.calendars.recurrence import RecurrenceError, occurrences, prepare

server = FeedServer()
threading.Thread(target=server.serve_forever, daemon=True).start()
owner = make_person(time_zone="Europe/Paris")
make_type(owner, slug="chat", horizon_days=60)
feed = open({feed!r}, "rb").read()
connection = connections.connect_feed(owner, url=server.publish("bench.ics", feed))

def timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started

def synced():
    outcome = sync.sync(connection.pk)
    assert outcome is not None and outcome.ok, outcome

full = timed(synced)
rows = RemoteBusy.objects.filter(owner=owner).count()
unread = connection.unread_summary()
not_modified = statistics.median(timed(synced) for _ in range(7))
server.etags = False
same_body = statistics.median(timed(synced) for _ in range(7))

paris, now = ZoneInfo("Europe/Paris"), datetime.now(UTC)
start = now.replace(microsecond=0)
def refused():
    try:
        prepare("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", start, start + timedelta(hours=1), paris)
    except RecurrenceError:
        return
    raise AssertionError("a rule that never occurs was accepted")
never = min(timed(refused) for _ in range(5))
span = (now, now + timedelta(days=62))
def expand(rule, first, length):
    stored = prepare(rule, first, first + length, paris).rule
    return min(
        timed(lambda: occurrences(stored, first, first + length, paris, frozenset(), *span))
        for _ in range(5)
    )
secondly = expand("FREQ=SECONDLY", start, timedelta(seconds=1))
counted = expand("FREQ=DAILY;COUNT=10000", start - timedelta(days=9000), timedelta(hours=1))
print(json.dumps({{
    "full": full, "rows": rows, "skipped": unread.skipped_count, "warnings": unread.warnings,
    "not_modified": not_modified, "same_body": same_body,
    "never": never, "secondly": secondly, "counted": counted,
}}))
"""

OUTLOOK_ZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\nBEGIN:STANDARD\r\n"
    "DTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n"
    "DTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)


def feed_text() -> str:
    """5,000 events over the coming year, 200 of them series in four real-world shapes."""
    from datetime import UTC, datetime, timedelta

    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    zones = ["Europe/Paris", "W. Europe Standard Time", "Customized Time Zone"]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN", "X-WR-TIMEZONE:Europe/Paris"]
    lines.append(OUTLOOK_ZONE.rstrip("\r\n"))
    for i in range(EVENTS):
        start = base + timedelta(days=(i * 7) % 365 - 2, hours=7 + i % 10, minutes=15 * (i % 4))
        end = start + timedelta(minutes=30 + 15 * (i % 3))
        tzid = zones[i % 3]
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{i}@example.org",
            "DTSTAMP:20260101T000000Z",
            f"SUMMARY:Busy {i}",
            f"DTSTART;TZID={tzid}:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID={tzid}:{end:%Y%m%dT%H%M%S}",
        ]
        if i < SERIES:
            until = start + timedelta(days=120)
            lines.append(
                [
                    f"RRULE:FREQ=WEEKLY;UNTIL={until:%Y%m%d}",
                    f"RRULE:FREQ=WEEKLY;BYDAY=MO,TH;UNTIL={until:%Y%m%dT%H%M%S}",
                    "RRULE:FREQ=DAILY;COUNT=30",
                    "RRULE:FREQ=MONTHLY;BYDAY=2TU",
                ][i % 4]
            )
            lines.append(f"EXDATE;TZID={tzid}:{start + timedelta(weeks=1):%Y%m%dT%H%M%S}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


# What is measured, its figure's key, unit and scale, and its target.
MEASURES = [
    ("ICS first sync, 5,000 events, {engine}", "full", "s", 1, TARGET_FULL_S),
    ("ICS unchanged resync, 304, {engine}", "not_modified", "ms", 1000, TARGET_UNCHANGED_MS),
    ("ICS unchanged resync, same body, {engine}", "same_body", "ms", 1000, TARGET_UNCHANGED_MS),
    ("refusing a rule that never occurs, {engine}", "never", "ms", 1000, TARGET_CHECK_MS),
    ("62 days of a secondly rule, {engine}", "secondly", "ms", 1000, TARGET_RULE_MS),
    ("62 days of a 10,000-instance series, {engine}", "counted", "ms", 1000, TARGET_RULE_MS),
]


def run(bench: Bench, engine: str) -> None:
    with database(engine) as (tmp, database_url):
        env = server_env(tmp, database_url)
        env["BOOKWITHME_ALLOW_PRIVATE_ADDRESSES"] = "true"  # the feed is on loopback
        migrated = cli(env, "migrate", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr
        feed = tmp / "bench.ics"
        feed.write_text(feed_text())
        printed = run_python(env, MEASURE.format(feed=str(feed)))
        figures = json.loads(printed.strip().splitlines()[-1])
    name = ENGINE_NAMES[engine]
    print(f"\n{name}: an ICS feed on loopback, {EVENTS:,} events ({SERIES} series)")
    print(f"  busy blocks stored {figures['rows']:,}; skipped {figures['skipped']}")
    for warning in figures["warnings"]:
        print(f"  warning: {warning}")
    for measure, key, unit, scale, target in MEASURES:
        value = figures[key] * scale
        shown = f"{value:.2f} s" if unit == "s" else f"{value:.1f} ms"
        bench.check(measure.format(engine=name), shown, value, "<", target, unit)


def main() -> int:
    # --quick changes nothing here: each figure takes seconds at most already.
    args = parser(__doc__).parse_args()
    bench = Bench("ics_feed")
    targets = [(m, "<", t, u) for m, _key, u, _scale, t in MEASURES]
    each_engine(bench, engine_names(args), lambda engine: run(bench, engine), targets)
    return bench.finish()


if __name__ == "__main__":
    sys.exit(main())
