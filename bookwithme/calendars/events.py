"""The built-in calendar: busy blocks an organizer adds by hand or imports from a .ics file."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bookwithme.calendars.errors import InputError
from bookwithme.calendars.ical import FIRST_YEAR, LAST_YEAR, Reading, read
from bookwithme.calendars.models import Event
from bookwithme.calendars.recurrence import RecurrenceError, prepare
from bookwithme.directory.models import validate_one_line, validate_text

MAX_EVENT_LENGTH = timedelta(days=366)
# The API's schema says the same; checked here too for every other caller (the web forms).
MAX_LENGTHS = {"title": 500, "location": 500, "description": 5000}


class EventError(InputError):
    """An event that cannot be stored; `fields` says which input is wrong and why."""


def add_event(
    owner,
    *,
    title: str,
    start: datetime,
    end: datetime,
    busy: bool = True,
    rrule: str = "",
    time_zone: str | None = None,
    location: str = "",
    description: str = "",
) -> Event:
    zone = ZoneInfo(time_zone or owner.time_zone)
    errors: dict[str, list[str]] = {}
    for name, moment in (("start", start), ("end", end)):
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            errors[name] = [
                _("Give a time between the years %(first)d and %(last)d.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            ]
    for name, value, check in (
        ("title", title, validate_one_line),
        ("location", location, validate_one_line),
        ("description", description, validate_text),
    ):
        if len(value) > MAX_LENGTHS[name]:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": MAX_LENGTHS[name]}]
            continue
        try:
            check(value)
        except ValidationError as e:
            errors[name] = e.messages
    if errors:
        raise EventError(errors)
    if end <= start:
        errors["end"] = [_("The end must be after the start.")]
    elif end - start > MAX_EVENT_LENGTH:
        errors["end"] = [_("An event can last a year at most.")]
    repeats_until = None
    if rrule and not errors:
        try:
            rrule, repeats_until = prepare(rrule, start, end, zone)
        except RecurrenceError as e:
            errors["rrule"] = [str(e)]
    if errors:
        raise EventError(errors)
    return Event.objects.create(
        owner=owner,
        title=title.strip(),
        location=location.strip(),
        description=description.strip(),
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        busy=busy,
        rrule=rrule,
        time_zone=zone.key,
        repeats_until=repeats_until,
    )


def import_ics(owner, data: bytes | str) -> Reading:
    """Import the VEVENTs of a .ics document; an event with a known UID is replaced. The
    reading says what was imported, what was skipped and why, and any time zone warnings."""
    reading = read(data, ZoneInfo(owner.time_zone))
    with transaction.atomic():
        for p in reading.events:
            values = {**p.block_fields(), "description": p.description, "busy": p.busy}
            if p.uid:
                Event.objects.update_or_create(owner=owner, uid=p.uid, defaults=values)
            else:
                Event.objects.create(owner=owner, **values)
    return reading
