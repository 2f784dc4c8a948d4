"""Request and response shapes of the JSON API (CONTRACT.md), as pydantic schemas."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field, StrictBool, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

# The names a time zone may have: one enum in the OpenAPI document (`api.urls` puts the
# component where this mark is), checked by the services that take it, with their messages.
TIME_ZONE_MARK = "x-bookwithme-time-zone"
TimeZone = Annotated[
    str, Field(max_length=64), WithJsonSchema({"type": "string", TIME_ZONE_MARK: True})
]
# Text that is one line (names, titles) or free text (notes, reasons): the control characters
# the services refuse are refused by the schema too.
OneLine = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f]*$")]
# A name: one line, not only spaces.
Name = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$")]
Text = Annotated[str, Field(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class In(Schema):
    # An unknown field is a typo or a misunderstanding: say so rather than ignore it.
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        # No text anywhere may hold a NUL: databases refuse it, and no person types one.
        if isinstance(data, dict):
            for key, value in data.items():
                if _has_nul(value):
                    raise PydanticCustomError(
                        "nul_character", "NUL characters are not allowed.", {"field": key}
                    )
        return data


class Error(Schema):
    error: str
    message: str
    fields: dict[str, list[str]] | None = None


# --- the organizer -------------------------------------------------------------------------


class MeOut(Schema):
    email: str
    name: str
    time_zone: str
    page_slug: str | None
    page_url: str | None
    page_published: bool
    language: str
    enabled: bool
    disabled_reason: str | None


class MePatch(In):
    # Each may be left out; none may be null.
    name: Name = Field(None, max_length=200)
    time_zone: TimeZone = None  # type: ignore[assignment]
    # null takes the page's address away.
    page_slug: str | None = Field(None, min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")
    page_published: StrictBool = None  # type: ignore[assignment]
    language: Literal["en", "fr"] = None  # type: ignore[assignment]


class WorkingHoursIO(In):
    weekly: dict[str, Any]
    overrides: list[Any] = []


class EventIn(In):
    title: str = Field("", max_length=500)
    location: str = Field("", max_length=500)
    description: str = Field("", max_length=5000)
    start: AwareDatetime
    end: AwareDatetime
    busy: StrictBool = True
    rrule: str | None = Field(None, max_length=1000)
    time_zone: TimeZone | None = None


class EventOut(Schema):
    id: int
    title: str
    location: str
    description: str
    start: datetime
    end: datetime
    busy: bool
    rrule: str
    time_zone: str
    uid: str


class Created(Schema):
    id: int


class SkippedEvent(Schema):
    uid: str
    reason: str


class Imported(Schema):
    imported: int
    # Events that could not be read, with why: none is dropped without a word.
    skipped: list[SkippedEvent]
    # Time zones that had to be stood in for ("unknown time zone ...; read in ...").
    warnings: list[str]


class Location(In):
    kind: Literal["online", "in_person", "phone"] = "online"
    value: str = Field("", max_length=500)


class Question(In):
    id: str = Field(max_length=40)
    label: str = Field(max_length=300)
    kind: Literal["text", "long_text", "phone"] = "text"
    required: StrictBool = False


Hours = Literal["working_hours"] | dict[str, Any]


class MeetingTypeFields(In):
    slug: str | None = Field(None, max_length=60)
    description: str | None = Field(None, max_length=5000)
    visibility: Literal["public", "private"] | None = None
    location: Location | None = None
    online_meeting: StrictBool | None = None
    hours: Hours | None = None
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None
    min_notice_minutes: int | None = None
    horizon_days: int | None = None
    slot_step_minutes: int | None = None
    daily_limit: int | None = None
    questions: list[Question] | None = None
    reminder_minutes_before: int | None = None


class MeetingTypeIn(MeetingTypeFields):
    title: str = Field(max_length=200)
    duration_minutes: int


class MeetingTypePatch(MeetingTypeFields):
    title: str | None = Field(None, max_length=200)
    duration_minutes: int | None = None


class LocationOut(Schema):
    kind: str
    value: str


class MeetingTypeOut(Schema):
    id: int
    title: str
    slug: str
    description: str
    duration_minutes: int
    visibility: str
    location: LocationOut
    online_meeting: bool
    hours: Hours
    buffer_before_minutes: int
    buffer_after_minutes: int
    min_notice_minutes: int
    horizon_days: int
    slot_step_minutes: int
    daily_limit: int | None
    questions: list[dict[str, Any]]
    reminder_minutes_before: int | None
    url: str | None


class LinkIn(In):
    expires_in_days: int = Field(90, ge=1, le=3650)
    single_use: StrictBool = False
    label: str = Field("", max_length=200)


class LinkCreated(Schema):
    id: int
    token: str
    url: str
    expires_at: datetime
    single_use: bool


class LinkOut(Schema):
    id: int
    label: str
    expires_at: datetime
    single_use: bool
    used_at: datetime | None
    revoked_at: datetime | None
    state: str


class Attendee(Schema):
    name: str
    email: str
    time_zone: str
    language: str


class TypeRef(Schema):
    id: int
    slug: str
    title: str


class BookingOut(Schema):
    id: int
    meeting_type: TypeRef
    start: datetime
    end: datetime
    status: str
    attendee: Attendee
    notes: str
    answers: dict[str, str]
    meeting_url: str
    cancel_reason: str
    cancelled_by: str
    created_at: datetime


class CancelIn(In):
    reason: Text | None = Field(None, max_length=2000)


class BookingsFeedIn(In):
    """No fields: a body, when sent, must be `{}`."""


class BookingsFeedCreated(Schema):
    url: str


class BookingsFeedOut(Schema):
    enabled: bool
    created_at: datetime | None


# --- the public side -----------------------------------------------------------------------


class Owner(Schema):
    name: str
    time_zone: str


class PublicType(Schema):
    slug: str
    title: str
    description: str
    duration_minutes: int
    location_kind: str
    online_meeting: bool
    questions: list[dict[str, Any]]


class PageOut(Schema):
    owner: Owner
    meeting_types: list[PublicType]


class PublicTypeOut(PublicType):
    owner: Owner


class LinkPageOut(Schema):
    owner: Owner
    meeting_type: PublicType
    expires_at: datetime
    single_use: bool


class Slot(Schema):
    start: str
    end: str


class SlotsOut(Schema):
    time_zone: str
    slots: list[Slot]
    notice: str | None = None


class BookingIn(In):
    start: AwareDatetime
    name: Name = Field(max_length=200)
    email: OneLine = Field(min_length=3, max_length=254)
    time_zone: TimeZone
    notes: Text | None = Field(None, max_length=5000)
    language: Literal["en", "fr"] | None = None
    answers: dict[str, str] | None = None


class BookedOut(Schema):
    id: int
    start: datetime
    end: datetime
    status: str
    manage_token: str
    manage_url: str
    meeting_url: str
    ics_url: str


class ManageOut(Schema):
    id: int
    start: datetime
    end: datetime
    status: str
    meeting_type: str
    organizer_name: str
    meeting_url: str
    time_zone: str
    duration_minutes: int


class RescheduleIn(In):
    start: AwareDatetime


class StatusOut(Schema):
    status: str


class DateRange(Schema):
    start: date
    end: date
