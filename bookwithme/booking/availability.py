"""Which starts a meeting type offers: the database's facts handed to the slot engine.

The one door, for every caller:

- `offer(meeting_type, days)`: the starts of a span of days, as pages and the API show them.
  Cached (see `_key`); notice and horizon, which move with the clock, applied on every call.
  `ignoring=` a booking whose own time counts as free (the one its attendee is moving): that
  answer is computed afresh, never cached.
- `offer_on_page(page_slug, type_slug, days_for)`: the same for a public page's type found by
  its address, with `access.public_type`'s refusals. The hot path: one plain SQL row (`_head`)
  and the cache, the ORM only when the cache cannot answer.
- `is_offered(meeting_type, start)`: whether one start is offered right now, never cached;
  `services.book` and `reschedule` ask it inside their transaction.

A few indexed queries (the owner's connected calendars' state, the working hours when the
type uses them, calendar events, bookings) and nothing remote; the arithmetic is
`bookwithme.slots`. When a connected calendar has not been read within its staleness bound,
nothing is offered (`NOTICE_STALE`): stale busy time must not double-book.
"""

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from bookwithme import slots
from bookwithme.booking import access
from bookwithme.booking.models import Booking, MeetingType, WorkingHours
from bookwithme.calendars.busy import busy_between
from bookwithme.calendars.models import Connection, stale_after

MAX_SPAN_DAYS = 62
# A bound on how long an answer may live in the cache even if no change is noticed.
CACHE_SECONDS = 300
_PAD = timedelta(days=1)
_TICK = timedelta(microseconds=1)
# Why an answer offers nothing: a connected calendar's busy time is too old to trust.
NOTICE_STALE = "calendar_stale"


def day_span(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first 00:00, last + 1 00:00) in `tz`, as UTC instants."""
    start = slots.wall_to_utc(first, 0, tz)
    end = slots.wall_to_utc(last, slots.MINUTES_PER_DAY, tz)
    return start, end


class Days(NamedTuple):
    """The days asked, first..last inclusive, as someone in `tz` names them."""

    first: date
    last: date
    tz: ZoneInfo

    def span(self) -> tuple[datetime, datetime]:
        return day_span(self.first, self.last, self.tz)


class Offer(NamedTuple):
    """The starts offered in the days asked, as (start, end) timestamps, to be shown in `tz`
    (the days' zone); or none, and `notice` says why."""

    tz: ZoneInfo
    pairs: list[tuple[float, float]]
    notice: str | None = None

    @property
    def starts(self) -> list[datetime]:
        return [datetime.fromtimestamp(start, self.tz) for start, _end in self.pairs]


# --- the door ------------------------------------------------------------------------------


def offer(
    meeting_type: MeetingType,
    days: Days,
    *,
    now: datetime | None = None,
    ignoring: Booking | None = None,
) -> Offer:
    """The starts `meeting_type` offers whose date in `days.tz` is within the days asked;
    none, with `NOTICE_STALE`, while a connected calendar of the owner is stale.

    Pages ask this again and again with nothing changed in between, so the answer for the
    span is cached (see `_key`). A booking never trusts this cache: `book` re-checks with
    `is_offered`. With `ignoring`, that booking's own time counts as free, and the answer is
    computed afresh.
    """
    now = now or timezone.now()
    state = Connection.objects.busy_state(meeting_type.owner_id, now)
    if state.stale:
        return Offer(days.tz, [], NOTICE_STALE)
    span_start, span_end = days.span()
    if ignoring is not None:
        soonest, furthest = _bounds(meeting_type, now)
        found = _compute(
            meeting_type,
            max(soonest, span_start),
            min(furthest, span_end - _TICK),
            ignoring,
            state.covered_until,
        )
        return Offer(days.tz, _pairs(found))
    owner = meeting_type.owner
    key = _key(meeting_type.pk, owner.availability_version, owner.time_zone, span_start, span_end)
    pairs = cache.get(key)
    if pairs is None:
        found = _compute(meeting_type, span_start, span_end - _TICK, None, state.covered_until)
        pairs = _pairs(found)
        cache.set(key, pairs, CACHE_SECONDS)
    return Offer(
        days.tz, _within(pairs, meeting_type.min_notice_minutes, meeting_type.horizon_days, now)
    )


def offer_on_page(
    page_slug: str,
    type_slug: str,
    days_for: Callable[[str], Days],
    *,
    now: datetime | None = None,
) -> Offer:
    """`offer` for the public type `type_slug` of the page `page_slug`, refused as
    `access.public_type` refuses (NotFound, PageUnavailable).

    `days_for(owner_zone)` names the days asked (the owner's zone is what a caller defaults
    to); it is called once the page is known to be shown, so its own refusals come second.

    The hottest route of all: one plain SQL row (`_head`) says whether the page is shown (by
    `access.page_shown`, as `check_page` decides), whether a calendar is stale, and the cache
    key; the ORM is asked only when the cache cannot answer.
    """
    now = now or timezone.now()
    head = _head(page_slug, type_slug, now)
    if head is None or not head.shown:
        meeting_type = access.public_type(page_slug, type_slug)  # raises why
        return offer(meeting_type, days_for(meeting_type.owner.time_zone), now=now)
    days = days_for(head.owner_tz)
    if head.stale:
        return Offer(days.tz, [], NOTICE_STALE)
    span_start, span_end = days.span()
    pairs = cache.get(_key(head.type_id, head.owner_version, head.owner_tz, span_start, span_end))
    if pairs is None:
        return offer(access.public_type(page_slug, type_slug), days, now=now)
    return Offer(days.tz, _within(pairs, head.min_notice_minutes, head.horizon_days, now))


def is_offered(
    meeting_type: MeetingType,
    start: datetime,
    *,
    now: datetime | None = None,
    ignoring: Booking | None = None,
) -> bool:
    """Whether `start` is offered right now, computed afresh for that one instant (never
    from the cache); false while a connected calendar of the owner is stale.

    The grid of candidate starts hangs on the window's start, not on the span asked, so the
    span can be the single instant.
    """
    now = now or timezone.now()
    soonest, furthest = _bounds(meeting_type, now)
    # Compared before any conversion: a start at the calendar's ends cannot be converted.
    if not soonest <= start <= furthest:
        return False
    start = start.astimezone(UTC)
    state = Connection.objects.busy_state(meeting_type.owner_id, now)
    if state.stale:
        return False
    found = _compute(meeting_type, start, start, ignoring, state.covered_until)
    return any(s.start == start for s in found)


# --- computing an answer -------------------------------------------------------------------


def _hours_of(meeting_type: MeetingType) -> slots.WeeklyHours:
    own = meeting_type.own_hours()
    if own is not None:
        return own
    wh = WorkingHours.objects.filter(person_id=meeting_type.owner_id).first()
    if wh is None:
        return slots.WeeklyHours.from_json(WorkingHours().weekly, [])
    return wh.as_hours()


def _bounds(meeting_type: MeetingType, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest start allowed now (rule 3: notice and horizon)."""
    return (
        now + timedelta(minutes=meeting_type.min_notice_minutes),
        now + timedelta(days=meeting_type.horizon_days),
    )


def _compute(
    meeting_type: MeetingType,
    earliest: datetime,
    latest: datetime,
    ignoring: Booking | None,
    covered_until: datetime | None,
) -> list[slots.Interval]:
    """Every start in [earliest, latest] the hours, busy time and counts leave open."""
    owner_tz = ZoneInfo(meeting_type.owner.time_zone)
    if covered_until is not None:
        # Connected calendars were read up to there: no meeting (and its buffer) reaches past.
        latest = min(latest, covered_until - meeting_type.duration - meeting_type.buffer_after)
    if earliest > latest:
        return []

    first = earliest.astimezone(owner_tz).date()
    last = latest.astimezone(owner_tz).date()
    windows = slots.open_windows(_hours_of(meeting_type), owner_tz, first, last)
    if not windows:
        return []
    lo, hi = windows[0].start - _PAD, windows[-1].end + _PAD

    busy = busy_between(meeting_type.owner_id, lo, hi)
    per_day: Counter[date] = Counter()
    bookings = Booking.objects.blocking(meeting_type.owner_id, lo, hi)
    if ignoring is not None:
        bookings = bookings.exclude(pk=ignoring.pk)
    for b_start, b_end, type_id, start in bookings.values_list(
        "blocked_start", "blocked_end", "meeting_type_id", "start"
    ):
        busy.append((b_start, b_end))
        if type_id == meeting_type.pk:
            per_day[start.astimezone(owner_tz).date()] += 1

    return slots.find_slots(
        windows,
        [slots.Interval(s, e) for s, e in busy],
        duration=meeting_type.duration,
        step=meeting_type.step,
        buffer_before=meeting_type.buffer_before,
        buffer_after=meeting_type.buffer_after,
        earliest=earliest,
        latest=latest,
        daily_limit=meeting_type.daily_limit,
        booked_per_day=per_day,
        tz=owner_tz,
    )


def _pairs(found: list[slots.Interval]) -> list[tuple[float, float]]:
    return [(s.start.timestamp(), s.end.timestamp()) for s in found]


# --- the cache -----------------------------------------------------------------------------


def _key(
    type_id: int, owner_version: int, owner_tz: str, span_start: datetime, span_end: datetime
) -> str:
    """Where the answer for a type and span is cached.

    Everything the answer depends on is in the key or raises `owner_version` when it changes
    (the owner's bookings, events, hours, meeting types: see the apps' signal receivers), so an
    entry is never stale for its key; a sync that changes the owner's synced busy time (or how
    far it reaches) raises the version too. Notice, horizon and the connected calendars'
    staleness depend on the clock: notice and horizon are applied on the way out (`_within`),
    staleness is checked before the cache is read.
    """
    return (
        f"slots:{type_id}:{owner_version}:{owner_tz}:"
        f"{span_start.timestamp():.0f}:{span_end.timestamp():.0f}"
    )


def _within(
    pairs: list[tuple[float, float]], min_notice_minutes: int, horizon_days: int, now: datetime
) -> list[tuple[float, float]]:
    """The cached (start, end) timestamps that notice and horizon allow at `now`."""
    low = (now + timedelta(minutes=min_notice_minutes)).timestamp()
    high = (now + timedelta(days=horizon_days)).timestamp()
    return [(s, e) for s, e in pairs if low <= s <= high]


# --- the hot path's one row ----------------------------------------------------------------


class _Head(NamedTuple):
    """What `offer_on_page` needs to answer from the cache, from one SQL row."""

    type_id: int
    owner_version: int
    owner_tz: str
    min_notice_minutes: int
    horizon_days: int
    # `access.page_shown` of the row's person and organization: what `check_page` decides.
    shown: bool
    # `Connection.objects.busy_state(owner, now).stale`, in SQL (the EXISTS below).
    stale: bool


# One plain query, no ORM compilation (which costs more than the query itself), with named
# parameters (Django's SQLite cursor fills those in with `%`, positional ones with a regular
# expression run over the whole text: some 9 us a request). The WHERE clause is
# `MeetingType.objects.public()` of the page's type; the columns are what `access.page_shown`
# reads of a person and their organization; the EXISTS is `Connection.objects.busy_state(...)
# .stale`: a connection of the owner that checks busy time has not been read since the bound
# (never, or before it). Both are held to their one definition over every state by
# tests/booking/test_availability_door.py.
_HEAD_SQL = """
SELECT mt.id, p.availability_version, p.time_zone, mt.min_notice_minutes, mt.horizon_days,
       p.is_active, p.page_published, p.has_licence,
       p.calendar_api_enabled, p.app_access_policy, p.app_allow_list, p.app_block_list,
       o.calendar_api_enabled, o.app_access_policy, o.app_allow_list, o.app_block_list,
       o.anonymous_sharing,
       EXISTS (SELECT 1 FROM calendars_connection c WHERE c.owner_id = p.id AND c.checks_busy
               AND (c.last_success_at IS NULL OR c.last_success_at < %(fresh_since)s))
FROM booking_meetingtype mt
JOIN directory_person p ON p.id = mt.owner_id
JOIN directory_organization o ON o.id = p.organization_id
WHERE p.page_slug = %(page)s AND mt.slug = %(type)s
      AND mt.deleted_at IS NULL AND mt.visibility = 'public'
"""


def _json_list(value) -> list:
    # PostgreSQL's driver decodes JSON columns; SQLite hands back their text.
    return json.loads(value) if isinstance(value, str) else (value or [])


def _access_settings(enabled, policy, allow, block) -> dict:
    """An `AccessSettings` row's columns as the model's attributes (SQLite's 0/1 as bools)."""
    return {
        "calendar_api_enabled": None if enabled is None else bool(enabled),
        "app_access_policy": policy,
        "app_allow_list": _json_list(allow),
        "app_block_list": _json_list(block),
    }


def _head(page_slug: str, type_slug: str, now: datetime) -> _Head | None:
    """The head of a public type, or None when there is none (`access.public_type` says why)."""
    if "\x00" in page_slug or "\x00" in type_slug:
        return None
    # The staleness bound moves with the clock, so it is a parameter, never cached.
    fresh_since = connection.ops.adapt_datetimefield_value(now - stale_after())
    with connection.cursor() as cursor:
        cursor.execute(
            _HEAD_SQL, {"fresh_since": fresh_since, "page": page_slug.lower(), "type": type_slug}
        )
        row = cursor.fetchone()
    if row is None:
        return None
    # The person and organization as `access.page_shown` reads them, so the rules are the
    # very ones `check_page` applies (directory.policy.decide), not a copy of them.
    person = SimpleNamespace(
        is_active=bool(row[5]),
        page_published=bool(row[6]),
        has_licence=bool(row[7]),
        **_access_settings(*row[8:12]),
        organization=SimpleNamespace(**_access_settings(*row[12:16]), anonymous_sharing=row[16]),
    )
    head: tuple[int, int, str, int, int] = row[:5]  # type_id ... horizon_days
    return _Head(*head, shown=access.page_shown(person), stale=bool(row[17]))
