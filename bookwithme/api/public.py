"""The public API: booking pages, private links and the attendee's manage link. No account."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language_from_request
from ninja import Header, Query, Router, Status

from bookwithme import throttle
from bookwithme.api.auth import TokenAuth
from bookwithme.api.errors import ApiError
from bookwithme.api.organizer import me
from bookwithme.api.params import LAST_DATE, DateParam, check_dates
from bookwithme.api.schemas import (
    BookedOut,
    BookingIn,
    CancelIn,
    Error,
    LinkPageOut,
    ManageOut,
    PageOut,
    PublicTypeOut,
    RescheduleIn,
    SlotsOut,
    StatusOut,
    TimeZone,
)
from bookwithme.booking import access, addresses, services
from bookwithme.booking.availability import (
    MAX_SPAN_DAYS,
    Days,
    Offer,
    offer,
    offer_on_page,
    sized,
)
from bookwithme.booking.errors import BookingCancelled, BookingPending, NotFound
from bookwithme.booking.ics import invitation
from bookwithme.booking.models import Booking, Link, MeetingType
from bookwithme.clients import client_address
from bookwithme.directory.models import available_time_zones

router = Router(tags=["public"])
ERRORS = {400: Error, 404: Error, 409: Error, 410: Error, 422: Error, 429: Error}
DEFAULT_SPAN_DAYS = 7
# Longer keys answer 422 in Django; gunicorn itself answers 431 to any header line over
# 8190 bytes (--limit-request-field_size) before Django sees the request.
MAX_IDEMPOTENCY_KEY = 200


def _zone(tz: str | None, default: str) -> ZoneInfo:
    name = tz or default
    if name not in available_time_zones():
        raise ApiError(422, "validation", "Unknown time zone.", {"tz": ["Unknown time zone."]})
    return ZoneInfo(name)


def _days(owner_tz: str, from_: date | None, to: date | None, tz: str | None) -> Days:
    """The days a slots request asks: `from`..`to` in `tz`, by default a week from today in
    the owner's zone."""
    zone = _zone(tz, owner_tz)
    check_dates(from_, to)
    first = from_ or timezone.now().astimezone(zone).date()
    last = to or min(first + timedelta(days=DEFAULT_SPAN_DAYS - 1), LAST_DATE)
    check_dates(first, last, max_days=MAX_SPAN_DAYS)
    return Days(first, last, zone)


def _slots_response(answer: Offer) -> HttpResponse:
    # The hottest route: its body is made once by `Offer.json` (and kept in the cache as
    # such) rather than re-validated by the SlotsOut schema, which still documents it.
    return HttpResponse(answer.json(), content_type="application/json")


def _slots(
    mt: MeetingType, from_, to, tz, ignoring: Booking | None = None, length: int | None = None
) -> HttpResponse:
    days = _days(mt.owner.time_zone, from_, to, tz)
    return _slots_response(offer(mt, days, ignoring=ignoring, length=length))


# The `duration` of the slots routes: one of the type's lengths (422 otherwise).
DURATION = Query(
    None, ge=5, le=720, description="One of the type's `durations_minutes` (default: its own)."
)


# Bookings and moves one client address may attempt in a window
# (BOOKWITHME_BOOKING_RATE_LIMIT): plenty for people, a wall for a script filling a page.
BOOKING_WINDOW_SECONDS = 10 * 60


def check_rate(request: HttpRequest) -> None:
    limit = settings.BOOKWITHME_BOOKING_RATE_LIMIT
    address = client_address(request)
    if limit and throttle.spend(f"book:{address}", BOOKING_WINDOW_SECONDS) > limit:
        raise ApiError(
            429, "rate_limited", "Too many bookings from this address; try again in a few minutes."
        )


def _book(request, mt: MeetingType, payload: BookingIn, key: str | None, link: Link | None = None):
    # The Idempotency-Key's length (1 to MAX_IDEMPOTENCY_KEY) is checked with the body, as
    # a 422 naming the header.
    check_rate(request)
    attendee = services.Attendee(
        name=payload.name,
        email=payload.email,
        time_zone=payload.time_zone,
        notes=payload.notes or "",
        language=payload.language or get_language_from_request(request)[:2],
        answers=payload.answers,
        guests=tuple(payload.guests or ()),
        consent=payload.consent,
    )
    result = services.book(
        mt,
        payload.start,
        attendee,
        link=link,
        idempotency_key=key,
        length=payload.duration_minutes,
    )
    return Status(201, result.booking)


# --- pages ---------------------------------------------------------------------------------


@router.get("/pages/{page_slug}", response={200: PageOut, **ERRORS})
def page(request: HttpRequest, page_slug: str):
    person = access.page_owner(page_slug)
    types = MeetingType.objects.public().filter(owner=person).order_by("created_at", "pk")
    return {"owner": person, "meeting_types": types}


@router.get("/pages/{page_slug}/{type_slug}", response={200: PublicTypeOut, **ERRORS})
def page_type(request: HttpRequest, page_slug: str, type_slug: str):
    return access.public_type(page_slug, type_slug)


@router.get(
    "/pages/{page_slug}/{type_slug}/slots", response={200: SlotsOut, **ERRORS}, exclude_none=True
)
def page_slots(
    request: HttpRequest,
    page_slug: str,
    type_slug: str,
    from_: DateParam | None = Query(None, alias="from"),
    to: DateParam | None = None,
    tz: TimeZone | None = None,
    duration: int | None = DURATION,
):
    # Answered from the cache after one small query when nothing has changed.
    answer = offer_on_page(
        page_slug, type_slug, lambda owner_tz: _days(owner_tz, from_, to, tz), length=duration
    )
    return _slots_response(answer)


@router.post("/pages/{page_slug}/{type_slug}/bookings", response={201: BookedOut, **ERRORS})
def page_book(
    request: HttpRequest,
    page_slug: str,
    type_slug: str,
    payload: BookingIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", min_length=1, max_length=MAX_IDEMPOTENCY_KEY
    ),
):
    return _book(request, access.public_type(page_slug, type_slug), payload, idempotency_key)


# --- private links -------------------------------------------------------------------------


@router.get("/links/{token}", response={200: LinkPageOut, **ERRORS})
def link_page(request: HttpRequest, token: str):
    return access.link_for(token, address=client_address(request))


@router.delete("/links/{token}", auth=TokenAuth(), response={204: None, 401: Error, 404: Error})
def revoke_link(request: HttpRequest, token: str):
    """Revoke one of your private links (organizer, Bearer token): `token` is the link's id.

    It shares its path with the public `GET /links/{token}`, so it lives on this router.
    """
    if not token.isdigit():
        raise NotFound()
    link = get_object_or_404(Link, pk=int(token), meeting_type__owner=me(request))
    link.revoke()
    return Status(204, None)


@router.get("/links/{token}/slots", response={200: SlotsOut, **ERRORS}, exclude_none=True)
def link_slots(
    request: HttpRequest,
    token: str,
    from_: DateParam | None = Query(None, alias="from"),
    to: DateParam | None = None,
    tz: TimeZone | None = None,
    duration: int | None = DURATION,
):
    link = access.link_for(token, address=client_address(request))
    mt = sized(link.meeting_type, duration, field="duration")
    return _slots(link.meeting_type, from_, to, tz, length=mt.duration_minutes)


@router.post("/links/{token}/bookings", response={201: BookedOut, **ERRORS})
def link_book(
    request: HttpRequest,
    token: str,
    payload: BookingIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", min_length=1, max_length=MAX_IDEMPOTENCY_KEY
    ),
):
    # A repeat (same Idempotency-Key) of the booking that spent a single-use link must still
    # reach that booking; `book` refuses a spent link to anything but such a repeat.
    link = access.link_for(
        token, address=client_address(request), allow_spent=bool(idempotency_key)
    )
    return _book(request, link.meeting_type, payload, idempotency_key, link=link)


# --- the attendee's manage link ------------------------------------------------------------


@router.get("/manage/{token}", response={200: ManageOut, **ERRORS})
def manage(request: HttpRequest, token: str):
    return access.booking_for(token, address=client_address(request))


@router.get("/manage/{token}/slots", response={200: SlotsOut, **ERRORS}, exclude_none=True)
def manage_slots(
    request: HttpRequest,
    token: str,
    from_: DateParam | None = Query(None, alias="from"),
    to: DateParam | None = None,
    tz: TimeZone | None = None,
):
    booking = access.booking_for(token, address=client_address(request))
    if booking.is_pending:
        raise BookingPending()
    if not booking.is_active:
        raise BookingCancelled()
    access.check_page(booking.owner)
    mt = booking.meeting_type
    mt.owner = booking.owner
    # A move keeps the booking's length.
    zone = tz or booking.attendee_time_zone
    return _slots(mt, from_, to, zone, ignoring=booking, length=booking.length_minutes)


@router.post("/manage/{token}/reschedule", response={200: ManageOut, **ERRORS})
def manage_reschedule(request: HttpRequest, token: str, payload: RescheduleIn):
    check_rate(request)
    booking = access.booking_for(token, address=client_address(request))
    if booking.is_active:
        access.check_page(booking.owner)
    return services.reschedule(booking, payload.start, by=Booking.CancelledBy.ATTENDEE)


@router.post("/manage/{token}/cancel", response={200: StatusOut, **ERRORS})
def manage_cancel(request: HttpRequest, token: str, payload: CancelIn | None = None):
    booking = access.booking_for(token, address=client_address(request))
    reason = payload.reason if payload else ""
    booking = services.cancel(booking, by=Booking.CancelledBy.ATTENDEE, reason=reason or "")
    return {"status": booking.status}


@router.get("/manage/{token}/ics", response={404: Error, 409: Error, 429: Error})
def manage_ics(request: HttpRequest, token: str):
    booking = access.booking_for(token, address=client_address(request))
    if booking.is_pending:
        raise BookingPending()  # no invitation before it is confirmed
    method = "PUBLISH" if booking.is_active else "CANCEL"
    body = invitation(booking, method=method, manage_url=addresses.manage_url(token))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="booking.ics"'
    return response
