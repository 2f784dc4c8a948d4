"""Benchmark of the slot engine: open_windows + find_slots on realistic calendars.

Run from the repository root:  .venv/bin/python bench/slots.py
Prints each figure beside its target with PASS/FAIL; always exits 0.
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bookwithme.slots import Interval, WeeklyHours, find_slots, open_windows

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS_9_TO_5 = WeeklyHours.from_json(
    {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
)
MIN = timedelta(minutes=1)


def random_busy(rng: random.Random, first: date, last: date, count: int) -> list[Interval]:
    """Busy intervals anywhere in the span (nights included), 5-60 minutes, 5-minute grid."""
    origin = datetime(first.year, first.month, first.day, tzinfo=UTC)
    span = ((last - first).days + 1) * 24 * 12  # 5-minute units
    busy = []
    for _ in range(count):
        start = origin + rng.randrange(span) * 5 * MIN
        busy.append(Interval(start, start + rng.randrange(1, 13) * 5 * MIN))
    return busy


def measure(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls, in seconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run_query(
    hours: WeeklyHours, first: date, last: date, busy: list[Interval], step: timedelta
) -> list[Interval]:
    windows = open_windows(hours, PARIS, first, last)
    return find_slots(windows, busy, duration=30 * MIN, step=step)


def bench_month() -> bool:
    first, last = date(2026, 3, 1), date(2026, 3, 31)  # includes the spring-forward Sunday
    busy = random_busy(random.Random(1), first, last, 2000)
    windows = open_windows(WEEKDAYS_9_TO_5, PARIS, first, last)
    slots = run_query(WEEKDAYS_9_TO_5, first, last, busy, 15 * MIN)
    seconds = measure(lambda: run_query(WEEKDAYS_9_TO_5, first, last, busy, 15 * MIN), 51)
    ok = seconds <= 0.005
    print(
        f"(a) one month (Mar 2026, Europe/Paris, weekdays 09:00-17:00, 30 min / 15 min step, "
        f"{len(busy):,} busy)\n"
        f"    {seconds * 1e3:7.2f} ms  (target <= 5 ms)   {verdict(ok)}"
        f"   [{len(windows)} windows, {len(slots):,} slots; median of 51]"
    )
    return ok


# Eight separate 50-minute windows a weekday (09:00-09:50 ... 16:00-16:50): 2,088 in 2026.
HOURLY_WINDOWS = WeeklyHours.from_json(
    {
        day: [[f"{h:02d}:00", f"{h:02d}:50"] for h in range(9, 17)]
        for day in ("mon", "tue", "wed", "thu", "fri")
    }
)


def bench_year() -> bool:
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    busy = random_busy(random.Random(2), first, last, 1000)
    windows = open_windows(HOURLY_WINDOWS, PARIS, first, last)
    slots = run_query(HOURLY_WINDOWS, first, last, busy, 5 * MIN)
    seconds = measure(lambda: run_query(HOURLY_WINDOWS, first, last, busy, 5 * MIN), 21)
    ok = seconds <= 0.050 and len(slots) >= 8000
    print(
        f"(b) one year (2026, Europe/Paris, 8 windows a weekday, 30 min / 5 min step, "
        f"{len(busy):,} busy)\n"
        f"    {seconds * 1e3:7.2f} ms  (target <= 50 ms)  {verdict(ok)}"
        f"   [{len(windows)} windows, {len(slots):,} slots (target >= 8,000); median of 21]"
    )
    return ok


def weekdays_span(first: date, count: int) -> date:
    """The date of the ``count``-th weekday from ``first`` (inclusive)."""
    day, seen = first, 0
    while True:
        if day.weekday() < 5:
            seen += 1
            if seen == count:
                return day
        day += timedelta(days=1)


def bench_growth() -> bool:
    first = date(2026, 1, 5)
    per_window: dict[int, float] = {}
    for count, runs in ((100, 201), (1000, 31), (2000, 21)):
        last = weekdays_span(first, count)
        busy = random_busy(random.Random(count), first, last, 2 * count)
        query = partial(run_query, WEEKDAYS_9_TO_5, first, last, busy, 15 * MIN)
        seconds = measure(query, runs)
        per_window[count] = seconds / count
    ratio = per_window[2000] / per_window[100]
    ok = ratio <= 2.0
    figures = ", ".join(f"{n:,}: {t * 1e6:.2f} us" for n, t in per_window.items())
    print(
        "(c) linear growth (weekday windows, 2 busy per window, 30 min / 15 min step)\n"
        f"    per window  {figures}\n"
        f"    ratio 2,000 / 100 = {ratio:.2f}  (target <= ~2)   {verdict(ok)}"
    )
    return ok


def main() -> int:
    print(f"bookwithme slot engine bench - Python {platform.python_version()}")
    results = [bench_month(), bench_year(), bench_growth()]
    print("overall:", "PASS" if all(results) else "FAIL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
