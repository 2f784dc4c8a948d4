"""Dates and times in the organizer app, written as the booking pages and the emails write
them (bookwithme/formats.py): `{% load when %}`, then

    {% day booking.start %}                  Monday, June 1, 2026
    {% clock booking.start %}                3:00 PM
    {% times booking.start booking.end %}    3:00 PM - 3:30 PM (en dashes)
    {% span booking.start booking.end %}     Monday, June 1, 2026, 3:00 PM - 3:30 PM
    {% moment link.expires_at %}             Monday, June 1, 2026, 3:00 PM

each in the current time zone (the signed-in person's, `signed_in` activates it) and in the
page's language, in the reader's regional form when their browser asks for one (en-GB: 24 h),
as the public pages choose it (`formats.request_locale`). Tags rather than filters: a filter
cannot see the request, so could not read the region. Each takes `as name` to keep the text
for a `blocktranslate`.
"""

from datetime import date, datetime

from babel import Locale
from django import template
from django.utils import timezone
from django.utils.translation import get_language

from bookwithme import formats
from bookwithme.web import zones

register = template.Library()


def _reader(context) -> Locale:
    return formats.request_locale(context.get("request"))


@register.simple_tag(takes_context=True)
def day(context, moment: datetime | date | None) -> str:
    """The full date; a plain date (a calendar day) is written as is."""
    if not moment:
        return ""
    if isinstance(moment, datetime):
        return formats.day(moment, _reader(context), timezone.get_current_timezone())
    return formats.day(moment, _reader(context))


@register.simple_tag(takes_context=True)
def clock(context, moment: datetime | None) -> str:
    if not moment:
        return ""
    return formats.clock(moment, _reader(context), zone=timezone.get_current_timezone())


@register.simple_tag(takes_context=True)
def times(context, start: datetime | None, end: datetime | None) -> str:
    """Two times of one day, the day written beside them."""
    if not start or not end:
        return ""
    return formats.times(start, end, _reader(context), zone=timezone.get_current_timezone())


@register.simple_tag(takes_context=True)
def span(context, start: datetime | None, end: datetime | None) -> str:
    if not start or not end:
        return ""
    return formats.span(start, end, _reader(context), zone=timezone.get_current_timezone())


@register.simple_tag(takes_context=True)
def moment(context, at: datetime | None) -> str:
    if not at:
        return ""
    return formats.moment_text(at, _reader(context), zone=timezone.get_current_timezone())


@register.filter
def zone_name(zone: str) -> str:
    """A time zone as the pages' picker names it, "Paris (Central European Time)", in the
    page's language: `{{ user.time_zone|zone_name }}`."""
    return zones.label(zone, (get_language() or "en")[:2])
