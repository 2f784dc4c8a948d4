"""Why a booking operation was refused, in the API's error codes (docs/api.md).

The JSON API and the web pages turn these into their answers; nothing here knows HTTP beyond
the status each code is documented with. Input refused field by field is `Invalid`, Django's
ValidationError as everywhere else.
"""

from django.utils.translation import gettext_lazy as _

from bookwithme.calendars.errors import InputError


class BookingError(Exception):
    code = "error"
    status = 400
    default_message = _("The request cannot be completed.")

    def __init__(self, message=None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class NotFound(BookingError):
    code, status = "not_found", 404
    default_message = _("Not found.")


class PageUnavailable(BookingError):
    code, status = "page_unavailable", 404
    default_message = _("This booking page is not available.")


class Invalid(InputError):
    def __init__(self, message=None, fields: dict[str, list[str]] | None = None):
        super().__init__(fields or {}, message)


class SlotUnavailable(BookingError):
    code, status = "slot_unavailable", 409
    default_message = _("This time is no longer available. Please pick another one.")


class LinkExpired(BookingError):
    code, status = "link_expired", 410
    default_message = _("This link has expired.")


class LinkUsed(BookingError):
    code, status = "link_used", 410
    default_message = _("This link has already been used.")


class BookingCancelled(BookingError):
    code, status = "booking_cancelled", 409
    default_message = _("This booking is cancelled.")


class TooManyLookups(BookingError):
    """An address that tried too many unknown tokens lately (`access.by_token`)."""

    code, status = "rate_limited", 429
    default_message = _("Too many unknown links from this address. Try again in a few minutes.")


class TooLateToChange(BookingError):
    """A visitor's cancel or move past the type's deadline; the organizer always may."""

    code, status = "change_too_late", 409
    default_message = _("It is too late to change this booking here.")


class RescheduleLimit(BookingError):
    """A visitor's move beyond the type's `max_reschedules`."""

    code, status = "reschedule_limit", 409
    default_message = _("This booking cannot be moved again.")


class VisitorLimit(BookingError):
    """One email holding the type's `visitor_limit` upcoming bookings already."""

    code, status = "visitor_limit", 409
    default_message = _("You already hold as many upcoming bookings of this kind as allowed.")


class NotPending(BookingError):
    """Approve or decline a booking that no longer waits for a decision (decided, timed out,
    cancelled by its attendee)."""

    code, status = "not_pending", 409
    default_message = _("This booking is not waiting for approval any more.")


class BookingPending(BookingError):
    """A move of a booking still waiting for approval: it can be cancelled, not moved."""

    code, status = "booking_pending", 409
    default_message = _(
        "This booking is still waiting for approval: it can be moved once it is confirmed."
    )


class BookingUpcoming(BookingError):
    """An organizer's erasure of a booking that still holds its time: cancel it first, or its
    attendee would be left with an invitation nobody can change or tell them about."""

    code, status = "booking_upcoming", 409
    default_message = _("This booking is still to come. Cancel it first, then erase it.")
