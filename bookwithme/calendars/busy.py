"""An owner's busy time from calendars, read from the database only, never from a remote server.

Bookings are the booking app's business; this module answers for calendar events: the
built-in calendar's and the busy blocks synced from connected calendars (`RemoteBusy`), read
alike in one query.

`busy_spans` is the slots' read, on every look-up the cache cannot answer: plain SQL on the
indexed range and epoch seconds, with no ORM or per-row converters in between; with the
owner's `availability_version`, the series' expansion (the costly part) comes from this
process's memory. `busy_events_between`, for the feeds, reads more columns through the ORM.
"""

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from bookwithme.calendars import recurrence
from bookwithme.calendars.models import Event, RemoteBusy
from bookwithme.calendars.recurrence import occurrences

_EXPANSION = ("start", "end", "rrule", "time_zone", "exdates")


@dataclass(frozen=True)
class BusyEvent:
    """One occurrence of a busy event, with what a published feed may show of it."""

    start: datetime
    end: datetime
    uid: str
    title: str
    location: str
    description: str


def _overlapping(blocks: QuerySet, start: datetime, end: datetime) -> QuerySet:
    """Blocks that may overlap [start, end): an indexed range; series that are over skipped."""
    return blocks.filter(start__lt=end).filter(
        Q(rrule="", end__gt=start)
        | (~Q(rrule="") & (Q(repeats_until__isnull=True) | Q(repeats_until__gt=start)))
    )


def _sources(owner_id: int, start: datetime, end: datetime) -> tuple[QuerySet, QuerySet]:
    return (
        _overlapping(Event.objects.filter(owner_id=owner_id, busy=True), start, end),
        _overlapping(RemoteBusy.objects.filter(owner_id=owner_id), start, end),
    )


def _expand(
    e_start: datetime,
    e_end: datetime,
    rule: str,
    tz_name: str,
    exdates: list[str],
    *,
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, datetime]]:
    if not rule:
        return [(e_start, e_end)] if e_start < end and e_end > start else []
    excluded = frozenset(d for d in (parse_datetime(x) for x in exdates) if d is not None)
    return occurrences(rule, e_start, e_end, ZoneInfo(tz_name), excluded, start, end)


_TABLES = (
    (Event._meta.db_table, "AND busy"),  # a free event of the built-in calendar blocks nothing
    (RemoteBusy._meta.db_table, ""),  # free remote events are never stored
)
# Single blocks overlapping the span (their times only), and series not over by then (with what
# expanding them takes), through the (owner_id, start) indexes, as `_overlapping` asks the ORM.
_BUSY = """
    SELECT {start}, {end}, '', NULL, NULL FROM {table}
    WHERE owner_id = %(owner)s {busy} AND "start" < %(hi)s AND rrule = '' AND "end" > %(lo)s
    UNION ALL
    SELECT {series_start}, {series_end}, rrule, time_zone, exdates FROM {table}
    WHERE owner_id = %(owner)s {busy} AND "start" < %(hi)s AND rrule <> ''
          AND (repeats_until IS NULL OR repeats_until > %(lo)s)"""
# How each engine hands a single block's times over: as whole microseconds since the epoch,
# worked out by the database (SQLite from its stored UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]":
# whole seconds by `unixepoch`, where it has it, then the fraction), which Python divides into
# exactly the seconds an aware datetime's `timestamp()` gives.
_SQLITE_SECONDS = (
    'unixepoch("{0}")'
    if sqlite3.sqlite_version_info >= (3, 38)
    else "CAST(strftime('%%s', \"{0}\") AS INTEGER)"
)
_AS_MICROSECONDS = {
    "sqlite": (
        f"{_SQLITE_SECONDS} * 1000000"
        ' + CASE WHEN length("{0}") > 19 THEN CAST(substr("{0}", 21, 6) AS INTEGER) ELSE 0 END'
    ),
    "postgresql": 'CAST(EXTRACT(EPOCH FROM "{0}") * 1000000 AS BIGINT)',
}


def epoch_microseconds(column: str) -> str:
    """SQL for a datetime column as whole microseconds since the epoch, on this database: a
    read at the floor (no converter per row); divided by 1e6, the exact `timestamp()`."""
    return _AS_MICROSECONDS[connection.vendor].format(column)


# A series' times as the expansion takes them: SQLite's stored text (the CAST keeps the
# driver's slow converter off it), PostgreSQL's epoch seconds.
_AS_SECONDS = {"sqlite": 'CAST("{}" AS TEXT)', "postgresql": 'EXTRACT(EPOCH FROM "{}")::float8'}
# Series expansions kept by (owner, version, span): a few spans per owner a page asks for.
_KEPT_EXPANSIONS = 64
_kept: dict[tuple[int, int, datetime, datetime], tuple[tuple[float, float], ...]] = {}
_kept_lock = threading.Lock()

type Spans = list[tuple[float, float]]


@lru_cache(maxsize=4)
def _busy_sql(vendor: str) -> str:
    """The read of both tables (UNION ALL) for this database, written once per process."""
    single, series = _AS_MICROSECONDS[vendor], _AS_SECONDS[vendor]
    return " UNION ALL ".join(
        _BUSY.format(
            start=single.format("start"),
            end=single.format("end"),
            series_start=series.format("start"),
            series_end=series.format("end"),
            table=t,
            busy=b,
        )
        for t, b in _TABLES
    )


def _read(owner_id: int, start: datetime, end: datetime) -> list:
    """The owner's rows of both tables that can be busy in [start, end)."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _busy_sql(connection.vendor), {"owner": owner_id, "lo": adapt(start), "hi": adapt(end)}
        )
        return cursor.fetchall()


def _moment(value: float | str) -> datetime:
    """A series' start or end as the engine hands it over: exact to the microsecond (from epoch
    seconds, until the year 2106)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return datetime.fromtimestamp(value, UTC)


@lru_cache(maxsize=4096)
def _excluded(text: str) -> recurrence.Excluded:
    """A series' EXDATEs from their JSON text, decoded once per process. One without an offset
    never matched an occurrence (always aware): left out."""
    moments = (parse_datetime(x) for x in json.loads(text))
    return recurrence.Excluded.of(frozenset(m for m in moments if m and m.tzinfo is not None))


def _series(rows: list, start: datetime, end: datetime) -> Spans:
    """The occurrences of the series read, each rule parsed once per process."""
    found = []
    for s, e, rule, tz_name, exdates in rows:
        spans = recurrence.spans(
            rule, _moment(s), _moment(e), tz_name, _excluded(exdates), start, end
        )
        found.extend(spans)
    return found


def _kept_series(
    key: tuple[int, int, datetime, datetime], rows: list, start: datetime, end: datetime
) -> tuple[tuple[float, float], ...]:
    """`_series` kept by owner, version and span: a version names the owner's busy time, so
    its expansion never changes. The oldest kept goes first."""
    with _kept_lock:
        kept = _kept.get(key)
    if kept is None:
        kept = tuple(_series(rows, start, end))
        with _kept_lock:
            _kept[key] = kept
            while len(_kept) > _KEPT_EXPANSIONS:
                del _kept[next(iter(_kept))]
    return kept


def busy_spans(
    owner_id: int, start: datetime, end: datetime, *, version: int | None = None
) -> Spans:
    """Busy (start, end) pairs in epoch seconds of the owner's events overlapping [start, end),
    in any order: `busy_between`'s, at a fraction of its cost.

    With `version`, the owner's `availability_version` (raised with every change to their busy
    time), the series' expansion is kept in this process and reused for the same version and
    span. Pass one only when read outside a write transaction that could still roll back (the
    slots cache keys its answers the same way); single blocks are read afresh either way.
    """
    rows = _read(owner_id, start, end)
    found = [(s / 1e6, e / 1e6) for s, e, rule, _, _ in rows if not rule]
    series = [row for row in rows if row[2]]
    if version is None:
        found.extend(_series(series, start, end))
    else:
        found.extend(_kept_series((owner_id, version, start, end), series, start, end))
    return found


def busy_between(
    owner_id: int, start: datetime, end: datetime, *, version: int | None = None
) -> list[tuple[datetime, datetime]]:
    """`busy_spans` as UTC datetimes."""
    return [
        (datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC))
        for s, e in busy_spans(owner_id, start, end, version=version)
    ]


def busy_events_between(owner_id: int, start: datetime, end: datetime) -> list[BusyEvent]:
    """Like `busy_between`, with each occurrence's title, location and description."""
    events, remote = _sources(owner_id, start, end)
    details = (*_EXPANSION, "pk", "uid", "title", "location")
    rows = [("event", *row) for row in events.values_list(*details, "description")]
    rows += [("remote", *row, "") for row in remote.values_list(*details)]  # no description
    found = []
    for source, *expansion, pk, uid, title, location, description in rows:
        for o_start, o_end in _expand(*expansion, start=start, end=end):
            occurrence_uid = f"{uid or f'{source}-{pk}'}/{o_start:%Y%m%dT%H%M%SZ}"
            found.append(BusyEvent(o_start, o_end, occurrence_uid, title, location, description))
    return found
