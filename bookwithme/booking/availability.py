"""Which starts a meeting type offers: the database's facts handed to the slot engine.

A few indexed queries (the owner's connected calendars' state, the working hours when the
type uses them, calendar events, bookings) and nothing remote; the arithmetic is
`bookwithme.slots`. When a connected calendar has not been read within its staleness bound,
nothing is offered (`NOTICE_STALE`): stale busy time must not double-book.
"""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone

from bookwithme import slots
from bookwithme.booking.models import Booking, MeetingType, WorkingHours
from bookwithme.calendars.busy import busy_between
from bookwithme.calendars.models import Connection

MAX_SPAN_DAYS = 62
# A bound on how long an answer may live in the cache even if no change is noticed.
CACHE_SECONDS = 300
_PAD = timedelta(days=1)
_TICK = timedelta(microseconds=1)
# Why an answer offers nothing: a connected calendar's busy time is too old to trust.
NOTICE_STALE = "calendar_stale"


class Offer(NamedTuple):
    """The starts offered, as (start, end) timestamps; or none, and `notice` says why."""

    pairs: list[tuple[float, float]]
    notice: str | None = None


def day_span(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first 00:00, last + 1 00:00) in `tz`, as UTC instants."""
    start = slots.wall_to_utc(first, 0, tz)
    end = slots.wall_to_utc(last, slots.MINUTES_PER_DAY, tz)
    return start, end


def hours_of(meeting_type: MeetingType) -> slots.WeeklyHours:
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


def slots_between(
    meeting_type: MeetingType,
    span_start: datetime,
    span_end: datetime,
    *,
    now: datetime | None = None,
    ignoring: Booking | None = None,
) -> list[slots.Interval]:
    """Every start the type offers in [span_start, span_end), by the contract's slot rules;
    none while the owner's connected calendars are stale.

    `ignoring` is a booking whose own time counts as free (the one being rescheduled).
    """
    now = now or timezone.now()
    state = Connection.objects.busy_state(meeting_type.owner_id, now)
    if state.stale:
        return []
    return _between(meeting_type, span_start, span_end, now, ignoring, state.covered_until)


def _between(
    meeting_type: MeetingType,
    span_start: datetime,
    span_end: datetime,
    now: datetime,
    ignoring: Booking | None,
    covered_until: datetime | None,
) -> list[slots.Interval]:
    soonest, furthest = _bounds(meeting_type, now)
    return _compute(
        meeting_type,
        max(soonest, span_start),
        min(furthest, span_end - _TICK),
        ignoring,
        covered_until,
    )


def _compute(
    meeting_type: MeetingType,
    earliest: datetime,
    latest: datetime,
    ignoring: Booking | None,
    covered_until: datetime | None,
) -> list[slots.Interval]:
    owner_tz = ZoneInfo(meeting_type.owner.time_zone)
    if covered_until is not None:
        # Connected calendars were read up to there: no meeting (and its buffer) reaches past.
        latest = min(latest, covered_until - meeting_type.duration - meeting_type.buffer_after)
    if earliest > latest:
        return []

    first = earliest.astimezone(owner_tz).date()
    last = latest.astimezone(owner_tz).date()
    windows = slots.open_windows(hours_of(meeting_type), owner_tz, first, last)
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

    found = slots.find_slots(
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
    return found


def cache_key(
    type_id: int, owner_version: int, owner_tz: str, span_start: datetime, span_end: datetime
) -> str:
    """Where the answer for a type and span is cached.

    Everything the answer depends on is in the key or raises `owner_version` when it changes
    (the owner's bookings, events, hours, meeting types: see the apps' signal receivers), so an
    entry is never stale for its key; a sync that changes the owner's synced busy time (or how
    far it reaches) raises the version too. Notice, horizon and the connected calendars'
    staleness depend on the clock: notice and horizon are applied on the way out
    (`within_bounds`), staleness is checked before the cache is read.
    """
    return (
        f"slots:{type_id}:{owner_version}:{owner_tz}:"
        f"{span_start.timestamp():.0f}:{span_end.timestamp():.0f}"
    )


def within_bounds(
    pairs: list[tuple[float, float]],
    min_notice_minutes: int,
    horizon_days: int,
    now: datetime | None = None,
) -> list[tuple[float, float]]:
    """The cached (start, end) timestamps that notice and horizon allow at `now`."""
    now = now or timezone.now()
    low = (now + timedelta(minutes=min_notice_minutes)).timestamp()
    high = (now + timedelta(days=horizon_days)).timestamp()
    return [(s, e) for s, e in pairs if low <= s <= high]


def cached_pairs(key: str) -> list[tuple[float, float]] | None:
    return cache.get(key)


def slots_for(
    meeting_type: MeetingType,
    first: date,
    last: date,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
    ignoring: Booking | None = None,
) -> Offer:
    """The (start, end) timestamps of the starts whose date in the visitor's zone `tz` is
    within first..last inclusive; none, with `NOTICE_STALE`, while a connected calendar of
    the owner is stale.

    Pages ask this again and again with nothing changed in between, so the answer for the
    span is cached (see `cache_key`). A booking never trusts this cache: `book` re-checks
    with `is_offered`.
    """
    now = now or timezone.now()
    owner = meeting_type.owner
    state = Connection.objects.busy_state(owner.pk, now)
    if state.stale:
        return Offer([], NOTICE_STALE)
    span_start, span_end = day_span(first, last, tz)
    if ignoring is not None:
        answer = _between(meeting_type, span_start, span_end, now, ignoring, state.covered_until)
        return Offer([(s.start.timestamp(), s.end.timestamp()) for s in answer])
    key = cache_key(
        meeting_type.pk, owner.availability_version, owner.time_zone, span_start, span_end
    )
    pairs = cached_pairs(key)
    if pairs is None:
        answer = _compute(meeting_type, span_start, span_end - _TICK, None, state.covered_until)
        pairs = [(s.start.timestamp(), s.end.timestamp()) for s in answer]
        cache.set(key, pairs, CACHE_SECONDS)
    return Offer(
        within_bounds(pairs, meeting_type.min_notice_minutes, meeting_type.horizon_days, now)
    )


def is_offered(
    meeting_type: MeetingType,
    start: datetime,
    *,
    now: datetime | None = None,
    ignoring: Booking | None = None,
) -> bool:
    """Whether `start` is offered right now, computed afresh for that one instant.

    The grid of candidate starts hangs on the window's start, not on the span asked, so the
    span can be the single instant.
    """
    now = now or timezone.now()
    soonest, furthest = _bounds(meeting_type, now)
    # Compared before any conversion: a start at the calendar's ends cannot be converted.
    if not soonest <= start <= furthest:
        return False
    start = start.astimezone(UTC)
    answer = slots_between(meeting_type, start, start + _TICK, now=now, ignoring=ignoring)
    return any(s.start == start for s in answer)
