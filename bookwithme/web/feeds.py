"""Calendar feeds: the anonymous free/busy feed of a page, a person's secret bookings feed."""

import hashlib

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from bookwithme.booking import access, ics
from bookwithme.booking.errors import BookingError, NotFound
from bookwithme.booking.feeds import bookings_calendar, freebusy_calendar
from bookwithme.clients import client_address
from bookwithme.web.pages import refused


def _calendar(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def freebusy(request: HttpRequest, page_slug: str) -> HttpResponse:
    """`/freebusy/<page>.ics`: 404 when the page is unavailable or anonymous sharing is off."""
    try:
        person = access.page_owner(page_slug)
    except BookingError:
        raise Http404("No such feed.") from None
    if person.organization.anonymous_sharing == "none":
        raise Http404("No such feed.")
    response = _calendar(freebusy_calendar(person), f"{person.page_slug}.ics")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
def bookings(request: HttpRequest, token: str) -> HttpResponse:
    """`/feeds/<token>.ics`: the person's bookings; 404 for a token that is wrong, rotated or
    switched off, 429 to an address that tried too many wrong tokens. Calendar apps poll it:
    an unchanged feed answers 304 to their ETag."""
    try:
        person = access.feed_owner(token, address=client_address(request))
    except NotFound:
        raise Http404("No such feed.") from None
    except BookingError as e:
        return refused(request, e)
    body = bookings_calendar(person)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {
        # Private: the feed names attendees. Short: a booking made a minute ago should show.
        "Cache-Control": "private, max-age=300",
        "ETag": etag,
        "X-Robots-Tag": "noindex, nofollow",
        "Referrer-Policy": "no-referrer",
    }
    response = get_conditional_response(request, etag=etag) or _calendar(body, "bookings.ics")
    for name, value in headers.items():
        response[name] = value
    return response
