"""Calendars in the shapes real clients export them (Google, iPhone and older Nextcloud,
Outlook, Exchange, iCloud), read through every path busy time takes (CalDAV on Radicale and
on Xandikos, an ICS feed over HTTP, the .ics import) and checked where it counts: the public
slots API, on both sides of the next daylight-saving change in Europe and in North America.

The documents are written here from RFC 5545 and the clients' export formats. Their dates are
worked out from today (the next change at least LEAD days away), so they never expire; the
clock is not frozen, the servers and the sync run for real. The owner is offered a 30-minute
slot every 30 minutes all day, every day, a year ahead: on each day checked, the starts that
are NOT offered are exactly those an event covers.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from makers import auth, make_person, make_token, make_type

from bookwithme.calendars import sync

API = "/api/v1"
PARIS, NEW_YORK = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")
LEAD = 16  # days from today to the DST change at least: a whole week before it is still ahead
STEP = timedelta(minutes=30)
ALL_DAY_HOURS = {
    "weekly": {
        day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
    "overrides": [],
}


# --- the next daylight-saving changes ------------------------------------------------------------


def _sunday(year: int, month: int, nth: int) -> date:
    """The nth Sunday of a month (nth=-1: the last one)."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def _clocks_change(day: date, zone: ZoneInfo) -> bool:
    noon = time(12)
    before = datetime.combine(day - timedelta(days=1), noon, zone).utcoffset()
    return before != datetime.combine(day, noon, zone).utcoffset()


def _next_season(today: date) -> tuple[date, date]:
    """The next spring or autumn whose changes are both at least LEAD days away: Europe's (last
    Sunday of March / October) and North America's (second Sunday of March / first of November).
    """
    for year in (today.year, today.year + 1):
        for europe, america in (
            (_sunday(year, 3, -1), _sunday(year, 3, 2)),
            (_sunday(year, 10, -1), _sunday(year, 11, 1)),
        ):
            if min(europe, america) >= today + timedelta(days=LEAD):
                for day, zone in ((europe, PARIS), (america, NEW_YORK)):
                    if not _clocks_change(day, zone):
                        raise RuntimeError(f"the clocks no longer change on {day} in {zone.key}")
                return europe, america
    raise AssertionError("unreachable: every year has a spring and an autumn")


NOW = datetime.now(UTC)
EUROPE_CHANGE, AMERICA_CHANGE = _next_season(NOW.date())
FIRST_CHANGE, LAST_CHANGE = sorted((EUROPE_CHANGE, AMERICA_CHANGE))


# --- documents as clients write them -------------------------------------------------------------


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local(day: date, hhmm: str) -> str:
    """A local date-time value (no zone), as it follows a TZID or stands floating."""
    return f"{day:%Y%m%d}T{hhmm.replace(':', '')}00"


def fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets go on, after CRLF and a space."""
    parts, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            parts.append(current)
            current = " "
        current += char
    return "\r\n".join([*parts, current])


@dataclass
class Calendar:
    """A calendar as a client exports it: its own properties, its VTIMEZONE blocks (by TZID),
    its events (by the name each gets as a CalDAV resource)."""

    head: list[str]
    events: dict[str, list[str]]
    zones: dict[str, list[str]] = field(default_factory=dict)

    def _text(self, zones: dict[str, list[str]], events: list[list[str]]) -> str:
        lines = ["BEGIN:VCALENDAR", *self.head]
        for tzid, body in zones.items():
            lines += ["BEGIN:VTIMEZONE", f"TZID:{tzid}", *body, "END:VTIMEZONE"]
        for event in events:
            lines += ["BEGIN:VEVENT", *event, "END:VEVENT"]
        lines.append("END:VCALENDAR")
        return "".join(fold(line) + "\r\n" for line in lines)

    def whole(self) -> str:
        """The one document a feed serves and a person imports."""
        return self._text(self.zones, list(self.events.values()))

    def resources(self) -> dict[str, str]:
        """Each event in its own document with the VTIMEZONEs it names, as CalDAV stores it."""
        found = {}
        for name, event in self.events.items():
            text = "\n".join(event)
            named = {
                tzid: body
                for tzid, body in self.zones.items()
                if f"TZID={tzid}:" in text or f'TZID="{tzid}":' in text
            }
            found[name] = self._text(named, [event])
        return found


def event(uid: str, *lines: str) -> list[str]:
    """A VEVENT's lines, with what every client writes around the times."""
    return [f"UID:{uid}", f"DTSTAMP:{stamp(NOW)}", f"CREATED:{stamp(NOW)}", *lines]


def dentist(day: date) -> list[str]:
    """A plain event in Paris, 16:00 to 17:00: the rest of a calendar that must still count."""
    return event(
        "dentist@outlook.example",
        f"DTSTART;TZID=Europe/Paris:{local(day, '16:00')}",
        f"DTEND;TZID=Europe/Paris:{local(day, '17:00')}",
        "SUMMARY:Dentist",
    )


def _daylight_rules(zone: ZoneInfo) -> dict[str, str]:
    """Offsets and yearly rules of the two regions' zones, as VTIMEZONE parts write them."""
    if zone == PARIS:
        return {"std": "+0100", "dst": "+0200", "std_at": "030000", "dst_at": "020000",
                "to_std": "BYDAY=-1SU;BYMONTH=10", "to_dst": "BYDAY=-1SU;BYMONTH=3"}  # fmt: skip
    return {"std": "-0500", "dst": "-0400", "std_at": "020000", "dst_at": "020000",
            "to_std": "BYDAY=1SU;BYMONTH=11", "to_dst": "BYDAY=2SU;BYMONTH=3"}  # fmt: skip


def outlook_vtimezone(zone: ZoneInfo) -> list[str]:
    """The body of a VTIMEZONE as Outlook writes it (rules from 1601, no names)."""
    r = _daylight_rules(zone)
    return [
        "BEGIN:STANDARD",
        f"DTSTART:16010101T{r['std_at']}",
        f"TZOFFSETFROM:{r['dst']}",
        f"TZOFFSETTO:{r['std']}",
        f"RRULE:FREQ=YEARLY;INTERVAL=1;{r['to_std']}",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        f"DTSTART:16010101T{r['dst_at']}",
        f"TZOFFSETFROM:{r['std']}",
        f"TZOFFSETTO:{r['dst']}",
        f"RRULE:FREQ=YEARLY;INTERVAL=1;{r['to_dst']}",
        "END:DAYLIGHT",
    ]


def apple_vtimezone(zone: ZoneInfo) -> list[str]:
    """The body of a VTIMEZONE as an iPhone writes it (named, rules from the current law)."""
    r = _daylight_rules(zone)
    names = ("CET", "CEST") if zone == PARIS else ("EST", "EDT")
    return [
        "BEGIN:DAYLIGHT",
        f"TZOFFSETFROM:{r['std']}",
        f"RRULE:FREQ=YEARLY;{r['to_dst']}",
        f"DTSTART:20070311T{r['dst_at']}" if zone != PARIS else "DTSTART:19810329T020000",
        f"TZNAME:{names[1]}",
        f"TZOFFSETTO:{r['dst']}",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        f"TZOFFSETFROM:{r['dst']}",
        f"RRULE:FREQ=YEARLY;{r['to_std']}",
        f"DTSTART:20071104T{r['std_at']}" if zone != PARIS else "DTSTART:19961027T030000",
        f"TZNAME:{names[0]}",
        f"TZOFFSETTO:{r['std']}",
        "END:STANDARD",
    ]


GOOGLE = ["PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
          "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:alex@example.org"]  # fmt: skip
APPLE = ["VERSION:2.0", "PRODID:-//Apple Inc.//iPhone OS 18.1//EN", "CALSCALE:GREGORIAN"]
OUTLOOK = ["PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN", "VERSION:2.0",
           "METHOD:PUBLISH", "X-MS-OLK-FORCEINSPECTOROPEN:TRUE"]  # fmt: skip
EXCHANGE = ["METHOD:PUBLISH", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
            "X-WR-CALNAME:Calendar"]  # fmt: skip
ICLOUD = ["VERSION:2.0", "PRODID:-//Apple Inc.//iCloud Web Calendar 2501B32//EN",
          "CALSCALE:GREGORIAN", "X-WR-CALNAME:Family"]  # fmt: skip
OUTLOOK_EVENT = ["CLASS:PUBLIC", "PRIORITY:5", "SEQUENCE:0", "X-MICROSOFT-CDO-IMPORTANCE:1",
                 "X-MICROSOFT-DISALLOW-COUNTER:FALSE", "X-MS-OLK-CONFTYPE:0"]  # fmt: skip


@dataclass(frozen=True)
class Region:
    zone: ZoneInfo  # the owner's
    change: date  # the next daylight-saving change there, a Sunday
    elsewhere: ZoneInfo  # the other region's zone
    windows_id: str
    display_name: str


EUROPE = Region(
    PARIS,
    EUROPE_CHANGE,
    NEW_YORK,
    "Romance Standard Time",
    "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
)
AMERICA = Region(
    NEW_YORK,
    AMERICA_CHANGE,
    PARIS,
    "Eastern Standard Time",
    "(UTC-05:00) Eastern Time (US & Canada)",
)
regions = pytest.mark.parametrize("region", [EUROPE, AMERICA], ids=["europe", "america"])


# --- the owner's booking page --------------------------------------------------------------------


def starts(start: datetime, minutes: int, zone: ZoneInfo) -> list[str]:
    """The half-hour starts from `start` for `minutes`, as HH:MM in `zone`."""
    return [(start + i * STEP).astimezone(zone).strftime("%H:%M") for i in range(minutes // 30)]


def at(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), zone)


class Page:
    """An owner in `zone` and their public slots, asked day by day in their own zone."""

    def __init__(self, client, zone: ZoneInfo):
        self.client = client
        self.zone = zone
        self.owner = make_person(time_zone=zone.key)
        self.token = make_token(self.owner)
        make_type(self.owner, slug="call", horizon_days=365, hours=ALL_DAY_HOURS)

    def _offered(self, day: date) -> set[datetime]:
        params = {"from": day.isoformat(), "to": day.isoformat(), "tz": self.zone.key}
        response = self.client.get(f"{API}/pages/{self.owner.page_slug}/call/slots", params)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        assert "notice" not in body, body  # e.g. calendar_stale: no slots for another reason
        return {datetime.fromisoformat(s["start"]) for s in body["slots"]}

    def offered(self, day: date) -> list[str]:
        """The offered starts on `day`, as HH:MM in the owner's zone."""
        return sorted(s.astimezone(self.zone).strftime("%H:%M") for s in self._offered(day))

    def blocked(self, day: date) -> list[str]:
        """The starts of `day` (a day the clocks do not change) that are NOT offered."""
        offered = self._offered(day)
        first = at(day, "00:00", self.zone)
        grid = [first + i * STEP for i in range(48)]
        return [s.astimezone(self.zone).strftime("%H:%M") for s in grid if s not in offered]


# --- the three paths -----------------------------------------------------------------------------

PATHS = ["radicale", "xandikos", "feed", "import"]


@pytest.fixture(params=PATHS)
def load(request, client, db):
    """Put a calendar where the path reads it and read it; answers what the organizer is told
    of it: the connection (GET /calendars/{id}) or the import's answer."""
    path = request.param

    def call(method: str, url: str, token: str, body=None):
        kwargs = auth(token)
        if body is not None:
            kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
        return getattr(client, method)(API + url, **kwargs)

    def load(page: Page, calendar: Calendar) -> dict:
        if path == "import":
            response = client.post(
                f"{API}/me/events/import",
                calendar.whole(),
                content_type="text/calendar",
                **auth(page.token),
            )
            assert response.status_code == 200, response.content[:800]
            return response.json()
        if path == "feed":
            url = request.getfixturevalue("feeds").publish(
                f"{uuid.uuid4().hex}.ics", calendar.whole()
            )
            body = {"kind": "ics", "url": url}
        else:
            server = request.getfixturevalue(path)
            url = server.new_calendar()
            for name, text in calendar.resources().items():
                server.put(url, name, text)
            body = {"kind": "caldav", "url": server.url, "username": server.username,
                    "password": server.password, "check": [url]}  # fmt: skip
        response = call("post", "/calendars", page.token, body)
        assert response.status_code == 201, response.content[:800]
        connection_id = response.json()["id"]
        outcome = sync.sync(connection_id)
        assert outcome is not None and outcome.ok, outcome
        response = call("get", f"/calendars/{connection_id}", page.token)
        assert response.status_code == 200, response.content[:800]
        return response.json()

    return load


def unread(report: dict) -> tuple[list, list]:
    """What the organizer is told could not be read exactly: (skipped events, warnings)."""
    return report["skipped"], report["warnings"]


# --- 1. Google: an all-day weekly series whose UNTIL is a DATE -----------------------------------


@regions
def test_a_google_all_day_weekly_series_blocks_each_whole_day_through_its_until_date(
    client, load, region
):
    change = region.change  # a Sunday; the series is on Wednesdays around it
    first, until = change - timedelta(days=11), change + timedelta(days=10)
    page = Page(client, region.zone)
    calendar = Calendar(
        [*GOOGLE, f"X-WR-TIMEZONE:{region.zone.key}"],
        {
            "offsite": event(
                "7kukuqrfedlm2f9t0vl0eq1pbn@google.com",
                f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
                f"DTEND;VALUE=DATE:{first + timedelta(days=1):%Y%m%d}",
                f"RRULE:FREQ=WEEKLY;UNTIL={until:%Y%m%d}",
                f"LAST-MODIFIED:{stamp(NOW)}",
                "SEQUENCE:0",
                "STATUS:CONFIRMED",
                "SUMMARY:Offsite",
                "TRANSP:OPAQUE",
            )
        },
    )

    assert unread(load(page, calendar)) == ([], [])

    for day in (first, change - timedelta(days=4), change + timedelta(days=3), until):
        assert page.offered(day) == [], day  # the whole day, before and after the change
    assert page.blocked(until + timedelta(days=7)) == []  # the week after UNTIL
    assert page.blocked(first + timedelta(days=1)) == []  # and the day after each one


# --- 2. iPhone / older Nextcloud: UNTIL in local time, without a zone ----------------------------


@regions
def test_an_iphone_series_with_a_local_until_keeps_its_wall_time_across_the_dst_change(
    client, load, region
):
    change, zone = region.change, region.zone
    first, until = change - timedelta(days=11), change + timedelta(days=10)
    page = Page(client, zone)
    calendar = Calendar(
        APPLE,
        {
            "choir": event(
                "D1C6B1F2-7A40-4E0B-9C1E-3F5A0B7C9E21",
                f"DTSTART;TZID={zone.key}:{local(first, '17:00')}",
                f"DTEND;TZID={zone.key}:{local(first, '18:00')}",
                f"RRULE:FREQ=WEEKLY;UNTIL={local(until, '17:00')}",
                "SEQUENCE:0",
                "SUMMARY:Choir",
                "TRANSP:OPAQUE",
                "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC",
            )
        },
        {zone.key: apple_vtimezone(zone)},
    )

    assert unread(load(page, calendar)) == ([], [])

    for day in (change - timedelta(days=4), change + timedelta(days=3), until):
        assert page.blocked(day) == ["17:00", "17:30"], day
    assert page.blocked(until + timedelta(days=7)) == []


# --- 3. Outlook: "Customized Time Zone" with its own VTIMEZONE -----------------------------------


@regions
def test_an_outlook_customized_time_zone_keeps_its_wall_time_across_the_dst_change(
    client, load, region
):
    change, zone = region.change, region.zone
    first, last = change - timedelta(days=11), change + timedelta(days=17)
    skipped = change + timedelta(days=10)
    tzid = '"Customized Time Zone"'
    page = Page(client, zone)
    calendar = Calendar(
        OUTLOOK,
        {
            "team-sync": event(
                "040000008200E00074C5B7101A82E00800000000B0E2C1F4D7A2DB01000000000000000010000000",
                *OUTLOOK_EVENT,
                f"DTSTART;TZID={tzid}:{local(first, '10:00')}",
                f"DTEND;TZID={tzid}:{local(first, '11:00')}",
                f"EXDATE;TZID={tzid}:{local(skipped, '10:00')}",
                # Outlook writes UNTIL as the last occurrence's start, in UTC.
                f"RRULE:FREQ=WEEKLY;UNTIL={stamp(at(last, '10:00', zone))};INTERVAL=1;"
                "BYDAY=WE;WKST=SU",
                "SUMMARY;LANGUAGE=en-us:Team sync",
                "TRANSP:OPAQUE",
                "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
            )
        },
        {"Customized Time Zone": outlook_vtimezone(zone)},
    )

    assert unread(load(page, calendar)) == ([], [])

    for day in (change - timedelta(days=4), change + timedelta(days=3), last):
        assert page.blocked(day) == ["10:00", "10:30"], day  # not an hour off after the change
    assert page.blocked(skipped) == []  # its EXDATE
    assert page.blocked(last + timedelta(days=7)) == []


# --- 4. Exchange and Windows zone names ----------------------------------------------------------


@regions
def test_exchange_and_windows_zone_names_block_the_right_instant(client, load, region):
    change, zone = region.change, region.zone
    first = change - timedelta(days=11)
    # 08:00 local before the change, in UTC: the same instant is 08:00 +/- 1 hour after it.
    utc_time = at(first, "08:00", zone).astimezone(UTC)
    display, windows = f'"{region.display_name}"', region.windows_id
    page = Page(client, zone)
    calendar = Calendar(
        EXCHANGE,
        {
            "utc": event(
                "utc@exchange.example",
                *OUTLOOK_EVENT,
                f'DTSTART;TZID="tzone://Microsoft/Utc":{utc_time:%Y%m%dT%H%M%S}',
                f'DTEND;TZID="tzone://Microsoft/Utc":{utc_time + timedelta(hours=1):%Y%m%dT%H%M%S}',
                "RRULE:FREQ=WEEKLY;COUNT=4",
                "SUMMARY:Release review",
            ),
            "display-name": event(
                "display@exchange.example",
                *OUTLOOK_EVENT,
                f"DTSTART;TZID={display}:{local(first, '14:00')}",
                f"DTEND;TZID={display}:{local(first, '15:00')}",
                "RRULE:FREQ=WEEKLY;COUNT=4",
                "SUMMARY:1:1",
            ),
            "windows-id": event(
                "windows@exchange.example",
                *OUTLOOK_EVENT,
                f"DTSTART;TZID={windows}:{local(first, '16:00')}",
                f"DTEND;TZID={windows}:{local(first, '17:00')}",
                "RRULE:FREQ=WEEKLY;BYDAY=WE",
                "SUMMARY:Planning",
            ),
        },
        # Outlook sends a definition with a Windows id; the display name comes without one.
        {windows: outlook_vtimezone(zone)},
    )

    assert unread(load(page, calendar)) == ([], [])

    for day in (change - timedelta(days=4), change + timedelta(days=3)):
        in_utc = datetime.combine(day, utc_time.time(), UTC)
        expected = sorted([*starts(in_utc, 60, zone), "14:00", "14:30", "16:00", "16:30"])
        assert page.blocked(day) == expected, day


# Radicale refuses this event (400 on PUT), so no Radicale calendar ever holds it.
@pytest.mark.parametrize("load", ["xandikos", "feed", "import"], indirect=True)
def test_an_unquoted_exchange_utc_zone_blocks_the_right_instant(client, load):
    # Exchange also writes the alias without the quotes RFC 5545 asks for around a colon;
    # readers take the TZID up to the value's last colon.
    change = EUROPE.change
    first = change - timedelta(days=4)
    page = Page(client, PARIS)
    calendar = Calendar(
        EXCHANGE,
        {
            "utc": event(
                "unquoted-utc@exchange.example",
                *OUTLOOK_EVENT,
                f"DTSTART;TZID=tzone://Microsoft/Utc:{local(first, '07:00')}",
                f"DTEND;TZID=tzone://Microsoft/Utc:{local(first, '08:00')}",
                "RRULE:FREQ=WEEKLY;COUNT=2",
                "SUMMARY:Release review",
            )
        },
    )

    report = load(page, calendar)

    for day in (first, first + timedelta(days=7)):
        in_utc = datetime.combine(day, time(7), UTC)
        assert page.blocked(day) == starts(in_utc, 60, PARIS), (day, report)
    assert unread(report) == ([], [])


# --- 5. Outlook's busy status --------------------------------------------------------------------


def test_outlooks_busy_status_decides_whether_an_event_blocks(client, load):
    day = EUROPE.change - timedelta(days=4)
    windows = EUROPE.windows_id

    def outlook(uid, start, end, *lines):
        return event(
            f"{uid}@outlook.example",
            *OUTLOOK_EVENT,
            f"DTSTART;TZID={windows}:{local(day, start)}",
            f"DTEND;TZID={windows}:{local(day, end)}",
            f"SUMMARY:{uid}",
            *lines,
        )

    page = Page(client, PARIS)
    calendar = Calendar(
        OUTLOOK,
        {
            "free": outlook("free", "09:00", "10:00", "X-MICROSOFT-CDO-BUSYSTATUS:FREE"),
            "away": outlook(
                "away", "11:00", "12:00", "TRANSP:TRANSPARENT", "X-MICROSOFT-CDO-BUSYSTATUS:OOF"
            ),
            "maybe": outlook(
                "maybe", "13:00", "14:00", "TRANSP:OPAQUE", "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE"
            ),
            "elsewhere": outlook(
                "elsewhere", "15:00", "16:00", "X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE"
            ),
        },
        {windows: outlook_vtimezone(PARIS)},
    )

    assert unread(load(page, calendar)) == ([], [])

    assert page.blocked(day) == ["11:00", "11:30", "13:00", "13:30", "15:00", "15:30"]


# --- 6. iCloud: floating times in the zone the calendar declares ---------------------------------


@regions
def test_floating_times_are_read_in_the_zone_the_calendar_declares_not_the_owners(
    client, load, region
):
    # The owner is in one region, the family calendar in the other: between the two regions'
    # changes the hours between them differ by one, and the series must follow its own zone.
    theirs = region.elsewhere
    first = FIRST_CHANGE - timedelta(days=11)  # a Wednesday
    page = Page(client, region.zone)
    calendar = Calendar(
        [*ICLOUD, f"X-WR-TIMEZONE:{theirs.key}"],
        {
            "school-run": event(
                "5C2E7B9A-0F14-4B61-A3D8-6E1F2A9C4B70",
                f"DTSTART:{local(first, '11:00')}",
                f"DTEND:{local(first, '12:00')}",
                "RRULE:FREQ=WEEKLY",
                "SUMMARY:School run",
            )
        },
    )

    assert unread(load(page, calendar)) == ([], [])

    before, between = FIRST_CHANGE - timedelta(days=4), FIRST_CHANGE + timedelta(days=3)
    after = LAST_CHANGE + timedelta(days=3)
    for day in (before, between, after):
        assert page.blocked(day) == starts(at(day, "11:00", theirs), 60, region.zone), day


# --- 7. What cannot be read exactly is said ------------------------------------------------------


def test_an_event_in_an_unknown_zone_still_blocks_and_the_zone_is_named_in_a_warning(client, load):
    day = EUROPE.change - timedelta(days=4)
    page = Page(client, PARIS)
    calendar = Calendar(
        OUTLOOK,
        {
            "unknown-zone": event(
                "unknown-zone@outlook.example",
                f"DTSTART;TZID=Mitteleuropäische Zeit:{local(day, '10:00')}",
                f"DTEND;TZID=Mitteleuropäische Zeit:{local(day, '11:00')}",
                "SUMMARY:Kundentermin",
            ),
            "dentist": dentist(day),
        },
        {"Europe/Paris": apple_vtimezone(PARIS)},
    )

    report = load(page, calendar)

    # No definition, no known name: read in the owner's zone, standing in for it.
    assert page.blocked(day) == ["10:00", "10:30", "16:00", "16:30"]
    skipped, warnings = unread(report)
    assert skipped == [] and len(warnings) == 1, report
    assert "Mitteleuropäische Zeit" in warnings[0] and "Europe/Paris" in warnings[0]
    if "imported" in report:  # the import's answer
        assert report["imported"] == 2


# A CalDAV server lists only the events that occur in the asked window (RFC 4791 time-range):
# Radicale and Xandikos never list one that never occurs, so only a feed or a file can show it.
@pytest.mark.parametrize("load", ["feed", "import"], indirect=True)
def test_an_event_whose_rule_never_occurs_is_skipped_by_uid_with_the_reason(client, load):
    day = EUROPE.change - timedelta(days=4)
    page = Page(client, PARIS)
    calendar = Calendar(
        OUTLOOK,
        {
            "never": event(
                "never@outlook.example",
                f"DTSTART;TZID=Europe/Paris:{local(day + timedelta(days=1), '14:00')}",
                f"DTEND;TZID=Europe/Paris:{local(day + timedelta(days=1), '15:00')}",
                "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
                "SUMMARY:Every 30 February",
            ),
            "dentist": dentist(day),
        },
        {"Europe/Paris": apple_vtimezone(PARIS)},
    )

    report = load(page, calendar)

    assert page.blocked(day) == ["16:00", "16:30"]  # the rest of the calendar still counts
    never = {
        "uid": "never@outlook.example",
        "reason": "the recurrence rule has no occurrence at all",
    }
    if "imported" in report:
        assert report == {"imported": 1, "skipped": [never], "warnings": []}
    else:
        assert (report["skipped_count"], report["skipped"], report["warnings"]) == (1, [never], [])


# --- all-day series and the day the clocks change ------------------------------------------------


def google_sundays(zone: ZoneInfo, first: date, until: date) -> Calendar:
    return Calendar(
        [*GOOGLE, f"X-WR-TIMEZONE:{zone.key}"],
        {
            "family-day": event(
                "0s3m1q2n8v5c4b7x9z6l1k2j3h@google.com",
                f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
                f"DTEND;VALUE=DATE:{first + timedelta(days=1):%Y%m%d}",
                f"RRULE:FREQ=WEEKLY;UNTIL={until:%Y%m%d}",
                "STATUS:CONFIRMED",
                "SUMMARY:Family day",
                "TRANSP:OPAQUE",
            )
        },
    )


@regions
def test_a_weekly_all_day_series_blocks_the_day_the_clocks_change_and_not_the_next(
    client, load, region
):
    change = region.change
    page = Page(client, region.zone)

    calendar = google_sundays(region.zone, change - timedelta(days=7), change)
    assert unread(load(page, calendar)) == ([], [])

    assert page.offered(change - timedelta(days=7)) == []
    assert page.offered(change) == []  # a day of 23 or 25 hours, all of it
    assert page.blocked(change + timedelta(days=1)) == []  # and not into the Monday


@regions
def test_a_weekly_all_day_series_starting_the_day_the_clocks_change_blocks_whole_days_later(
    client, load, region
):
    change = region.change
    page = Page(client, region.zone)

    calendar = google_sundays(region.zone, change, change + timedelta(days=14))
    assert unread(load(page, calendar)) == ([], [])

    assert page.offered(change) == []
    for sunday in (change + timedelta(days=7), change + timedelta(days=14)):
        assert page.offered(sunday) == [], sunday  # 24 hours, not the first one's 23 or 25
        assert page.blocked(sunday + timedelta(days=1)) == [], sunday
