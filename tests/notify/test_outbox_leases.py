"""The outbox loses nothing: a booking's fan-out task is written in its own transaction, a
message whose worker died while sending is sent again once its lease has run out, with the same
Message-ID, and a worker's sweep takes up work whose task was lost. The calendar write-back
runs on the same leases (notify/leases.py); lost fan-outs are in tests/notify/test_fan_out.py."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.mail.backends.smtp import EmailBackend
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from makers import NOW, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.models import Booking
from bookwithme.calendars import connections
from bookwithme.notify import tasks, writeback
from bookwithme.notify.models import CalendarCopy, OutboxMessage

pytestmark = pytest.mark.usefixtures("frozen")

START = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
DELIVER = "bookwithme.notify.tasks.deliver"
FAN_OUT = "bookwithme.notify.tasks.fan_out"


class WorkerKilled(BaseException):
    """A worker's process dying, as the task sees it: nothing after this point runs."""


class Abandoned(Exception):
    pass


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")


@pytest.fixture
def intro(alex):
    return make_type(alex, title="Intro call", slug="intro", reminder_minutes_before=60)


def book(intro) -> Booking:
    attendee = services.Attendee("Zoé Roux", "zoe@example.org", "America/Montreal")
    return services.book(intro, START, attendee).booking


def deliveries() -> int:
    return DBTaskResult.objects.filter(task_path=DELIVER, status="READY").count()


def test_a_booking_rolled_back_leaves_no_row_and_no_task(intro):
    with pytest.raises(Abandoned), transaction.atomic():
        book(intro)
        # The change's one task is part of it...
        assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [FAN_OUT]
        assert not OutboxMessage.objects.exists()
        raise Abandoned
    # ... and goes with it.
    assert not Booking.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_committed_booking_has_its_task_though_its_after_commit_hooks_never_ran(
    intro, smtp, run_worker, django_capture_on_commit_callbacks
):
    # The process dies right after the commit: its on_commit hooks never run.
    with django_capture_on_commit_callbacks(execute=False):
        booking = book(intro)
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [FAN_OUT]

    run_worker()
    rows = OutboxMessage.objects.filter(booking=booking)
    assert sorted(rows.values_list("kind", "recipient")) == [
        ("confirmed", "attendee"),
        ("confirmed", "organizer"),
        ("reminder", "attendee"),
    ]
    assert len(smtp.inbox.to("zoe@example.org")) == 1
    assert len(smtp.inbox.to("alex@example.org")) == 1
    states = dict(OutboxMessage.objects.values_list("kind", "state").distinct())
    assert states == {"confirmed": "sent", "reminder": "pending"}


def test_a_message_stuck_in_sending_past_its_lease_is_sent_again_with_the_same_message_id(
    intro, smtp, run_worker, django_capture_on_commit_callbacks, frozen, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        book(intro)
    real_send = EmailBackend.send_messages

    def send_then_die(backend, messages):
        real_send(backend, messages)
        raise WorkerKilled  # the server said 250; the worker died before writing it down

    monkeypatch.setattr(EmailBackend, "send_messages", send_then_die)
    run_worker()
    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    stuck = OutboxMessage.objects.filter(state="sending")
    assert stuck.count() == 2 and len(smtp.inbox.envelopes) == 2

    run_worker()  # the lease holds: a live worker could still be sending
    assert len(smtp.inbox.envelopes) == 2 and stuck.count() == 2

    frozen.shift(tasks.LEASE + timedelta(seconds=1))
    run_worker()
    assert stuck.count() == 0
    for message in OutboxMessage.objects.filter(kind="confirmed"):
        assert message.state == "sent" and message.attempts == 2
        received = smtp.inbox.to(message.to_email)
        assert [m["Message-ID"] for m in received] == [message.message_id] * 2


def test_the_periodic_sweep_takes_up_only_work_overdue_by_a_lease(intro, fan_out, frozen):
    book(intro)
    fan_out()
    DBTaskResult.objects.filter(task_path=DELIVER).delete()  # the deliveries' tasks lost
    # Just due: its task most likely still waits in the queue.
    assert tasks.resume(only_overdue=True) == 0
    frozen.shift(tasks.LEASE + timedelta(seconds=1))
    # The two confirmations; the reminder is not due before tomorrow.
    assert tasks.resume(only_overdue=True) == 2
    assert deliveries() == 2
    # A worker's start enqueues everything, the reminder at its time.
    assert tasks.resume() == 3
    waiting = DBTaskResult.objects.filter(task_path=DELIVER, status="READY")
    assert START - timedelta(minutes=60) in {t.run_after for t in waiting}


def test_a_calendar_write_whose_worker_died_is_taken_up_once_its_lease_has_run_out(
    alex, intro, radicale, run_worker, fan_out, frozen
):
    calendar_url = radicale.new_calendar()
    connections.connect_caldav(
        alex,
        url=radicale.url,
        username=radicale.username,
        password=radicale.password,
        check=[],
        write_to=calendar_url,
    )
    booking = book(intro)
    fan_out()
    copy = CalendarCopy.objects.get(booking=booking)
    # A worker took the write and was killed: its task went with it, its lease stays.
    assert writeback.COPIES.claim(copy.pk, NOW) is not None
    DBTaskResult.objects.filter(task_path="bookwithme.notify.writeback.write_copy").delete()

    run_worker()
    copy.refresh_from_db()
    assert copy.state == "pending" and copy.href == "" and copy.leased_until > NOW

    frozen.shift(writeback.LEASE + timedelta(seconds=1))
    run_worker()
    copy.refresh_from_db()
    assert copy.state == "done" and copy.attempts == 2 and copy.leased_until is None
    with radicale.client() as client:
        assert client.request(copy.href, "GET").status == 200
