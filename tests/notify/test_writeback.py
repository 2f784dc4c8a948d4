"""Bookings written into the organizer's CalDAV calendar, against real servers on loopback
(Radicale and Xandikos): created, moved and deleted with the invitation's UID; retried while
the server is down, never duplicated, never older than the booking; stopped on a refusal with
the reason; never blocking or undoing the booking."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from calendar_servers import Radicale
from django_tasks_db.models import DBTaskResult
from icscheck import parse_both
from makers import NOW, make_person, make_type

from bookwithme.booking import ics, services
from bookwithme.booking.models import Booking
from bookwithme.calendars import connections, dav
from bookwithme.calendars.models import Connection
from bookwithme.calendars.remote import Unreachable
from bookwithme.notify import writeback
from bookwithme.notify.models import CalendarCopy

pytestmark = pytest.mark.usefixtures("frozen", "in_english", "jitsi")

START = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # 10:00 in Paris
MOVED = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
WRITE_TASK = "bookwithme.notify.writeback.write_copy"


@pytest.fixture
def in_english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")


@pytest.fixture
def intro(alex):
    return make_type(alex, title="Intro call", slug="intro", online_meeting=True)


class Calendar:
    """One calendar on a real server, as the tests look into it."""

    def __init__(self, server):
        self.server = server
        self.url = server.new_calendar()

    def hrefs(self) -> list[str]:
        with self.server.client() as client:
            return sorted(dav.etags_between(client, self.url, NOW, NOW + timedelta(days=30)))

    def get(self, href: str) -> icalendar.Calendar | None:
        with self.server.client() as client:
            response = client.request(href, "GET")
            if response.status == 404:
                return None
            assert response.status == 200, response.status
            raw = response.raw if isinstance(response.raw, str) else response.raw.decode()
            return parse_both(raw)

    def event(self, href: str) -> icalendar.Event:
        (event,) = self.get(href).walk("VEVENT")
        return event


@pytest.fixture
def calendar(dav_server):
    return Calendar(dav_server)


def connect(owner, server, calendar_url, *, check=()) -> Connection:
    return connections.connect_caldav(
        owner,
        url=server.url,
        username=server.username or "",
        password=server.password or "",
        check=list(check),
        write_to=calendar_url,
    )


def book(capture, intro, start=START, name="Zoé Roux") -> Booking:
    attendee = services.Attendee(name, "zoe@example.org", "America/Montreal")
    with capture(execute=True):
        return services.book(intro, start, attendee).booking


def reschedule(capture, booking, start=MOVED) -> Booking:
    with capture(execute=True):
        return services.reschedule(booking, start)


def cancel(capture, booking) -> Booking:
    with capture(execute=True):
        return services.cancel(booking, by=Booking.CancelledBy.ATTENDEE)


def copy_of(booking) -> CalendarCopy:
    return CalendarCopy.objects.get(booking=booking)


def waiting_writes() -> list[datetime]:
    return sorted(
        t.run_after or NOW
        for t in DBTaskResult.objects.filter(status="READY", task_path=WRITE_TASK)
    )


def test_a_booking_is_written_moved_and_deleted_with_the_invitations_uid(
    alex, intro, calendar, run_worker, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    connect(alex, calendar.server, calendar.url)
    booking = book(capture, intro)
    assert calendar.hrefs() == []  # the booking itself never waits for the server
    run_worker()

    copy = copy_of(booking)
    assert copy.state == "done" and copy.written_sequence == 0 and copy.attempts == 1
    assert copy.href == dav.resource_url(calendar.url, booking.uid)
    assert copy.etag
    assert [h.rsplit("/", 1)[-1] for h in calendar.hrefs()] == [copy.href.rsplit("/", 1)[-1]]
    stored = calendar.get(copy.href)
    assert "METHOD" not in stored  # a calendar object resource, not an iTIP message
    event = calendar.event(copy.href)
    invitation = icalendar.Calendar.from_ical(ics.invitation(booking, method="REQUEST"))
    (invited,) = invitation.walk("VEVENT")
    assert str(event["UID"]) == str(invited["UID"]) == booking.uid
    assert event["SEQUENCE"] == 0
    assert event["DTSTART"].dt == START
    assert event["DTEND"].dt == START + timedelta(minutes=30)
    assert str(event["SUMMARY"]) == str(invited["SUMMARY"])
    assert booking.meeting_url.startswith("https://meet.example/")
    assert str(event["LOCATION"]) == booking.meeting_url
    assert str(event["URL"]) == booking.meeting_url
    assert booking.meeting_url in str(event["DESCRIPTION"])
    assert "Zoé Roux <zoe@example.org>" in str(event["DESCRIPTION"])
    attendee = event["ATTENDEE"]
    assert str(attendee).lower() == "mailto:zoe@example.org"
    assert attendee.params["CN"] == "Zoé Roux"
    # The server must not send its own invitation: bookwithme mails it.
    assert attendee.params["SCHEDULE-AGENT"] == "CLIENT"
    assert str(event["ORGANIZER"]).lower() == "mailto:alex@example.org"

    booking = reschedule(capture, booking)
    run_worker()
    moved = copy_of(booking)
    assert moved.href == copy.href and moved.state == "done" and moved.written_sequence == 1
    assert moved.etag != copy.etag
    assert len(calendar.hrefs()) == 1
    event = calendar.event(copy.href)
    assert str(event["UID"]) == booking.uid
    assert event["DTSTART"].dt == MOVED
    assert event["SEQUENCE"] == 1

    cancel(capture, booking)
    run_worker()
    gone = copy_of(booking)
    assert gone.state == "done" and gone.written_sequence == 2
    assert calendar.get(copy.href) is None
    assert calendar.hrefs() == []
    assert Connection.objects.get().write_error == ""


def test_nothing_is_written_without_a_calendar_to_write_to(
    alex, intro, radicale, run_worker, django_capture_on_commit_callbacks
):
    calendar = Calendar(radicale)
    connections.connect_caldav(
        alex, url=radicale.url, username=radicale.username, password=radicale.password, check=[]
    )
    # Someone else's calendar is not theirs to write into.
    connect(make_person(), radicale, calendar.url)
    book(django_capture_on_commit_callbacks, intro)
    run_worker()
    assert not CalendarCopy.objects.exists()
    assert calendar.hrefs() == []


@pytest.fixture
def own_radicale(tmp_path):
    """A Radicale of this test's own, to stop and start again."""
    server = Radicale(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def down(alex, own_radicale) -> Calendar:
    """The calendar bookings go into, on a server that then stops."""
    calendar = Calendar(own_radicale)
    connect(alex, own_radicale, calendar.url)
    own_radicale.stop()
    return calendar


def test_server_down_the_booking_stays_and_the_write_is_retried_until_it_is_back(
    intro, down, run_worker, django_capture_on_commit_callbacks, frozen
):
    calendar = down
    booking = book(django_capture_on_commit_callbacks, intro)
    run_worker()

    copy = copy_of(booking)
    assert copy.state == "pending" and copy.attempts == 1
    assert copy.last_error == "The server could not be reached."
    assert copy.next_attempt_at == NOW + timedelta(minutes=1)
    assert NOW + timedelta(minutes=1) in waiting_writes()
    booking.refresh_from_db()
    assert booking.status == "confirmed"

    frozen.shift(timedelta(minutes=1))
    run_worker()
    copy = copy_of(booking)
    assert copy.attempts == 2 and copy.next_attempt_at == NOW + timedelta(minutes=3)

    calendar.server.start()
    run_worker()  # the retry is not due yet
    assert calendar.hrefs() == []
    frozen.shift(timedelta(minutes=2))
    run_worker()
    copy = copy_of(booking)
    assert copy.state == "done" and copy.attempts == 3 and copy.last_error == ""
    assert str(calendar.event(copy.href)["UID"]) == booking.uid
    run_worker()
    assert len(calendar.hrefs()) == 1


def test_a_write_that_fails_for_a_day_is_failed_and_says_why(
    intro, down, run_worker, django_capture_on_commit_callbacks, frozen
):
    booking = book(django_capture_on_commit_callbacks, intro)
    run_worker()
    frozen.shift(timedelta(hours=25))
    run_worker()
    copy = copy_of(booking)
    assert copy.state == "failed" and copy.attempts == 2
    assert copy.last_error == "The server could not be reached."
    assert Connection.objects.get().write_error == copy.last_error
    assert Booking.objects.get().status == "confirmed"
    frozen.shift(timedelta(hours=2))
    run_worker()
    assert copy_of(booking).attempts == 2  # stopped


def test_a_wrong_password_stops_at_once_with_the_reason_and_the_booking_intact(
    alex, intro, radicale, run_worker, django_capture_on_commit_callbacks, frozen
):
    calendar = Calendar(radicale)
    connection = connect(alex, radicale, calendar.url)
    connection.set_password("not-the-password")
    connection.save()
    booking = book(django_capture_on_commit_callbacks, intro)
    run_worker()

    copy = copy_of(booking)
    assert copy.state == "failed" and copy.attempts == 1
    assert copy.last_error == "The server refused this username or password."
    assert Connection.objects.get().write_error == copy.last_error
    assert waiting_writes() == []
    assert Booking.objects.get().status == "confirmed"
    assert calendar.hrefs() == []

    # Mended, the next change of the booking writes it, and the reason goes.
    connection.set_password(radicale.password)
    connection.save()
    booking = reschedule(django_capture_on_commit_callbacks, booking)
    run_worker()
    copy = copy_of(booking)
    assert copy.state == "done" and copy.last_error == ""
    assert calendar.event(copy.href)["DTSTART"].dt == MOVED
    assert Connection.objects.get().write_error == ""


def test_a_stored_password_that_cannot_be_read_is_a_refusal(
    alex, intro, radicale, run_worker, django_capture_on_commit_callbacks
):
    calendar = Calendar(radicale)
    connection = connect(alex, radicale, calendar.url)
    Connection.objects.filter(pk=connection.pk).update(password_encrypted="garbage")
    booking = book(django_capture_on_commit_callbacks, intro)
    run_worker()
    copy = copy_of(booking)
    assert copy.state == "failed"
    assert "secret key changed" in copy.last_error


def test_a_calendar_deleted_on_the_server_is_a_refusal(
    alex, intro, radicale, run_worker, django_capture_on_commit_callbacks
):
    calendar = Calendar(radicale)
    connect(alex, radicale, calendar.url)
    with radicale.client() as client:
        assert client.delete(calendar.url).status in (200, 204)
    booking = book(django_capture_on_commit_callbacks, intro)
    run_worker()
    copy = copy_of(booking)
    assert copy.state == "failed"
    assert "no longer exists" in copy.last_error


def lose_put_answers(monkeypatch):
    """Every PUT reaches the server, but its answer is lost on the way back; the real one."""
    real_put = dav.put_event

    def put_then_lose_the_answer(client, url, ics):
        real_put(client, url, ics)
        raise Unreachable("The server did not answer within 30 seconds.")

    monkeypatch.setattr(dav, "put_event", put_then_lose_the_answer)
    return real_put


def test_a_create_whose_answer_was_lost_is_not_written_twice(
    alex, intro, calendar, run_worker, django_capture_on_commit_callbacks, frozen, monkeypatch
):
    connect(alex, calendar.server, calendar.url)
    real_put = lose_put_answers(monkeypatch)
    booking = book(django_capture_on_commit_callbacks, intro)
    run_worker()
    assert copy_of(booking).state == "pending"
    assert len(calendar.hrefs()) == 1  # written, though nobody heard it

    monkeypatch.setattr(dav, "put_event", real_put)
    frozen.shift(timedelta(minutes=1))
    run_worker()
    copy = copy_of(booking)
    assert copy.state == "done" and copy.attempts == 2
    assert len(calendar.hrefs()) == 1


def test_a_cancel_after_a_lost_answer_still_deletes_the_event(
    alex, intro, calendar, run_worker, django_capture_on_commit_callbacks, monkeypatch
):
    connect(alex, calendar.server, calendar.url)
    lose_put_answers(monkeypatch)
    booking = book(django_capture_on_commit_callbacks, intro)
    run_worker()
    assert len(calendar.hrefs()) == 1
    cancel(django_capture_on_commit_callbacks, booking)
    run_worker()
    assert copy_of(booking).state == "done"
    assert calendar.hrefs() == []


def test_a_late_retry_never_puts_an_older_version_back(
    intro, down, run_worker, django_capture_on_commit_callbacks, frozen
):
    calendar = down
    booking = book(django_capture_on_commit_callbacks, intro)
    run_worker()  # the create fails; its retry waits a minute
    booking = reschedule(django_capture_on_commit_callbacks, booking)
    calendar.server.start()
    run_worker()  # the reschedule's write goes at once, with the booking as it is now
    copy = copy_of(booking)
    assert copy.state == "done" and copy.written_sequence == 1
    frozen.shift(timedelta(minutes=5))
    run_worker()  # the create's retry finds nothing to do
    event = calendar.event(copy.href)
    assert event["DTSTART"].dt == MOVED and event["SEQUENCE"] == 1
    assert len(calendar.hrefs()) == 1


def test_a_change_during_a_write_is_written_right_after(
    alex, intro, calendar, run_worker, django_capture_on_commit_callbacks, monkeypatch
):
    connect(alex, calendar.server, calendar.url)
    booking = book(django_capture_on_commit_callbacks, intro)
    real_put = dav.put_event
    moved = []

    def put_while_it_moves(client, url, ics):
        if not moved:  # the booking moves while its first version is on the way
            moved.append(reschedule(django_capture_on_commit_callbacks, booking))
        return real_put(client, url, ics)

    monkeypatch.setattr(dav, "put_event", put_while_it_moves)
    run_worker()
    copy = copy_of(booking)
    assert copy.state == "done" and copy.written_sequence == 1
    event = calendar.event(copy.href)
    assert event["DTSTART"].dt == MOVED and event["SEQUENCE"] == 1


def test_a_cancel_of_a_booking_never_written_has_nothing_to_delete(
    alex, intro, calendar, run_worker, fan_out, django_capture_on_commit_callbacks
):
    connect(alex, calendar.server, calendar.url)
    booking = book(django_capture_on_commit_callbacks, intro)
    fan_out()  # its copy wanted...
    Connection.objects.update(write_to="")  # ... and the calendar switched off before the write
    cancel(django_capture_on_commit_callbacks, booking)
    run_worker()
    copy = copy_of(booking)
    assert copy.state == "done" and copy.href == ""
    assert calendar.hrefs() == []


def test_the_invitation_already_in_the_calendar_is_adopted_not_doubled(
    alex, intro, calendar, run_worker, django_capture_on_commit_callbacks
):
    connect(alex, calendar.server, calendar.url)
    booking = book(django_capture_on_commit_callbacks, intro)
    # The organizer's mail client put the emailed invitation into the calendar first.
    calendar.server.put(calendar.url, "from-mail", ics.calendar_object(booking).decode())
    run_worker()
    copy = copy_of(booking)
    assert copy.state == "done", copy.last_error
    assert copy.href.endswith("/from-mail.ics")
    assert len(calendar.hrefs()) == 1
    booking = reschedule(django_capture_on_commit_callbacks, booking)
    run_worker()
    assert calendar.event(copy.href)["DTSTART"].dt == MOVED
    cancel(django_capture_on_commit_callbacks, booking)
    run_worker()
    assert calendar.hrefs() == []


def test_a_connection_gone_takes_its_copies_with_it_and_the_booking_stays(
    alex, intro, calendar, run_worker, django_capture_on_commit_callbacks
):
    connection = connect(alex, calendar.server, calendar.url)
    booking = book(django_capture_on_commit_callbacks, intro)
    connection.delete()
    run_worker()
    assert not CalendarCopy.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_the_worker_start_takes_up_a_write_whose_task_was_lost(
    alex, intro, calendar, run_worker, django_capture_on_commit_callbacks
):
    connect(alex, calendar.server, calendar.url)
    booking = book(django_capture_on_commit_callbacks, intro)
    DBTaskResult.objects.filter(task_path=WRITE_TASK).delete()  # lost with a crashed worker
    run_worker()  # the worker's start queues every pending write again
    assert copy_of(booking).state == "done"
    assert writeback.resume() == 0


def test_the_written_copy_in_a_checked_calendar_is_not_counted_twice(
    alex, calendar, client, run_worker, django_capture_on_commit_callbacks
):
    from bookwithme.booking.availability import is_offered
    from bookwithme.calendars import sync
    from bookwithme.calendars.models import RemoteBusy
    from bookwithme.directory import changes

    quarter = make_type(alex, title="Quarter", slug="quarter", slot_step_minutes=15)
    connection = connect(alex, calendar.server, calendar.url, check=[calendar.url])
    calendar.server.put(
        calendar.url,
        "dentist",
        icalendar.Calendar.from_ical(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:dentist\r\n"
            "DTSTAMP:20260101T000000Z\r\nDTSTART:20260603T080000Z\r\nDTEND:20260603T090000Z\r\n"
            "SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        .to_ical()
        .decode(),
    )
    sync.sync(connection.pk)
    booking = book(django_capture_on_commit_callbacks, quarter)
    run_worker()
    assert copy_of(booking).state == "done"
    assert sync.sync(connection.pk).ok
    assert len(calendar.hrefs()) == 2  # the copy is on the server...
    # ... but not in the busy time read from it: the booking counts already.
    assert list(RemoteBusy.objects.values_list("uid", flat=True)) == ["dentist"]

    # Its own time stays free for moving it, by a quarter of an hour.
    assert is_offered(quarter, START + timedelta(minutes=15), ignoring=booking)
    booking = reschedule(django_capture_on_commit_callbacks, booking, START + timedelta(minutes=15))
    assert booking.start == START + timedelta(minutes=15)

    # And the free/busy feed shows the meeting once.
    changes.set_anonymous_sharing(alex.organization, "Detail", actor="tests")
    response = client.get("/freebusy/alex.ics")
    summaries = [
        str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    ]
    assert sorted(summaries) == ["Dentist", "Quarter"]


def test_a_calendar_chosen_for_bookings_gets_the_upcoming_ones_at_once(
    alex, intro, calendar, run_worker, django_capture_on_commit_callbacks, frozen
):
    capture = django_capture_on_commit_callbacks
    past = book(capture, intro, start=START)
    upcoming = book(capture, intro, start=MOVED, name="Ann Lee")
    run_worker()  # their fan-outs: no calendar to write into yet
    frozen.move_to(START + timedelta(hours=1))  # the first meeting is over
    connection = connections.connect_caldav(
        alex,
        url=calendar.server.url,
        username=calendar.server.username or "",
        password=calendar.server.password or "",
        check=[],
    )
    assert not CalendarCopy.objects.exists()

    with capture(execute=True):
        connections.choose(connection, write_to=calendar.url)
    run_worker()

    assert copy_of(upcoming).state == "done"
    assert not CalendarCopy.objects.filter(booking=past).exists()
    assert len(calendar.hrefs()) == 1
    assert str(calendar.event(copy_of(upcoming).href)["UID"]) == upcoming.uid
    # Choosing the same calendar again asks for nothing more.
    with capture(execute=True) as callbacks:
        connections.choose(connection, write_to=calendar.url)
    assert callbacks == []


def test_sync_now_retries_a_write_that_was_given_up(
    intro, down, run_worker, django_capture_on_commit_callbacks, frozen
):
    capture = django_capture_on_commit_callbacks
    booking = book(capture, intro)
    run_worker()
    frozen.shift(timedelta(hours=25))
    run_worker()
    assert copy_of(booking).state == "failed"
    down.server.start()

    with capture(execute=True):
        connections.sync_now(Connection.objects.get())
    run_worker()

    copy = copy_of(booking)
    assert copy.state == "done" and copy.last_error == ""
    assert str(down.event(copy.href)["UID"]) == booking.uid
    assert Connection.objects.get().write_error == ""


def calendar_parts(message) -> list[str]:
    return [
        part.get_content_type()
        for part in message.walk()
        if part.get_content_type() in ("text/calendar", "application/ics")
    ]


def test_an_organizer_whose_bookings_are_written_back_gets_no_second_invitation(
    alex, intro, radicale, smtp, run_worker, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    calendar = Calendar(radicale)
    connect(alex, radicale, calendar.url)
    booking = book(capture, intro)
    run_worker()
    (to_alex,) = smtp.inbox.to("alex@example.org")
    (to_zoe,) = smtp.inbox.to("zoe@example.org")
    # The meeting is in Alex's calendar once, written there; the mail only tells them.
    assert calendar_parts(to_alex) == []
    assert "no invitation is attached" in to_alex.get_body(("plain",)).get_content()
    assert len(calendar.hrefs()) == 1
    assert str(calendar.event(copy_of(booking).href)["UID"]) == booking.uid
    # Zoé, whose calendar nobody writes into, still gets the invitation.
    assert calendar_parts(to_zoe) == ["text/calendar", "application/ics"]

    booking = reschedule(capture, booking)
    cancel(capture, booking)
    run_worker()
    to_alex = smtp.inbox.to("alex@example.org")
    assert len(to_alex) == 3
    assert all(calendar_parts(message) == [] for message in to_alex)
    assert calendar.hrefs() == []
