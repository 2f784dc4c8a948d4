"""The attendee's pages: an organizer's page, a meeting type, a private link, a booking.

Times are picked and bookings made, moved and cancelled by the pages' scripts through the
public JSON API, so pages and API share one set of rules. What a URL points at, and every
refusal, comes from `booking.access`, as for the API, so both answer the same way.

The booking pages may be shown inside another site's iframe: organizers embed their booking
page (`embeddable`). The manage page may not: its cancel and move buttons must never sit
under another site's layer.
"""

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from bookwithme import formats
from bookwithme.booking import access, addresses, changes, ics, retention
from bookwithme.booking.errors import BookingError, NotFound, TooLateToChange
from bookwithme.booking.models import Booking, MeetingType
from bookwithme.clients import client_address
from bookwithme.directory.models import zone_or_utc
from bookwithme.web import branding, strings
from bookwithme.web.zones import current_name, zone_list
from bookwithme.web.zones import label as zone_label

# X-Frame-Options can only say DENY or SAMEORIGIN; for any other list of sites it is left
# out, and browsers follow the CSP's frame-ancestors, which every current one knows.
FRAME_OPTIONS = {("'none'",): "DENY", ("'self'",): "SAMEORIGIN"}


def embeddable(view):
    """The page may be framed by the sites of BOOKWITHME_FRAME_ANCESTORS (default: any);
    everything else keeps the site-wide frame-ancestors 'none' and X-Frame-Options DENY."""

    @wraps(view)
    def framed(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        ancestors = settings.BOOKWITHME_FRAME_ANCESTORS
        response._csp_config = {**(settings.SECURE_CSP or {}), "frame-ancestors": ancestors}
        if options := FRAME_OPTIONS.get(tuple(ancestors)):
            response["X-Frame-Options"] = options
        else:
            response.xframe_options_exempt = True
        return response

    return framed


def refused(request: HttpRequest, error: BookingError) -> HttpResponse:
    return render(request, "web/refused.html", {"error": error}, status=error.status)


def initials(name: str) -> str:
    """Up to two letters for an avatar: "Alex Martin" -> "AM"."""
    letters = [word[0] for word in name.split() if word[:1].isalnum()]
    return "".join(letters[:1] + letters[1:][-1:]).upper() or "?"


def organizer(person) -> dict:
    """The person the public pages show instead of the product: name, photo or initials, and
    their accent colour's stylesheet (web/branding.py)."""
    name = person.name or person.page_slug
    return {
        "name": name,
        "initials": initials(name),
        "photo_url": branding.photo_url(person),
        "theme_url": branding.theme_url(person),
    }


def embedded(request: HttpRequest) -> bool:
    """`?embed=1`: the page inside another site's frame (static/web/embed.js adds it), shown
    without the site's header and footer, telling the frame its height (embedded.js)."""
    return request.GET.get("embed") == "1"


@embeddable
@require_safe
def person_page(request: HttpRequest, page_slug: str) -> HttpResponse:
    try:
        owner = access.page_owner(page_slug)
    except BookingError as e:
        return refused(request, e)
    meeting_types = MeetingType.objects.public().of(owner)
    return render(
        request,
        "web/person.html",
        {
            "owner": owner,
            "organizer": organizer(owner),
            "meeting_types": meeting_types,
            "embed": embedded(request),
        },
    )


def privacy(person) -> dict:
    """What the booking form says of the attendee's data: the days it is kept after the
    meeting (`retention.effective_days`; None: until the organizer erases it), and where the
    organization's privacy notice is (None: it has none)."""
    org = person.organization
    return {
        "days": retention.effective_days(
            org.retention_days if org else None, settings.BOOKWITHME_RETENTION_DAYS
        ),
        "notice_url": addresses.privacy_notice_path(person),
    }


@require_safe
def privacy_notice(request: HttpRequest, page_slug: str) -> HttpResponse:
    """The organization's privacy notice, when it is a text of ours to show; an organization
    with a page of its own for it is sent there."""
    try:
        owner = access.page_owner(page_slug)
    except BookingError as e:
        return refused(request, e)
    org = owner.organization
    if org is not None and org.privacy_notice_url:
        return redirect(org.privacy_notice_url)
    if org is None or not org.privacy_notice_text.strip():
        return refused(request, NotFound())
    return render(
        request,
        "web/privacy_notice.html",
        {
            "owner": owner,
            "organizer": organizer(owner),
            "organization": org,
            "privacy": privacy(owner),
        },
    )


def zones(request: HttpRequest) -> dict:
    """The time zones the picker offers, named in the page's language (built once)."""
    return zone_list(getattr(request, "LANGUAGE_CODE", "en") or "en")


def _booking_page(request, meeting_type: MeetingType, api_path: str, private: bool):
    owner = meeting_type.owner
    return render(
        request,
        "web/meeting_type.html",
        {
            "owner": owner,
            "organizer": organizer(owner),
            "meeting_type": meeting_type,
            "slots_url": f"{api_path}/slots",
            "book_url": f"{api_path}/bookings",
            "private": private,
            "embed": embedded(request),
            "privacy": privacy(owner),
            "strings": {**strings.picker(), **strings.booking()},
            "zones": zones(request),
        },
    )


@embeddable
@require_safe
def meeting_type_page(request: HttpRequest, page_slug: str, type_slug: str) -> HttpResponse:
    try:
        meeting_type = access.public_type(page_slug, type_slug)
    except BookingError as e:
        return refused(request, e)
    api_path = f"/api/v1/pages/{meeting_type.owner.page_slug}/{meeting_type.slug}"
    return _booking_page(request, meeting_type, api_path, private=False)


@embeddable
@never_cache
@require_safe
def link_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = access.link_for(token, address=client_address(request))
    except BookingError as e:
        return refused(request, e)
    return _booking_page(request, link.meeting_type, f"/api/v1/links/{token}", private=True)


def book_again_url(meeting_type: MeetingType) -> str:
    """Where a visitor who cancelled books another time: the type's page while it is offered
    there, else the organizer's page while it is on (a type of private links only), else
    nowhere."""
    page = meeting_type.owner.page_slug or ""
    try:
        access.public_type(page, meeting_type.slug)
        return reverse("web:meeting_type", args=[page, meeting_type.slug])
    except BookingError:
        pass
    try:
        access.page_owner(page)
    except BookingError:
        return ""
    return reverse("web:person", args=[page])


def may_move(booking: Booking) -> bool:
    # Moving needs the page to be on (the API refuses otherwise); cancelling never does.
    if not booking.is_active:
        return False
    try:
        access.check_page(booking.owner)
    except BookingError:
        return False
    return True


def refusals(booking: Booking) -> dict:
    """What the visitor can no longer do online (past the type's deadlines, or moved as often
    as allowed), and why, naming whom to contact: one sentence when both are too late."""
    if not booking.is_active:
        return {"cancel_refused": False, "move_refused": False, "change_notes": []}
    now = timezone.now()
    cancel, move = changes.cancel_refusal(booking, now), changes.move_refusal(booking, now)
    if isinstance(cancel, TooLateToChange) and isinstance(move, TooLateToChange):
        notes = [changes.too_late_for_both(booking)]
    else:
        notes = [refusal.message for refusal in (cancel, move) if refusal is not None]
    return {"cancel_refused": bool(cancel), "move_refused": bool(move), "change_notes": notes}


def headline(booking: Booking, query) -> str:
    """What the page opens with: the booking waits for approval or was declined, is cancelled,
    or was just made or moved here."""
    if booking.is_pending:
        return "pending"
    if booking.status == Booking.Status.DECLINED:
        return "declined"
    if not booking.is_active:
        return "cancelled"
    if query.get("booked") == "1":
        return "booked"
    if query.get("moved") == "1":
        return "moved"
    return ""


@never_cache
@require_safe
def manage_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        booking = access.booking_for(token, address=client_address(request))
    except BookingError as e:
        return refused(request, e)
    # Only a web address becomes a link, and only while the meeting is still on.
    shown = booking.is_active and booking.meeting_url.startswith(("https://", "http://"))
    api_path = f"/api/v1/manage/{token}"
    zone = zone_or_utc(booking.attendee_time_zone)
    zone_name = current_name(zone.key)
    manage_url = addresses.manage_url(token)
    meeting_type = booking.meeting_type
    refused_changes = refusals(booking)
    movable = may_move(booking) and not refused_changes["move_refused"]
    return render(
        request,
        "web/manage.html",
        {
            "booking": booking,
            "organizer": organizer(booking.owner),
            "zone": zone,
            "zone_key": zone_name,
            "zone_name": zone_label(zone_name, getattr(request, "LANGUAGE_CODE", "en") or "en"),
            # The server's writing of it, the same as the scripts' (which add the visitor's
            # 12 or 24 hour clock): for a page read without scripts, and a cancelled one.
            "when": formats.span(
                booking.start, booking.end, formats.request_locale(request), zone=zone
            ),
            "meeting_url": booking.meeting_url if shown else "",
            "headline": headline(booking, request.GET),
            "may_move": movable,
            **refused_changes,
            "manage_url": manage_url,
            "ics_url": f"{api_path}/ics",
            # The same links as in the attendee's emails; None once cancelled.
            "calendar_links": ics.calendar_links(booking, manage_url=manage_url),
            "slots_url": f"{api_path}/slots",
            "reschedule_url": f"{api_path}/reschedule",
            "cancel_url": f"{api_path}/cancel",
            "strings": {**strings.picker(), **strings.manage()},
            "date_strings": strings.dates(),
            "zones": zones(request) if movable else {},
            # After a cancellation: book another time, on the type's page while it is offered.
            "book_again_url": book_again_url(meeting_type) if not booking.is_active else "",
        },
    )
