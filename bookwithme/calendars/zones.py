"""Time zones as calendar clients write them, resolved to IANA zones.

Real calendars name zones in many ways besides IANA ids: Outlook writes Windows ids
("W. Europe Standard Time"), display names ("(UTC+01:00) Amsterdam, Berlin, ...") or its own
"Customized Time Zone" with a VTIMEZONE block; Exchange writes aliases such as
`tzone://Microsoft/Utc`; old Mozilla clients prefix the IANA id with a path. A series must
repeat in its real zone, or it drifts by an hour after a daylight-saving change, so each name is
resolved here, in this order:

1. an IANA id (quotes and Mozilla-style path prefixes dropped);
2. an Exchange alias or a Windows id (the CLDR mapping that icalendar ships);
3. the calendar's own VTIMEZONE definition, matched to the IANA zone whose offsets agree with
   it over the next three years;
4. a Windows display name, by its cities and standard offset.

A name none of these resolves is not guessed silently: the caller gets a warning to record.
"""

import functools
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from bookwithme.directory.models import available_time_zones

_WINDOWS = {name.lower(): zone for name, zone in WINDOWS_TO_OLSON.items()}
# Exchange's aliases that are not Windows ids.
_ALIASES = {"utc": "UTC", "customized time zone": "", "custom": ""}
# Windows display names whose cities are not IANA names.
_DISPLAY = {
    "coordinated universal time": "UTC",
    "eastern time (us & canada)": "America/New_York",
    "central time (us & canada)": "America/Chicago",
    "mountain time (us & canada)": "America/Denver",
    "pacific time (us & canada)": "America/Los_Angeles",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "atlantic time (canada)": "America/Halifax",
    "arizona": "America/Phoenix",
    "newfoundland": "America/St_Johns",
}
# Where several zones share a definition's offsets, the most widely used name is taken (after
# the owner's own zone); they agree over the years compared anyway.
_MAJOR = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Halifax",
    "America/Sao_Paulo", "America/Mexico_City", "Europe/London", "Europe/Berlin",
    "Europe/Paris", "Europe/Helsinki", "Europe/Moscow", "Europe/Istanbul", "Africa/Cairo",
    "Africa/Johannesburg", "Africa/Lagos", "Asia/Dubai", "Asia/Kolkata", "Asia/Shanghai",
    "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney", "Australia/Perth",
    "Pacific/Auckland", "UTC",
)  # fmt: skip
_DISPLAY_NAME = re.compile(r"^\(\s*(?:UTC|GMT)\s*(?:([+-])(\d{1,2}):(\d\d))?\s*\)\s*(.*)$", re.I)
SAMPLE_YEARS = 3


class Resolved(NamedTuple):
    zone: ZoneInfo
    # Set when the name could not be resolved and `zone` is a stand-in: the caller records it.
    warning: str = ""


def _iana(name: str) -> str | None:
    zones = available_time_zones()
    if name in zones:
        return name
    parts = name.strip("/").split("/")
    for i in range(1, len(parts)):  # "/mozilla.org/20050126_1/Europe/Paris"
        candidate = "/".join(parts[i:])
        if "/" in candidate and candidate in zones:
            return candidate
    return None


def _named(name: str) -> str | None:
    """An IANA id for a name that says it: IANA, Exchange alias, Windows id."""
    if found := _iana(name):
        return found
    lowered = name.lower()
    if lowered.startswith("tzone://microsoft/"):
        lowered = lowered.removeprefix("tzone://microsoft/")
        if alias := _ALIASES.get(lowered):
            return alias
    return _WINDOWS.get(lowered)


def _standard_offset(zone: ZoneInfo, year: int) -> timedelta | None:
    for month in (1, 7):
        moment = datetime(year, month, 15, 12, tzinfo=zone)
        if not moment.dst():
            return moment.utcoffset()
    return None


@functools.cache
def _cities() -> dict[str, str]:
    """Last part of each IANA id ("new york") -> the id; the CLDR's canonical ids win."""
    canonical = set(WINDOWS_TO_OLSON.values())
    found: dict[str, str] = {}
    for zone in sorted(available_time_zones(), key=lambda z: (z not in canonical, z)):
        if "/" in zone and not zone.startswith("Etc/"):
            found.setdefault(zone.rsplit("/", 1)[1].replace("_", " ").lower(), zone)
    return found


def _display_name(name: str) -> str | None:
    """ "(UTC+01:00) Amsterdam, Berlin, ..." -> the first city whose zone has that offset."""
    match = _DISPLAY_NAME.match(name)
    if not match:
        return None
    sign, hours, minutes, rest = match.groups()
    offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
    offset = -offset if sign == "-" else offset
    rest = rest.strip().lower()
    if rest in _DISPLAY:
        return _DISPLAY[rest]
    year = date.today().year
    for city in (part.strip() for part in rest.split(",")):
        zone = _cities().get(city)
        if zone and _standard_offset(ZoneInfo(zone), year) == offset:
            return zone
    return None


def _offsets(zone: tzinfo, moments: list[datetime]) -> tuple[timedelta | None, ...]:
    return tuple(m.astimezone(zone).utcoffset() for m in moments)


def _coarse(year: int) -> list[datetime]:
    """A few days of two years: enough to sieve zones cheaply before comparing closely."""
    return [datetime(year + y, m, 15, 12, tzinfo=UTC) for y in (0, 1) for m in (1, 4, 7, 10)]


@functools.cache
def _by_coarse_offsets(year: int) -> dict[tuple, list[str]]:
    """IANA ids grouped by their offsets on the `_coarse` days."""
    moments = _coarse(year)
    canonical = set(WINDOWS_TO_OLSON.values())
    groups: dict[tuple, list[str]] = {}
    for zone in sorted(available_time_zones(), key=lambda z: (z not in canonical, z)):
        groups.setdefault(_offsets(ZoneInfo(zone), moments), []).append(zone)
    return groups


def _moments(definition: tzinfo, year: int) -> list[datetime]:
    """Weekly instants over SAMPLE_YEARS years, and every day of the weeks in which the
    definition's offset changes: enough to tell zones whose changes differ by a day."""
    first = datetime(year, 1, 1, 12, tzinfo=UTC)
    weekly = [first + timedelta(weeks=w) for w in range(53 * SAMPLE_YEARS)]
    offsets = _offsets(definition, weekly)
    daily = [
        weekly[i] + timedelta(days=d)
        for i in range(1, len(weekly))
        if offsets[i] != offsets[i - 1]
        for d in range(-6, 1)
    ]
    return weekly + daily


def match_definition(
    definition: tzinfo, *, prefer: str = "", today: date | None = None
) -> str | None:
    """The IANA id whose offsets equal a VTIMEZONE definition's over the next SAMPLE_YEARS
    years, or None; `prefer` (the owner's zone), then widely used ids, win a tie."""
    year = (today or date.today()).year
    candidates = _by_coarse_offsets(year).get(_offsets(definition, _coarse(year)), [])
    if not candidates:
        return None
    moments = _moments(definition, year)
    wanted = _offsets(definition, moments)
    first = [z for z in (prefer, *_MAJOR) if z in candidates]
    for zone in [*first, *candidates]:
        if _offsets(ZoneInfo(zone), moments) == wanted:
            return zone
    return None


def resolve(tzid: str, definition: tzinfo | None, fallback: ZoneInfo) -> Resolved:
    """The IANA zone a TZID names; `definition` is the calendar's VTIMEZONE for it, if any;
    `fallback` stands in (with a warning) for a name nothing resolves."""
    name = tzid.strip().strip('"').strip()
    found = _named(name)
    if found is None and definition is not None:
        found = match_definition(definition, prefer=fallback.key)
    if found is None:
        found = _display_name(name)
    if found is not None:
        return Resolved(ZoneInfo(found))
    if definition is not None:
        return Resolved(fallback, f"time zone {name[:80]!r} matches no known zone")
    return Resolved(fallback, f"unknown time zone {name[:80]!r}")
