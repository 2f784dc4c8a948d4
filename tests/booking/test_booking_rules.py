"""The booking rules of issue 17 held by the services, at their edges with a frozen clock: the
visitor's change deadlines and move limit (never the organizer's), weekly limits per type,
the organizer's own daily and weekly limits across types, and the limit per visitor."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from makers import make_person, make_type

from bookwithme.booking import availability, services
from bookwithme.booking.availability import Days
from bookwithme.booking.errors import (
    RescheduleLimit,
    SlotUnavailable,
    TooLateToChange,
    VisitorLimit,
)
from bookwithme.booking.models import Booking, MeetingType
from bookwithme.directory.models import update_profile

pytestmark = pytest.mark.usefixtures("frozen")

PARIS = ZoneInfo("Europe/Paris")
ATTENDEE, ORGANIZER = Booking.CancelledBy.ATTENDEE, Booking.CancelledBy.ORGANIZER


def at(hhmm: str, day: str = "2026-06-02") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+02:00")


def ann(email: str = "ann@example.org") -> services.Attendee:
    return services.Attendee(name="Ann", email=email, time_zone="UTC")


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", time_zone="Europe/Paris")


def booked(mt, start: datetime, email: str = "ann@example.org") -> Booking:
    return services.book(mt, start, ann(email)).booking


def offered_days(mt, first: str, last: str, tz: ZoneInfo = PARIS) -> set[date]:
    """The days with a start offered, as a fresh request reads the type."""
    fresh = MeetingType.objects.select_related("owner").get(pk=mt.pk)
    days = Days(date.fromisoformat(first), date.fromisoformat(last), tz)
    return {start.date() for start in availability.offer(fresh, days).starts}


# --- change deadlines ----------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["cancel", "move"])
def test_a_visitor_changes_up_to_the_deadline_and_not_a_minute_later(alex, frozen, change):
    notice = {"cancel": "cancel_notice_minutes", "move": "reschedule_notice_minutes"}[change]
    mt = make_type(alex, duration_minutes=60, **{notice: 120})
    first, second = booked(mt, at("11:00")), booked(mt, at("11:00", "2026-06-03"))

    def do(booking):
        if change == "cancel":
            return services.cancel(booking, by=ATTENDEE)
        return services.reschedule(booking, booking.start + timedelta(hours=3), by=ATTENDEE)

    frozen.move_to(at("08:59"))  # a minute before the deadline, 09:00
    assert do(first).pk == first.pk
    frozen.move_to(at("09:00", "2026-06-03"))  # the deadline itself is still in time
    do(second)
    third = booked(mt, at("11:00", "2026-06-04"))
    frozen.move_to(at("09:01", "2026-06-04"))  # a minute after
    with pytest.raises(TooLateToChange) as refused:
        do(third)
    assert refused.value.code == "change_too_late" and refused.value.status == 409
    # The visitor is told whom to contact.
    assert "Alex Martin (alex@example.org)" in refused.value.message
    third.refresh_from_db()
    assert (third.status, third.start) == ("confirmed", at("11:00", "2026-06-04"))


def test_the_organizer_may_always_cancel_or_move(alex, frozen):
    mt = make_type(alex, duration_minutes=60, cancel_notice_minutes=600,
                   reschedule_notice_minutes=600, max_reschedules=0)  # fmt: skip
    booking = booked(mt, at("11:00"))
    frozen.move_to(at("10:00"))
    moved = services.reschedule(booking, at("15:00"), by=ORGANIZER)
    assert moved.start == at("15:00") and moved.reschedule_count == 0
    cancelled = services.cancel(moved, by=ORGANIZER)
    assert cancelled.status == "cancelled"


def test_without_a_deadline_a_visitor_may_cancel_until_the_start(alex, frozen):
    mt = make_type(alex, duration_minutes=60)
    first, second = booked(mt, at("11:00")), booked(mt, at("13:00"))
    frozen.move_to(at("11:00"))
    assert services.cancel(first, by=ATTENDEE).status == "cancelled"
    frozen.move_to(at("13:01"))
    with pytest.raises(TooLateToChange):
        services.cancel(second, by=ATTENDEE)


def test_a_visitor_moves_as_often_as_allowed_then_is_refused(alex):
    mt = make_type(alex, duration_minutes=60, max_reschedules=2)
    booking = booked(mt, at("09:00"))
    booking = services.reschedule(booking, at("10:00"), by=ATTENDEE)
    booking = services.reschedule(booking, at("11:00"), by=ORGANIZER)  # not counted
    booking = services.reschedule(booking, at("12:00"), by=ATTENDEE)
    assert booking.reschedule_count == 2
    with pytest.raises(RescheduleLimit) as refused:
        services.reschedule(booking, at("14:00"), by=ATTENDEE)
    assert refused.value.code == "reschedule_limit"
    assert "alex@example.org" in refused.value.message
    booking.refresh_from_db()
    assert (booking.start, booking.reschedule_count) == (at("12:00"), 2)
    # The organizer still may, and cancelling is no move.
    assert services.reschedule(booking, at("14:00"), by=ORGANIZER).start == at("14:00")
    assert services.cancel(booking, by=ATTENDEE).status == "cancelled"


def test_no_moves_at_all_when_the_limit_is_zero(alex):
    mt = make_type(alex, duration_minutes=60, max_reschedules=0)
    booking = booked(mt, at("09:00"))
    with pytest.raises(RescheduleLimit):
        services.reschedule(booking, at("10:00"), by=ATTENDEE)


# --- weekly limit of a type ----------------------------------------------------------------------


def test_a_full_week_offers_no_times_and_refuses_one_more(alex):
    mt = make_type(alex, duration_minutes=60, weekly_limit=2)
    booked(mt, at("09:00", "2026-06-02"))  # Tuesday
    assert "2026-06-05" in {d.isoformat() for d in offered_days(mt, "2026-06-01", "2026-06-07")}
    booked(mt, at("09:00", "2026-06-05"))  # Friday: the 2nd, the N-th
    assert offered_days(mt, "2026-06-01", "2026-06-07") == set()
    with pytest.raises(SlotUnavailable):  # the N+1-th
        booked(mt, at("09:00", "2026-06-04"))
    # Next week (Monday 8 June) is open again.
    assert date(2026, 6, 8) in offered_days(mt, "2026-06-01", "2026-06-14")


def test_the_week_is_the_organizers_monday_to_sunday(db):
    # Working all day every day, in Auckland (UTC+12): Monday 01:00 there is Sunday in UTC.
    allday = {
        day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    owner = make_person(time_zone="Pacific/Auckland", weekly=allday)
    mt = make_type(owner, duration_minutes=60, weekly_limit=1)
    auckland = ZoneInfo("Pacific/Auckland")
    booked(mt, datetime(2026, 6, 8, 1, 0, tzinfo=auckland))  # Monday there
    open_days = offered_days(mt, "2026-06-02", "2026-06-14", auckland)
    assert date(2026, 6, 7) in open_days  # the Sunday before: another week
    assert not {date(2026, 6, 8) + timedelta(days=n) for n in range(7)} & open_days
    assert date(2026, 6, 14) not in open_days and date(2026, 6, 6) in open_days


def test_a_booking_moved_within_a_full_week_does_not_count_against_itself(alex):
    mt = make_type(alex, duration_minutes=60, weekly_limit=1)
    booking = booked(mt, at("09:00"))
    moved = services.reschedule(booking, at("10:00", "2026-06-04"), by=ATTENDEE)
    assert moved.start == at("10:00", "2026-06-04")


def test_cancelled_bookings_free_the_week(alex):
    mt = make_type(alex, duration_minutes=60, weekly_limit=1)
    services.cancel(booked(mt, at("09:00")), by=ORGANIZER)
    assert booked(mt, at("10:00")).status == "confirmed"


# --- the organizer's own limits, across all types ------------------------------------------------


def test_the_organizers_daily_limit_counts_every_type(alex):
    update_profile(alex, {"daily_limit": 2})
    intro, review = make_type(alex, duration_minutes=30), make_type(alex, title="Review")
    booked(intro, at("09:00"))
    assert date(2026, 6, 2) in offered_days(review, "2026-06-02", "2026-06-02")
    booked(review, at("10:00"))  # the 2nd that day, whatever the type
    assert offered_days(intro, "2026-06-02", "2026-06-03") == {date(2026, 6, 3)}
    assert offered_days(review, "2026-06-02", "2026-06-03") == {date(2026, 6, 3)}
    with pytest.raises(SlotUnavailable):
        booked(intro, at("14:00"))
    assert booked(intro, at("14:00", "2026-06-03")).status == "confirmed"


def test_the_organizers_weekly_limit_counts_every_type(alex):
    update_profile(alex, {"weekly_limit": 2})
    intro, review = make_type(alex, duration_minutes=30), make_type(alex, title="Review")
    booked(intro, at("09:00", "2026-06-02"))
    booked(review, at("09:00", "2026-06-03"))
    assert offered_days(intro, "2026-06-01", "2026-06-07") == set()
    with pytest.raises(SlotUnavailable):
        booked(review, at("09:00", "2026-06-04"))
    # Cleared: open again at once, the cached answers outdated with it.
    update_profile(alex, {"weekly_limit": None})
    assert date(2026, 6, 4) in offered_days(intro, "2026-06-01", "2026-06-07")


# --- per visitor ---------------------------------------------------------------------------------


def test_one_email_holds_at_most_the_visitor_limit_of_upcoming_bookings(alex, frozen):
    mt = make_type(alex, duration_minutes=60, visitor_limit=2)
    booked(mt, at("09:00"), "Ann@Example.org")
    booked(mt, at("10:00"), "ann@example.org")  # the N-th
    with pytest.raises(VisitorLimit) as refused:  # the N+1-th, whatever the case of its letters
        booked(mt, at("11:00"), "ANN@example.ORG")
    assert refused.value.code == "visitor_limit" and refused.value.status == 409
    assert "2 upcoming bookings" in refused.value.message and "Alex Martin" in refused.value.message
    assert booked(mt, at("11:00"), "bob@example.org").status == "confirmed"  # someone else
    assert Booking.objects.filter(attendee_email__iexact="ann@example.org").count() == 2
    # Another type of the same organizer is not counted.
    other = make_type(alex, title="Other", duration_minutes=60)
    assert booked(other, at("12:00"), "ann@example.org").status == "confirmed"


def test_past_and_cancelled_bookings_do_not_count_against_a_visitor(alex, frozen):
    mt = make_type(alex, duration_minutes=60, visitor_limit=1)
    first = booked(mt, at("09:00"))
    services.cancel(first, by=ATTENDEE)
    second = booked(mt, at("10:00"))
    with pytest.raises(VisitorLimit):
        booked(mt, at("11:00"))
    frozen.move_to(at("10:00"))  # the second has started: no longer upcoming
    assert booked(mt, at("14:00")).pk != second.pk
