"""book / reschedule / cancel as the services promise them, beyond what the API shows."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from makers import make_link, make_person, make_type

from bookwithme.booking import availability, services, signals
from bookwithme.booking.errors import Invalid, LinkUsed, SlotUnavailable
from bookwithme.booking.models import Booking, Link, MeetingType
from bookwithme.calendars.events import add_event
from bookwithme.tokens import decrypt, hash_token

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def mt(db):
    return make_type(make_person(time_zone="Europe/Paris"), duration_minutes=60)


def at(hhmm: str, day: str = "2026-06-02") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+02:00")


def ann(**extra) -> services.Attendee:
    return services.Attendee(
        **{"name": "Ann", "email": "ann@example.org", "time_zone": "UTC", **extra}
    )


def test_the_manage_token_is_handed_out_once_and_stored_only_as_its_hash(mt):
    result = services.book(mt, at("09:00"), ann())
    booking = Booking.objects.get(pk=result.booking.pk)
    assert booking.manage_token_hash == hash_token(result.manage_token)
    stored = [str(v) for v in Booking.objects.values().get(pk=booking.pk).values()]
    assert result.manage_token not in stored


def test_a_failed_booking_does_not_spend_a_single_use_link(mt):
    token = make_link(mt, single_use=True)
    link = Link.objects.get(token_hash=hash_token(token))
    with pytest.raises(SlotUnavailable):
        services.book(mt, at("09:30"), ann(), link=link)  # off the grid
    link.refresh_from_db()
    assert link.used_at is None
    services.book(mt, at("09:00"), ann(), link=link)
    link.refresh_from_db()
    assert link.used_at is not None
    with pytest.raises(LinkUsed):
        services.book(mt, at("11:00"), ann(), link=link)


def test_an_idempotent_repeat_returns_the_same_booking_and_token(mt):
    first = services.book(mt, at("09:00"), ann(), idempotency_key="k-1")
    again = services.book(mt, at("09:00"), ann(), idempotency_key="k-1")
    assert again.replayed and not first.replayed
    assert (again.booking.pk, again.manage_token) == (first.booking.pk, first.manage_token)
    assert Booking.objects.count() == 1
    with pytest.raises(Invalid):
        services.book(mt, at("10:00"), ann(), idempotency_key="k-1")


def test_the_manage_token_is_kept_once_encrypted_and_opens_again(mt):
    result = services.book(mt, at("09:00"), ann(), idempotency_key="k-1")
    stored = Booking.objects.get(pk=result.booking.pk)

    assert result.manage_token not in stored.manage_token_encrypted
    assert decrypt(stored.manage_token_encrypted, purpose="manage") == result.manage_token
    assert stored.manage_token() == result.manage_token


def test_a_manage_token_under_another_secret_key_reads_as_none(mt, settings):
    result = services.book(mt, at("09:00"), ann())
    settings.SECRET_KEY = "another-key-" + "x" * 40

    assert Booking.objects.get(pk=result.booking.pk).manage_token() == ""


def test_reschedule_keeps_identity_frees_the_old_time_and_raises_the_sequence(mt):
    result = services.book(mt, at("09:00"), ann())
    before = Booking.objects.get(pk=result.booking.pk)
    moved = services.reschedule(before, at("14:00"))
    assert (moved.pk, moved.manage_token_hash, moved.uid) == (
        before.pk,
        before.manage_token_hash,
        before.uid,
    )
    assert moved.sequence == before.sequence + 1
    assert moved.blocked_start == at("14:00")
    assert availability.is_offered(mt, at("09:00"))
    assert not availability.is_offered(mt, at("14:00"))


def test_cancel_is_idempotent_and_says_who_and_why(mt):
    booking = services.book(mt, at("09:00"), ann()).booking
    once = services.cancel(booking, by="organizer", reason="Sick")
    twice = services.cancel(booking, by="attendee", reason="Other")
    assert (twice.status, twice.cancelled_by, twice.cancel_reason) == (
        "cancelled",
        "organizer",
        "Sick",
    )
    assert twice.sequence == once.sequence


@pytest.mark.django_db(transaction=True)
def test_signals_go_out_after_the_commit_and_never_for_a_rollback():
    mt = make_type(make_person(time_zone="Europe/Paris"), duration_minutes=60)
    seen = []

    def record(signal_name):
        def receiver(sender, booking, **kwargs):
            seen.append((signal_name, booking.pk, connection.in_atomic_block))

        return receiver

    receivers = {
        signals.booking_confirmed: record("confirmed"),
        signals.booking_rescheduled: record("rescheduled"),
        signals.booking_cancelled: record("cancelled"),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    try:
        booking = services.book(mt, at("09:00"), ann()).booking
        with pytest.raises(SlotUnavailable):
            services.book(mt, at("09:00"), ann(name="Bo"))
        services.reschedule(booking, at("10:00"))
        services.cancel(booking, by="attendee")
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver)
    assert seen == [
        ("confirmed", booking.pk, False),
        ("rescheduled", booking.pk, False),
        ("cancelled", booking.pk, False),
    ]


def test_slots_take_four_queries_at_most_however_busy_the_calendar(mt):
    owner = mt.owner
    for day in range(10):
        start = at("09:00") + timedelta(days=day)
        add_event(owner, title="x", start=start, end=start + timedelta(minutes=30))
    add_event(owner, title="weekly", start=at("12:00"), end=at("13:00"), rrule="FREQ=WEEKLY")
    services.book(mt, at("15:00"), ann())
    # As the pages and API fetch it: with its owner.
    mt = MeetingType.objects.select_related("owner").get(pk=mt.pk)
    first, last = at("00:00").date(), at("00:00").date() + timedelta(days=30)
    with CaptureQueriesContext(connection) as queries:
        answer = availability.offer(
            mt, availability.Days(first, last, availability.ZoneInfo("Europe/Paris"))
        )
    assert answer.pairs
    # Connected calendars' state, working hours, calendar events (built-in and synced), bookings.
    assert len(queries) <= 4, [q["sql"] for q in queries]
