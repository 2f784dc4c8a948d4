"""What notify hears: a booking's change, and calendars' two events.

`booking_changing` arrives inside the booking's transaction, which holds the owner's lock (on
SQLite, the database's write lock): so the receiver only enqueues one `tasks.fan_out`, a row
of the task table (django_tasks_db) that commits or rolls back with the change. The worker
does the rest (messages, reminder, write-back, syncs), see notify/tasks.py.

Calendars' two events arrive on commit: `write_to_chosen` (a calendar was chosen for bookings)
and `sync_asked` (the owner asked for a sync). Like every receiver here, theirs act and answer
nothing: a signal's sender never reads what its receivers return.
"""

from django.dispatch import receiver

from bookwithme.booking import signals
from bookwithme.calendars import sync as calendar_sync
from bookwithme.notify import tasks, writeback


@receiver(signals.booking_changing, dispatch_uid="notify-fan-out")
def on_booking_changing(sender, booking, change, previous_start=None, **kwargs):
    """The change's one task, in its own transaction (an event: no answer)."""
    tasks.enqueue_fan_out(booking.pk, change, booking.sequence, previous_start)


@receiver(calendar_sync.write_to_chosen, dispatch_uid="writeback-write-to-chosen")
def write_upcoming(sender, connection, **kwargs):
    """A calendar newly chosen for bookings gets the upcoming ones at once (an event: no
    answer)."""
    writeback.write_upcoming(connection)


@receiver(calendar_sync.sync_asked, dispatch_uid="writeback-sync-asked")
def retry_writes(sender, connection, **kwargs):
    """Asking for a sync also retries the bookings that could not be written (an event: no
    answer)."""
    writeback.retry_given_up(connection)
