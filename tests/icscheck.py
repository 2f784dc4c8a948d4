"""Every .ics the project emits must be read the same by two independent parsers: what one
tolerates, a mail client built on the other may not."""

import icalendar
import vobject


def parse_both(text: str | bytes) -> icalendar.Calendar:
    """The calendar as `icalendar` reads it, after `vobject` has read and validated it too
    (either raises on what it refuses)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    vobject.readOne(text).validate()
    return icalendar.Calendar.from_ical(text)
