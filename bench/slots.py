"""Benchmark of the slot engine alone (no database): open_windows + find_slots on realistic
calendars; each figure beside its target, then a table of them (bench/common.py).

    .venv/bin/python bench/slots.py [--quick]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Bench, parser

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


def run_query(
    hours: WeeklyHours, first: date, last: date, busy: list[Interval], step: timedelta
) -> list[Interval]:
    windows = open_windows(hours, PARIS, first, last)
    return find_slots(windows, busy, duration=30 * MIN, step=step)


def bench_month(bench: Bench, scale: float) -> None:
    first, last = date(2026, 3, 1), date(2026, 3, 31)  # includes the spring-forward Sunday
    busy = random_busy(random.Random(1), first, last, 2000)
    windows = open_windows(WEEKDAYS_9_TO_5, PARIS, first, last)
    slots = run_query(WEEKDAYS_9_TO_5, first, last, busy, 15 * MIN)
    runs = runs_of(51, scale)
    seconds = measure(lambda: run_query(WEEKDAYS_9_TO_5, first, last, busy, 15 * MIN), runs)
    bench.check(
        f"(a) slot engine, one month, {len(busy):,} busy",
        f"{seconds * 1e3:.2f} ms (Mar 2026, Europe/Paris, weekdays 09:00-17:00, 30 min / 15 min "
        f"step; {len(windows)} windows, {len(slots):,} slots; median of {runs})",
        seconds * 1e3,
        "<=",
        5.0,
        "ms",
    )


# Eight separate 50-minute windows a weekday (09:00-09:50 ... 16:00-16:50): 2,088 in 2026.
HOURLY_WINDOWS = WeeklyHours.from_json(
    {
        day: [[f"{h:02d}:00", f"{h:02d}:50"] for h in range(9, 17)]
        for day in ("mon", "tue", "wed", "thu", "fri")
    }
)


def bench_year(bench: Bench, scale: float) -> None:
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    busy = random_busy(random.Random(2), first, last, 1000)
    windows = open_windows(HOURLY_WINDOWS, PARIS, first, last)
    slots = run_query(HOURLY_WINDOWS, first, last, busy, 5 * MIN)
    runs = runs_of(21, scale)
    seconds = measure(lambda: run_query(HOURLY_WINDOWS, first, last, busy, 5 * MIN), runs)
    bench.check(
        f"(b) slot engine, one year, {len(busy):,} busy",
        f"{seconds * 1e3:.2f} ms (2026, Europe/Paris, 8 windows a weekday, 30 min / 5 min "
        f"step; {len(windows)} windows; median of {runs})",
        seconds * 1e3,
        "<=",
        50.0,
        "ms",
    )
    bench.check(
        "(b) slot engine, one year, starts offered",
        f"{len(slots):,} starts",
        len(slots),
        ">=",
        8000,
        "starts",
    )


def weekdays_span(first: date, count: int) -> date:
    """The date of the ``count``-th weekday from ``first`` (inclusive)."""
    day, seen = first, 0
    while True:
        if day.weekday() < 5:
            seen += 1
            if seen == count:
                return day
        day += timedelta(days=1)


def bench_growth(bench: Bench, scale: float) -> None:
    first = date(2026, 1, 5)
    per_window: dict[int, float] = {}
    for count, runs in ((100, 201), (1000, 31), (2000, 21)):
        last = weekdays_span(first, count)
        busy = random_busy(random.Random(count), first, last, 2 * count)
        query = partial(run_query, WEEKDAYS_9_TO_5, first, last, busy, 15 * MIN)
        seconds = measure(query, runs_of(runs, scale))
        per_window[count] = seconds / count
    ratio = per_window[2000] / per_window[100]
    figures = ", ".join(f"{n:,}: {t * 1e6:.2f} us" for n, t in per_window.items())
    bench.check(
        "(c) slot engine, linear growth, 2,000 / 100 windows",
        f"per window {figures} (weekday windows, 2 busy per window, 30 min / 15 min step); "
        f"ratio {ratio:.2f}x",
        ratio,
        "<=",
        2.0,
        "x",
    )


def runs_of(runs: int, scale: float) -> int:
    """`runs` (odd, for a true median), fewer with --quick."""
    return max(5, int(runs * scale)) | 1


def main() -> int:
    args = parser(__doc__).parse_args()
    scale = 0.3 if args.quick else 1.0
    print(f"bookwithme slot engine bench - Python {platform.python_version()}")
    bench = Bench("slots")
    bench_month(bench, scale)
    bench_year(bench, scale)
    bench_growth(bench, scale)
    return bench.finish()


if __name__ == "__main__":
    sys.exit(main())
