"""A booking's change writes the booking and one task; the worker's fan-out makes the rest (the
messages, the reminder, the calendar write-back, the syncs) in one transaction of its own, once
however often it runs and in whatever order, and a fan-out whose task was lost is found by the
worker's sweep."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from makers import NOW, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.models import Booking
from bookwithme.calendars.models import Connection
from bookwithme.notify import leases, tasks
from bookwithme.notify.models import CalendarCopy, OutboxMessage

pytestmark = pytest.mark.usefixtures("frozen")

START = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
MOVED = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
FAN_OUT = "bookwithme.notify.tasks.fan_out"
TASK_TABLE = DBTaskResult._meta.db_table
WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM) "(\w+)"')


class Abandoned(Exception):
    pass


@pytest.fixture
def alex(db):
    alex = make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")
    # A feed to sync after each change and a calendar bookings are written into: what the
    # request used to do itself.
    Connection.objects.create(
        owner=alex,
        kind=Connection.Kind.ICS,
        url="http://127.0.0.1:9/feed.ics",
        last_success_at=NOW,
        synced_until=NOW + timedelta(days=365),
    )
    Connection.objects.create(
        owner=alex,
        kind=Connection.Kind.CALDAV,
        url="http://127.0.0.1:9/dav/",
        write_to="http://127.0.0.1:9/dav/bookings/",
        checks_busy=False,
    )
    return alex


@pytest.fixture
def intro(alex):
    return make_type(alex, title="Intro call", slug="intro", reminder_minutes_before=60)


def book(intro) -> Booking:
    attendee = services.Attendee("Zoé Roux", "zoe@example.org", "America/Montreal")
    return services.book(intro, START, attendee).booking


def messages(booking) -> list[tuple]:
    rows = OutboxMessage.objects.filter(booking=booking).order_by("sequence", "kind", "recipient")
    return list(
        rows.values_list(
            "sequence", "kind", "recipient", "to_email", "state", "previous_start", "for_start"
        )
    )


def waiting(task_path: str) -> int:
    return DBTaskResult.objects.filter(task_path=task_path, status="READY").count()


def fan_outs() -> list[dict]:
    return [t.args_kwargs["kwargs"] for t in DBTaskResult.objects.filter(task_path=FAN_OUT)]


def writes(queries) -> list[tuple[str, str]]:
    return [m.groups() for q in queries.captured_queries if (m := WRITE.match(q["sql"]))]


@pytest.mark.parametrize("change", ["book", "reschedule", "cancel"])
def test_a_change_writes_the_booking_and_one_task_and_nothing_else(intro, fan_out, change):
    booking = book(intro)
    fan_out()
    before = DBTaskResult.objects.count()
    with CaptureQueriesContext(connection) as queries:
        if change == "book":
            booking = services.book(
                intro, MOVED, services.Attendee("Ann Lee", "ann@example.org", "UTC")
            ).booking
        elif change == "reschedule":
            services.reschedule(booking, MOVED)
        else:
            services.cancel(booking, by=Booking.CancelledBy.ATTENDEE)
    written = writes(queries)
    assert [w for w in written if w[1] == TASK_TABLE] == [("INSERT INTO", TASK_TABLE)]
    assert not [w for w in written if w[1].startswith(("notify_", "calendars_"))], written
    assert DBTaskResult.objects.count() == before + 1
    booking.refresh_from_db()
    asked = DBTaskResult.objects.get(task_path=FAN_OUT, status="READY").args_kwargs
    assert asked["kwargs"] == {
        "booking_id": booking.pk,
        "change": {"book": "confirmed", "reschedule": "rescheduled", "cancel": "cancelled"}[change],
        "sequence": booking.sequence,
        "previous_start": START.isoformat() if change == "reschedule" else None,
    }


def test_a_rolled_back_change_leaves_no_task(intro):
    with pytest.raises(Abandoned), transaction.atomic():
        book(intro)
        assert waiting(FAN_OUT) == 1
        raise Abandoned
    assert not Booking.objects.exists() and not DBTaskResult.objects.exists()


def test_the_fan_out_makes_each_changes_messages_reminder_writes_and_syncs(
    intro, fan_out, django_capture_on_commit_callbacks
):
    booking = book(intro)
    assert not OutboxMessage.objects.exists() and not CalendarCopy.objects.exists()
    # Everything it enqueues is written in its own transaction, none after the commit.
    with django_capture_on_commit_callbacks() as callbacks:
        assert fan_out() == 1
    assert callbacks == []
    assert messages(booking) == [
        (0, "confirmed", "attendee", "zoe@example.org", "pending", None, None),
        (0, "confirmed", "organizer", "alex@example.org", "pending", None, None),
        (0, "reminder", "attendee", "zoe@example.org", "pending", None, START),
    ]
    reminder = OutboxMessage.objects.get(kind="reminder")
    assert reminder.due_at == reminder.next_attempt_at == START - timedelta(minutes=60)
    deliveries = DBTaskResult.objects.filter(task_path="bookwithme.notify.tasks.deliver")
    assert sorted(t.run_after for t in deliveries)[0] == START - timedelta(minutes=60)
    assert deliveries.count() == 3
    copy = CalendarCopy.objects.get(booking=booking)
    assert copy.state == "pending" and copy.wanted_sequence == 0
    assert waiting("bookwithme.notify.writeback.write_copy") == 1
    assert waiting("bookwithme.calendars.tasks.sync_connection") == 1

    booking = services.reschedule(booking, MOVED)
    fan_out()
    assert messages(booking)[3:] == [
        (1, "reminder", "attendee", "zoe@example.org", "pending", None, MOVED),
        (1, "rescheduled", "attendee", "zoe@example.org", "pending", START, None),
        (1, "rescheduled", "organizer", "alex@example.org", "pending", START, None),
    ]
    assert OutboxMessage.objects.get(kind="reminder", sequence=0).state == "void"
    assert CalendarCopy.objects.get(booking=booking).wanted_sequence == 1
    assert waiting("bookwithme.notify.writeback.write_copy") == 2
    assert waiting("bookwithme.calendars.tasks.sync_connection") == 2

    booking = services.cancel(booking, by=Booking.CancelledBy.ATTENDEE)
    fan_out()
    assert messages(booking)[6:] == [
        (2, "cancelled", "attendee", "zoe@example.org", "pending", None, None),
        (2, "cancelled", "organizer", "alex@example.org", "pending", None, None),
    ]
    reminders = OutboxMessage.objects.filter(kind="reminder").values_list("state", flat=True)
    assert set(reminders) == {"void"}
    assert CalendarCopy.objects.get(booking=booking).wanted_sequence == 2
    assert waiting("bookwithme.calendars.tasks.sync_connection") == 3


def test_a_fan_out_run_twice_makes_nothing_twice(intro, fan_out):
    booking = book(intro)
    (asked,) = fan_outs()
    fan_out()
    made, queued = messages(booking), DBTaskResult.objects.count()
    tasks.fan_out.call(**asked)
    assert messages(booking) == made
    assert DBTaskResult.objects.count() == queued  # no delivery, write or sync enqueued again


@pytest.mark.parametrize("order", [[0, 1], [1, 0]], ids=["in-order", "reversed"])
def test_changes_fanned_out_in_any_order_end_alike(intro, order):
    booking = book(intro)
    booking = services.reschedule(booking, MOVED)
    asked = {a["sequence"]: a for a in fan_outs()}
    for sequence in order:
        tasks.fan_out.call(**asked[sequence])
    # The older change only tells; the latest plans the one reminder, for the new time.
    assert [m[:3] + m[4:] for m in messages(booking)] == [
        (0, "confirmed", "attendee", "pending", None, None),
        (0, "confirmed", "organizer", "pending", None, None),
        (1, "reminder", "attendee", "pending", None, MOVED),
        (1, "rescheduled", "attendee", "pending", START, None),
        (1, "rescheduled", "organizer", "pending", START, None),
    ]
    assert CalendarCopy.objects.get(booking=booking).wanted_sequence == 1


def test_a_lost_fan_out_is_found_by_the_sweep(intro, fan_out, frozen):
    booking = book(intro)
    DBTaskResult.objects.all().delete()  # its task lost
    # Just made: its task most likely still waits in the queue.
    assert tasks.resume(only_overdue=True) == 0
    frozen.shift(tasks.LEASE + timedelta(seconds=1))
    assert tasks.resume(only_overdue=True) == 1
    assert fan_out() == 1
    assert [m[1:3] for m in messages(booking)] == [
        ("confirmed", "attendee"),
        ("confirmed", "organizer"),
        ("reminder", "attendee"),
    ]
    DBTaskResult.objects.all().delete()
    assert tasks.resume(only_overdue=True) == 0  # fanned out: nothing more to find


@pytest.mark.parametrize("lost", ["running", "deleted"])
def test_a_reschedule_whose_fan_out_never_finished_is_fanned_out_again(
    intro, fan_out, frozen, lost
):
    booking = book(intro)
    fan_out()
    booking = services.reschedule(booking, MOVED)
    task = DBTaskResult.objects.get(task_path=FAN_OUT, status="READY")
    if lost == "running":
        task.claim("killed")  # its worker died in it: the row stays RUNNING for good
    else:
        task.delete()
    frozen.shift(tasks.LEASE + timedelta(seconds=1))
    tasks.resume(only_overdue=True)
    assert fan_out() == 1
    moved = OutboxMessage.objects.filter(booking=booking, kind="rescheduled")
    # The time it moved from is in the change's task row alone.
    expected = START if lost == "running" else None
    assert [m.previous_start for m in moved] == [expected, expected]
    assert OutboxMessage.objects.get(kind="reminder", sequence=1).for_start == MOVED


@pytest.mark.parametrize("change", ["confirmed", "cancelled"])
def test_a_lost_fan_out_is_told_its_change_by_the_booking(intro, fan_out, frozen, change):
    booking = book(intro)
    if change == "cancelled":
        fan_out()
        booking = services.cancel(booking, by=Booking.CancelledBy.ORGANIZER)
    DBTaskResult.objects.filter(task_path=FAN_OUT, status="READY").delete()
    assert tasks.resume() >= 1  # a worker's start: no grace
    fan_out()
    assert (
        OutboxMessage.objects.filter(
            booking=booking, sequence=booking.sequence, kind=change
        ).count()
        == 2
    )


def test_a_fan_out_that_fails_half_way_leaves_nothing_and_is_taken_up_again(
    intro, fan_out, frozen, monkeypatch
):
    booking = book(intro)

    def down(owner_id):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tasks, "sync_owner", down)
    with pytest.raises(RuntimeError):
        fan_out()
    assert not OutboxMessage.objects.exists() and not CalendarCopy.objects.exists()
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [FAN_OUT]

    monkeypatch.undo()
    frozen.shift(tasks.LEASE + timedelta(seconds=1))
    assert tasks.resume(only_overdue=True) == 1
    assert fan_out() == 1
    assert len(messages(booking)) == 3 and CalendarCopy.objects.filter(booking=booking).exists()


def test_the_sweep_gives_up_changes_older_than_a_day(intro, frozen):
    book(intro)
    DBTaskResult.objects.all().delete()
    frozen.shift(leases.RETRY_FOR + timedelta(minutes=1))
    assert tasks.resume() == 0


def test_a_booking_gone_before_its_fan_out_ends_it(intro, fan_out):
    booking = book(intro)
    Booking.objects.filter(pk=booking.pk).delete()
    assert fan_out() == 1
    assert not OutboxMessage.objects.exists()
