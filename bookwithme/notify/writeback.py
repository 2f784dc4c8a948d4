"""Bookings written into the organizer's CalDAV calendar (a connection's `write_to`), as tasks.

After a booking is made, moved or cancelled, the change's fan-out (notify/tasks.py) calls
`want`, which marks its copy in each such calendar as pending (one `CalendarCopy` row per
booking and connection) and enqueues `write_copy` (on the `calendars` queue) in that same
transaction. `write_copy` takes a lease on the row (notify/leases.py, shared with the outbox),
then writes the booking as it is at that moment:
a PUT of the whole event (`ics.calendar_object`: the invitation's UID and SEQUENCE, without a
METHOD) at the copy's address, or a DELETE once the booking is cancelled (a 404 counts as
done). Whatever order retries and changes come in, the calendar ends with the latest version.

The address is chosen from the UID before the first write and kept, so a PUT repeated after a
timeout replaces the first. Should the calendar already hold the UID elsewhere (the organizer
accepted the emailed invitation into it), that event is adopted and written over instead.

A server that is down or slow (`Unreachable`) is tried again with backoff (1 minute, doubling,
at most an hour apart) for 24 hours after the change, then the copy is failed; a refusal
(`Refused`: wrong password, no such calendar, no right to write) fails it at once. A failed
copy says why on the row and on the connection (`write_error`); the next change of the
booking tries again. The booking itself never waits for any of this and is never undone. A
write whose worker died is taken up again once its lease has run out (`resume`).
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, PositiveIntegerField, Q, Value
from django.db.models.functions import Greatest
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookwithme.booking.ics import calendar_object
from bookwithme.booking.models import Booking
from bookwithme.calendars import dav
from bookwithme.calendars.models import Connection
from bookwithme.calendars.remote import RemoteError, Unreachable
from bookwithme.notify import leases
from bookwithme.notify.models import CalendarCopy

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
    """Write the booking as it is now into its owner's calendars, soon.

    Its existing copies become pending again; a confirmed booking also gets a copy in each
    calendar that bookings now go into (a cancelled one needs none where none was written).
    The writes' tasks are enqueued in the same transaction (a row each in the task table), so
    the copies are pending exactly when their tasks exist.
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
            next_attempt_at=now,
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
                    next_attempt_at=now,
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
        for pk in pending:
            COPIES.enqueue(pk)


def resume(*, only_overdue: bool = False) -> int:
    """Enqueue every write a worker should take up (notify/leases.py): for a worker's start,
    and its periodic sweep. A write whose task was lost with a crashed worker goes again."""
    count = COPIES.resume(only_overdue=only_overdue)
    if count:
        logger.info("queued %s booking writes into connected calendars", count)
    return count


@task(queue_name="calendars")
def write_copy(copy_id: int) -> None:
    """Bring one copy in step with its booking: PUT it, or DELETE it once cancelled."""
    now = timezone.now()
    lease = COPIES.claim(copy_id, now)
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
            _failed(copy, sequence, lease, e, now)
            return
        except Exception as e:
            # A bug, not the server: say so on the copy, retry later, and fail the task loudly.
            bug = Unreachable(_("Unexpected error (%s).") % type(e).__name__)
            _failed(copy, sequence, lease, bug, now)
            raise
        _settle(copy, sequence, now, href=href, etag=etag, written_sequence=sequence, last_error="")
        Connection.objects.filter(pk=copy.connection_id).exclude(write_error="").update(
            write_error=""
        )
    finally:
        COPIES.release(copy_id, lease)


COPIES = leases.Work(CalendarCopy, write_copy, lease=LEASE)


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
            ics = calendar_object(booking, stamp=booking.updated_at)
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
    with transaction.atomic():
        settled = COPIES.settle(
            copy.pk,
            State.FAILED if failed else State.DONE,
            where=Q(wanted_sequence__lte=sequence),
            done_at=None if failed else now,
            **fields,
        )
        if not settled:
            CalendarCopy.objects.filter(pk=copy.pk).update(
                next_attempt_at=now, leased_until=None, **fields
            )
            COPIES.enqueue(copy.pk)


def _failed(
    copy: CalendarCopy, sequence: int, lease: datetime, error: RemoteError, now: datetime
) -> None:
    attempts = copy.attempts  # this one included: counted when the lease was taken
    reason = error.message[:500]
    retry_at = leases.next_attempt(attempts, since=copy.pending_since, now=now)
    if not error.retryable or retry_at is None:
        _settle(copy, sequence, now, failed=True, last_error=reason)
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
    COPIES.retry(copy.pk, lease, at=retry_at, reason=reason)
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
