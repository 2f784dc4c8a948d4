"""The dashboard: one's page and its state, the next bookings, links and snippets to share
the page; and the time zone detected on one's first sign-in."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from bookwithme.booking import addresses
from bookwithme.booking.models import Booking, MeetingType
from bookwithme.directory.models import available_time_zones, update_profile
from bookwithme.directory.policy import page_decision
from bookwithme.web.app.auth import DETECT_ZONE, SignedInRequest, signed_in

NEXT_SHOWN = 5
# The zone just saved from the browser's, told once on the next dashboard.
ZONE_DETECTED = "app:zone-detected"


def _snippets(person, page_url: str) -> dict:
    invitation = _("Book time with %(name)s") % {"name": person.name or person.email}
    return {
        "signature": format_html('<a href="{}">{}</a>', page_url, invitation),
        # The signature's plain-text form on the clipboard, for programs that take no HTML.
        "signature_text": f"{invitation}: {page_url}",
        "embed": format_html(
            '<iframe src="{}" title="{}" width="100%" height="760" style="border:0"></iframe>',
            page_url,
            invitation,
        ),
    }


def _type_links(person) -> list[tuple[MeetingType, str]]:
    """Each public type's own address, for a link straight to it."""
    types = MeetingType.objects.public().filter(owner=person).order_by("created_at", "pk")
    links = []
    for meeting_type in types:
        meeting_type.owner = person
        url = addresses.type_url(meeting_type)
        if url:
            links.append((meeting_type, url))
    return links


@signed_in
@require_safe
def dashboard(request: SignedInRequest) -> HttpResponse:
    person = request.user
    page_url = addresses.page_url(person)
    upcoming = list(
        Booking.objects.confirmed()
        .filter(owner=person, end__gt=timezone.now())
        .select_related("meeting_type")
        .order_by("start", "pk")[: NEXT_SHOWN + 1]
    )
    context = {
        "page_url": page_url,
        "decision": page_decision(person),
        "upcoming": upcoming[:NEXT_SHOWN],
        "more_upcoming": len(upcoming) > NEXT_SHOWN,
        "type_links": _type_links(person) if page_url else [],
        "detect_zone": bool(request.session.get(DETECT_ZONE)) and person.time_zone == "UTC",
        "zone_detected": request.session.pop(ZONE_DETECTED, None),
    }
    if page_url:
        context.update(_snippets(person, page_url))
    return render(request, "web/app/dashboard.html", context)


@signed_in
@require_POST
def detected_zone(request: SignedInRequest) -> JsonResponse:
    """The browser's time zone, sent once after one's first sign-in: saved only while one's
    zone is still the default (UTC) and one has not chosen any since signing in."""
    if not request.session.pop(DETECT_ZONE, False):
        return JsonResponse({"saved": False})
    zone = request.POST.get("time_zone", "")
    person = request.user
    if zone not in available_time_zones():
        return JsonResponse({"saved": False}, status=400)
    if person.time_zone != "UTC" or zone == "UTC":
        return JsonResponse({"saved": False})
    try:
        update_profile(person, {"time_zone": zone})
    except ValidationError:
        return JsonResponse({"saved": False}, status=400)
    request.session[ZONE_DETECTED] = zone
    return JsonResponse({"saved": True, "time_zone": zone})
