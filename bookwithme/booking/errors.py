"""Why a booking operation was refused, in the contract's codes.

The JSON API and the web pages turn these into their answers; nothing here knows HTTP beyond
the status each code is documented with.
"""

from django.utils.translation import gettext_lazy as _


class BookingError(Exception):
    code = "error"
    status = 400
    default_message = _("The request cannot be completed.")

    def __init__(self, message=None, fields: dict[str, list[str]] | None = None):
        self.message = str(message or self.default_message)
        self.fields = fields or {}
        super().__init__(self.message)


class NotFound(BookingError):
    code, status = "not_found", 404
    default_message = _("Not found.")


class PageUnavailable(BookingError):
    code, status = "page_unavailable", 404
    default_message = _("This booking page is not available.")


class Invalid(BookingError):
    code, status = "validation", 422
    default_message = _("Some fields are not valid.")


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
