"""Creating and changing meeting types: the one way in, for every door.

The JSON API, the app's form and the `demo` command save through `save`, the admin's form
through the same `MeetingType.full_clean`: each door's input is tidied alike
(`MeetingType.tidy`) and checked by the model's rules, with its messages. Changes and refusals
name fields as the model does.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookwithme.booking.models import SLUG_TAKEN, MeetingType

# What an organizer sets on a type: every field the model holds editable but its owner and its
# dates, in the model's order (the order the admin and the API show them in).
FIELDS = tuple(
    field.name
    for field in MeetingType._meta.concrete_fields
    if field.editable
    and not field.primary_key
    and field.name not in ("owner", "created_at", "deleted_at")
)
# What a new type cannot do without: the others have defaults, a slug is made from the title.
REQUIRED = ("title", "duration_minutes")
# Every new person starts with one public type, so their page offers something at once.
FIRST_TYPE_MINUTES, FIRST_TYPE_SLUG = 30, "30min"


def save(meeting_type: MeetingType, changes: dict[str, Any]) -> MeetingType:
    """Set `changes` (some of `FIELDS`, or all) on the type, check the whole type, save it.

    Raises ValidationError keyed by field names, and then saves nothing.
    """
    errors: dict[str, list[str]] = {}
    if meeting_type.pk is None and "online_meeting" not in changes:
        # A new online type generates a meeting link unless told otherwise: its attendees
        # then know how to join (`MeetingType.tells_how_to_join`).
        kind = changes.get("location_kind", meeting_type.location_kind)
        changes = {**changes, "online_meeting": kind == MeetingType.LocationKind.ONLINE}
    for name, value in changes.items():
        field = MeetingType._meta.get_field(name)
        # Only a Field refuses null (get_field also gives reverse relations: none in FIELDS).
        if value is None and isinstance(field, Field) and not field.null:
            errors[name] = [str(field.error_messages["null"])]
        else:
            setattr(meeting_type, name, value)
    try:
        meeting_type.full_clean(exclude=["owner", *errors])
    except ValidationError as e:
        for name, messages in e.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            meeting_type.save()
    except IntegrityError:
        raise ValidationError({"slug": [str(SLUG_TAKEN)]}) from None
    return meeting_type


def delete(meeting_type: MeetingType) -> None:
    """Retire the type: it leaves every page and list, its bookings stay as they are."""
    meeting_type.deleted_at = timezone.now()
    meeting_type.save(update_fields=["deleted_at", "updated_at"])


def create_first(person) -> MeetingType | None:
    """A new person's first type: a public 30-minute online meeting with a generated link, on
    their working hours, titled in their language. None when they have a type already."""
    if MeetingType.objects.filter(owner=person).exists():
        return None
    with translation.override(getattr(person, "language", None) or None):
        title = _("%(minutes)d-minute meeting") % {"minutes": FIRST_TYPE_MINUTES}
    return save(
        MeetingType(owner=person),
        {"title": title, "slug": FIRST_TYPE_SLUG, "duration_minutes": FIRST_TYPE_MINUTES},
    )
