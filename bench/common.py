"""What the benches share: the figures printed beside their targets, the closing table, the
two database engines, and wrk.

A target is printed where it is measured (`Bench.check`), in one line: what was measured, the
figure and its peer, the ratio, the target and whether it is met (and, missed, by how much).
Every bench ends with a table of its targets (`Bench.finish`); when BOOKWITHME_BENCH_SUMMARY
names a file, each row is also appended there as a JSON line, so that bench/all.py can print
one table of every target of `make bench`. A missed target never fails the run; a bench that
breaks (a 5xx, a wrong answer) does: `finish` returns 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests"))

from liveserver import scratch_database  # noqa: E402 - after the path set-up above

POSTGRES_DEFAULT = "postgres://postgres@127.0.0.1:5432/test"
SUMMARY_ENV = "BOOKWITHME_BENCH_SUMMARY"
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# --- figures beside targets ----------------------------------------------------------------


def show(value: float, unit: str) -> str:
    """A figure as printed: milliseconds to a tenth, ratios to a hundredth."""
    if unit == "":
        return f"{value:.2f}"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    return f"{value:,g} {unit}"


def target_text(op: str, limit: float, unit: str) -> str:
    return f"{op} {show(limit, unit)}"


@dataclass
class Row:
    """One target of the summary: what, the figure compared, the target, the verdict."""

    bench: str
    measure: str
    figure: str
    target: str
    verdict: str


class Bench:
    """A bench's targets as they are measured, and the table that closes its output."""

    def __init__(self, name: str):
        self.name = name
        self.rows: list[Row] = []
        self.broken: list[str] = []

    def check(
        self, measure: str, details: str, value: float, op: str, limit: float, unit: str
    ) -> bool:
        """Print `measure: details; target OP LIMIT: verdict` and keep the row; `op` is one of
        "<", "<=", ">="; `value` and `limit` are in `unit`."""
        met = {"<": value < limit, "<=": value <= limit, ">=": value >= limit}[op]
        if met:
            verdict = "met"
        elif op == ">=":
            verdict = f"MISSED by {show(limit - value, unit)} ({(limit - value) / limit:.0%} short)"
        else:
            verdict = f"MISSED by {show(value - limit, unit)} ({(value - limit) / limit:.0%} over)"
        target = target_text(op, limit, unit)
        print(f"{measure}: {details}; target {target}: {verdict}", flush=True)
        self.rows.append(Row(self.name, measure, show(value, unit), target, verdict))
        return met

    def not_measured(self, measure: str, target: str, why: str) -> None:
        """A target left unmeasured (PostgreSQL out of reach, say): a row saying why."""
        print(f"{measure}: not measured ({why})", flush=True)
        self.rows.append(Row(self.name, measure, "-", target, f"not measured: {why}"))

    def broke(self, why: str) -> None:
        """The bench itself failed (not a missed target): said now, and `finish` returns 1."""
        print(f"BENCH BROKEN: {why}", flush=True)
        self.broken.append(why)

    def finish(self) -> int:
        """Print the table of this bench's targets; 1 if it broke, else 0."""
        print(f"\n{self.name}: summary")
        if self.rows:
            table(self.rows)
        else:
            print("  no targets: figures only")
        path = os.environ.get(SUMMARY_ENV)
        if path:
            with open(path, "a") as out:
                for row in self.rows:
                    out.write(json.dumps(asdict(row)) + "\n")
                for why in self.broken:
                    out.write(json.dumps({"bench": self.name, "broken": why}) + "\n")
        if self.broken:
            print(f"{self.name}: BROKEN ({len(self.broken)}): " + "; ".join(self.broken))
            return 1
        return 0


def table(rows: list[Row], with_bench: bool = False) -> None:
    """A plain-text table of target rows, columns as wide as their widest cell."""
    head = ["measure", "figure", "target", "verdict"]
    cells = [[r.measure, r.figure, r.target, r.verdict] for r in rows]
    if with_bench:
        head.insert(0, "bench")
        for cell, row in zip(cells, rows, strict=True):
            cell.insert(0, row.bench)
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]

    def line(cell: list[str]) -> str:
        return "  " + " | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip()

    print(line(head))
    print("  " + "-+-".join("-" * w for w in widths))
    for cell in cells:
        print(line(cell))


# --- profiles of a missed target -----------------------------------------------------------

# Where a function's file lies, as the package it belongs to; the first match wins.
_AREAS = [
    ("/bookwithme/", "bookwithme"),
    ("/ninja/", "django-ninja"),
    ("/pydantic", "pydantic"),
    ("/django/db/", "django.db (ORM)"),
    ("/django/", "django (other)"),
    ("/psycopg", "psycopg"),
    ("/dateutil/", "dateutil"),
    ("/gunicorn/", "gunicorn"),
    ("/prometheus_client/", "prometheus_client"),
]


def _area(filename: str, function: str) -> str:
    if filename == "~":  # C code called from Python: "<method 'fetchall' of 'sqlite3.Cursor'
        # objects>", "<built-in method builtins.sorted>", "<built-in method fromtimestamp>".
        if " of '" in function:
            owner = function.split(" of '")[1].split("'")[0]
            return f"C: {owner.split('.')[0] if '.' in owner else 'builtins'}"
        name = function.strip("<>").removeprefix("built-in method ")
        return f"C: {name.split('.')[0] if '.' in name else 'builtins'}"
    for needle, area in _AREAS:
        if needle in filename:
            return area
    return "python (stdlib and others)"


def profile(
    call: Callable[[], object],
    times: int,
    top: int = 8,
    before: Callable[[], object] | None = None,
) -> str:
    """A profile of `call()` run `times` times (cProfile; `before()`, unprofiled, ahead of
    each): the time per call, its share by package (own time), and the `top` functions by own
    time, as text to print under a missed target, so that the miss says where the time goes."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    for _ in range(times):
        if before is not None:
            before()
        profiler.enable()
        call()
        profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, nc, tt, ct, callers)}
    total = sum(tt for _cc, _nc, tt, _ct, _callers in entries.values()) or 1e-9
    areas: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, tt, _ct, _callers) in entries.items():
        key = _area(filename, function)
        areas[key] = areas.get(key, 0.0) + tt
    lines = [f"    profile: {total / times * 1e6:,.0f} µs a call under cProfile, {times} calls"]
    shares = sorted(areas.items(), key=lambda kv: -kv[1])
    lines.append(
        "    own time by package: "
        + ", ".join(f"{area} {tt / total:.0%}" for area, tt in shares if tt / total >= 0.02)
    )
    lines.append("    functions by own time:")
    ranked = sorted(entries.items(), key=lambda kv: -kv[1][2])[:top]
    for (filename, line, function), (_cc, nc, tt, ct, _callers) in ranked:
        where = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        lines.append(
            f"      {tt / total:5.1%} own {ct / total:6.1%} cum {nc // times:>5} calls  "
            f"{function} ({where}:{line})"
        )
    return "\n".join(lines)


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes `pids` and their reaped children used so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


def pids_of(names: tuple[str, ...]) -> list[int]:
    """The running processes whose command name is one of `names`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm in names:
                found.append(int(entry.name))
    return found


def session_pids(session: int) -> list[int]:
    """The processes of a session: a `serve` started by liveserver.start_serve and its tree."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == session:
                found.append(int(entry.name))
    return found


def busy_cpus(seconds_of: Callable[[], object]) -> tuple[object, float]:
    """Run `seconds_of()` and return its result and how many of the machine's CPUs were busy
    meanwhile on average (from /proc/stat: all work, ours and any other)."""
    import time

    def sample() -> tuple[float, float]:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, time.monotonic()

    (busy_a, t_a) = sample()
    result = seconds_of()
    (busy_b, t_b) = sample()
    return result, (busy_b - busy_a) / os.sysconf("SC_CLK_TCK") / (t_b - t_a)


# --- engines -------------------------------------------------------------------------------


def parser(description: str | None) -> argparse.ArgumentParser:
    """The flags every bench takes: --quick (shorter runs) and --sqlite-only."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="shorter runs, rougher figures")
    p.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    return p


def postgres_unreachable(url: str) -> str | None:
    """Why PostgreSQL at `url` cannot be used (None: it can)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return f"DATABASE_URL is not a PostgreSQL address: {url}"
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    try:
        with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), connect_timeout=5):
            return None
    except psycopg.Error as e:
        return f"cannot connect to {admin}: {str(e).strip().splitlines()[0]}"


@contextlib.contextmanager
def database(engine: str) -> Iterator[tuple[Path, str | None]]:
    """A scratch directory and a fresh database on `engine`: (directory, DATABASE_URL or None
    for the server's own SQLite file)."""
    with tempfile.TemporaryDirectory() as tmp, scratch_database(Path(tmp)) as url:
        if engine == "postgresql":
            assert url is not None, "DATABASE_URL does not point at PostgreSQL"
        yield Path(tmp), url


def each_engine(
    bench: Bench,
    names: list[str],
    run: Callable[[str], None],
    measures: list[tuple[str, str, float, str]],
) -> None:
    """`run(engine)` for each of `names` ("sqlite", "postgresql"), with DATABASE_URL as
    `scratch_database` wants it: unset for SQLite; for PostgreSQL, DATABASE_URL as given (else
    the local server). PostgreSQL out of reach marks its `measures` (name with "{engine}" in
    it, op, limit, unit) not measured rather than breaking the bench; a run that raises
    breaks the bench, and the next engine still runs."""
    saved = os.environ.pop("DATABASE_URL", None)
    try:
        for engine in names:
            os.environ.pop("DATABASE_URL", None)
            if engine == "postgresql":
                os.environ["DATABASE_URL"] = saved or POSTGRES_DEFAULT
                why = postgres_unreachable(os.environ["DATABASE_URL"])
                if why:
                    for measure, op, limit, unit in measures:
                        name = measure.format(engine=ENGINE_NAMES[engine])
                        bench.not_measured(name, target_text(op, limit, unit), why)
                    continue
            try:
                run(engine)
            except Exception as e:  # Any failure of the bench is reported, then the next engine.
                traceback.print_exc()
                bench.broke(f"{ENGINE_NAMES[engine]}: {type(e).__name__}: {str(e)[:300]}")
    finally:
        os.environ.pop("DATABASE_URL", None)
        if saved is not None:
            os.environ["DATABASE_URL"] = saved


def engine_names(args: argparse.Namespace) -> list[str]:
    return ["sqlite"] if args.sqlite_only else ["sqlite", "postgresql"]


# --- wrk -----------------------------------------------------------------------------------

# Reports what wrk measured as one JSON line (BENCH {...}): totals, latency percentiles, socket
# errors, and the status counts the threads kept (when the script counts them) or how often
# a thread went through its list of requests (when it reads one).
_REPORT_LUA = r"""
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local statuses, wrapped = {}, 0
  for _, t in ipairs(threads) do
    local counts = t:get("counts")
    if counts then
      for status, n in pairs(counts) do statuses[status] = (statuses[status] or 0) + n end
    end
    wrapped = wrapped + (t:get("wrapped") or 0)
  end
  local parts = {}
  for status, n in pairs(statuses) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "non_2xx": %d, "timeout": %d, ' ..
    '"wrapped": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, wrapped, table.concat(parts, ", ")))
end
"""

# Requests read from a file, one a line ("PATH" for a GET, "PATH<TAB>JSON BODY" for a POST);
# each of wrk's threads takes every n-th line (its own share, so no two threads send the same
# request) and goes through them in order, from the start again should they run out.
_LIST_LUA = r"""
local mine, index = {}, 0
wrapped = 0

function init(args)
  local file, step, n = args[1], tonumber(args[2]), 0
  for line in io.lines(file) do
    if n % step == id then table.insert(mine, line) end
    n = n + 1
  end
  if #mine == 0 then error("no requests for thread " .. id) end
end

function request()
  index = index + 1
  if index > #mine then
    index, wrapped = 1, wrapped + 1
  end
  local line = mine[index]
  local tab = line:find("\t", 1, true)
  if tab == nil then return wrk.format("GET", line) end
  return wrk.format("POST", line:sub(1, tab - 1),
                    {["Content-Type"] = "application/json"}, line:sub(tab + 1))
end
"""

# Counts the answers by status (wrk itself only counts those that are not 2xx or 3xx).
_COUNT_LUA = r"""
counts = {}

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
"""

BENCH_LINE = re.compile(r"^BENCH (\{.*\})$", re.M)


def need_wrk(bench: Bench) -> bool:
    if shutil.which("wrk"):
        return True
    bench.broke("wrk is not installed: apt-get install -y wrk (make bench does it)")
    return False


def wrk(
    url: str,
    connections: int,
    seconds: int,
    *,
    requests: list[str] | None = None,
    count_statuses: bool = False,
    threads: int = 2,
    timeout: int = 30,
) -> dict:
    """Run wrk against `url` (or the listed `requests`, see _LIST_LUA, on its host) and return
    what it measured: req/s, p50/p99 in ms, socket errors, non-2xx answers, and the status
    counts with `count_statuses`."""
    threads = min(threads, connections)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.lua"
        lua = _REPORT_LUA + (_COUNT_LUA if count_statuses else "")
        args: list[str] = []
        if requests is not None:
            lua += _LIST_LUA
            listing = Path(tmp) / "requests.txt"
            listing.write_text("\n".join(requests) + "\n")
            args = ["--", str(listing), str(threads)]
        script.write_text(lua)
        done = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                f"--timeout={timeout}s",
                "-s",
                str(script),
                url,
                *args,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    found = BENCH_LINE.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    figures = json.loads(found.group(1))
    seconds_run = figures["duration_us"] / 1e6
    figures["rps"] = figures["requests"] / seconds_run
    figures["p50"] = figures["p50_us"] / 1000
    figures["p99"] = figures["p99_us"] / 1000
    figures["seconds"] = seconds_run
    figures["socket_errors"] = sum(figures[k] for k in ("connect", "read", "write", "timeout"))
    figures["statuses"] = {int(k): v for k, v in figures["statuses"].items()}
    return figures
