from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from bookwithme.booking import access
from bookwithme.booking.errors import BookingError
from bookwithme.booking.feeds import freebusy_calendar


@require_safe
def freebusy(request: HttpRequest, page_slug: str) -> HttpResponse:
    """`/freebusy/<page>.ics`: 404 when the page is unavailable or anonymous sharing is off."""
    try:
        person = access.page_owner(page_slug)
    except BookingError:
        raise Http404("No such feed.") from None
    if person.organization.anonymous_sharing == "none":
        raise Http404("No such feed.")
    response = HttpResponse(freebusy_calendar(person), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{person.page_slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
