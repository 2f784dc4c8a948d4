"""Approve or decline a booking waiting for one's approval, from the dashboard or the bookings
list (`{% waiting_for_approval %}`); the same calls as the API's and the email links'
(booking/approval.py), so the attendee is told by the same emails."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookwithme.booking import approval
from bookwithme.booking.errors import BookingError
from bookwithme.booking.models import Booking
from bookwithme.web.app.auth import SignedInRequest, signed_in


def _back(request: SignedInRequest) -> HttpResponse:
    """Where the buttons were: the dashboard or the bookings list (never another site)."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("app:dashboard")
    return redirect(back)


@signed_in
@require_POST
def approve(request: SignedInRequest, booking_id: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=booking_id, owner=request.user)
    try:
        approval.approve(booking)
    except BookingError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _("Your booking with %(name)s is approved; they get the confirmation by email.")
            % {"name": booking.attendee_name},
        )
    return _back(request)


@signed_in
@require_POST
def decline(request: SignedInRequest, booking_id: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=booking_id, owner=request.user)
    try:
        approval.decline(booking, reason=request.POST.get("reason", ""))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    except BookingError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _("You declined the booking of %(name)s; they are told by email.")
            % {"name": booking.attendee_name},
        )
    return _back(request)
