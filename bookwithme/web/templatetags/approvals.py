"""`{% waiting_for_approval user next %}`: the bookings waiting for the organizer's approval,
soonest first, with Approve and Decline buttons; shown above the rest on the dashboard and the
bookings list (nothing at all when none waits)."""

from django import template
from django.middleware.csrf import get_token

from bookwithme.booking.models import Booking

register = template.Library()


@register.inclusion_tag("web/app/pending.html", takes_context=True)
def waiting_for_approval(context, person, back: str) -> dict:
    pending = (
        Booking.objects.pending()
        .filter(owner=person)
        .select_related("meeting_type")
        .order_by("start", "pk")
    )
    request = context["request"]
    return {
        "pending": list(pending[:50]),
        "back": back,
        "user": person,
        "csrf_token": get_token(request),
        "request": request,
    }
