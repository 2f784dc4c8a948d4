"""Reading VEVENTs out of iCalendar text into busy blocks, as real clients write them, one bad
event never spoiling the rest and none dropped without a word.

Used by the built-in calendar's import and by the remote calendars' sync alike. Rules:
- times: a TZID is resolved to an IANA zone (`zones.resolve`: IANA, Exchange and Windows
  names, the calendar's own VTIMEZONE, display names); floating times are in the calendar's
  X-WR-TIMEZONE, else the owner's zone; all-day events are busy for the whole local day(s) in
  the owner's zone;
- busy or not: Outlook's X-MICROSOFT-CDO-BUSYSTATUS (else -INTENDEDSTATUS) decides when present
  (FREE is free; BUSY, TENTATIVE, OOF, WORKINGELSEWHERE block); otherwise TRANSP:TRANSPARENT is
  free; STATUS:CANCELLED is nothing;
- a series keeps its rule in the stored form (`recurrence.prepare`), its EXDATEs, and each
  RDATE as an event of its own; a moved occurrence (RECURRENCE-ID) becomes an event of its own
  and its original time an EXDATE of the series;
- an event that cannot be read is reported as skipped, with its UID and why; a zone that had
  to be stood in for is reported as a warning.
"""

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import icalendar

from bookwithme.calendars import zones
from bookwithme.calendars.recurrence import RecurrenceError, prepare

logger = logging.getLogger(__name__)

MAX_ICS_BYTES = 10 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# Times are kept to these years (events, imports, asked dates), where every conversion
# between zones is safe.
FIRST_YEAR, LAST_YEAR = 1900, 2999
_STATUS_PROPERTIES = ("X-MICROSOFT-CDO-BUSYSTATUS", "X-MICROSOFT-CDO-INTENDEDSTATUS")
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError)


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


@dataclass(frozen=True)
class Skipped:
    """An event that could not be read: shown to its owner, never dropped silently."""

    uid: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"uid": self.uid, "reason": self.reason}


@dataclass
class Reading:
    """What a document gave: its events, the ones skipped and why, and zone warnings."""

    events: list[ParsedEvent] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Document:
    """One VCALENDAR's context: its zone definitions and the zones its names resolved to."""

    def __init__(self, calendar, owner_tz: ZoneInfo, warnings: list[str]):
        self.owner_tz = owner_tz
        self.warnings = warnings
        self.definitions: dict[str, tzinfo] = {}
        for vtimezone in calendar.walk("VTIMEZONE"):
            try:
                self.definitions[str(vtimezone["TZID"])] = vtimezone.to_tz(lookup_tzid=False)
            except Exception:  # noqa: S112 - a broken definition: the name may still resolve
                continue
        self.resolved: dict[str, ZoneInfo] = {}
        # Names whose own definition matched no IANA zone: their instants come from the
        # definition, their series repeat in the stand-in zone.
        self.unmatched: set[str] = set()
        self.floating = owner_tz
        declared = calendar.get("X-WR-TIMEZONE")
        if declared is not None:
            self.floating = self.zone(str(declared))

    def zone(self, tzid: str) -> ZoneInfo:
        if tzid not in self.resolved:
            found = zones.resolve(tzid, self.definitions.get(tzid), self.floating)
            if found.warning:
                if tzid in self.definitions:
                    self.unmatched.add(tzid)
                self.warn(f"{found.warning}; its times were read in {found.zone.key}")
            self.resolved[tzid] = found.zone
        return self.resolved[tzid]

    def warn(self, warning: str) -> None:
        if warning not in self.warnings:
            self.warnings.append(warning)

    def moment(self, value: date | datetime, tzid: str | None) -> tuple[datetime, ZoneInfo]:
        """A DTSTART-like value as an aware UTC instant and the zone it repeats in."""
        if not isinstance(value, datetime):
            # A date: all day, from the owner's local midnight.
            local = datetime(value.year, value.month, value.day, tzinfo=self.owner_tz)
            return local.astimezone(UTC), self.owner_tz
        if tzid:
            zone = self.zone(str(tzid))
            if tzid in self.unmatched:
                # This document's own definition: icalendar keeps the first definition of a
                # TZID process-wide, and another calendar's "Customized Time Zone" may differ.
                local = value.replace(tzinfo=self.definitions[str(tzid)])
                return local.astimezone(UTC), zone
            return value.replace(tzinfo=zone).astimezone(UTC), zone
        if value.tzinfo is None:  # floating
            return value.replace(tzinfo=self.floating).astimezone(UTC), self.floating
        return value.astimezone(UTC), ZoneInfo("UTC")

    def prop(self, component, name: str) -> tuple[datetime, ZoneInfo] | None:
        value = component.get(name)
        if value is None:
            return None
        return self.moment(value.dt, value.params.get("TZID"))

    def each(self, component, name: str):
        """Every value of a multi-valued date property (EXDATE, RDATE), with its TZID."""
        values = component.get(name) or []
        for value in values if isinstance(values, list) else [values]:
            for item in value.dts:
                yield item.dt, value.params.get("TZID")


def _text(component, name: str, limit: int) -> str:
    return _CONTROL.sub(" ", str(component.get(name, ""))).strip()[:limit]


def _busy(component) -> bool:
    for name in _STATUS_PROPERTIES:
        status = component.get(name)
        if status is not None and str(status).strip():
            return str(status).strip().upper() != "FREE"
    return str(component.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"


def _end(doc: _Document, component, start: datetime, raw_start) -> datetime:
    end = doc.prop(component, "DTEND")
    if end is not None:
        return end[0]
    if component.get("DURATION") is not None:
        return start + component.get("DURATION").dt
    if isinstance(raw_start, datetime):
        return start
    return doc.moment(raw_start + timedelta(days=1), None)[0]


def _parse_one(doc: _Document, component) -> list[ParsedEvent]:
    """The busy blocks of one VEVENT (the event, plus one per RDATE); [] when it blocks nothing."""
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return []
    dtstart = component.get("DTSTART")
    if dtstart is None:
        raise ValueError("it has no start (DTSTART)")
    start, zone = doc.moment(dtstart.dt, dtstart.params.get("TZID"))
    end = _end(doc, component, start, dtstart.dt)
    if end <= start:
        return []  # a moment, not a span: blocks nothing
    if not (start.year >= FIRST_YEAR and end.year <= LAST_YEAR):
        raise ValueError(f"it is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    event = ParsedEvent(
        uid=str(component.get("UID", "")).strip()[:400],
        title=_text(component, "SUMMARY", 500),
        start=start,
        end=end,
        busy=_busy(component),
        time_zone=zone.key,
        exdates=[doc.moment(d, tzid)[0] for d, tzid in doc.each(component, "EXDATE")],
        location=_text(component, "LOCATION", 500),
        description=str(component.get("DESCRIPTION", "")).replace("\x00", "")[:5000],
    )
    if component.get("RRULE") is not None:
        rule = component.get("RRULE").to_ical().decode()
        try:
            series = prepare(rule, start, end, zone)
        except RecurrenceError as e:
            raise ValueError(str(e)) from None
        event.rrule, event.repeats_until = series.rule, series.repeats_until
    return [event, *_extra_dates(doc, component, event)]


def _extra_dates(doc: _Document, component, event: ParsedEvent) -> list[ParsedEvent]:
    """Each RDATE as a one-off event of the same length (or the PERIOD it gives)."""
    found = []
    for value, tzid in doc.each(component, "RDATE"):
        length = event.end - event.start
        until = None
        if isinstance(value, tuple):  # PERIOD: start and end or duration
            value, until = value
        start = doc.moment(value, tzid)[0]
        if isinstance(until, timedelta):
            length = until
        elif until is not None:
            length = doc.moment(until, tzid)[0] - start
        if start in event.exdates or length <= timedelta(0):
            continue
        found.append(
            dataclasses.replace(
                event,
                uid=f"{event.uid}/{start.isoformat()}",
                start=start,
                end=start + length,
                rrule="",
                exdates=[],
                repeats_until=None,
            )
        )
    return found


# A TZID written without quotes although it holds a colon (Exchange's `tzone://Microsoft/Utc`):
# a parser splits the line at its first colon. Such a value is quoted up to the line's last
# colon, as libical does, before parsing.
_BARE_TZID = re.compile(rb";TZID=(?=[^\"\r\n;]*:[^\r\n]*:)")
_DATE_LINE = re.compile(
    rb"^((?:DTSTART|DTEND|DUE|EXDATE|RDATE|RECURRENCE-ID)[;:][^\r\n]*)", re.M | re.I
)


def _quote_tzid(line: re.Match) -> bytes:
    text = line.group(1)
    head, colon, value = text.rpartition(b":")
    name_start = text.find(b";TZID=") + len(b";TZID=")
    if name_start < len(b";TZID=") or text[name_start : name_start + 1] == b'"':
        return text
    name, semicolon, rest = head[name_start:].partition(b";")
    return head[:name_start] + b'"' + name + b'"' + semicolon + rest + colon + value


def _with_quoted_tzids(data: bytes) -> bytes:
    if not _BARE_TZID.search(data):
        return data
    data = re.sub(rb"\r?\n[ \t]", b"", data)  # unfold: the name may span a fold
    return _DATE_LINE.sub(_quote_tzid, data)


def _documents(data: bytes | str) -> list:
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_ICS_BYTES:
        raise IcalError("the calendar is larger than 10 MB")
    data = _with_quoted_tzids(data)
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as e:  # icalendar raises ValueError and others on garbage
        raise IcalError(f"not an iCalendar document: {e}") from None
    if not any(c.name == "VCALENDAR" for c in calendars):
        raise IcalError("not an iCalendar document: no complete VCALENDAR in it")
    return calendars


def read(data: bytes | str, tz: ZoneInfo) -> Reading:
    """The events of an iCalendar document, the ones skipped and the zone warnings; `tz` is
    the owner's zone (all-day events, and floating times when the calendar names none)."""
    reading = Reading()
    moved: dict[str, list[datetime]] = {}
    for calendar in _documents(data):
        doc = _Document(calendar, tz, reading.warnings)
        for component in calendar.walk("VEVENT"):
            uid = str(component.get("UID", "")).strip()[:400]
            try:
                events = _parse_one(doc, component)
                recurrence_id = doc.prop(component, "RECURRENCE-ID")
                if recurrence_id is not None:
                    original = recurrence_id[0]
                    moved.setdefault(uid, []).append(original)
                    for event in events:
                        event.uid = f"{event.uid}/{original.isoformat()}"
            except _PARSE_ERRORS as e:
                reason = str(e)[:200] or type(e).__name__
                logger.info("skipped an event that cannot be read: %s", reason)
                reading.skipped.append(Skipped(uid, reason))
                continue
            reading.events.extend(events)
    for event in reading.events:
        if event.rrule and event.uid in moved:
            event.exdates.extend(moved[event.uid])
    return reading


def parse_events(data: bytes | str, tz: ZoneInfo) -> list[ParsedEvent]:
    """The events of an iCalendar document (skipped ones left out; `read` tells of them)."""
    return read(data, tz).events
