"""Minimal public pages: an organizer's page, a meeting type, a private link, a booking.

Plain HTML until the booking pages proper arrive; picking a time goes through the JSON API
for now. What a URL points at, and every refusal, comes from `booking.access`, as for the API,
so both answer the same way.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from bookwithme.booking import access
from bookwithme.booking.errors import BookingError
from bookwithme.booking.models import MeetingType


def refused(request: HttpRequest, error: BookingError) -> HttpResponse:
    return render(request, "web/refused.html", {"error": error}, status=error.status)


@require_safe
def person_page(request: HttpRequest, page_slug: str) -> HttpResponse:
    try:
        owner = access.page_owner(page_slug)
    except BookingError as e:
        return refused(request, e)
    meeting_types = MeetingType.objects.public().filter(owner=owner).order_by("title", "pk")
    return render(request, "web/person.html", {"owner": owner, "meeting_types": meeting_types})


@require_safe
def meeting_type_page(request: HttpRequest, page_slug: str, type_slug: str) -> HttpResponse:
    try:
        meeting_type = access.public_type(page_slug, type_slug)
    except BookingError as e:
        return refused(request, e)
    owner = meeting_type.owner
    return render(
        request,
        "web/meeting_type.html",
        {
            "owner": owner,
            "meeting_type": meeting_type,
            "slots_path": f"/api/v1/pages/{owner.page_slug}/{meeting_type.slug}/slots",
        },
    )


@never_cache
@require_safe
def link_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = access.link_for(token)
    except BookingError as e:
        return refused(request, e)
    meeting_type = link.meeting_type
    return render(
        request,
        "web/meeting_type.html",
        {
            "owner": meeting_type.owner,
            "meeting_type": meeting_type,
            "slots_path": f"/api/v1/links/{token}/slots",
            "private": True,
        },
    )


def zone_or_utc(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@never_cache
@require_safe
def manage_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        booking = access.booking_for(token)
    except BookingError as e:
        return refused(request, e)
    # Only a web address becomes a link, and only while the meeting is still on.
    shown = booking.is_active and booking.meeting_url.startswith(("https://", "http://"))
    return render(
        request,
        "web/manage.html",
        {
            "booking": booking,
            "zone": zone_or_utc(booking.attendee_time_zone),
            "meeting_url": booking.meeting_url if shown else "",
        },
    )
