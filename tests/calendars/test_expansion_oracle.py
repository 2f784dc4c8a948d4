"""Our expansion gives the occurrences the `recurring-ical-events` library gives, on series in
the shapes real clients write, across the next daylight-saving changes.

We keep rules in a stored form and expand them with dateutil (fast, bounded, per slot look-up);
`recurring-ical-events` reads the documents as written, VTIMEZONE definitions included. Each
document's busy occurrences over the next 400 days must be the same set.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from bookwithme.calendars.ical import read
from bookwithme.calendars.recurrence import occurrences

OWNER = ZoneInfo("Europe/Paris")
TODAY = date.today()
SPAN = (
    datetime.combine(TODAY, time(), UTC),
    datetime.combine(TODAY + timedelta(days=400), time(), UTC),
)
OUTLOOK_US = """BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""


def day(offset: int) -> str:
    return f"{TODAY + timedelta(days=offset):%Y%m%d}"


DOCUMENTS = {
    "google all-day weekly, DATE until": [
        f"DTSTART;VALUE=DATE:{day(3)}",
        f"DTEND;VALUE=DATE:{day(4)}",
        f"RRULE:FREQ=WEEKLY;UNTIL={day(300)}",
    ],
    "iphone weekly, local until": [
        f"DTSTART;TZID=Europe/Paris:{day(2)}T170000",
        f"DTEND;TZID=Europe/Paris:{day(2)}T180000",
        f"RRULE:FREQ=WEEKLY;UNTIL={day(260)}T170000",
    ],
    "outlook custom zone, two days a week, exdate": [
        f"DTSTART;TZID=Customized Time Zone:{day(1)}T090000",
        f"DTEND;TZID=Customized Time Zone:{day(1)}T093000",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TH;INTERVAL=2",
        f"EXDATE;TZID=Customized Time Zone:{day(15)}T090000",
    ],
    "windows id, monthly second tuesday": [
        f"DTSTART;TZID=W. Europe Standard Time:{day(5)}T140000",
        f"DTEND;TZID=W. Europe Standard Time:{day(5)}T150000",
        "RRULE:FREQ=MONTHLY;BYDAY=2TU",
    ],
    "utc daily, count": [
        f"DTSTART:{day(-10)}T230000Z",
        f"DTEND:{day(-10)}T233000Z",
        "RRULE:FREQ=DAILY;COUNT=120",
    ],
    "new york overnight, weekly": [
        f"DTSTART;TZID=America/New_York:{day(4)}T230000",
        f"DTEND;TZID=America/New_York:{day(5)}T030000",
        "RRULE:FREQ=WEEKLY",
    ],
    "yearly last sunday of march": [
        f"DTSTART;TZID=Europe/Paris:{day(0)}T010000",
        f"DTEND;TZID=Europe/Paris:{day(0)}T040000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    ],
    "all-day every weekday": [
        f"DTSTART;VALUE=DATE:{day(1)}",
        "DURATION:P1D",
        f"RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL={day(200)}",
    ],
}


def document(lines: list[str]) -> str:
    zone = OUTLOOK_US if any("Customized" in line for line in lines) else ""
    body = "\r\n".join(
        ["BEGIN:VEVENT", "UID:oracle", "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT"]
    )
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN", zone, body, "END:VCALENDAR"]
    return "\r\n".join(p for p in parts if p).replace("\n", "\r\n").replace("\r\r", "\r") + "\r\n"


def ours(text: str) -> set[tuple[datetime, datetime]]:
    found = set()
    for e in read(text, OWNER).events:
        if e.rrule:
            tz = ZoneInfo(e.time_zone)
            found.update(occurrences(e.rrule, e.start, e.end, tz, frozenset(e.exdates), *SPAN))
        elif e.start < SPAN[1] and e.end > SPAN[0]:
            found.add((e.start, e.end))
    return found


def instant(value) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, time(), OWNER).astimezone(UTC)  # all day: the owner's day


def theirs(text: str) -> set[tuple[datetime, datetime]]:
    # icalendar keeps the first definition of each TZID process-wide: other tests' "Customized
    # Time Zone" (with other rules) must not stand in for this document's.
    icalendar.use_zoneinfo()
    calendar = icalendar.Calendar.from_ical(text)
    return {
        (instant(o["DTSTART"].dt), instant(o["DTEND"].dt))
        for o in recurring_ical_events.of(calendar).between(*SPAN)
    }


@pytest.mark.parametrize("name", DOCUMENTS)
def test_our_occurrences_are_recurring_ical_events(name):
    text = document(DOCUMENTS[name])
    expected = theirs(text)
    assert expected  # the fixture has occurrences in the span
    assert ours(text) == expected
