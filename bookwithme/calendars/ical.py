"""Reading VEVENTs out of iCalendar text into busy blocks, one bad event never spoiling the rest.

Used by the built-in calendar's import and by the remote calendars' sync alike. Rules:
all-day events are busy for the whole local day(s) in the owner's zone; floating times are the
owner's; TRANSP:TRANSPARENT is free; STATUS:CANCELLED is nothing; a moved occurrence
(RECURRENCE-ID) becomes an event of its own and its original time an EXDATE of the series.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from bookwithme.calendars.recurrence import last_end, parse_rule
from bookwithme.directory.models import available_time_zones

logger = logging.getLogger(__name__)

MAX_ICS_BYTES = 10 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# Times are kept to these years (events, imports, asked dates), where every conversion
# between zones is safe.
FIRST_YEAR, LAST_YEAR = 1900, 2999


class IcalError(ValueError):
    """The text is not an iCalendar document at all."""


@dataclass
class ParsedEvent:
    uid: str
    title: str
    start: datetime
    end: datetime
    busy: bool
    time_zone: str
    rrule: str = ""
    exdates: list[datetime] = field(default_factory=list)
    repeats_until: datetime | None = None
    location: str = ""
    description: str = ""

    def block_fields(self) -> dict:
        """The fields of a stored busy block (`models.BusyBlock`) for this event."""
        return {
            "uid": self.uid,
            "title": self.title,
            "location": self.location,
            "start": self.start,
            "end": self.end,
            "time_zone": self.time_zone,
            "rrule": self.rrule,
            "exdates": [d.isoformat() for d in self.exdates],
            "repeats_until": self.repeats_until,
        }


def _zone_name(value: datetime, tzid: str | None) -> str:
    """The IANA zone a time repeats in: its own, else its TZID's (Outlook's Windows names
    mapped); UTC when neither is known."""
    key = getattr(value.tzinfo, "key", None)
    if key:
        return key
    for name in (tzid, WINDOWS_TO_OLSON.get(tzid or "")):
        if name and name in available_time_zones():
            return name
    return "UTC"


def _instant(value: date | datetime, tz: ZoneInfo, tzid: str | None = None) -> tuple[datetime, str]:
    """A DTSTART-like value as an aware UTC instant and the zone it repeats in."""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating: the owner's wall time
            return value.replace(tzinfo=tz).astimezone(UTC), tz.key
        return value.astimezone(UTC), _zone_name(value, tzid)
    # A date: all day, from the owner's local midnight.
    return datetime(value.year, value.month, value.day, tzinfo=tz).astimezone(UTC), tz.key


def _exdates(component, tz: ZoneInfo) -> list[datetime]:
    found = []
    values = component.get("EXDATE")
    if values is None:
        return found
    for value in values if isinstance(values, list) else [values]:
        for d in value.dts:
            found.append(_instant(d.dt, tz)[0])
    return found


def _parse_one(component, tz: ZoneInfo) -> ParsedEvent | None:
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    uid = str(component.get("UID", "")).strip()[:400]
    dtstart = component.get("DTSTART")
    if dtstart is None:
        raise ValueError("no DTSTART")
    raw_start = dtstart.dt
    start, zone = _instant(raw_start, tz, dtstart.params.get("TZID"))
    if component.get("DTEND") is not None:
        end, _ = _instant(component.get("DTEND").dt, tz)
    elif component.get("DURATION") is not None:
        end = start + component.get("DURATION").dt
    elif isinstance(raw_start, datetime):
        end = start
    else:
        end, _ = _instant(raw_start + timedelta(days=1), tz)
    if end <= start:
        return None  # a moment, not a span: blocks nothing
    if not (start.year >= FIRST_YEAR and end.year <= LAST_YEAR):
        raise ValueError(f"outside the years {FIRST_YEAR} to {LAST_YEAR}")
    rrule = ""
    if component.get("RRULE") is not None:
        rrule = component.get("RRULE").to_ical().decode()
    event = ParsedEvent(
        uid=uid,
        title=_CONTROL.sub(" ", str(component.get("SUMMARY", ""))).strip()[:500],
        start=start,
        end=end,
        busy=str(component.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT",
        time_zone=zone,
        rrule=rrule,
        exdates=_exdates(component, tz),
        location=_CONTROL.sub(" ", str(component.get("LOCATION", ""))).strip()[:500],
        description=str(component.get("DESCRIPTION", "")).replace("\x00", "")[:5000],
    )
    if rrule:
        zone_info = ZoneInfo(zone)
        parse_rule(rrule, start, zone_info)
        event.repeats_until = last_end(rrule, start, end, zone_info)
    return event


def parse_events(data: bytes | str, tz: ZoneInfo) -> list[ParsedEvent]:
    """The events of an iCalendar document; `tz` is the owner's zone for floating times."""
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_ICS_BYTES:
        raise IcalError("the calendar is larger than 10 MB")
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as e:  # icalendar raises ValueError and others on garbage
        raise IcalError(f"not an iCalendar document: {e}") from None
    if not any(c.name == "VCALENDAR" for c in calendars):
        raise IcalError("not an iCalendar document: no complete VCALENDAR in it")
    events: list[ParsedEvent] = []
    moved: dict[str, list[datetime]] = {}
    for calendar in calendars:
        for component in calendar.walk("VEVENT"):
            try:
                event = _parse_one(component, tz)
                recurrence_id = component.get("RECURRENCE-ID")
                if recurrence_id is not None:
                    original, _ = _instant(recurrence_id.dt, tz)
                    moved.setdefault(str(component.get("UID", "")).strip(), []).append(original)
                    if event is not None:
                        event.uid = f"{event.uid}/{original.isoformat()}"
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
                logger.warning("skipped an event that does not parse (%s): %s", type(e).__name__, e)
                continue
            if event is not None:
                events.append(event)
    for event in events:
        if event.rrule and event.uid in moved:
            event.exdates.extend(moved[event.uid])
    return events
