"""Request and response shapes of the JSON API (docs/api.md), as pydantic schemas.

Response schemas read the models themselves (ninja's `resolve_*` for what is computed), so each
object is rendered here and nowhere else; the slots route alone builds its body by hand.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo

import pydantic
from django.conf import settings
from django.db import models
from django.urls import reverse
from ninja import Schema
from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bookwithme.booking import addresses, meeting_types
from bookwithme.booking.addresses import absolute, manage_url, type_url
from bookwithme.booking.models import (
    MAX_OPTION,
    MAX_OPTIONS,
    QUESTION_KINDS,
    Link,
    MeetingType,
)
from bookwithme.calendars.models import Event
from bookwithme.directory.policy import page_decision

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
# The languages bookwithme speaks: settings.LANGUAGES, the one list. A Literal made at run
# time is no type to mypy, which reads it as the str it is.
if TYPE_CHECKING:
    Language = str
else:
    Language = Literal[tuple(code for code, _name in settings.LANGUAGES)]


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


# An answer to a question: text, the options picked, or whether a box is ticked.
Answer = StrictStr | list[StrictStr] | StrictBool


class Error(Schema):
    error: str
    message: str
    fields: dict[str, list[str]] | None = None


def local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


def organizers(context: dict) -> str:
    return context["request"].person.time_zone


def json_type(model: type[models.Model], name: str, *, out: bool) -> Any:
    """The JSON type of a model's plain field, as the field says."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):  # a relation's reverse side
        raise TypeError(f"{name!r} is not a field of {model.__name__}'s own")
    kind: Any
    if isinstance(field, models.BooleanField):
        kind = bool if out else StrictBool
    elif isinstance(field, models.IntegerField):  # AutoFields too
        kind = int
    elif isinstance(field, models.DateTimeField):
        kind = datetime
    elif field.choices and not out:
        kind = Literal[tuple(value for value, _label in field.choices)]
    else:
        kind = str if out else Annotated[str, Field(max_length=field.max_length)]
    return kind | None if out and field.null else kind


def shown(
    name: str,
    model: type[models.Model],
    fields: tuple[str, ...],
    base: type = Schema,
    types: dict[str, Any] | None = None,
) -> Any:
    """A response schema of the model's `fields`, in that order: typed from the model, or by
    `types` for those the `base`'s resolvers compute. Any to mypy, which cannot see its fields."""
    types = types or {}
    typed = {f: (types[f] if f in types else json_type(model, f, out=True), ...) for f in fields}
    return pydantic.create_model(name, __base__=base, **typed)  # type: ignore[call-overload]


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
    accent_color: str
    photo_url: str | None
    # Across all of one's meeting types (null: none).
    daily_limit: int | None
    weekly_limit: int | None

    resolve_page_url = staticmethod(addresses.page_url)  # not the field above
    resolve_photo_url = staticmethod(
        lambda person: absolute(reverse("web:photo", args=[person.photo])) if person.photo else None
    )
    resolve_enabled = staticmethod(lambda person: page_decision(person).allowed)
    resolve_disabled_reason = staticmethod(lambda person: page_decision(person).reason)


class MePatch(In):
    # Each may be left out; none may be null. None is only the default of one left out (which
    # pydantic never validates, and `exclude_unset` drops): hence the ignores.
    name: Name = Field(None, max_length=200)  # type: ignore[assignment]
    time_zone: TimeZone = None  # type: ignore[assignment]
    # null takes the page's address away.
    page_slug: str | None = Field(None, min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")
    page_published: StrictBool = None  # type: ignore[assignment]
    language: Language = None  # type: ignore[assignment]
    # "" goes back to the site's own colour; its contrast is checked by `update_profile`.
    accent_color: str = Field(None, pattern=r"^(#?[0-9a-fA-F]{6})?$")  # type: ignore[assignment]
    # Bookings per day and per week at most, across all one's types; null: no limit.
    # Strict: JSON's true is no number of bookings.
    daily_limit: StrictInt | None = Field(None, ge=1, le=100)
    weekly_limit: StrictInt | None = Field(None, ge=1, le=500)


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


EVENT_FIELDS = ("title", "location", "description", "start", "end", "busy", "rrule", "time_zone")
EventOut = shown("EventOut", Event, ("id", *EVENT_FIELDS, "uid"))


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


# --- meeting types: `meeting_types.FIELDS`, typed from the model -----------------------------
# The model's names and values, but for one `location: {kind, value}` (`location_kind`,
# `location_value`) and `hours: "working_hours"` for a type without hours of its own.
API_NAMES = {"location_kind": "location", "location_value": "location"}
TYPE_FIELDS = tuple(dict.fromkeys(API_NAMES.get(name, name) for name in meeting_types.FIELDS))
Hours = Literal["working_hours"] | dict[str, Any]


class Location(In):
    kind: Literal[tuple(MeetingType.LocationKind.values)] = "online"  # type: ignore[valid-type]
    value: str = Field(default="", max_length=500)


class LocationOut(Schema):
    kind: str
    value: str


class Question(In):
    id: str = Field(max_length=40)
    label: str = Field(max_length=300)
    kind: Literal[QUESTION_KINDS] = "text"  # type: ignore[valid-type]
    required: StrictBool = False
    # The choice kinds' options, in the order shown; none for the other kinds.
    options: list[Annotated[str, Field(max_length=MAX_OPTION)]] | None = Field(
        None, max_length=MAX_OPTIONS
    )


SHAPES_IN: dict[str, Any] = {
    "location": Location,
    "hours": Hours,
    "questions": list[Question],
    "durations_minutes": list[int],
}
SHAPES_OUT: dict[str, Any] = {
    "location": LocationOut,
    "hours": Hours,
    "durations_minutes": list[int],
    "slot_step_minutes": int,  # the duration while the step follows it
    "questions": list[dict[str, Any]],
}


class MeetingTypeChanges(In):
    """A type's fields as sent; `changes()` names them as `meeting_types.save` takes them."""

    def changes(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True)
        for question in changes.get("questions") or []:
            if question.get("options") is None:
                question.pop("options", None)  # left out, or null: none
        if "location" in changes:
            del changes["location"]
            location = self.location or Location()  # type: ignore[attr-defined]
            changes.update(location_kind=location.kind, location_value=location.value)
        if changes.get("hours") == "working_hours":
            changes["hours"] = None
        for name in ("slug", "description"):  # null: made from the title, or none
            if name in changes and changes[name] is None:
                changes[name] = ""
        return changes


def _changes(name: str, required: tuple[str, ...]) -> Any:
    fields: dict[str, Any] = {}
    for field in TYPE_FIELDS:
        kind = SHAPES_IN.get(field) or json_type(MeetingType, field, out=False)
        fields[field] = (kind, ...) if field in required else (kind | None, None)
    return pydantic.create_model(name, __base__=MeetingTypeChanges, **fields)


MeetingTypeIn = _changes("MeetingTypeIn", meeting_types.REQUIRED)
MeetingTypePatch = _changes("MeetingTypePatch", ())


class MeetingTypeShown(Schema):
    # What the API shows otherwise than the model holds it; the other fields read as they are.
    resolve_location = staticmethod(
        lambda mt: {"kind": mt.location_kind, "value": mt.location_value}
    )
    resolve_hours = staticmethod(lambda mt: "working_hours" if mt.hours is None else mt.hours)
    resolve_slot_step_minutes = staticmethod(lambda mt: mt.slot_step_minutes or mt.duration_minutes)
    resolve_url = staticmethod(type_url)


MeetingTypeOut = shown(
    "MeetingTypeOut",
    MeetingType,
    ("id", *TYPE_FIELDS, "url"),
    base=MeetingTypeShown,
    types={**SHAPES_OUT, "url": str | None},
)


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


LinkOut = shown(
    "LinkOut",
    Link,
    ("id", "label", "expires_at", "single_use", "used_at", "revoked_at", "state"),
    types={"state": str},
)


class Attendee(Schema):
    # Read from the booking.
    name: str = Field(alias="attendee_name")
    email: str = Field(alias="attendee_email")
    time_zone: str = Field(alias="attendee_time_zone")
    language: str = Field(alias="attendee_language")


TypeRef = shown("TypeRef", MeetingType, ("id", "slug", "title"))


class BookingOut(Schema):
    # A booking as its organizer sees it, its times in their time zone.
    id: int
    meeting_type: TypeRef  # type: ignore[valid-type]
    start: datetime
    end: datetime
    status: str
    attendee: Attendee
    notes: str
    answers: dict[str, Answer]
    meeting_url: str
    cancel_reason: str
    cancelled_by: str
    created_at: datetime
    guests: list[str]
    # When the attendee agreed to the privacy notice; null when the type did not ask.
    consent_at: datetime | None
    # How often the attendee moved it (the type's max_reschedules counts these).
    reschedule_count: int

    resolve_start = staticmethod(lambda b, context: local(b.start, organizers(context)))
    resolve_end = staticmethod(lambda b, context: local(b.end, organizers(context)))
    resolve_attendee = staticmethod(lambda b: b)


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
    # The organization's privacy notice, which a booking form links to (and asks consent to,
    # when the type's `ask_consent` is on); null when it has none.
    privacy_notice_url: str | None

    resolve_privacy_notice_url = staticmethod(addresses.privacy_notice_url)


# What a visitor sees of a type.
PUBLIC_FIELDS = (
    "slug",
    "title",
    "description",
    "duration_minutes",
    "location_kind",
    "online_meeting",
    "questions",
    "max_guests",
    # The lengths a visitor chooses from (empty: duration_minutes only), and whether a
    # booking waits for the organizer's approval.
    "durations_minutes",
    "requires_approval",
    # Whether the booking body must carry `"consent": true`.
    "ask_consent",
)
PUBLIC_TYPES = {"questions": list[dict[str, Any]], "owner": Owner, "durations_minutes": list[int]}
PublicType = shown("PublicType", MeetingType, PUBLIC_FIELDS, types=PUBLIC_TYPES)
PublicTypeOut = shown("PublicTypeOut", MeetingType, (*PUBLIC_FIELDS, "owner"), types=PUBLIC_TYPES)


class PageOut(Schema):
    owner: Owner
    meeting_types: list[PublicType]  # type: ignore[valid-type]


class LinkPageOut(Schema):
    owner: Owner = Field(alias="meeting_type.owner")
    meeting_type: PublicType  # type: ignore[valid-type]
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
    language: Language | None = None
    # Text for the text kinds, the option picked for single choice and drop-down, the options
    # picked for multiple choice, true or false for a box to tick.
    answers: dict[str, Answer] | None = None
    # Others to invite, by email: at most the type's max_guests (checked by the booking).
    guests: list[Annotated[OneLine, Field(max_length=254)]] | None = Field(None, max_length=10)
    # One of the type's lengths (durations_minutes); none: its duration_minutes.
    duration_minutes: int | None = Field(None, ge=5, le=720)
    # Agrees that the attendee's data is processed as the privacy notice says: required
    # (true) when the type's `ask_consent` is on.
    consent: StrictBool = False


def joinable(booking) -> str:
    """The meeting's link, once the booking is confirmed: a request may yet be declined."""
    return "" if booking.status in ("pending", "declined") else booking.meeting_url


class AttendeeSide(Schema):
    # A booking as its attendee sees it: times in their time zone.
    resolve_start = staticmethod(lambda b: local(b.start, b.attendee_time_zone))
    resolve_end = staticmethod(lambda b: local(b.end, b.attendee_time_zone))


class BookedOut(AttendeeSide):
    id: int
    start: datetime
    end: datetime
    status: str
    manage_token: str
    manage_url: str
    meeting_url: str
    ics_url: str

    resolve_manage_url = staticmethod(lambda b: manage_url(b.manage_token()))
    resolve_meeting_url = staticmethod(lambda b: joinable(b))
    resolve_ics_url = staticmethod(lambda b: absolute(f"/api/v1/manage/{b.manage_token()}/ics"))


class ManageOut(AttendeeSide):
    id: int
    start: datetime
    end: datetime
    status: str
    meeting_type: str = Field(alias="meeting_type.title")
    organizer_name: str = Field(alias="owner.name")
    meeting_url: str
    time_zone: str = Field(alias="attendee_time_zone")
    # The booking's own length, one of its type's.
    duration_minutes: int
    guests: list[str]

    resolve_duration_minutes = staticmethod(lambda b: b.length_minutes)
    resolve_meeting_url = staticmethod(lambda b: joinable(b))


class RescheduleIn(In):
    start: AwareDatetime


class StatusOut(Schema):
    status: str


class DateRange(Schema):
    start: date
    end: date
