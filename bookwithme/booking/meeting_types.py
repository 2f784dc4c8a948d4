"""Creating and changing meeting types from API-shaped data, with one set of messages.

The JSON API and the organizer's web forms both call `apply_changes`, so a rule and its
message live once: on the model's fields and `MeetingType.clean`.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from bookwithme.booking.errors import Invalid
from bookwithme.booking.models import MeetingType, parse_hours
from bookwithme.slots import HoursError

# API field -> model field, where they differ.
SIMPLE_FIELDS = (
    "title",
    "slug",
    "description",
    "duration_minutes",
    "visibility",
    "online_meeting",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "horizon_days",
    "slot_step_minutes",
    "daily_limit",
    "questions",
    "reminder_minutes_before",
)
MODEL_TO_API = {"location_kind": "location", "location_value": "location"}
# Fields a client may send as null only where null means something (no limit, no reminder,
# the default slug, location or hours, the duration as step).
NOT_NULL = (
    "title",
    "duration_minutes",
    "visibility",
    "online_meeting",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "horizon_days",
    "questions",
)


def unique_slug(owner, title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:50] or "meeting"
    taken = set(
        MeetingType.objects.live()
        .filter(owner=owner, slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def hours_to_api(value: Any) -> Any:
    return "working_hours" if value is None else value


def api_fields(meeting_type: MeetingType) -> dict[str, Any]:
    """The type's fields as `apply_changes` takes them (and the API shows them).

    `slot_step_minutes` is None while the step follows the duration.
    """
    mt = meeting_type
    return {
        "title": mt.title,
        "slug": mt.slug,
        "description": mt.description,
        "duration_minutes": mt.duration_minutes,
        "visibility": mt.visibility,
        "location": {"kind": mt.location_kind, "value": mt.location_value},
        "online_meeting": mt.online_meeting,
        "hours": hours_to_api(mt.hours),
        "buffer_before_minutes": mt.buffer_before_minutes,
        "buffer_after_minutes": mt.buffer_after_minutes,
        "min_notice_minutes": mt.min_notice_minutes,
        "horizon_days": mt.horizon_days,
        "slot_step_minutes": mt.slot_step_minutes,
        "daily_limit": mt.daily_limit,
        "questions": mt.questions,
        "reminder_minutes_before": mt.reminder_minutes_before,
    }


def _with_defaults(question: Any) -> Any:
    if not isinstance(question, dict):
        return question  # validate_questions says what is wrong with it
    return {"kind": "text", "required": False, **question}


def apply_changes(meeting_type: MeetingType, data: dict[str, Any]) -> MeetingType:
    """Set the given API fields on the type, validate the whole type, and save it.

    `data` holds only the fields to change (a PATCH) or all of them (a create). Raises
    `Invalid` with messages keyed by API field names.
    """
    errors: dict[str, list[str]] = {}
    for name in NOT_NULL:
        if name in data and data[name] is None:
            errors[name] = [_("This field cannot be null.")]
            data = {k: v for k, v in data.items() if k != name}
    if isinstance(data.get("questions"), list):
        data = {**data, "questions": [_with_defaults(q) for q in data["questions"]]}
    for name in SIMPLE_FIELDS:
        if name in data:
            setattr(meeting_type, name, data[name])
    if "description" in data and data["description"] is None:
        meeting_type.description = ""
    if "location" in data:
        location = data["location"] or {}
        meeting_type.location_kind = location.get("kind") or MeetingType.LocationKind.ONLINE
        meeting_type.location_value = (location.get("value") or "").strip()
    if "hours" in data:
        hours = data["hours"]
        if hours in (None, "working_hours"):
            meeting_type.hours = None
        else:
            try:
                meeting_type.hours = parse_hours(hours).to_json()
            except HoursError as e:
                errors["hours"] = [str(e)]
    if meeting_type.title:
        meeting_type.title = meeting_type.title.strip()
    if not meeting_type.slug and meeting_type.title:
        meeting_type.slug = unique_slug(meeting_type.owner, meeting_type.title, meeting_type.pk)
    try:
        meeting_type.full_clean(exclude=["owner"] + (["hours"] if "hours" in errors else []))
    except ValidationError as e:
        for field, messages in e.message_dict.items():
            errors.setdefault(MODEL_TO_API.get(field, field), []).extend(messages)
    if errors:
        raise Invalid(fields=errors)
    try:
        with transaction.atomic():
            meeting_type.save()
    except IntegrityError:
        raise Invalid(
            fields={"slug": [_("You already have a meeting type at this address.")]}
        ) from None
    return meeting_type


def delete(meeting_type: MeetingType) -> None:
    """Retire the type: it leaves every page and list, its bookings stay as they are."""
    meeting_type.deleted_at = timezone.now()
    meeting_type.save(update_fields=["deleted_at", "updated_at"])
