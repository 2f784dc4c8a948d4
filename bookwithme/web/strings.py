"""The texts the attendee pages' scripts show, translated here so no script holds English.

Each page hands its set to the browser with `json_script`; the scripts read it by key. Dates,
times, months and weekdays are not here: the scripts format them with `Intl` in the page's
language, the CLDR styles `bookwithme.formats` writes on the server; only the words joining a
day and its times are, the very ones the server uses.
"""

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from bookwithme import formats


def picker() -> dict:
    return {
        "first_day": int(get_format("FIRST_DAY_OF_WEEK")),
        "loading": _("Loading available times…"),
        "open_day": _("times available"),
        "closed_day": _("no times"),
        "no_times": _(
            "There are no times available at the moment. Please check again later, "
            "or contact the organizer."
        ),
        "stale": _(
            "Availability is temporarily unavailable while the organizer's calendar is "
            "updated. Please try again in a few minutes."
        ),
        "slots_failed": _("The available times could not be loaded."),
        "retry": _("Try again"),
        "pick_day": _("Pick a day to see its times."),
        # Translators: under the time zone field; time: "9:30 AM", offset: "UTC-5".
        "zone_now": _("It is %(time)s there now (%(offset)s)."),
        "zone_detected": _("your device's time zone"),
        "zones_found": _("%(count)s time zones found."),
        "no_zone": _("No time zone matches. Try a city or a country."),
        **dates(),
    }


def dates() -> dict:
    """How a day and its two times join, and two dates and times: as the server writes them
    (`bookwithme.formats`), for dates.js."""
    return {
        "when_pattern": formats.span_pattern(),
        "span_pattern": _("%(start)s – %(end)s"),  # noqa: RUF001
    }


def _request_failed() -> dict:
    """What a page says when a request it sends does not go through."""
    return {
        "network": _("The server could not be reached. Check your connection and try again."),
        "failed": _("Something went wrong. Please try again."),
    }


def booking() -> dict:
    return {
        "sending": _("Booking…"),
        "fix_fields": _("Please correct the fields marked below."),
        **_request_failed(),
    }


def manage() -> dict:
    return {"moving": _("Moving…"), "cancelling": _("Cancelling…"), **_request_failed()}
