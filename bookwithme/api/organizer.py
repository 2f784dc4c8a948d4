"""The organizer API: one's own profile, hours, calendar, meeting types, links and bookings."""

from typing import Literal
from zoneinfo import ZoneInfo

from django.db.models import Case, When
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from bookwithme.api.auth import TokenAuth
from bookwithme.api.params import DateParam, check_dates
from bookwithme.api.schemas import (
    BookingOut,
    BookingsFeedCreated,
    BookingsFeedIn,
    BookingsFeedOut,
    CancelIn,
    Created,
    Error,
    EventIn,
    EventOut,
    Imported,
    LinkCreated,
    LinkIn,
    LinkOut,
    MeetingTypeIn,
    MeetingTypeOut,
    MeetingTypePatch,
    MeOut,
    MePatch,
    RescheduleIn,
    WorkingHoursIO,
)
from bookwithme.booking import addresses, approval, feeds, meeting_types, services
from bookwithme.booking.availability import day_span
from bookwithme.booking.models import Booking, MeetingType, WorkingHours
from bookwithme.calendars.errors import InputError
from bookwithme.calendars.events import add_event, import_ics
from bookwithme.calendars.models import Event
from bookwithme.directory.models import available_time_zones, update_profile
from bookwithme.privacy import erasure

router = Router(auth=TokenAuth(), tags=["organizer"])
ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error}


def me(request: HttpRequest):
    return request.person  # type: ignore[attr-defined]


def own_type(request: HttpRequest, type_id: int) -> MeetingType:
    return get_object_or_404(
        MeetingType.objects.live().select_related("owner"), pk=type_id, owner=me(request)
    )


@router.get("/me", response={200: MeOut, **ERRORS})
def get_me(request: HttpRequest):
    return me(request)


@router.patch("/me", response={200: MeOut, **ERRORS})
def patch_me(request: HttpRequest, payload: MePatch):
    update_profile(me(request), payload.model_dump(exclude_unset=True))
    return me(request)


@router.get("/me/bookings-feed", response={200: BookingsFeedOut, **ERRORS})
def get_bookings_feed(request: HttpRequest):
    """Whether the secret bookings feed is on (its address is shown only when made)."""
    feed = feeds.bookings_feed_of(me(request))
    return {"enabled": feed is not None, "created_at": feed.created_at if feed else None}


@router.post("/me/bookings-feed", response={201: BookingsFeedCreated, **ERRORS})
def rotate_bookings_feed(request: HttpRequest, payload: BookingsFeedIn | None = None):
    """A new secret address for the bookings feed; the previous one answers 404 from now on."""
    return Status(201, {"url": feeds.rotate_bookings_feed(me(request))})


@router.delete("/me/bookings-feed", response={204: None, **ERRORS})
def delete_bookings_feed(request: HttpRequest):
    """Switch the bookings feed off (its address answers 404); done when already off."""
    feeds.stop_bookings_feed(me(request))
    return Status(204, None)


@router.get("/me/working-hours", response={200: WorkingHoursIO, **ERRORS})
def get_working_hours(request: HttpRequest):
    return WorkingHours.of(me(request)).as_hours().to_json()


@router.put("/me/working-hours", response={200: WorkingHoursIO, **ERRORS})
def put_working_hours(request: HttpRequest, payload: WorkingHoursIO):
    return WorkingHours.replace(me(request), payload.weekly, payload.overrides)


@router.get("/me/events", response={200: list[EventOut], **ERRORS})
def list_events(
    request: HttpRequest,
    from_: DateParam | None = Query(None, alias="from"),
    to: DateParam | None = None,
):
    check_dates(from_, to)
    events = Event.objects.filter(owner=me(request)).order_by("start")
    tz = ZoneInfo(me(request).time_zone)
    if from_:
        events = events.exclude(rrule="", end__lte=day_span(from_, from_, tz)[0])
    if to:
        events = events.filter(start__lt=day_span(to, to, tz)[1])
    return list(events[:1000])


@router.post("/me/events", response={201: Created, **ERRORS})
def create_event(request: HttpRequest, payload: EventIn):
    if payload.time_zone is not None and payload.time_zone not in available_time_zones():
        raise InputError({"time_zone": ["Unknown."]}, "Unknown time zone.")
    event = add_event(
        me(request),
        title=payload.title,
        start=payload.start,
        end=payload.end,
        busy=payload.busy,
        rrule=payload.rrule or "",
        time_zone=payload.time_zone,
        location=payload.location,
        description=payload.description,
    )
    return Status(201, {"id": event.pk})


@router.post(
    "/me/events/import",
    response={200: Imported, **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/calendar": {"schema": {"type": "string", "minLength": 1}}},
        }
    },
)
def import_events(request: HttpRequest):
    reading = import_ics(me(request), request.body)
    return {
        "imported": len(reading.events),
        "skipped": [s.as_dict() for s in reading.skipped],
        "warnings": reading.warnings,
    }


@router.delete("/me/events/{event_id}", response={204: None, **ERRORS})
def delete_event(request: HttpRequest, event_id: int):
    get_object_or_404(Event, pk=event_id, owner=me(request)).delete()
    return Status(204, None)


@router.get("/meeting-types", response={200: list[MeetingTypeOut], **ERRORS})
def list_types(request: HttpRequest):
    types = MeetingType.objects.live().filter(owner=me(request)).select_related("owner")
    return types.order_by("created_at", "pk")


@router.post("/meeting-types", response={201: MeetingTypeOut, **ERRORS})
def create_type(request: HttpRequest, payload: MeetingTypeIn):
    mt = meeting_types.save(MeetingType(owner=me(request)), payload.changes())
    return Status(201, mt)


@router.get("/meeting-types/{type_id}", response={200: MeetingTypeOut, **ERRORS})
def get_type(request: HttpRequest, type_id: int):
    return own_type(request, type_id)


@router.patch("/meeting-types/{type_id}", response={200: MeetingTypeOut, **ERRORS})
def patch_type(request: HttpRequest, type_id: int, payload: MeetingTypePatch):
    return meeting_types.save(own_type(request, type_id), payload.changes())


@router.delete("/meeting-types/{type_id}", response={204: None, **ERRORS})
def delete_type(request: HttpRequest, type_id: int):
    meeting_types.delete(own_type(request, type_id))
    return Status(204, None)


@router.post("/meeting-types/{type_id}/links", response={201: LinkCreated, **ERRORS})
def create_link(request: HttpRequest, type_id: int, payload: LinkIn):
    link, token = services.create_link(
        own_type(request, type_id),
        expires_in_days=payload.expires_in_days,
        single_use=payload.single_use,
        label=payload.label,
    )
    return Status(
        201,
        {
            "id": link.pk,
            "token": token,
            "url": addresses.link_url(token),
            "expires_at": link.expires_at,
            "single_use": link.single_use,
        },
    )


@router.get("/meeting-types/{type_id}/links", response={200: list[LinkOut], **ERRORS})
def list_links(request: HttpRequest, type_id: int):
    return own_type(request, type_id).links.order_by("-created_at", "-pk")


@router.get("/bookings", response={200: list[BookingOut], **ERRORS})
def list_bookings(
    request: HttpRequest,
    from_: DateParam | None = Query(None, alias="from"),
    to: DateParam | None = None,
    status: Literal["pending", "confirmed", "declined", "cancelled"] | None = None,
):
    """Your bookings: those waiting for your approval first, then the rest, each by start;
    `status=pending` for those waiting alone."""
    person = me(request)
    tz = ZoneInfo(person.time_zone)
    check_dates(from_, to)
    bookings = Booking.objects.filter(owner=person).select_related("meeting_type")
    if from_:
        bookings = bookings.filter(start__gte=day_span(from_, from_, tz)[0])
    if to:
        bookings = bookings.filter(start__lt=day_span(to, to, tz)[1])
    if status:
        bookings = bookings.filter(status=status)
    waiting_first = Case(When(status=Booking.Status.PENDING, then=0), default=1)
    return bookings.order_by(waiting_first, "start", "pk")[:2000]


@router.post("/bookings/{booking_id}/cancel", response={200: BookingOut, **ERRORS})
def cancel_booking(request: HttpRequest, booking_id: int, payload: CancelIn | None = None):
    person = me(request)
    booking = get_object_or_404(Booking, pk=booking_id, owner=person)
    reason = payload.reason if payload else ""
    return services.cancel(booking, by=Booking.CancelledBy.ORGANIZER, reason=reason or "")


@router.post("/bookings/{booking_id}/reschedule", response={200: BookingOut, **ERRORS})
def reschedule_booking(request: HttpRequest, booking_id: int, payload: RescheduleIn):
    """The organizer moves a booking to another start the type offers; the attendee is told
    as when they move it themselves (409 `slot_unavailable`, `booking_cancelled`)."""
    person = me(request)
    booking = get_object_or_404(Booking, pk=booking_id, owner=person)
    return services.reschedule(booking, payload.start, by=Booking.CancelledBy.ORGANIZER)


@router.post("/bookings/{booking_id}/approve", response={200: BookingOut, **ERRORS})
def approve_booking(request: HttpRequest, booking_id: int):
    """Confirm a booking waiting for your approval: the attendee gets the confirmation and the
    invitation. 409 `not_pending` once it is decided (or past its approval deadline)."""
    booking = get_object_or_404(Booking, pk=booking_id, owner=me(request))
    return approval.approve(booking)


@router.post("/bookings/{booking_id}/decline", response={200: BookingOut, **ERRORS})
def decline_booking(request: HttpRequest, booking_id: int, payload: CancelIn | None = None):
    """Decline a booking waiting for your approval, with an optional reason the attendee
    reads; its time is freed. 409 `not_pending` once it is decided."""
    booking = get_object_or_404(Booking, pk=booking_id, owner=me(request))
    reason = payload.reason if payload else ""
    return approval.decline(booking, reason=reason or "")


@router.post("/bookings/{booking_id}/erase", response={200: BookingOut, **ERRORS})
def erase_booking(request: HttpRequest, booking_id: int):
    """Erase the attendee's data of a booking that is over or cancelled (their name, email,
    notes, answers, guests; its times, type and status stay), as when its retention period
    ends. 409 `booking_upcoming` for one still to come: cancel it first. Erasing an erased
    booking changes nothing. In your organization's audit log, without the data."""
    person = me(request)
    booking = get_object_or_404(Booking, pk=booking_id, owner=person)
    return erasure.erase_booking(booking, actor=f"{person.email} (API)")
