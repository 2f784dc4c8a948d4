"""Bookings written into the organizer's CalDAV calendar (a connection's `write_to`), as tasks.

After a booking is made, moved or cancelled, `want` marks its copy in each such calendar as
pending (one `CalendarCopy` row per booking and connection) and enqueues `write_copy` after the
commit. `write_copy` takes a lease on the row, then writes the booking as it is at that moment:
a PUT of the whole event (`itip.calendar_object`: the invitation's UID and SEQUENCE, without a
METHOD) at the copy's address, or a DELETE once the booking is cancelled (a 404 counts as
done). Whatever order retries and changes come in, the calendar ends with the latest version.

The address is chosen from the UID before the first write and kept, so a PUT repeated after a
timeout replaces the first. Should the calendar already hold the UID elsewhere (the organizer
accepted the emailed invitation into it), that event is adopted and written over instead.

A server that is down or slow (`Unreachable`) is tried again with backoff (1 minute, doubling,
at most an hour apart) for 24 hours after the change, then the copy is failed; a refusal
(`Refused`: wrong password, no such calendar, no right to write) fails it at once. A failed
copy says why on the row and on the connection (`write_error`); the next change of the
booking tries again. The booking itself never waits for any of this and is never undone.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, PositiveIntegerField, Q, Value
from django.db.models.functions import Greatest
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookwithme.booking.models import Booking
from bookwithme.calendars import dav
from bookwithme.calendars.models import Connection
from bookwithme.calendars.remote import RemoteError, Unreachable
from bookwithme.notify import itip
from bookwithme.notify.models import CalendarCopy
from bookwithme.notify.tasks import RETRY_FOR, backoff

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a few requests of at most 30 seconds each

State = CalendarCopy.State


def _targets(booking) -> list[int]:
    """The owner's connections that bookings are written into."""
    return list(
        Connection.objects.filter(owner_id=booking.owner_id, kind=Connection.Kind.CALDAV)
        .exclude(write_to="")
        .values_list("pk", flat=True)
    )


def want(booking) -> None:
    """Write the booking as it is now into its owner's calendars, soon (after the commit).

    Its existing copies become pending again; a confirmed booking also gets a copy in each
    calendar that bookings now go into (a cancelled one needs none where none was written).
    """
    now = timezone.now()
    targets = _targets(booking) if booking.is_active else []
    with transaction.atomic():
        again = CalendarCopy.objects.filter(booking=booking).update(
            state=State.PENDING,
            wanted_sequence=Greatest(
                F("wanted_sequence"),
                Value(booking.sequence),
                output_field=PositiveIntegerField(),
            ),
            pending_since=now,
            attempts=0,
            last_error="",
            next_attempt_at=None,
        )
        if not again and not targets:
            return  # the usual case: no calendar to write into
        CalendarCopy.objects.bulk_create(
            [
                CalendarCopy(
                    booking=booking,
                    connection_id=connection_id,
                    wanted_sequence=booking.sequence,
                    pending_since=now,
                )
                for connection_id in targets
            ],
            ignore_conflicts=True,  # already there: the update above made it pending
        )
        pending = list(
            CalendarCopy.objects.filter(booking=booking, state=State.PENDING).values_list(
                "pk", flat=True
            )
        )
        transaction.on_commit(lambda: _enqueue(pending))


def _enqueue(copy_ids: list[int]) -> None:
    for pk in copy_ids:
        write_copy.enqueue(pk)


def resume() -> int:
    """Enqueue every pending copy again (a duplicate ends at once). For the worker's start: a
    write whose task was lost with a crashed worker is taken up again."""
    count = 0
    now = timezone.now()
    for pk, when in CalendarCopy.objects.filter(state=State.PENDING).values_list(
        "pk", "next_attempt_at"
    ):
        job = write_copy.using(run_after=when) if when and when > now else write_copy
        job.enqueue(pk)
        count += 1
    if count:
        logger.info("queued %s booking writes into connected calendars", count)
    return count


def _take_lease(copy_id: int, now: datetime) -> datetime | None:
    lease = now + LEASE
    free = Q(writing_until__isnull=True) | Q(writing_until__lt=now)
    # A duplicate run before a retry's time ends too: the retry's own task comes then.
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    taken = CalendarCopy.objects.filter(free, due, pk=copy_id, state=State.PENDING)
    return lease if taken.update(writing_until=lease) else None


@task()
def write_copy(copy_id: int) -> None:
    """Bring one copy in step with its booking: PUT it, or DELETE it once cancelled."""
    now = timezone.now()
    lease = _take_lease(copy_id, now)
    if lease is None:
        return  # done, failed, not due, or being written by another run (which re-checks)
    try:
        copy = (
            CalendarCopy.objects.select_related(
                "booking__meeting_type", "booking__owner", "connection"
            )
            .filter(pk=copy_id)
            .first()
        )
        if copy is None:
            return
        sequence = copy.booking.sequence
        try:
            href, etag = _apply(copy)
        except RemoteError as e:
            _failed(copy, sequence, e, now)
            return
        except Exception as e:
            # A bug, not the server: say so on the copy, retry later, and fail the task loudly.
            bug = Unreachable(_("Unexpected error (%s).") % type(e).__name__)
            _failed(copy, sequence, bug, now)
            raise
        _settle(
            copy,
            sequence,
            now,
            href=href,
            etag=etag,
            written_sequence=sequence,
            attempts=copy.attempts + 1,
            last_error="",
        )
        Connection.objects.filter(pk=copy.connection_id).exclude(write_error="").update(
            write_error=""
        )
    finally:
        CalendarCopy.objects.filter(pk=copy_id, writing_until=lease).update(writing_until=None)


def _apply(copy: CalendarCopy) -> tuple[str, str]:
    """Write the booking's current state at the copy's address; (href, etag) afterwards."""
    booking, connection = copy.booking, copy.connection
    href = copy.href
    if not href:
        if not booking.is_active or not connection.write_to:
            return "", ""  # never written, nothing to write (or nowhere to anymore)
        href = dav.resource_url(connection.write_to, booking.uid)
        # Kept before the first PUT: should its answer be lost, the retry and a later delete
        # still find the event written.
        CalendarCopy.objects.filter(pk=copy.pk).update(href=href)
    client = dav.client_for(connection)
    try:
        if not booking.is_active:
            dav.delete_event(client, href)
            return href, ""
        with translation.override(booking.owner.language):
            ics = itip.calendar_object(booking, stamp=booking.updated_at)
        try:
            return href, dav.put_event(client, href, ics)
        except dav.UidTaken:
            found = dav.find_uid(client, href.rsplit("/", 1)[0] + "/", booking.uid)
            if not found or found == href:
                raise
            CalendarCopy.objects.filter(pk=copy.pk).update(href=found)
            return found, dav.put_event(client, found, ics)
    finally:
        client.close()


def _settle(copy: CalendarCopy, sequence: int, now: datetime, *, failed: bool = False, **fields):
    """Record an attempt that wrote (or failed for good) booking version `sequence`: done (or
    failed), unless the booking changed meanwhile; then it stays pending and goes again. The
    lease goes in the same update, so that the next run can take it at once."""
    fields.update(next_attempt_at=None, writing_until=None)
    with transaction.atomic():
        settled = CalendarCopy.objects.filter(pk=copy.pk, wanted_sequence__lte=sequence).update(
            state=State.FAILED if failed else State.DONE, done_at=None if failed else now, **fields
        )
        if not settled:
            CalendarCopy.objects.filter(pk=copy.pk).update(**fields)
            write_copy.enqueue(copy.pk)


def _failed(copy: CalendarCopy, sequence: int, error: RemoteError, now: datetime) -> None:
    attempts = copy.attempts + 1
    reason = error.message[:500]
    if not error.retryable or now - copy.pending_since >= RETRY_FOR:
        _settle(copy, sequence, now, failed=True, attempts=attempts, last_error=reason)
        Connection.objects.filter(pk=copy.connection_id).update(write_error=reason)
        logger.warning(
            "gave up writing booking %s into connection %s (%s) after %s attempts: %s",
            copy.booking_id,
            copy.connection_id,
            copy.connection.host,
            attempts,
            reason,
        )
        return
    retry_at = now + backoff(attempts)
    # The retry's task row is written in the same transaction as the copy's new state.
    with transaction.atomic():
        CalendarCopy.objects.filter(pk=copy.pk).update(
            attempts=attempts, last_error=reason, next_attempt_at=retry_at, writing_until=None
        )
        write_copy.using(run_after=retry_at).enqueue(copy.pk)
    logger.info(
        "booking %s not written into connection %s (%s); retry at %s",
        copy.booking_id,
        copy.connection_id,
        reason,
        retry_at,
    )


def write_upcoming(connection) -> int:
    """Write the owner's upcoming confirmed bookings into a calendar just chosen for them
    (past ones stay out); how many were asked for."""
    upcoming = Booking.objects.filter(
        owner_id=connection.owner_id, status=Booking.Status.CONFIRMED, end__gt=timezone.now()
    ).order_by("start")
    return _want_each(upcoming)


def retry_given_up(connection) -> int:
    """Try again the writes into this connection's calendar that were given up; how many."""
    bookings = Booking.objects.filter(
        calendar_copies__connection=connection, calendar_copies__state=State.FAILED
    ).distinct()
    return _want_each(bookings)


def _want_each(bookings) -> int:
    count = 0
    for booking in bookings.iterator():
        want(booking)
        count += 1
    return count
