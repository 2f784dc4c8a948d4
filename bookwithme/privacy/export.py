"""Everything held about an email address, as one JSON-ready document (the right of access and
portability): the address as an attendee (their bookings, their answers, the emails sent to
it), as a guest on others' bookings, and, when it is a person of an organization, their
profile, meeting types, private links, working hours, calendar, connected calendars, API tokens
and the audit entries about them or by them. Secrets never: no token, hash, password or a
feed's full address; others' data never: a booking on which the address is a guest shows the
meeting, not its attendee.

`organization` narrows it to one organization's data (its admins' export, in the admin).
"""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from bookwithme.booking.meeting_types import FIELDS
from bookwithme.booking.models import Booking, MeetingType
from bookwithme.calendars.models import Connection, Event
from bookwithme.directory.models import AuditEntry, Organization, Person
from bookwithme.notify.models import OutboxMessage
from bookwithme.privacy import audit

FORMAT = "bookwithme.privacy.export/1"


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _scoped[Rows: QuerySet](rows: Rows, path: str, organization: Organization | None) -> Rows:
    return rows.filter(**{path: organization}) if organization is not None else rows


def bookings_as_attendee(email: str, organization: Organization | None = None) -> QuerySet:
    rows = Booking.objects.filter(attendee_email__iexact=email)
    return _scoped(rows, "owner__organization", organization)


def bookings_as_guest(email: str, organization: Organization | None = None) -> list[Booking]:
    """Bookings on which the address is one of the guests (JSON lists: matched as text, then
    exactly)."""
    rows = Booking.objects.annotate(guest_text=Cast("guests", TextField())).filter(
        guest_text__icontains=email
    )
    rows = _scoped(rows, "owner__organization", organization)
    wanted = email.lower()
    return [b for b in rows.select_related(*RELATED) if wanted in (g.lower() for g in b.guests)]


RELATED = ("meeting_type", "owner", "owner__organization")


def _organizer(booking: Booking) -> dict[str, Any]:
    org = booking.owner.organization
    return {
        "name": booking.owner.name,
        "email": booking.owner.email,
        "organization": org.name if org else None,
    }


def _answers(booking: Booking) -> list[dict[str, Any]]:
    labels = {q.get("id"): q.get("label", "") for q in booking.meeting_type.questions or []}
    return [
        {"question": labels.get(key, key), "answer": value}
        for key, value in (booking.answers or {}).items()
    ]


def _meeting(booking: Booking) -> dict[str, Any]:
    """The meeting itself: all a guest is shown of a booking (who invited them is someone
    else's data)."""
    return {
        "id": booking.pk,
        "organizer": _organizer(booking),
        "meeting_type": booking.meeting_type.title,
        "start": _when(booking.start),
        "end": _when(booking.end),
        "status": booking.status,
        "meeting_url": booking.meeting_url,
    }


def _booking(booking: Booking) -> dict[str, Any]:
    return {
        **_meeting(booking),
        "name": booking.attendee_name,
        "email": booking.attendee_email,
        "time_zone": booking.attendee_time_zone,
        "language": booking.attendee_language,
        "notes": booking.notes,
        "answers": _answers(booking),
        "guests": booking.guests,
        "cancelled_by": booking.cancelled_by,
        "cancel_reason": booking.cancel_reason,
        "cancelled_at": _when(booking.cancelled_at),
        "reschedule_count": booking.reschedule_count,
        "consent_at": _when(booking.consent_at),
        "created_at": _when(booking.created_at),
        "updated_at": _when(booking.updated_at),
    }


def _emails(email: str, organization: Organization | None) -> list[dict[str, Any]]:
    rows = OutboxMessage.objects.filter(to_email__iexact=email)
    rows = _scoped(rows, "booking__owner__organization", organization)
    return [
        {
            "booking": m.booking_id,
            "kind": m.kind,
            "to": m.to_email,
            "subject": m.subject,
            "state": m.state,
            "created_at": _when(m.created_at),
            "sent_at": _when(m.sent_at),
        }
        for m in rows.order_by("created_at", "pk")
    ]


def _address(url: str) -> str:
    """Where a connection reads from, without what may be its secret (a feed's path and query
    often are): the scheme and host only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


def _person(person: Person) -> dict[str, Any]:
    org = person.organization
    types = MeetingType.objects.filter(owner=person).order_by("pk")
    hours = getattr(person, "working_hours", None)
    return {
        "profile": {
            "email": person.email,
            "name": person.name,
            "organization": {"name": org.name, "domain": org.domain} if org else None,
            "time_zone": person.time_zone,
            "language": person.language,
            "page_slug": person.page_slug,
            "page_published": person.page_published,
            "accent_color": person.accent_color,
            "has_photo": bool(person.photo),
            "daily_limit": person.daily_limit,
            "weekly_limit": person.weekly_limit,
            "has_licence": person.has_licence,
            "is_org_admin": person.is_org_admin,
            "is_active": person.is_active,
            "date_joined": _when(person.date_joined),
            "last_login": _when(person.last_login),
        },
        "meeting_types": [
            {
                "id": t.pk,
                **{name: getattr(t, name) for name in FIELDS},
                "created_at": _when(t.created_at),
                "deleted_at": _when(t.deleted_at),
            }
            for t in types
        ],
        "private_links": [
            {
                "meeting_type": link.meeting_type.title,
                "label": link.label,
                "single_use": link.single_use,
                "expires_at": _when(link.expires_at),
                "used_at": _when(link.used_at),
                "revoked_at": _when(link.revoked_at),
                "created_at": _when(link.created_at),
            }
            for t in types
            for link in t.links.order_by("pk")
        ],
        "working_hours": (
            {"weekly": hours.weekly, "overrides": hours.overrides} if hours is not None else None
        ),
        "calendar_events": [
            {
                "title": e.title,
                "location": e.location,
                "description": e.description,
                "start": _when(e.start),
                "end": _when(e.end),
                "time_zone": e.time_zone,
                "recurrence": e.rrule,
                "busy": e.busy,
            }
            for e in Event.objects.filter(owner=person).order_by("start", "pk")
        ],
        "connected_calendars": [
            {
                "kind": c.kind,
                "address": _address(c.url),
                "username": c.username,
                "calendars": [cal.name or _address(cal.url) for cal in c.checked.all()],
                "created_at": _when(c.created_at),
                "last_sync_at": _when(c.last_sync_at),
            }
            for c in Connection.objects.filter(owner=person).order_by("pk")
        ],
        "api_tokens": [
            {
                "app": t.app,
                "created_at": _when(t.created_at),
                "last_used_at": _when(t.last_used_at),
                "revoked_at": _when(t.revoked_at),
            }
            for t in person.api_tokens.order_by("pk")
        ],
        "bookings_as_organizer": Booking.objects.filter(owner=person).count(),
        "audit_entries": [
            {
                "at": _when(a.at),
                "by": a.actor,
                "on": a.target,
                "setting": a.setting,
                "before": a.before,
                "after": a.after,
            }
            for a in AuditEntry.objects.filter(
                Q(actor__icontains=person.email) | Q(target__icontains=person.email),
                organization=org,
            ).order_by("at", "pk")
        ]
        if org is not None
        else [],
    }


def export(email: str, *, actor: str, organization: Organization | None = None) -> dict[str, Any]:
    """The document about `email`: every organization's data, or `organization`'s only;
    recorded in the audit log of each organization whose data it holds."""
    email = email.strip()
    attended = list(
        bookings_as_attendee(email, organization).select_related(*RELATED).order_by("start", "pk")
    )
    invited = bookings_as_guest(email, organization)
    person = Person.objects.select_related("organization").filter(email__iexact=email).first()
    if person is not None and organization is not None and person.organization != organization:
        person = None
    document = {
        "format": FORMAT,
        "site": settings.BOOKWITHME_BASE_URL,
        "email": email,
        "organization": organization.domain if organization is not None else None,
        "exported_at": _when(timezone.now()),
        "as_attendee": [_booking(b) for b in attended],
        "as_guest": [_meeting(b) for b in invited],
        "emails": _emails(email, organization),
        "person": _person(person) if person is not None else None,
    }
    counts: dict = {}
    for booking in attended:
        audit.tally(counts, booking.owner.organization, "bookings")
    for booking in invited:
        audit.tally(counts, booking.owner.organization, "as_guest")
    if person is not None:
        audit.tally(counts, person.organization, "person")
    audit.record(counts, actor=actor, target=audit.address_key(email), what=audit.EXPORT)
    return document
