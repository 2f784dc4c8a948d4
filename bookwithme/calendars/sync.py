"""Reading connected calendars into busy blocks (`RemoteBusy`), one connection at a time.

The remote calendars are read with no transaction open; what changed is then written in one
short transaction that also raises the owner's `availability_version`, so a cached slots
answer never outlives the busy time it was computed from.

CalDAV, for each checked calendar:

1. PROPFIND its tag (getctag, else its sync-token). The same tag as last time, the same owner
   zone, and a window that still reaches far enough: nothing to do. One small request.
2. Otherwise list the etags of its events that overlap the window [now - 1 day, now + the
   owner's longest horizon + 7 days] (a calendar-query REPORT: the server applies
   recurrences), fetch only the new and changed events (calendar-multiget), and drop the
   blocks of those gone. Recurring events are stored as their rule, exceptions and moved
   occurrences, and expanded when read, by the same code as the built-in calendar's.

An ICS feed: a conditional GET; a 304, or the same body as last time (SHA-256), is nothing to
do; otherwise the feed's events replace the stored ones.

Events whose UID is one of the owner's own bookings are not stored: they are the booking's
copy in the calendar, and the booking itself already counts as busy.

A sync holds a lease on its connection, so two syncs of one connection never interleave.

What a sync asks of the product above it, it asks by a call, never by a signal: `Needs`, two
plain callables that booking registers once with `configure(...)` from its
`AppConfig.ready()` (calendars never imports booking):

- `horizon_days(owner_id)`: how many days ahead the owner can be booked (their meeting types'
  longest horizon), or None; the window is read that far (`DEFAULT_HORIZON_DAYS` on None);
- `own_booking_uids(owner_id, uids)`: which of `uids` are the owner's own bookings.

Nothing registered (calendars used on its own), a sync reads `DEFAULT_HORIZON_DAYS` ahead and
takes no event for a booking.

The signals here are events, "this happened", sent on commit; their receivers' return values
are never read (tests/test_signals.py holds every `send` to that).
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from bookwithme.calendars import dav, icsfeed
from bookwithme.calendars.ical import IcalError, ParsedEvent, Reading, Skipped, read
from bookwithme.calendars.models import CheckedCalendar, Connection, RemoteBusy
from bookwithme.calendars.remote import RemoteError, Unreachable
from bookwithme.directory.models import bump_availability

logger = logging.getLogger(__name__)

DEFAULT_HORIZON_DAYS = 60
PAST = timedelta(days=1)  # busy time is read from a day back...
MARGIN = timedelta(days=7)  # ... to a week past the longest horizon, listed again when reached
LEASE = timedelta(minutes=15)
MAX_HREF = 2000
_WRITE_BATCH = 500

# Events, sent with `connection` on commit; no receiver's answer is read.
# Its `write_to` calendar was chosen or changed: notify writes the owner's upcoming bookings
# into it, not only those that change later.
write_to_chosen = Signal()
# Its owner asked for a sync now: notify also tries again the bookings whose writing into that
# connection's calendar was given up.
sync_asked = Signal()

HorizonDays = Callable[[int], int | None]
OwnBookingUids = Callable[[int, set[str]], Iterable[str]]


def _no_horizon(owner_id: int) -> None:
    return None


def _no_own_bookings(owner_id: int, uids: set[str]) -> set[str]:
    return set()


@dataclass(frozen=True)
class Needs:
    """What a sync asks of booking, registered with `configure`; the defaults ask nobody."""

    # owner_id -> how many days ahead that owner can be booked, or None (not known).
    horizon_days: HorizonDays = _no_horizon
    # (owner_id, uids read) -> which of them are the owner's own bookings. Their copies in the
    # owner's calendars (written back, or the emailed invitation accepted there) are not
    # stored: the booking already counts, and the copy would block the booking's own time when
    # it is moved and show twice in the free/busy feed.
    own_booking_uids: OwnBookingUids = _no_own_bookings


_needs = Needs()


def configure(*, horizon_days: HorizonDays, own_booking_uids: OwnBookingUids) -> Needs:
    """Register what a sync asks of booking (from booking's `AppConfig.ready()`), in place of
    whatever was registered; answers that, for a test to put it back."""
    global _needs
    previous, _needs = _needs, Needs(horizon_days, own_booking_uids)
    return previous


def registered() -> Needs:
    return _needs


def horizon_days(owner_id: int) -> int:
    days = _needs.horizon_days(owner_id)
    return days if isinstance(days, int) else DEFAULT_HORIZON_DAYS


@dataclass
class Read:
    """What reading one calendar found, to be written."""

    calendar: CheckedCalendar
    tag: str
    replace_all: bool = False
    drop: set[str] = field(default_factory=set)  # hrefs whose blocks go
    blocks: list[RemoteBusy] = field(default_factory=list)
    etags: dict[str, str] | None = None  # the new href -> etag map; None: as it was
    http: tuple[str, str] | None = None  # a feed's new ETag and Last-Modified
    unread: dict[str, dict] | None = None  # the new `CheckedCalendar.unread`; None: as it was

    @property
    def changed(self) -> bool:
        return self.replace_all or bool(self.drop) or bool(self.blocks)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    changed: bool = False
    error: RemoteError | None = None


def _current(event: ParsedEvent, since: datetime) -> bool:
    if event.rrule:
        return event.repeats_until is None or event.repeats_until > since
    return event.end > since


def _blocks(
    calendar: CheckedCalendar, events: list[ParsedEvent], since: datetime, href: str = ""
) -> list[RemoteBusy]:
    owner_id = calendar.connection.owner_id
    return [
        RemoteBusy(calendar=calendar, owner_id=owner_id, href=href, **e.block_fields())
        for e in events
        if e.busy and _current(e, since)
    ]


def _problems(reading: Reading) -> dict | None:
    """What `CheckedCalendar.unread` keeps of one resource's reading (None: nothing to say)."""
    if not reading.skipped and not reading.warnings:
        return None
    return {"skipped": [s.as_dict() for s in reading.skipped], "warnings": reading.warnings}


def _parse_resource(calendar: CheckedCalendar, href: str, text: str, tz: ZoneInfo) -> Reading:
    try:
        return read(text, tz)
    except IcalError as e:
        # One resource that does not parse is skipped; the rest of the calendar still counts.
        logger.warning(
            "skipped an event of a calendar on %s (connection %s): %s",
            calendar.connection.host,
            calendar.connection_id,
            str(e)[:200],
        )
        name = href.rstrip("/").rsplit("/", 1)[-1][:200]
        return Reading(skipped=[Skipped(name, str(e)[:200])])


def _read_calendar(
    client,
    calendar: CheckedCalendar,
    tz: ZoneInfo,
    window: tuple[datetime, datetime],
    relist: bool,
) -> Read:
    tag = dav.collection_tag(client, calendar.url)
    same_zone = calendar.time_zone == tz.key
    if tag and tag == calendar.tag and same_zone and not relist:
        return Read(calendar, tag)
    listed = {
        key: value
        for key, value in dav.etags_between(client, calendar.url, *window).items()
        if len(key) <= MAX_HREF
    }
    known: dict[str, str] = calendar.etags if same_zone else {}
    wanted = [href for key, (href, etag) in listed.items() if known.get(key) != etag]
    fetched = dav.fetch(client, calendar.url, wanted) if wanted else {}
    blocks: list[RemoteBusy] = []
    etags: dict[str, str] = {}
    unread: dict[str, dict] = {}
    for key, (_href, etag) in listed.items():
        if key in fetched:
            new_etag, text = fetched[key]
            etags[key] = new_etag or etag
            reading = _parse_resource(calendar, key, text, tz)
            blocks.extend(_blocks(calendar, reading.events, window[0], href=key))
            if problems := _problems(reading):
                unread[key] = problems
        elif known.get(key) == etag:
            etags[key] = etag
            if key in calendar.unread and same_zone:
                unread[key] = calendar.unread[key]
        # else: deleted between the listing and the fetch: its blocks go.
    drop = (set(known) - set(etags)) | set(fetched)
    return Read(calendar, tag, not same_zone, drop, blocks, etags, unread=unread)


def _read_caldav(
    connection: Connection, calendars: list[CheckedCalendar], tz: ZoneInfo, now: datetime
) -> tuple[list[Read], datetime]:
    needed_until = now + timedelta(days=horizon_days(connection.owner_id))
    until = connection.synced_until
    # The window no longer reaches the longest horizon: list every calendar again, further.
    relist = until is None or until < needed_until
    if until is None or relist:
        until = needed_until + MARGIN
    client = dav.client_for(connection)
    try:
        reads = [_read_calendar(client, c, tz, (now - PAST, until), relist) for c in calendars]
    finally:
        client.close()
    return reads, until


def _read_feed(connection: Connection, calendar: CheckedCalendar, tz: ZoneInfo, now) -> Read:
    same_zone = calendar.time_zone == tz.key
    fetched = icsfeed.fetch(
        connection.url,
        etag=calendar.http_etag if same_zone else "",
        last_modified=calendar.http_last_modified if same_zone else "",
    )
    if fetched.body is None:
        return Read(calendar, calendar.tag)
    http = (fetched.etag, fetched.last_modified)
    digest = hashlib.sha256(fetched.body).hexdigest()
    if digest == calendar.tag and same_zone:
        return Read(calendar, digest, http=http)
    try:
        reading = read(fetched.body, tz)
    except IcalError:
        raise Unreachable(_("The feed's answer is not an iCalendar document.")) from None
    blocks = _blocks(calendar, reading.events, now - PAST)
    problems = _problems(reading)
    unread = {"": problems} if problems else {}
    return Read(calendar, digest, True, blocks=blocks, http=http, unread=unread)


def _drop_own_bookings(owner_id: int, reads: list[Read]) -> None:
    uids = {b.uid for r in reads for b in r.blocks if b.uid}
    if not uids:
        return
    ours = set(_needs.own_booking_uids(owner_id, uids) or ())
    if ours:
        for r in reads:
            r.blocks = [b for b in r.blocks if b.uid not in ours]


def _read(connection: Connection, now: datetime) -> tuple[list[Read], datetime | None]:
    tz = ZoneInfo(connection.owner.time_zone)
    calendars = list(connection.checked.order_by("pk"))
    for calendar in calendars:
        calendar.connection = connection  # no query per calendar for its connection
    if not calendars:
        return [], None
    if connection.kind == Connection.Kind.ICS:
        reads, until = [_read_feed(connection, calendars[0], tz, now)], None
    else:
        reads, until = _read_caldav(connection, calendars, tz, now)
    _drop_own_bookings(connection.owner_id, reads)
    return reads, until


def _store(connection: Connection, reads: list[Read], until: datetime | None, now) -> bool:
    changed = any(r.changed for r in reads) or until != connection.synced_until
    zone = connection.owner.time_zone
    with transaction.atomic():
        for r in reads:
            calendar = r.calendar
            if r.replace_all:
                RemoteBusy.objects.filter(calendar=calendar).delete()
            elif r.drop:
                gone = sorted(r.drop)
                for i in range(0, len(gone), _WRITE_BATCH):
                    chunk = gone[i : i + _WRITE_BATCH]
                    RemoteBusy.objects.filter(calendar=calendar, href__in=chunk).delete()
            RemoteBusy.objects.bulk_create(r.blocks, batch_size=_WRITE_BATCH)
            update: dict = {}
            if r.tag != calendar.tag:
                update["tag"] = r.tag
            if r.etags is not None and r.etags != calendar.etags:
                update["etags"] = r.etags
            if calendar.time_zone != zone:
                update["time_zone"] = zone
            if r.http is not None:
                update["http_etag"], update["http_last_modified"] = r.http
            if r.unread is not None and r.unread != calendar.unread:
                update["unread"] = r.unread
            if update:
                CheckedCalendar.objects.filter(pk=calendar.pk).update(**update)
        Connection.objects.filter(pk=connection.pk).update(
            last_sync_at=now, last_success_at=now, last_error="", failures=0, synced_until=until
        )
        if changed:
            bump_availability(connection.owner_id)
    return changed


def _record_failure(connection: Connection, error: RemoteError, now: datetime) -> None:
    Connection.objects.filter(pk=connection.pk).update(
        last_sync_at=now, last_error=error.message[:500], failures=F("failures") + 1
    )
    # The host only: a feed's address can hold its secret.
    logger.warning(
        "calendar sync failed for connection %s (%s on %s): %s",
        connection.pk,
        connection.kind,
        connection.host,
        error.message,
    )


def _take_lease(connection_id: int, now: datetime) -> bool:
    free = Q(syncing_until__isnull=True) | Q(syncing_until__lt=now)
    return bool(Connection.objects.filter(free, pk=connection_id).update(syncing_until=now + LEASE))


def sync(connection_id: int, *, now: datetime | None = None) -> Outcome | None:
    """Read one connection's calendars into busy blocks and record how it went.

    None when there is no such connection or another sync of it is running.
    """
    now = now or timezone.now()
    if not _take_lease(connection_id, now):
        return None
    try:
        connection = Connection.objects.select_related("owner").filter(pk=connection_id).first()
        if connection is None:
            return None
        try:
            reads, until = _read(connection, now)
        except RemoteError as e:
            _record_failure(connection, e, now)
            return Outcome(False, error=e)
        except Exception as e:
            # A bug, not the server: say so on the connection, and fail the task loudly.
            _record_failure(
                connection, Unreachable(_("Unexpected error (%s).") % type(e).__name__), now
            )
            raise
        return Outcome(True, changed=_store(connection, reads, until, now))
    finally:
        Connection.objects.filter(pk=connection_id).update(syncing_until=None)
