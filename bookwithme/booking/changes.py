"""What a visitor may still change of their booking: the type's deadlines and move limit.

The organizer is held to none of these. `services.cancel` and `services.reschedule` ask them
for a visitor's change, inside their transaction, of the row they locked; the manage page asks
the same to show its buttons, or why they are gone. Each refusal names whom to contact, since
the visitor can no longer do it themselves.
"""

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from bookwithme.booking.errors import BookingError, RescheduleLimit, TooLateToChange
from bookwithme.booking.models import Booking


def contact(booking: Booking) -> dict[str, str]:
    owner = booking.owner
    return {"name": owner.name or owner.email, "email": owner.email}


def _deadline(booking: Booking, notice_minutes: int) -> datetime:
    return booking.start - timedelta(minutes=notice_minutes)


def cancel_deadline(booking: Booking) -> datetime:
    """The last moment the visitor may cancel (the start itself when the type sets none)."""
    return _deadline(booking, booking.meeting_type.cancel_notice_minutes)


def move_deadline(booking: Booking) -> datetime:
    """The last moment the visitor may move it (the start itself when the type sets none)."""
    return _deadline(booking, booking.meeting_type.reschedule_notice_minutes)


def cancel_refusal(booking: Booking, now: datetime) -> BookingError | None:
    """Why the visitor may not cancel now, or None: past the type's cancel deadline."""
    if now > cancel_deadline(booking):
        return TooLateToChange(
            _("It is too late to cancel this booking online. Please contact %(name)s (%(email)s).")
            % contact(booking)
        )
    return None


def move_refusal(booking: Booking, now: datetime) -> BookingError | None:
    """Why the visitor may not move it now, or None: past the type's move deadline, or moved
    as often as the type allows."""
    if now > move_deadline(booking):
        return TooLateToChange(
            _("It is too late to move this booking online. Please contact %(name)s (%(email)s).")
            % contact(booking)
        )
    limit = booking.meeting_type.max_reschedules
    if limit is not None and booking.reschedule_count >= limit:
        return RescheduleLimit(
            _(
                "This booking cannot be moved again online. "
                "Please contact %(name)s (%(email)s) to change it."
            )
            % contact(booking)
        )
    return None


def too_late_for_both(booking: Booking) -> str:
    """The manage page's one sentence when both deadlines have passed."""
    return _(
        "It is too late to cancel or move this booking online. Please contact %(name)s (%(email)s)."
    ) % contact(booking)
