"""End to end through the API and a real SMTP server: who gets what, iTIP that holds, retries
that lose nothing and send once, reminders on time and never stale."""

import json
from datetime import datetime, timedelta

import icalendar
import pytest
from icscheck import parse_both
from makers import NOW, make_person, make_type

from bookwithme.notify.models import OutboxMessage

API = "/api/v1"
START = "2026-06-02T10:00:00+02:00"
MOVED = "2026-06-02T14:00:00+02:00"

pytestmark = pytest.mark.usefixtures("intro", "frozen")


@pytest.fixture
def alex(db):
    return make_person(
        name="Alex Martin", email="alex@example.org", page_slug="alex", time_zone="Europe/Paris"
    )


@pytest.fixture
def intro(alex):
    return make_type(
        alex, title="Intro call", slug="intro", online_meeting=True, reminder_minutes_before=60
    )


def post(client, path, body, **headers):
    return client.post(API + path, json.dumps(body), content_type="application/json", **headers)


def book(client, capture, start=START, name="Zoé Roux", email="zoe@example.org", **extra):
    with capture(execute=True):
        response = post(
            client,
            "/pages/alex/intro/bookings",
            {
                "start": start,
                "name": name,
                "email": email,
                "time_zone": "America/Montreal",
                **extra,
            },
        )
    assert response.status_code == 201, response.content
    return response.json()


def invite(message) -> icalendar.Calendar:
    (part,) = [
        p
        for p in message.walk()
        if p.get_content_type() == "application/ics" and p.get_filename() == "invite.ics"
    ]
    return parse_both(part.get_content())


def vevent(message):
    (event,) = invite(message).walk("VEVENT")
    return event


def test_book_reschedule_cancel_send_the_right_mails_with_itip_that_holds(
    client, smtp, run_worker, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    booked = book(client, capture)
    assert smtp.inbox.envelopes == []  # the request itself never talks to SMTP
    run_worker()
    to_zoe, to_alex = smtp.inbox.to("zoe@example.org"), smtp.inbox.to("alex@example.org")
    assert len(to_zoe) == 1 and len(to_alex) == 1
    first = vevent(to_zoe[0])
    assert str(invite(to_zoe[0])["METHOD"]) == "REQUEST"
    assert first["DTSTART"].dt == datetime.fromisoformat(START)
    uid, sequence = str(first["UID"]), int(first["SEQUENCE"])
    assert booked["manage_url"] in to_zoe[0].get_body(("plain",)).get_content()
    assert booked["meeting_url"] and booked["meeting_url"] in str(first["LOCATION"])
    assert "mailto:zoe@example.org" in str(first["ATTENDEE"]).lower()
    assert "mailto:alex@example.org" in str(first["ORGANIZER"]).lower()
    assert str(vevent(to_alex[0])["UID"]) == uid

    with capture(execute=True):
        r = post(client, f"/manage/{booked['manage_token']}/reschedule", {"start": MOVED})
    assert r.status_code == 200
    run_worker()
    moved = vevent(smtp.inbox.to("zoe@example.org")[-1])
    assert str(moved["UID"]) == uid
    assert int(moved["SEQUENCE"]) > sequence
    assert moved["DTSTART"].dt == datetime.fromisoformat(MOVED)
    assert len(smtp.inbox.to("alex@example.org")) == 2

    with capture(execute=True):
        r = post(client, f"/manage/{booked['manage_token']}/cancel", {"reason": "Ill"})
    assert r.status_code == 200
    run_worker()
    cancel_zoe = smtp.inbox.to("zoe@example.org")[-1]
    cancel = invite(cancel_zoe)
    assert str(cancel["METHOD"]) == "CANCEL"
    (event,) = cancel.walk("VEVENT")
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) > int(moved["SEQUENCE"])
    alex_cancel = smtp.inbox.to("alex@example.org")[-1].get_body(("plain",)).get_content()
    assert "Ill" in alex_cancel
    assert len(smtp.inbox.envelopes) == 6
    assert set(OutboxMessage.objects.values_list("state", flat=True)) <= {"sent", "void"}


def test_smtp_down_then_up_delivers_once(
    client, smtp, run_worker, django_capture_on_commit_callbacks, frozen
):
    smtp.stop()
    book(client, django_capture_on_commit_callbacks)
    run_worker()
    pending = list(OutboxMessage.objects.filter(kind="confirmed"))
    assert {m.state for m in pending} == {"pending"}
    assert all(m.attempts == 1 and m.last_error for m in pending)
    assert all(m.next_attempt_at > NOW for m in pending)
    smtp.start()
    run_worker()  # the retries are not due yet
    assert smtp.inbox.envelopes == []
    frozen.shift(timedelta(minutes=2))
    run_worker()
    run_worker()  # a second run finds nothing more to send
    confirmations = [m for m in smtp.inbox.messages if "invite.ics" in str(m)]
    assert len(smtp.inbox.to("zoe@example.org")) == 1
    assert len(smtp.inbox.to("alex@example.org")) == 1
    assert len(confirmations) == 2
    assert set(OutboxMessage.objects.filter(kind="confirmed").values_list("state", flat=True)) == {
        "sent"
    }


def test_a_message_that_cannot_be_sent_for_a_day_is_marked_failed(
    client, smtp, run_worker, django_capture_on_commit_callbacks, frozen
):
    smtp.stop()
    book(client, django_capture_on_commit_callbacks)
    for _ in range(40):
        run_worker()
        frozen.shift(timedelta(hours=1))
    states = set(OutboxMessage.objects.filter(kind="confirmed").values_list("state", flat=True))
    assert states == {"failed"}
    failed = OutboxMessage.objects.filter(kind="confirmed").first()
    assert failed.attempts >= 5
    assert "Error" in failed.last_error


def test_reminder_is_sent_at_its_time(
    client, smtp, run_worker, django_capture_on_commit_callbacks, frozen
):
    book(client, django_capture_on_commit_callbacks)
    run_worker()
    sent_before = len(smtp.inbox.to("zoe@example.org"))
    frozen.move_to(datetime.fromisoformat(START) - timedelta(minutes=61))
    run_worker()
    assert len(smtp.inbox.to("zoe@example.org")) == sent_before
    frozen.move_to(datetime.fromisoformat(START) - timedelta(minutes=59))
    run_worker()
    assert len(smtp.inbox.to("zoe@example.org")) == sent_before + 1
    assert OutboxMessage.objects.get(kind="reminder").state == "sent"


@pytest.mark.parametrize("worker_between", [True, False], ids=["fanned-out", "not-yet"])
def test_no_reminder_after_a_cancel(
    client, smtp, run_worker, django_capture_on_commit_callbacks, frozen, worker_between
):
    booked = book(client, django_capture_on_commit_callbacks)
    if worker_between:
        run_worker()  # the reminder is planned...
    with django_capture_on_commit_callbacks(execute=True):
        post(client, f"/manage/{booked['manage_token']}/cancel", {})
    run_worker()
    count = len(smtp.inbox.envelopes)
    assert count == 4  # confirmed and cancelled, to each side
    frozen.move_to(datetime.fromisoformat(START) - timedelta(minutes=30))
    run_worker()
    assert len(smtp.inbox.envelopes) == count
    # ... and voided; a fan-out that comes after the cancel plans none.
    reminders_ = OutboxMessage.objects.filter(kind="reminder")
    assert [r.state for r in reminders_] == (["void"] if worker_between else [])


def test_a_reschedule_moves_the_reminder(
    client, smtp, run_worker, django_capture_on_commit_callbacks, frozen
):
    booked = book(client, django_capture_on_commit_callbacks)
    run_worker()
    with django_capture_on_commit_callbacks(execute=True):
        post(client, f"/manage/{booked['manage_token']}/reschedule", {"start": MOVED})
    run_worker()
    count = len(smtp.inbox.envelopes)
    frozen.move_to(datetime.fromisoformat(START) - timedelta(minutes=30))  # the old time
    run_worker()
    assert len(smtp.inbox.envelopes) == count
    frozen.move_to(datetime.fromisoformat(MOVED) - timedelta(minutes=30))  # the new one
    run_worker()
    assert len(smtp.inbox.envelopes) == count + 1
    reminders_ = OutboxMessage.objects.filter(kind="reminder").order_by("pk")
    assert [r.state for r in reminders_] == ["void", "sent"]


def test_hostile_names_give_valid_mails_and_no_extra_header(
    client, smtp, run_worker, django_capture_on_commit_callbacks
):
    name = 'Zoé, "the; boss" \\ <script>alert(1)</script> ' + "x" * 150
    book(
        client,
        django_capture_on_commit_callbacks,
        name=name,
        notes="Line one\nline two; three, four",
    )
    run_worker()
    for envelope, message in zip(smtp.inbox.envelopes, smtp.inbox.messages, strict=True):
        assert message.get_all("To") and len(message.get_all("To")) == 1
        assert message.get_all("Bcc") is None
        assert len(envelope.rcpt_tos) == 1
        event = vevent(message)
        # The one change: a double quote would reach mail clients as RFC 6868's ^'.
        assert str(event["ATTENDEE"].params["CN"]) == name.replace('"', "'")
        raw = next(p for p in message.walk() if p.get_filename() == "invite.ics").get_payload(
            decode=True
        )
        assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
        html = message.get_body(("html",))
        if html is not None and "alert(1)" in html.get_content():
            assert "<script>alert(1)</script>" not in html.get_content()


def test_names_with_line_breaks_never_reach_smtp(
    client, smtp, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            "/pages/alex/intro/bookings",
            {
                "start": START,
                "name": "Eve\r\nBcc: victim@example.org",
                "email": "eve@example.org\r\nBcc: victim@example.org",
                "time_zone": "UTC",
            },
        )
    assert response.status_code == 422
    run_worker()
    assert smtp.inbox.envelopes == []
    assert not OutboxMessage.objects.exists()


def test_each_side_reads_times_in_their_own_zone(
    client, smtp, run_worker, django_capture_on_commit_callbacks
):
    book(client, django_capture_on_commit_callbacks)
    run_worker()
    (to_alex,) = smtp.inbox.to("alex@example.org")
    (to_zoe,) = smtp.inbox.to("zoe@example.org")
    # 10:00 in Paris is 04:00 in Montreal.
    alex_text = to_alex.get_body(("plain",)).get_content()
    zoe_text = to_zoe.get_body(("plain",)).get_content()
    assert "10:00 AM \u2013 10:30 AM (Europe/Paris, UTC+2)" in alex_text
    assert "4:00 AM \u2013 4:30 AM (America/Montreal, UTC\u22124)" in zoe_text
