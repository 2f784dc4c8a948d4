"""Dates and times as a reader of a language and region writes them: one formatter for the
pages, the organizer app and the emails.

The patterns are CLDR's, through Babel, the very data the browser's `Intl.DateTimeFormat`
reads (`web/static/web/dates.js` asks it for the same styles), so a booking reads alike on the
picker, the confirmation, the manage page and in the email: the full date style
("Wednesday, December 9, 2026" / "mercredi 9 décembre 2026") and the short time style, in the
reader's 12 or 24 hour clock ("h12" or "h23"; by default the region's own).

Below every layer: it imports nothing of the project.
"""

from datetime import date, datetime, tzinfo
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation.trans_real import parse_accept_lang_header

HOUR_CYCLES = ("h12", "h23")
# CLDR writes a narrow no-break space before AM/PM since version 42; browsers' Intl too. Some
# mail clients and fonts show it as a box, and the page and the email should read the same
# text: a plain space is written instead, on both sides (dates.js does the same).
NARROW_SPACE = "\u202f"


@lru_cache(maxsize=64)
def locale(tag: str) -> Locale:
    """Babel's locale of a language tag ("en", "en-GB", "fr_CA"); English if unknown."""
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def reader_locale(language: str = "", accept_language: str = "") -> Locale:
    """The page's language in the reader's own regional form when their browser asks for the
    same language (a page in English read in en-GB writes 14:30, in en-US 2:30 PM), as
    dates.js's `language()` chooses it in the browser."""
    language = (language or get_language() or "en").split("-")[0].lower()
    for tag, _quality in parse_accept_lang_header(accept_language or ""):
        if tag.split("-")[0] == language and "-" in tag:
            return locale(tag)
    return locale(language)


def request_locale(request) -> Locale:
    """The locale of the current request's reader (see `reader_locale`)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "") if request is not None else ""
    return reader_locale(getattr(request, "LANGUAGE_CODE", ""), header)


def default_cycle(where: Locale) -> str:
    """The region's own clock: en-US "h12", en-GB and fr "h23"."""
    return "h12" if "h" in where.time_formats["short"].pattern.replace("'h'", "") else "h23"


def _time_pattern(where: Locale, hour_cycle: str) -> str:
    if hour_cycle not in HOUR_CYCLES or hour_cycle == default_cycle(where):
        return where.time_formats["short"].pattern
    skeleton = "hmm" if hour_cycle == "h12" else "Hmm"
    return str(where.datetime_skeletons.get(skeleton, "h:mm a" if skeleton == "hmm" else "HH:mm"))


def _plain(text: str) -> str:
    return text.replace(NARROW_SPACE, " ")


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    """The moment in `zone`; without one, in its own (a naive one: in the current zone)."""
    if zone is not None:
        return moment.astimezone(zone)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def day(moment: datetime | date, where: Locale, zone: tzinfo | None = None) -> str:
    """The full date: "Wednesday, December 9, 2026", "mercredi 9 décembre 2026"."""
    if isinstance(moment, datetime):
        moment = _local(moment, zone).date()
    return _plain(format_date(moment, "full", locale=where))


def clock(moment: datetime, where: Locale, hour_cycle: str = "", zone: tzinfo | None = None) -> str:
    """The time of day: "9:30 AM" or "09:30", in the reader's clock."""
    local = _local(moment, zone)
    pattern = _time_pattern(where, hour_cycle)
    return _plain(format_datetime(local, pattern, tzinfo=local.tzinfo, locale=where))


def moment_text(
    moment: datetime, where: Locale, hour_cycle: str = "", zone: tzinfo | None = None
) -> str:
    """A date and a time: "Wednesday, December 9, 2026, 9:30 AM"."""
    return f"{day(moment, where, zone)}, {clock(moment, where, hour_cycle, zone)}"


def span(
    start: datetime,
    end: datetime,
    where: Locale,
    hour_cycle: str = "",
    zone: tzinfo | None = None,
) -> str:
    """A meeting's time: "Wednesday, December 9, 2026, 9:30 AM - 10:00 AM" (an en dash), both
    ends in `zone`; the joining words are translated (dates.js gets the same from web/strings)."""
    start, end = _local(start, zone), _local(end, zone)
    if start.date() == end.date():
        return span_pattern() % {
            "day": day(start, where),
            "start": clock(start, where, hour_cycle),
            "end": clock(end, where, hour_cycle),
        }
    return gettext("%(start)s – %(end)s") % {  # noqa: RUF001
        "start": moment_text(start, where, hour_cycle),
        "end": moment_text(end, where, hour_cycle),
    }


def times(
    start: datetime,
    end: datetime,
    where: Locale,
    hour_cycle: str = "",
    zone: tzinfo | None = None,
) -> str:
    """Two times, the day written apart (the app's lists): "9:30 AM - 10:00 AM" (an en
    dash), "de 09:30 à 10:00"; an end on another day is written with its date."""
    start, end = _local(start, zone), _local(end, zone)
    first = clock(start, where, hour_cycle)
    if start.date() != end.date():
        last = moment_text(end, where, hour_cycle)
        return gettext("%(start)s – %(end)s") % {"start": first, "end": last}  # noqa: RUF001
    # Translators: two times of one day, its date written apart ("de 9:30 à 10:00").
    pattern = pgettext("two times of one day", "%(start)s – %(end)s")  # noqa: RUF001
    return pattern % {"start": first, "end": clock(end, where, hour_cycle)}


def span_pattern() -> str:
    """How a day and its two times join, in the active language (emails, pages, scripts)."""
    return gettext("%(day)s, %(start)s – %(end)s")  # noqa: RUF001
