"""Types that require approval (booking/approval.py): a booking starts pending and holds its
time (in the slots, in `book`'s check and in the database), its organizer approves or declines
it, from the app, the API or signed links, and one nobody decided in time is declined by the
workers' sweep. Both engines; the clock frozen at the deadlines' edges."""

import json
from datetime import timedelta

import pytest
from django.core import signing
from django.db import IntegrityError, transaction
from makers import NOW, make_person, make_type

from bookwithme.booking import approval, services
from bookwithme.booking.availability import Days, is_offered, offer
from bookwithme.booking.errors import BookingPending, NotPending, SlotUnavailable
from bookwithme.booking.models import Booking
from bookwithme.notify.models import OutboxMessage
from bookwithme.tokens import new_token

pytestmark = pytest.mark.usefixtures("frozen")

START = NOW + timedelta(hours=4)  # Monday 12:00 in Paris
FAR = START + timedelta(days=3)  # Thursday 12:00 in Paris
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", page_slug="alex")


@pytest.fixture
def vetted(alex):
    return make_type(alex, title="Vetted call", slug="vetted", requires_approval=True)


def visitor(email="zoe@example.org"):
    return services.Attendee("Zoé Durand", email, "Europe/Paris")


def request(mt, start=START, email="zoe@example.org", **kw):
    return services.book(mt, start, visitor(email), **kw).booking


def test_a_booking_of_a_type_that_requires_approval_waits_and_holds_its_time(vetted):
    booking = request(vetted)
    assert booking.status == Booking.Status.PENDING
    assert booking.decided_at is None
    assert not is_offered(vetted, START)
    day = Days(START.date(), START.date(), START.tzinfo)
    assert START not in offer(vetted, day).starts
    with pytest.raises(SlotUnavailable):
        request(vetted, email="other@example.org")


def test_a_pending_booking_holds_its_time_for_the_owners_other_types_too(alex, vetted):
    other = make_type(alex, title="Quick chat", slug="chat")
    request(vetted)
    assert not is_offered(other, START)
    with pytest.raises(SlotUnavailable):
        request(other, email="other@example.org")


def test_a_type_without_approval_confirms_at_once(alex):
    booking = request(make_type(alex, title="Open", slug="open"))
    assert booking.status == Booking.Status.CONFIRMED


def _insert(mt, start, status):
    return Booking.objects.create(
        meeting_type=mt,
        owner=mt.owner,
        start=start,
        end=start + HOUR,
        blocked_start=start,
        blocked_end=start + HOUR,
        attendee_name="A",
        attendee_email="a@example.org",
        attendee_time_zone="UTC",
        status=status,
        manage_token_hash=new_token()[1],
    )


@pytest.mark.parametrize(
    "first, second",
    [("pending", "confirmed"), ("confirmed", "pending"), ("pending", "pending")],
)
def test_the_database_refuses_an_overlap_with_a_pending_booking(vetted, first, second):
    _insert(vetted, START, first)
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(vetted, START + HOUR / 2, second)
    assert Booking.objects.count() == 1


def test_the_database_refuses_a_declined_booking_coming_back_onto_a_taken_time(vetted):
    declined = _insert(vetted, START, "declined")
    _insert(vetted, START, "confirmed")  # a declined booking holds nothing
    declined.status = "pending"
    with pytest.raises(IntegrityError), transaction.atomic():
        declined.save()


def test_approving_confirms_it_and_a_second_decision_is_refused(vetted):
    booking = request(vetted)
    approved = approval.approve(booking, now=NOW + HOUR)
    assert approved.status == Booking.Status.CONFIRMED
    assert approved.decided_at == NOW + HOUR
    assert approved.sequence == 1
    assert not is_offered(vetted, START)  # still taken
    with pytest.raises(NotPending) as refused:
        approval.approve(booking)
    assert refused.value.code == "not_pending" and refused.value.status == 409
    with pytest.raises(NotPending):
        approval.decline(booking)


def test_declining_frees_the_time_and_keeps_the_reason(vetted):
    booking = request(vetted)
    declined = approval.decline(booking, reason="  I am away that week.  ")
    assert declined.status == Booking.Status.DECLINED
    assert declined.cancel_reason == "I am away that week."
    assert declined.cancelled_by == Booking.CancelledBy.ORGANIZER
    assert is_offered(vetted, START)
    assert request(vetted, email="other@example.org").status == Booking.Status.PENDING
    with pytest.raises(NotPending):
        approval.approve(declined)


def test_a_too_long_decline_reason_is_refused_by_field(vetted):
    booking = request(vetted)
    with pytest.raises(services.Invalid) as refused:
        approval.decline(booking, reason="x" * 2001)
    assert "reason" in refused.value.message_dict
    assert Booking.objects.get(pk=booking.pk).is_pending


def test_the_attendee_may_cancel_a_pending_booking_not_move_it(vetted):
    booking = request(vetted)
    with pytest.raises(BookingPending) as refused:
        services.reschedule(booking, START + 2 * HOUR, by=Booking.CancelledBy.ATTENDEE)
    assert refused.value.code == "booking_pending" and refused.value.status == 409
    cancelled = services.cancel(booking, by=Booking.CancelledBy.ATTENDEE)
    assert cancelled.status == Booking.Status.CANCELLED
    assert is_offered(vetted, START)
    with pytest.raises(NotPending):
        approval.approve(booking)


# --- the deadline, at its edges


def test_the_deadline_is_the_timeout_after_the_request(alex):
    mt = make_type(alex, title="Far", slug="far", requires_approval=True, approval_timeout_hours=5)
    booking = request(mt, start=FAR)
    assert approval.deadline(booking) == NOW + 5 * HOUR


def test_the_deadline_is_the_start_when_that_comes_first(vetted):
    booking = request(vetted)  # starts in 4 hours; the timeout is 24
    assert approval.deadline(booking) == START


def test_a_minute_before_the_deadline_nothing_is_declined_and_approval_works(alex, frozen):
    mt = make_type(alex, title="Far", slug="far", requires_approval=True, approval_timeout_hours=5)
    booking = request(mt, start=FAR)
    frozen.move_to(NOW + 5 * HOUR - MINUTE)
    assert approval.decline_overdue() == 0
    assert approval.approve(booking).status == Booking.Status.CONFIRMED


def test_at_the_deadline_the_sweep_declines_it_once_and_frees_its_time(alex, frozen):
    mt = make_type(alex, title="Far", slug="far", requires_approval=True, approval_timeout_hours=5)
    start = FAR
    booking = request(mt, start=start)
    frozen.move_to(NOW + 5 * HOUR)
    with pytest.raises(NotPending):
        approval.approve(booking)  # never approved late
    assert approval.decline_overdue() == 1
    assert approval.decline_overdue() == 0  # another worker's sweep finds nothing left
    declined = Booking.objects.get(pk=booking.pk)
    assert declined.status == Booking.Status.DECLINED
    assert declined.cancelled_by == ""  # nobody decided
    assert declined.decided_at == NOW + 5 * HOUR
    assert declined.sequence == 1
    assert is_offered(mt, start)


def test_the_worker_sweep_declines_what_is_overdue(vetted, frozen, run_worker):
    booking = request(vetted)
    frozen.move_to(START)
    run_worker()  # the mail worker's sweep, then the fan-out it set off
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.DECLINED
    kinds = set(OutboxMessage.objects.filter(booking=booking).values_list("kind", "recipient"))
    assert ("declined", "attendee") in kinds and ("declined", "organizer") in kinds


# --- the signed links


def test_a_link_opens_its_pending_booking(vetted):
    booking = request(vetted)
    token = approval.link_token(booking, approval.APPROVE)
    assert approval.booking_for_link(token, approval.APPROVE) == booking


def _refused(token, action, **kw) -> str:
    with pytest.raises(approval.LinkRefused) as refused:
        approval.booking_for_link(token, action, **kw)
    return refused.value.reason


def test_a_tampered_link_is_refused(vetted):
    booking = request(vetted)
    token = approval.link_token(booking, approval.APPROVE)
    other = request(vetted, start=START + 2 * HOUR, email="other@example.org")
    # Another booking's id in the payload, the signature kept.
    payload = signing.b64_encode(json.dumps({"b": other.pk, "s": 0}).encode()).decode()
    forged = ":".join([payload, *token.split(":")[1:]])
    assert forged != token
    assert _refused(forged, approval.APPROVE) == "invalid"
    assert _refused(token[:-2] + "xx", approval.APPROVE) == "invalid"
    assert _refused("nonsense", approval.APPROVE) == "invalid"


def test_a_link_works_for_its_one_action_only(vetted):
    booking = request(vetted)
    approve = approval.link_token(booking, approval.APPROVE)
    assert _refused(approve, approval.DECLINE) == "invalid"


def test_a_link_cannot_be_used_again_after_a_decision(vetted):
    booking = request(vetted)
    approve = approval.link_token(booking, approval.APPROVE)
    decline = approval.link_token(booking, approval.DECLINE)
    approval.approve(approval.booking_for_link(approve, approval.APPROVE))
    assert _refused(approve, approval.APPROVE) == "decided"
    assert _refused(decline, approval.DECLINE) == "decided"


def test_a_link_expires_at_the_deadline(alex, frozen):
    mt = make_type(alex, title="Far", slug="far", requires_approval=True, approval_timeout_hours=5)
    booking = request(mt, start=FAR)
    token = approval.link_token(booking, approval.APPROVE)
    frozen.move_to(NOW + 5 * HOUR - MINUTE)
    assert approval.booking_for_link(token, approval.APPROVE) == booking
    frozen.move_to(NOW + 5 * HOUR)
    assert _refused(token, approval.APPROVE) == "expired"


# --- what the changes set off


def test_each_decision_sets_off_its_messages(vetted, run_worker):
    booking = request(vetted)
    run_worker()
    sent = set(OutboxMessage.objects.filter(booking=booking).values_list("kind", "recipient"))
    assert sent == {("requested", "attendee"), ("requested", "organizer")}
    approval.approve(booking)
    run_worker()
    later = OutboxMessage.objects.filter(booking=booking, sequence=1)
    assert set(later.values_list("kind", "recipient")) == {
        ("confirmed", "attendee"),
        ("confirmed", "organizer"),
    }
