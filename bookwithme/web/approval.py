"""The page the organizer's approve and decline links open (booking/approval.py).

A link from an email is opened by mail scanners and link previews too, so a GET only shows
the booking and asks; the decision is a POST from that page (with Django's CSRF check), never
a GET. The signed link is the credential: no sign-in is needed, as for the attendee's manage
link. A refused link (altered, expired, decided already) gets a page that says which.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookwithme import formats
from bookwithme.booking import approval
from bookwithme.booking.errors import BookingError
from bookwithme.booking.models import Booking
from bookwithme.calendars.errors import InputError
from bookwithme.directory.models import zone_or_utc


def _page(
    request: HttpRequest, booking: Booking, action: str, *, status: int = 200, **context
) -> HttpResponse:
    owner = booking.owner
    zone = zone_or_utc(owner.time_zone)
    where = formats.request_locale(request)
    return render(
        request,
        "web/approval.html",
        {
            "booking": booking,
            "action": action,
            "when": formats.span(booking.start, booking.end, where, zone=zone),
            "zone": zone.key,
            "decide_by": formats.moment_text(approval.deadline(booking), where, zone=zone),
            **context,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def decide(request: HttpRequest, action: str, token: str) -> HttpResponse:
    if action not in approval.ACTIONS:
        raise Http404()
    try:
        booking = approval.booking_for_link(token, action)
    except approval.LinkRefused as refused:
        status = 404 if refused.reason == "invalid" else 410
        context = {"refused": refused.reason, "message": refused.message}
        return render(request, "web/approval.html", context, status=status)
    if request.method != "POST":
        return _page(request, booking, action)
    try:
        if action == approval.APPROVE:
            booking = approval.approve(booking)
        else:
            booking = approval.decline(booking, reason=request.POST.get("reason", ""))
    except InputError as e:
        return _page(request, booking, action, errors=e.messages, status=422)
    except BookingError as e:
        return render(request, "web/approval.html", {"refused": "decided", "message": e.message})
    return _page(request, booking, action, done=True)
