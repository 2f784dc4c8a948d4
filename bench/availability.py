"""Benchmark: the availability door in process (no HTTP), on SQLite then PostgreSQL.

- Uncached one-month slots of an organizer with 2,000 busy events in the month
  (`offer_on_page`, the slots route's own call, Europe/Paris, weekdays 09:00-17:00), against a
  floor measured in the same run on the same rows: an indexed range read of them with a raw
  cursor (sqlite3 / psycopg, not Django's), parsed (`datetime.fromisoformat` on SQLite; on
  PostgreSQL the driver's own timestamptz parsing), and one plain loop merging them. Target:
  the cold look-up within 2x of the floor (the floor reads the rows every time, so the app is
  held to a look-up that must read them too; the warm one is printed beside it).
- The ORM read of those busy rows (a `values_list` of start and end), and the app's own read
  (`busy_between`), against the raw cursor read + parse alone: no target, the ratio says what
  the ORM costs.
- Uncached one-month slots of an organizer with 500 recurring series (daily and weekly with
  BYDAY, some ending by UNTIL or COUNT, in Europe/Paris), warm and cold. Target: warm < 50 ms.

"Uncached" means a miss of the slots caches, obtained without touching them: each round first
bumps the owner's availability_version (as any change of theirs does), then asks type "chat"
(cold: the first request after the bump) and then "chat-twin", a twin type of the same owner
(warm: the same span and busy time, a new cache key, every other cache as the change-free
first request left it). Figures are medians over the rounds (the first round, which also
loads code and opens connections, is dropped); app and floor are measured in turn in each
round, so that the machine's noise falls on both, each call after a full garbage collection,
so that none pays for another's garbage.

    .venv/bin/python bench/availability.py [--quick] [--sqlite-only]
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH_DIR,
    ENGINE_NAMES,
    Bench,
    database,
    each_engine,
    engine_names,
    parser,
    profile,
)
from liveserver import cli, run_python, server_env

BUSY_EVENTS, SERIES = 2000, 500
TARGET_FLOOR_RATIO, TARGET_SERIES_MS = 2.0, 50.0
ROUNDS, QUICK_ROUNDS = 15, 5

SLOTS = "uncached one-month slots, {events:,} busy, in process, {engine}"
ORM = "ORM read of those busy rows, {engine}"
SERIES_LINE = "{series} recurring series, one month, in process, {engine}"


# --- in the measuring process (Django set up, against the scratch database) ----------------


def _first_monday() -> date:
    """A Monday at least two days ahead: the month asked starts there, so the app's own busy
    read (its windows, a day either side) and the floor's (the month, a day either side)
    both hold every event of the month."""
    day = datetime.now(UTC).date() + timedelta(days=2)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _seed_busy(owner, start: datetime, end: datetime) -> None:
    from bookwithme.calendars.models import Event

    rng = random.Random(7)
    quarters = int((end - start).total_seconds() // 900) - 4
    events = []
    for i in range(BUSY_EVENTS):
        s = start + timedelta(minutes=15 * rng.randrange(quarters))
        e = s + timedelta(minutes=rng.choice([15, 30, 45, 60]))
        events.append(Event(owner=owner, title=f"busy {i}", start=s, end=e))
    Event.objects.bulk_create(events)


def _seed_series(owner, first: date, last: date) -> None:
    """500 series in the shapes people make: every day, some weekdays, every other week;
    endless, until a date, or a number of times; started up to four months before the month
    (before the October clock change, some of them) or inside it."""
    from zoneinfo import ZoneInfo

    from django.db import transaction

    from bookwithme.calendars.events import add_event

    paris, rng = ZoneInfo("Europe/Paris"), random.Random(500)
    with transaction.atomic():
        for i in range(SERIES):
            day = first - timedelta(days=rng.randrange(-20, 120))
            wall = datetime(
                day.year, day.month, day.day, rng.randrange(7, 19), 15 * rng.randrange(4)
            )
            start = wall.replace(tzinfo=paris)
            end = start + timedelta(minutes=rng.choice([15, 30, 45, 60, 90]))
            until_day = max(last - timedelta(days=rng.randrange(0, 20)), day + timedelta(days=7))
            until = datetime(until_day.year, until_day.month, until_day.day, 23, 0, tzinfo=paris)
            count = (first - day).days + rng.randrange(5, 25)
            rule = [
                "FREQ=DAILY",
                "FREQ=WEEKLY;BYDAY=MO,WE,FR",
                f"FREQ=WEEKLY;BYDAY=TU,TH;UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                f"FREQ=DAILY;COUNT={max(count, 1)}",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=30",
                "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
            ][i % 6]
            add_event(
                owner, title=f"series {i}", start=start, end=end, rrule=rule, time_zone=paris.key
            )


def _floor_reader():
    """(read, parse) of the owner's busy rows over a span with a raw cursor, outside Django:
    `read(owner_id, lo, hi)` returns the rows as the driver gives them, `parse(rows)` as
    (start, end) datetimes."""
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        import sqlite3

        raw = sqlite3.connect(db["NAME"])
        sql = (
            'SELECT start, "end" FROM calendars_event '
            'WHERE owner_id = ? AND busy AND start < ? AND "end" > ?'
        )

        def read(owner_id, lo, hi):
            # Stored as Django writes them: naive UTC text, which compares as it sorts.
            bounds = (
                f"{hi.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
                f"{lo.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
            )
            return raw.execute(sql, (owner_id, *bounds)).fetchall()

        def parse(rows):
            # Naive UTC datetimes: attaching the zone costs more than the parse itself.
            iso = datetime.fromisoformat
            return [(iso(s), iso(e)) for s, e in rows]

        return read, parse

    import psycopg

    raw = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )
    sql = (
        'SELECT start, "end" FROM calendars_event '
        'WHERE owner_id = %s AND busy AND start < %s AND "end" > %s'
    )

    def read_pg(owner_id, lo, hi):
        # psycopg parses timestamptz itself (in C): that is the parse on this engine.
        return raw.execute(sql, (owner_id, hi, lo)).fetchall()

    return read_pg, list


def _merged(pairs):
    """The plain loop: busy pairs sorted and merged into disjoint blocks."""
    pairs.sort()
    blocks: list[list] = []
    for start, end in pairs:
        if blocks and start <= blocks[-1][1]:
            if end > blocks[-1][1]:
                blocks[-1][1] = end
        else:
            blocks.append([start, end])
    return blocks


def measure(rounds: int) -> None:
    """Seed both organizers, time every figure over `rounds` rounds; print them as JSON."""
    import gc
    import statistics
    import time
    from zoneinfo import ZoneInfo

    from django.test import override_settings
    from makers import make_person, make_type

    from bookwithme.booking.availability import Days, offer_on_page
    from bookwithme.calendars.busy import busy_between
    from bookwithme.calendars.models import Event
    from bookwithme.directory.models import bump_availability

    # The organizers never sign in: a fast hash spares a second of PBKDF2 for each.
    override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()
    paris = ZoneInfo("Europe/Paris")
    first = _first_monday()
    last = first + timedelta(days=30)
    month_start = datetime(first.year, first.month, first.day, tzinfo=paris)
    month_end = datetime(last.year, last.month, last.day, tzinfo=paris) + timedelta(days=1)
    # The floor's span: the month, a day either side (the app pads its windows so).
    lo, hi = month_start - timedelta(days=1), month_end + timedelta(days=1)

    def typed(owner):
        for slug in ("chat", "chat-twin"):
            make_type(owner, title="Chat", slug=slug, duration_minutes=30, horizon_days=730)
        return owner

    busy_owner = typed(make_person(time_zone="Europe/Paris"))
    _seed_busy(busy_owner, month_start, month_end)
    series_owner = typed(make_person(time_zone="Europe/Paris"))
    _seed_series(series_owner, first, last)

    def days_for(owner_tz: str) -> Days:
        return Days(first, last, ZoneInfo(owner_tz))

    read, parse = _floor_reader()

    def floor():
        return _merged(parse(read(busy_owner.pk, lo, hi)))

    def raw_read():
        return parse(read(busy_owner.pk, lo, hi))

    def orm_read():
        return busy_between(busy_owner.pk, lo, hi)

    def plain_orm():
        rows = Event.objects.filter(owner_id=busy_owner.pk, busy=True, start__lt=hi, end__gt=lo)
        return list(rows.values_list("start", "end"))

    def slots_of(owner, slug):
        return lambda: offer_on_page(owner.page_slug, slug, days_for)

    times: dict[str, list[float]] = {}
    answers: dict[str, int] = {}

    def timed(name, fn):
        # Garbage left by the calls before is collected first, not by this one: a collection
        # of the whole heap costs some 100 ms here, and would else land, round after round, on
        # whichever call the allocation counts happen to reach it in.
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.setdefault(name, []).append(time.perf_counter() - started)
        return result

    for _ in range(rounds + 1):
        bump_availability(busy_owner.pk)
        answers["cold"] = len(timed("cold", slots_of(busy_owner, "chat")).pairs)
        answers["warm"] = len(timed("warm", slots_of(busy_owner, "chat-twin")).pairs)
        answers["floor"] = len(timed("floor", floor))
        answers["raw"] = len(timed("raw", raw_read))
        answers["orm"] = len(timed("orm", orm_read))
        answers["plain_orm"] = len(timed("plain_orm", plain_orm))
        bump_availability(series_owner.pk)
        answers["series_cold"] = len(timed("series_cold", slots_of(series_owner, "chat")).pairs)
        answers["series_warm"] = len(
            timed("series_warm", slots_of(series_owner, "chat-twin")).pairs
        )
    figures = {name: statistics.median(t[1:]) * 1000 for name, t in times.items()}
    answers["series_busy"] = len(busy_between(series_owner.pk, lo, hi))
    # Printed under a target only when it is missed: where the time of a look-up goes.
    profiles = {
        "cold": profile(
            slots_of(busy_owner, "chat"), 5, before=lambda: bump_availability(busy_owner.pk)
        ),
        "floor": profile(floor, 5),
        "series_warm": profile(
            slots_of(series_owner, "chat-twin"),
            5,
            before=lambda: (
                bump_availability(series_owner.pk),
                slots_of(series_owner, "chat")(),
            ),
        ),
    }
    print(
        json.dumps(
            {"ms": figures, "counts": answers, "first": first.isoformat(), "profiles": profiles}
        )
    )


# --- the driver ----------------------------------------------------------------------------


def run(bench: Bench, engine: str, rounds: int) -> None:
    name = ENGINE_NAMES[engine]
    with database(engine) as (tmp, database_url):
        env = server_env(tmp, database_url)
        migrated = cli(env, "migrate", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr
        code = (
            f"sys.path.insert(0, {str(BENCH_DIR)!r})\n"
            f"import availability\navailability.measure({rounds})\n"
        )
        printed = run_python(env, code)
    result = json.loads(printed.strip().splitlines()[-1])
    ms, counts = result["ms"], result["counts"]
    print(
        f"\n{name}: the month from {result['first']} (31 days, Europe/Paris), "
        f"median of {rounds} rounds"
    )
    if {counts[k] for k in ("raw", "orm", "plain_orm")} != {BUSY_EVENTS} or not counts["floor"]:
        bench.broke(f"{name}: the busy rows read differ: {counts}")
    if counts["cold"] != counts["warm"] or counts["cold"] == 0:
        bench.broke(f"{name}: the twin types answer differently: {counts}")
    if counts["series_cold"] != counts["series_warm"]:
        bench.broke(f"{name}: the series' twin types answer differently: {counts}")
    print(
        f"  {BUSY_EVENTS:,} busy events: {counts['cold']} starts offered; "
        f"{counts['floor']} busy blocks once merged"
    )
    ratio = ms["cold"] / ms["floor"]
    met = bench.check(
        SLOTS.format(events=BUSY_EVENTS, engine=name),
        f"{ms['cold']:.1f} ms (cold; warm {ms['warm']:.1f} ms); floor (raw read + parse + "
        f"loop) {ms['floor']:.1f} ms; ratio {ratio:.2f}x",
        ratio,
        "<=",
        TARGET_FLOOR_RATIO,
        "x",
    )
    if not met:
        print(
            "  why: where a cold look-up's time goes, then the floor's (each under cProfile, "
            "which slows Python code more than C, so shares, not times, are the figures)\n"
            + result["profiles"]["cold"]
            + "\n"
            + result["profiles"]["floor"]
        )
    print(
        f"{ORM.format(engine=name)}: {ms['plain_orm']:.1f} ms (the app's own read, "
        f"busy_between, {ms['orm']:.1f} ms); raw cursor + parse {ms['raw']:.1f} ms; ratio "
        f"{ms['plain_orm'] / ms['raw']:.2f}x (no target: the peer shows what the ORM costs)"
    )
    print(
        f"  {SERIES} series: {counts['series_busy']:,} occurrences in the month; "
        f"{counts['series_warm']} starts offered"
    )
    met = bench.check(
        SERIES_LINE.format(series=SERIES, engine=name),
        f"warm {ms['series_warm']:.1f} ms (second request after a change-free first); cold "
        f"{ms['series_cold']:.1f} ms (first after a version bump); the target is on warm",
        ms["series_warm"],
        "<",
        TARGET_SERIES_MS,
        "ms",
    )
    if not met:
        print("  why: where a warm look-up's time goes\n" + result["profiles"]["series_warm"])


def main() -> int:
    args = parser(__doc__).parse_args()
    bench = Bench("availability")
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    measures = [
        (SLOTS.format(events=BUSY_EVENTS, engine="{engine}"), "<=", TARGET_FLOOR_RATIO, "x"),
        (SERIES_LINE.format(series=SERIES, engine="{engine}"), "<", TARGET_SERIES_MS, "ms"),
    ]
    each_engine(bench, engine_names(args), lambda engine: run(bench, engine, rounds), measures)
    return bench.finish()


if __name__ == "__main__":
    sys.exit(main())
