"""Connected calendars (organizer API): CalDAV servers and ICS feeds whose busy time counts.

Creating one tests it (the only time a request reaches a remote calendar, with a short
timeout); syncing is the worker's. Passwords go in, never out.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import BeforeValidator, Field

from bookwithme.api.auth import TokenAuth
from bookwithme.api.organizer import me
from bookwithme.api.schemas import Error, In, SkippedEvent
from bookwithme.calendars import connections
from bookwithme.calendars.models import Connection

router = Router(auth=TokenAuth(), tags=["calendars"])
ERRORS = {400: Error, 401: Error, 404: Error, 422: Error}
MAX_CHECKED = 50
MAX_URL = connections.MAX_URL


class CalendarIn(In):
    kind: Literal["caldav", "ics"]
    url: str = Field(max_length=MAX_URL)
    username: str | None = Field(None, max_length=200)
    password: str | None = Field(None, max_length=1000)
    # CalDAV: the calendars to check for conflicts (default: all found), the one to write
    # bookings into (default: none).
    check: list[str] | None = Field(None, max_length=MAX_CHECKED)
    write_to: str | None = Field(None, max_length=MAX_URL)


class CalendarPatch(In):
    check: list[str] | None = Field(None, max_length=MAX_CHECKED)
    write_to: str | None = Field(None, max_length=MAX_URL)


class FoundOut(Schema):
    url: str
    name: str


# Text the model keeps as "" when there is none: shown as null.
OrNull = Annotated[str | None, BeforeValidator(lambda value: value or None)]


class CalendarOut(Schema):
    # A connection as its owner sees it: never its password.
    id: int
    kind: str
    url: str
    username: str | None
    check: list[str]
    write_to: OrNull
    calendars: list[FoundOut] = Field(alias="found")
    last_sync_at: datetime | None
    last_success_at: datetime | None
    last_error: OrNull
    write_error: OrNull
    stale: bool = Field(alias="is_stale")
    next_sync_at: datetime | None
    # Events its last syncs could not read: how many, a few with why; time zone warnings.
    skipped_count: int = Field(alias="unread_summary.skipped_count")
    skipped: list[SkippedEvent] = Field(alias="unread_summary.skipped")
    warnings: list[str] = Field(alias="unread_summary.warnings")

    resolve_username = staticmethod(lambda c: c.username if c.kind == c.Kind.CALDAV else None)
    resolve_check = staticmethod(lambda c: [checked.url for checked in c.checked.all()])


def _own(request: HttpRequest, connection_id: int) -> Connection:
    return get_object_or_404(Connection.objects.of(me(request)), pk=connection_id)


@router.get("/calendars", response={200: list[CalendarOut], **ERRORS})
def list_calendars(request: HttpRequest):
    return Connection.objects.of(me(request))


@router.post("/calendars", response={201: CalendarOut, **ERRORS})
def create_calendar(request: HttpRequest, payload: CalendarIn):
    """Test the server or feed (10 seconds at most per request), then store the connection.

    Refused with 422 and the reason (unreachable, wrong password, not a calendar). The answer
    lists the calendars found; `check` and `write_to` must name some of them.
    """
    owner = me(request)
    if payload.kind == "ics":
        extra = {
            name: ["Not used for an ICS feed."]
            for name in ("username", "password", "check", "write_to")
            if getattr(payload, name) is not None
        }
        if extra:
            raise connections.ConnectError(extra)
        connection = connections.connect_feed(owner, url=payload.url)
    else:
        connection = connections.connect_caldav(
            owner,
            url=payload.url,
            username=payload.username or "",
            password=payload.password or "",
            check=payload.check,
            write_to=payload.write_to,
        )
    return Status(201, connection)


@router.get("/calendars/{connection_id}", response={200: CalendarOut, **ERRORS})
def get_calendar(request: HttpRequest, connection_id: int):
    return _own(request, connection_id)


@router.patch("/calendars/{connection_id}", response={200: CalendarOut, **ERRORS})
def patch_calendar(request: HttpRequest, connection_id: int, payload: CalendarPatch):
    """Choose other calendars among those found (no remote call)."""
    changes = payload.model_dump(exclude_unset=True)
    connection = connections.choose(
        _own(request, connection_id),
        check=changes.get("check"),
        write_to=changes.get("write_to", ...),
    )
    return _own(request, connection.pk)


@router.delete("/calendars/{connection_id}", response={204: None, **ERRORS})
def delete_calendar(request: HttpRequest, connection_id: int):
    _own(request, connection_id).delete()
    return Status(204, None)


@router.post("/calendars/{connection_id}/sync", response={202: CalendarOut, **ERRORS})
def sync_calendar(request: HttpRequest, connection_id: int):
    """Sync now: queued for the worker (the request itself never calls the server)."""
    connection = _own(request, connection_id)
    connections.sync_now(connection)
    return Status(202, connection)
