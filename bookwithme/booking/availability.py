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
from functools import lru_cache
from math import inf
from types import SimpleNamespace
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from bookwithme import slots
from bookwithme.booking import access
from bookwithme.booking.errors import Invalid
from bookwithme.booking.models import Booking, MeetingType, WorkingHours
from bookwithme.calendars.busy import busy_spans, epoch_microseconds
from bookwithme.calendars.models import Connection, stale_after
from bookwithme.observe import slot_lookup

MAX_SPAN_DAYS = 62
# Each process's own (settings.CACHES): see `_key` for why an entry is never stale.
cache = caches["slots"]
# A bound on how long an answer may live in the cache even if no change is noticed.
CACHE_SECONDS = 300
_PAD = timedelta(days=1)
_TICK = timedelta(microseconds=1)
# Why an answer offers nothing: a connected calendar's busy time is too old to trust.
NOTICE_STALE = "calendar_stale"
# The bookings that count against limits: confirmed, or waiting for approval (time held).
COUNTED = (Booking.Status.CONFIRMED, Booking.Status.PENDING)


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


class Offer:
    """The starts offered in the days asked, to be shown in `tz` (the days' zone); or none,
    and `notice` says why.

    Made from (start, end) timestamps, or from the JSON body a cache kept (`offer_on_page`):
    each gives the other when asked, so the hot path hands its bytes on untouched.
    """

    __slots__ = ("_body", "_pairs", "notice", "tz")

    def __init__(
        self,
        tz: ZoneInfo,
        pairs: list[tuple[float, float]] | None = None,
        notice: str | None = None,
        *,
        body: bytes | None = None,
    ):
        self.tz, self.notice, self._pairs, self._body = tz, notice, pairs, body
        if pairs is None and body is None:
            self._pairs = []

    @property
    def pairs(self) -> list[tuple[float, float]]:
        if self._pairs is None:
            assert self._body is not None
            self._pairs = [
                (_stamp(slot["start"]), _stamp(slot["end"]))
                for slot in json.loads(self._body)["slots"]
            ]
        return self._pairs

    @property
    def starts(self) -> list[datetime]:
        return [datetime.fromtimestamp(start, self.tz) for start, _end in self.pairs]

    def json(self) -> bytes:
        """The answer as the API sends it (`api.schemas.SlotsOut`), made here only."""
        if self._body is None:
            body: dict = {
                "time_zone": self.tz.key,
                "slots": [
                    {
                        "start": datetime.fromtimestamp(s, self.tz).isoformat(),
                        "end": datetime.fromtimestamp(e, self.tz).isoformat(),
                    }
                    for s, e in self.pairs
                ],
            }
            if self.notice:
                body["notice"] = self.notice
            self._body = json.dumps(body).encode()
        return self._body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Offer):
            return NotImplemented
        return (self.tz, self.pairs, self.notice) == (other.tz, other.pairs, other.notice)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Offer({self.tz.key!r}, {len(self.pairs)} starts, notice={self.notice!r})"


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


# --- the door ------------------------------------------------------------------------------


def offer(
    meeting_type: MeetingType,
    days: Days,
    *,
    now: datetime | None = None,
    ignoring: Booking | None = None,
    length: int | None = None,
) -> Offer:
    """The starts `meeting_type` offers whose date in `days.tz` is within the days asked;
    none, with `NOTICE_STALE`, while a connected calendar of the owner is stale. `length`:
    the minutes chosen among the type's lengths (`sized` checks it; None: its default).

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
    owner = meeting_type.owner
    chosen = None if length in (None, meeting_type.duration_minutes) else length
    meeting_type = meeting_type.of_length(chosen)
    plan = _Plan.of(meeting_type, owner.time_zone, owner.availability_version)
    if ignoring is not None:
        soonest, furthest = _bounds(meeting_type, now)
        found = _compute(
            plan,
            max(soonest, span_start),
            min(furthest, span_end - _TICK),
            ignoring,
            state.covered_until,
        )
        return Offer(days.tz, _pairs(found))
    key = _key(
        meeting_type.pk,
        owner.availability_version,
        owner.time_zone,
        span_start,
        span_end,
        length=chosen,
    )
    pairs = _cached_pairs(key, days, lambda: (plan, state.covered_until))
    return Offer(
        days.tz, _within(pairs, meeting_type.min_notice_minutes, meeting_type.horizon_days, now)
    )


def offer_on_page(
    page_slug: str,
    type_slug: str,
    days_for: Callable[[str], Days],
    *,
    now: datetime | None = None,
    length: int | None = None,
) -> Offer:
    """`offer` for the public type `type_slug` of the page `page_slug`, refused as
    `access.public_type` refuses (NotFound, PageUnavailable). A `length` chosen among the
    type's lengths (422 under `duration` when not one of them) takes the ORM's path: the hot
    path below serves the type's default length, the one most visitors see.

    `days_for(owner_zone)` names the days asked (the owner's zone is what a caller defaults
    to); it is called once the page is known to be shown, so its own refusals come second.

    The hottest route of all, one SQL row (`_head`) and the cache: the row says whether the
    page is shown (by `access.page_shown`, as `check_page` decides), whether a calendar is
    stale, the cache key, and all a fresh answer is computed from. The cache keeps the answer
    as the JSON sent (`_Body`), good until the clock moves a start in or out of notice and
    horizon.
    """
    now = now or timezone.now()
    if length is not None:
        meeting_type = access.public_type(page_slug, type_slug)
        length = sized(meeting_type, length, field="duration").duration_minutes
        return offer(meeting_type, days_for(meeting_type.owner.time_zone), now=now, length=length)
    head = _head(page_slug, type_slug, now)
    if head is None or not head.shown:
        meeting_type = access.public_type(page_slug, type_slug)  # raises why
        return offer(meeting_type, days_for(meeting_type.owner.time_zone), now=now)
    days = days_for(head.owner_tz)
    if head.stale:
        return Offer(days.tz, [], NOTICE_STALE)
    span_start, span_end = days.span()
    key = _key(head.type_id, head.owner_version, head.owner_tz, span_start, span_end)
    body_key = f"{key}:{days.tz.key}"
    low, high = _limits(head.min_notice_minutes, head.horizon_days, now)
    body: _Body | None = cache.get(body_key)
    if body is not None and body.good_for(low, high):
        slot_lookup(hit=True)
        return Offer(days.tz, body=body.json)
    pairs = _cached_pairs(key, days, head.details)
    answer = Offer(days.tz, [(s, e) for s, e in pairs if low <= s <= high])
    cache.set(body_key, _Body.of(answer, pairs, low, high), CACHE_SECONDS)
    return answer


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
    owner = meeting_type.owner
    plan = _Plan.of(meeting_type, owner.time_zone, owner.availability_version)
    found = _compute(plan, start, start, ignoring, state.covered_until)
    return any(s.start == start for s in found)


def sized(meeting_type: MeetingType, length: int | None, *, field: str) -> MeetingType:
    """The type as it books `length` minutes (None: its default length), or `Invalid` under
    `field` (the name the request gave it) when that is not one of the type's lengths."""
    if length is None:
        return meeting_type
    if length not in meeting_type.lengths:
        choices = ", ".join(str(n) for n in meeting_type.lengths)
        raise Invalid(
            _("Choose one of this meeting's lengths."),
            fields={field: [_("One of %(choices)s (minutes).") % {"choices": choices}]},
        )
    return meeting_type.of_length(length)


# --- computing an answer -------------------------------------------------------------------


class _Plan(NamedTuple):
    """What computing a type's starts needs, gathered once: from the models (`of`) or from
    the page's head row (`_Head.plan`), so the hot path's misses ask no more of the ORM."""

    meeting_type: MeetingType
    owner_tz: ZoneInfo
    owner_version: int
    hours: Callable[[], slots.WeeklyHours]  # called only when some day is asked
    # The owner's own daily and weekly limits, across all their types (None: no limit).
    owner_limits: tuple[int | None, int | None] = (None, None)

    @classmethod
    def of(cls, meeting_type: MeetingType, owner_tz: str, owner_version: int) -> "_Plan":
        owner = meeting_type.owner
        return cls(
            meeting_type,
            ZoneInfo(owner_tz),
            owner_version,
            lambda: _hours_of(meeting_type),
            (owner.daily_limit, owner.weekly_limit),
        )


def _hours_of(meeting_type: MeetingType) -> slots.WeeklyHours:
    own = meeting_type.own_hours()
    if own is not None:
        return own
    # No row yet: the default hours.
    wh = WorkingHours.objects.filter(person_id=meeting_type.owner_id).first() or WorkingHours()
    return wh.as_hours()


def _bounds(meeting_type: MeetingType, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest start allowed now (rule 3: notice and horizon)."""
    return (
        now + timedelta(minutes=meeting_type.min_notice_minutes),
        now + timedelta(days=meeting_type.horizon_days),
    )


def _compute(
    plan: _Plan,
    earliest: datetime,
    latest: datetime,
    ignoring: Booking | None,
    covered_until: datetime | None,
    *,
    cached: bool = False,
) -> list[slots.Interval]:
    """Every start in [earliest, latest] the hours, busy time and counts leave open.

    `cached`: for an answer about to be cached, recurring busy time may come from the
    expansions kept for the owner's version (`busy_spans`); never inside a booking's
    transaction, which may roll back.
    """
    meeting_type, owner_tz = plan.meeting_type, plan.owner_tz
    if covered_until is not None:
        # Connected calendars were read up to there: no meeting (and its buffer) reaches past.
        latest = min(latest, covered_until - meeting_type.duration - meeting_type.buffer_after)
    if earliest > latest:
        return []

    first = earliest.astimezone(owner_tz).date()
    last = latest.astimezone(owner_tz).date()
    windows = slots.open_windows(plan.hours(), owner_tz, first, last)
    if not windows:
        return []
    lo, hi = windows[0].start - _PAD, windows[-1].end + _PAD

    version = plan.owner_version if cached else None
    busy = busy_spans(meeting_type.owner_id, lo, hi, version=version)
    per_day: Counter[date] = Counter()
    for b_start, b_end, type_id, start in _blocking(meeting_type.owner_id, lo, hi, ignoring):
        busy.append((b_start / 1e6, b_end / 1e6))
        if type_id == meeting_type.pk:
            per_day[datetime.fromtimestamp(start / 1e6, owner_tz).date()] += 1

    found = slots.find_slots(
        windows,
        busy_seconds=busy,
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
    if found:
        full = _full_days(plan, first, last, ignoring)
        found = [s for s in found if s.start.astimezone(owner_tz).date() not in full]
    return found


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _full_days(plan: _Plan, first: date, last: date, ignoring: Booking | None) -> set[date]:
    """The owner's dates in first..last on which the type takes no more bookings by its weekly
    limit or the owner's own daily and weekly limits across all their types (the type's daily
    limit is `find_slots`'). Weeks are the owner's, Monday to Sunday; `ignoring` (a booking
    being moved) does not count."""
    meeting_type, owner_tz = plan.meeting_type, plan.owner_tz
    owner_day, owner_week = plan.owner_limits
    type_week = meeting_type.weekly_limit
    if type_week is None and owner_day is None and owner_week is None:
        return set()
    lo, hi = day_span(_monday(first), _monday(last) + timedelta(days=6), owner_tz)
    counted = Booking.objects.filter(
        owner_id=meeting_type.owner_id, status__in=COUNTED, start__gte=lo, start__lt=hi
    )
    if ignoring is not None:
        counted = counted.exclude(pk=ignoring.pk)
    on_day: Counter[date] = Counter()
    in_week: Counter[date] = Counter()
    of_type_in_week: Counter[date] = Counter()
    for type_id, start in counted.values_list("meeting_type_id", "start"):
        day = start.astimezone(owner_tz).date()
        on_day[day] += 1
        in_week[_monday(day)] += 1
        if type_id == meeting_type.pk:
            of_type_in_week[_monday(day)] += 1
    full: set[date] = set()
    day = first
    while day <= last:
        week = _monday(day)
        if (
            (owner_day is not None and on_day[day] >= owner_day)
            or (owner_week is not None and in_week[week] >= owner_week)
            or (type_week is not None and of_type_in_week[week] >= type_week)
        ):
            full.add(day)
        day += timedelta(days=1)
    return full


# `Booking.objects.blocking(owner, lo, hi)` (held to it by tests/booking/test_availability_door.py)
# read at the floor, as busy time is: the times as epoch microseconds.
_BLOCKING_SQL = """
SELECT {blocked_start}, {blocked_end}, meeting_type_id, {start} FROM booking_booking
WHERE owner_id = %(owner)s AND status IN (%(pending)s, %(confirmed)s)
      AND blocked_start < %(hi)s AND blocked_end > %(lo)s AND id <> %(ignoring)s
"""


@lru_cache(maxsize=4)
def _blocking_sql(vendor: str) -> str:
    """`_BLOCKING_SQL` for this database (`vendor` keys the cache), written once per process."""
    times = ("blocked_start", "blocked_end", "start")
    return _BLOCKING_SQL.format(**{c: epoch_microseconds(c) for c in times})


def _blocking(
    owner_id: int, lo: datetime, hi: datetime, ignoring: Booking | None
) -> list[tuple[int, int, int, int]]:
    """The bookings whose blocked time overlaps [lo, hi), but `ignoring`: their blocked start
    and end, type and start."""
    adapt = connection.ops.adapt_datetimefield_value
    params: dict[str, Any] = {
        "owner": owner_id,
        "pending": Booking.Status.PENDING.value,
        "confirmed": Booking.Status.CONFIRMED.value,
        "lo": adapt(lo),
        "hi": adapt(hi),
        "ignoring": ignoring.pk if ignoring is not None else 0,
    }
    with connection.cursor() as cursor:
        cursor.execute(_blocking_sql(connection.vendor), params)
        return cursor.fetchall()


def _pairs(found: list[slots.Interval]) -> list[tuple[float, float]]:
    return [(s.start.timestamp(), s.end.timestamp()) for s in found]


# --- the cache -----------------------------------------------------------------------------


def _key(
    type_id: int,
    owner_version: int,
    owner_tz: str,
    span_start: datetime,
    span_end: datetime,
    *,
    length: int | None = None,
) -> str:
    """Where the answer for a type and span is cached.

    Everything the answer depends on is in the key or raises `owner_version` when it changes
    (the owner's bookings, events, hours, meeting types: see the apps' signal receivers), so an
    entry is never stale for its key; a sync that changes the owner's synced busy time (or how
    far it reaches) raises the version too. Notice, horizon and the connected calendars'
    staleness depend on the clock: notice and horizon are applied on the way out (`_within`),
    staleness is checked before the cache is read. A length the visitor chose other than the
    type's default (`length`) ends the key, and so the `_Body` key made from it.
    """
    return (
        f"slots:{type_id}:{owner_version}:{owner_tz}:"
        f"{span_start.timestamp():.0f}:{span_end.timestamp():.0f}"
        + (f":{length}m" if length else "")
    )


def _cached_pairs(
    key: str, days: Days, gather: Callable[[], tuple[_Plan, datetime | None]]
) -> list[tuple[float, float]]:
    """Every start of the span, before notice and horizon: from the cache, or computed from
    what `gather()` gives (the plan, and how far connected calendars were read)."""
    pairs = cache.get(key)
    slot_lookup(hit=pairs is not None)
    if pairs is None:
        plan, covered_until = gather()
        span_start, span_end = days.span()
        found = _compute(plan, span_start, span_end - _TICK, None, covered_until, cached=True)
        pairs = _pairs(found)
        cache.set(key, pairs, CACHE_SECONDS)
    return pairs


def _limits(min_notice_minutes: int, horizon_days: int, now: datetime) -> tuple[float, float]:
    """The earliest and latest start timestamps notice and horizon allow at `now`."""
    return (
        (now + timedelta(minutes=min_notice_minutes)).timestamp(),
        (now + timedelta(days=horizon_days)).timestamp(),
    )


def _within(
    pairs: list[tuple[float, float]], min_notice_minutes: int, horizon_days: int, now: datetime
) -> list[tuple[float, float]]:
    """The cached (start, end) timestamps that notice and horizon allow at `now`."""
    low, high = _limits(min_notice_minutes, horizon_days, now)
    return [(s, e) for s, e in pairs if low <= s <= high]


class _Body(NamedTuple):
    """An answer's JSON as sent, with the starts on either side of what it shows: it stays
    the answer while notice and horizon (which move with the clock, and may be changed
    without a new version) let in exactly the starts it shows."""

    json: bytes
    last_dropped: float  # the latest start before notice (-inf: none)
    first_kept: float  # the earliest start shown (inf: none)
    last_kept: float  # the latest start shown (-inf: none)
    next_added: float  # the earliest start past the horizon (inf: none)

    @classmethod
    def of(cls, answer: Offer, pairs: list[tuple[float, float]], low: float, high: float):
        starts = [s for s, _e in pairs]
        shown = [s for s, _e in answer.pairs]
        return cls(
            answer.json(),
            max((s for s in starts if s < low), default=-inf),
            shown[0] if shown else inf,
            shown[-1] if shown else -inf,
            min((s for s in starts if s > high), default=inf),
        )

    def good_for(self, low: float, high: float) -> bool:
        """Whether `_within` with these limits keeps the very starts shown."""
        return (
            self.last_dropped < low <= self.first_kept and self.last_kept <= high < self.next_added
        )


# --- the hot path's one row ----------------------------------------------------------------


class _Head(NamedTuple):
    """What `offer_on_page` needs to answer from the cache, from one SQL row; `details` asks
    a second one for what computing an answer needs besides, when it must."""

    type_id: int
    owner_id: int
    owner_version: int
    owner_tz: str
    min_notice_minutes: int
    horizon_days: int
    # `access.page_shown` of the row's person and organization: what `check_page` decides.
    shown: bool
    # `Connection.objects.busy_state(owner, now).stale`, in SQL (the EXISTS below).
    stale: bool

    def details(self) -> tuple[_Plan, datetime | None]:
        """The plan to compute from, and `busy_state(...).covered_until`: the type's columns,
        the owner's working hours and their calendars' reach, in one more row, so that a
        miss asks the ORM nothing."""
        with connection.cursor() as cursor:
            cursor.execute(_DETAILS_SQL, {"type": self.type_id, "owner": self.owner_id})
            row = cursor.fetchone()
        n = len(_TYPE_COLUMNS)
        own = dict(zip(_TYPE_COLUMNS, row[:n], strict=True))
        own_hours, weekly, overrides, covered_until, owner_day, owner_week = row[n:]
        meeting_type = MeetingType(
            id=self.type_id,
            owner_id=self.owner_id,
            min_notice_minutes=self.min_notice_minutes,
            horizon_days=self.horizon_days,
            **own,
        )

        def hours() -> slots.WeeklyHours:
            if own_hours is not None:
                meeting_type.hours = json.loads(own_hours)
                return meeting_type.own_hours()  # type: ignore[return-value]
            if weekly is None:  # no row yet: the default hours
                return WorkingHours().as_hours()
            row = WorkingHours(weekly=json.loads(weekly), overrides=_json_list(overrides))
            return row.as_hours()

        plan = _Plan(
            meeting_type,
            ZoneInfo(self.owner_tz),
            self.owner_version,
            hours,
            (owner_day, owner_week),
        )
        return plan, _instant(covered_until)


# One plain query, no ORM compilation (which costs more than the query itself), with named
# parameters (Django's SQLite cursor fills those in with `%`, positional ones with a regular
# expression run over the whole text: some 9 us a request). The WHERE clause is
# `MeetingType.objects.public()` of the page's type; the columns are what `access.page_shown`
# reads of a person and their organization; the EXISTS is `Connection.objects.busy_state(...)
# .stale`: a connection of the owner that checks busy time has not been read since the bound
# (never, or before it). Both are held to their one definition over every state by
# tests/booking/test_availability_door.py.
_HEAD_SQL = """
SELECT mt.id, p.id, p.availability_version, p.time_zone, mt.min_notice_minutes, mt.horizon_days,
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
# The rest of what `_compute` reads: the type's columns, the owner's working hours (JSON as
# text on both engines, decoded only when asked) and `busy_state(...).covered_until` (the MIN,
# held to it by the same tests).
_DETAILS_SQL = """
SELECT mt.duration_minutes, mt.slot_step_minutes, mt.buffer_before_minutes,
       mt.buffer_after_minutes, mt.daily_limit, mt.visibility, mt.weekly_limit,
       CAST(mt.hours AS TEXT),
       CAST(wh.weekly AS TEXT), CAST(wh.overrides AS TEXT),
       (SELECT MIN(c.synced_until) FROM calendars_connection c
        WHERE c.owner_id = %(owner)s AND c.checks_busy),
       p.daily_limit, p.weekly_limit
FROM booking_meetingtype mt
JOIN directory_person p ON p.id = mt.owner_id
LEFT JOIN booking_workinghours wh ON wh.person_id = mt.owner_id
WHERE mt.id = %(type)s
"""
_TYPE_COLUMNS = (
    "duration_minutes",
    "slot_step_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "daily_limit",
    "visibility",
    "weekly_limit",
)


def _json_list(value) -> list:
    # PostgreSQL's driver decodes JSON columns; SQLite hands back their text.
    return json.loads(value) if isinstance(value, str) else (value or [])


def _instant(value) -> datetime | None:
    # PostgreSQL's driver gives an aware datetime; SQLite the naive UTC text Django stored.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


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
        is_active=bool(row[6]),
        page_published=bool(row[7]),
        has_licence=bool(row[8]),
        **_access_settings(*row[9:13]),
        organization=SimpleNamespace(**_access_settings(*row[13:17]), anonymous_sharing=row[17]),
    )
    head: tuple[int, int, int, str, int, int] = row[:6]  # type_id ... horizon_days
    return _Head(*head, shown=access.page_shown(person), stale=bool(row[18]))
