"""Every bench of `make bench`, one after the other, then one table of all their targets.

Each bench runs as a process of its own, its output shown as it comes; their target rows
come back through the file named by BOOKWITHME_BENCH_SUMMARY (bench/common.py). A missed
target is a figure, not a failure: this exits 1 only when a bench broke, after the table.

    .venv/bin/python bench/all.py [--quick] [--sqlite-only] [BENCH ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, SUMMARY_ENV, Row, parser, table

# In the order: in process, then over HTTP, then the calendar syncs, then webhooks.
BENCHES = [
    "slots",
    "availability",
    "api",
    "bookings",
    "capacity",
    "caldav_sync",
    "ics_feed",
    "webhooks",
]


def load() -> str:
    """The machine's load, beside the figures: other work on the same cores skews them."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"


def main() -> int:
    p = parser(__doc__)
    p.add_argument("benches", nargs="*", metavar="BENCH", help=f"any of {', '.join(BENCHES)}")
    args = p.parse_args()
    unknown = set(args.benches) - set(BENCHES)
    if unknown:
        p.error(f"no such bench: {', '.join(sorted(unknown))}")
    flags = [f for f, on in (("--quick", args.quick), ("--sqlite-only", args.sqlite_only)) if on]
    started = time.monotonic()
    failed: list[tuple[str, int]] = []
    timings: list[str] = []
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as summary:
        env = {**os.environ, SUMMARY_ENV: summary.name}
        for name in args.benches or BENCHES:
            print(f"\n=== bench/{name}.py {' '.join(flags)}".rstrip() + f" ({load()})", flush=True)
            began = time.monotonic()
            argv = [sys.executable, str(BENCH_DIR / f"{name}.py"), *flags]
            code = subprocess.run(argv, env=env, check=False).returncode
            timings.append(f"{name} {time.monotonic() - began:.0f} s")
            if code:
                failed.append((name, code))
        rows, broken = [], []
        for line in summary.read().splitlines():
            record = json.loads(line)
            if "broken" in record:
                broken.append(f"{record['bench']}: {record['broken']}")
            else:
                rows.append(Row(**record))
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    print(f"\n=== every target ({len(rows)})")
    table(rows, with_bench=True)
    missed = sum(1 for r in rows if r.verdict.startswith("MISSED"))
    unmeasured = sum(1 for r in rows if r.verdict.startswith("not measured"))
    print(
        f"\n{len(rows) - missed - unmeasured} met, {missed} missed, {unmeasured} not measured; "
        f"run time {minutes} min {seconds:02d} s ({', '.join(timings)}); {load()} at the end"
    )
    said = {why.split(":")[0] for why in broken}
    broken += [f"bench/{name}.py exited {code}" for name, code in failed if name not in said]
    for why in broken:
        print(f"BROKEN: {why}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
