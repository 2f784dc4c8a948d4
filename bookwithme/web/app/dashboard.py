"""The dashboard: one's page and its state, the bookings to come, snippets to share the page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from bookwithme.booking import addresses, services
from bookwithme.booking.models import Booking
from bookwithme.directory.policy import page_decision
from bookwithme.web.app.auth import SignedInRequest, signed_in
from bookwithme.web.app.forms import CancelForm

UPCOMING_SHOWN = 100


def _cancel_prefix(booking_id: int) -> str:
    return f"cancel-{booking_id}"


def _show(request: SignedInRequest, refused: CancelForm | None = None) -> HttpResponse:
    person = request.user
    page_url = addresses.page_url(person)
    bookings = (
        Booking.objects.confirmed()
        .filter(owner=person, end__gt=timezone.now())
        .select_related("meeting_type")
        .order_by("start", "pk")[:UPCOMING_SHOWN]
    )
    upcoming = [
        (
            booking,
            refused
            if refused is not None and refused.prefix == _cancel_prefix(booking.pk)
            else CancelForm(prefix=_cancel_prefix(booking.pk)),
        )
        for booking in bookings
    ]
    context = {
        "page_url": page_url,
        "decision": page_decision(person),
        "upcoming": upcoming,
        "shown_all": len(upcoming) < UPCOMING_SHOWN,
    }
    if page_url:
        invitation = _("Book time with %(name)s") % {"name": person.name or person.email}
        context["signature"] = format_html('<a href="{}">{}</a>', page_url, invitation)
        context["embed"] = format_html(
            '<iframe src="{}" title="{}" width="100%" height="760" style="border:0"></iframe>',
            page_url,
            invitation,
        )
    return render(request, "web/app/dashboard.html", context)


@signed_in
@require_safe
def dashboard(request: SignedInRequest) -> HttpResponse:
    return _show(request)


@signed_in
@require_POST
def cancel_booking(request: SignedInRequest, booking_id: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=booking_id, owner=request.user)
    form = CancelForm(request.POST, prefix=_cancel_prefix(booking.pk))
    if form.is_valid():
        try:
            services.cancel(
                booking, by=Booking.CancelledBy.ORGANIZER, reason=form.cleaned_data["reason"]
            )
        except ValidationError as e:
            form.refuse(e)
        else:
            messages.success(
                request,
                _("Your booking with %(name)s is cancelled; they are told by email.")
                % {"name": booking.attendee_name},
            )
            return redirect("app:dashboard")
    return _show(request, refused=form)
