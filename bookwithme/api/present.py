"""Turning models into the API's JSON: one function per shape, used by every router."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bookwithme.booking.addresses import absolute, manage_url, type_url
from bookwithme.booking.meeting_types import api_fields
from bookwithme.booking.models import Booking, Link, MeetingType


def local(value: datetime, tz: ZoneInfo | str) -> datetime:
    return value.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)


def meeting_type(mt: MeetingType) -> dict:
    fields = api_fields(mt)
    fields["slot_step_minutes"] = fields["slot_step_minutes"] or mt.duration_minutes
    return {"id": mt.pk, **fields, "url": type_url(mt)}


def public_type(mt: MeetingType) -> dict:
    return {
        "slug": mt.slug,
        "title": mt.title,
        "description": mt.description,
        "duration_minutes": mt.duration_minutes,
        "location_kind": mt.location_kind,
        "online_meeting": mt.online_meeting,
        "questions": mt.questions,
    }


def owner(person) -> dict:
    return {"name": person.name, "time_zone": person.time_zone}


def link(link: Link) -> dict:
    return {
        "id": link.pk,
        "label": link.label,
        "expires_at": link.expires_at,
        "single_use": link.single_use,
        "used_at": link.used_at,
        "revoked_at": link.revoked_at,
        "state": link.state(),
    }


def booking_for_organizer(b: Booking, tz: str) -> dict:
    return {
        "id": b.pk,
        "meeting_type": {
            "id": b.meeting_type_id,
            "slug": b.meeting_type.slug,
            "title": b.meeting_type.title,
        },
        "start": local(b.start, tz),
        "end": local(b.end, tz),
        "status": b.status,
        "attendee": {
            "name": b.attendee_name,
            "email": b.attendee_email,
            "time_zone": b.attendee_time_zone,
            "language": b.attendee_language,
        },
        "notes": b.notes,
        "answers": b.answers,
        "meeting_url": b.meeting_url,
        "cancel_reason": b.cancel_reason,
        "cancelled_by": b.cancelled_by,
        "created_at": b.created_at,
    }


def booked(b: Booking, manage_token: str) -> dict:
    return {
        "id": b.pk,
        "start": local(b.start, b.attendee_time_zone),
        "end": local(b.end, b.attendee_time_zone),
        "status": b.status,
        "manage_token": manage_token,
        "manage_url": manage_url(manage_token),
        "meeting_url": b.meeting_url,
        "ics_url": absolute(f"/api/v1/manage/{manage_token}/ics"),
    }


def managed(b: Booking) -> dict:
    return {
        "id": b.pk,
        "start": local(b.start, b.attendee_time_zone),
        "end": local(b.end, b.attendee_time_zone),
        "status": b.status,
        "meeting_type": b.meeting_type.title,
        "organizer_name": b.owner.name,
        "meeting_url": b.meeting_url,
        "time_zone": b.attendee_time_zone,
        "duration_minutes": b.meeting_type.duration_minutes,
    }
