"""Reading .ics into busy blocks: the cases calendars really send."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookwithme.calendars.ical import IcalError, parse_events, read

PARIS = ZoneInfo("Europe/Paris")


def calendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{body}END:VCALENDAR\r\n"


def one(*lines: str):
    (event,) = parse_events(calendar("\r\n".join(lines)), PARIS)
    return event


def test_a_zoned_event():
    e = one(
        "UID:a",
        "SUMMARY:Dentist",
        "DTSTART;TZID=Europe/Paris:20260602T100000",
        "DTEND;TZID=Europe/Paris:20260602T110000",
    )
    assert (e.uid, e.title, e.busy) == ("a", "Dentist", True)
    assert e.start == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    assert e.end == datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
    assert e.time_zone == "Europe/Paris"


def test_a_floating_time_is_the_owners():
    e = one("UID:f", "DTSTART:20260602T100000", "DTEND:20260602T103000")
    assert e.start == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    assert e.time_zone == "Europe/Paris"


def test_an_all_day_event_covers_the_owners_whole_local_day():
    e = one("UID:d", "DTSTART;VALUE=DATE:20260602", "DTEND;VALUE=DATE:20260604")
    assert e.start == datetime(2026, 6, 1, 22, 0, tzinfo=UTC)
    assert e.end == datetime(2026, 6, 3, 22, 0, tzinfo=UTC)


def test_an_all_day_event_without_an_end_lasts_one_day():
    e = one("UID:d", "DTSTART;VALUE=DATE:20260602")
    assert e.end - e.start == timedelta(days=1)


def test_a_duration_instead_of_an_end():
    e = one("UID:p", "DTSTART:20260602T080000Z", "DURATION:PT45M")
    assert e.end - e.start == timedelta(minutes=45)


def test_transparent_events_are_free():
    assert (
        one(
            "UID:t", "DTSTART:20260602T080000Z", "DTEND:20260602T090000Z", "TRANSP:TRANSPARENT"
        ).busy
        is False
    )


def test_cancelled_events_and_moments_are_nothing():
    text = calendar(
        "UID:c\r\nSTATUS:CANCELLED\r\nDTSTART:20260602T080000Z\r\nDTEND:20260602T090000Z",
        "UID:m\r\nDTSTART:20260602T080000Z",
    )
    assert parse_events(text, PARIS) == []


def test_a_moved_occurrence_is_its_own_event_and_excluded_from_the_series():
    text = calendar(
        "UID:s\r\nDTSTART;TZID=Europe/Paris:20260601T090000\r\n"
        "DTEND;TZID=Europe/Paris:20260601T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n"
        "EXDATE;TZID=Europe/Paris:20260608T090000",
        "UID:s\r\nRECURRENCE-ID;TZID=Europe/Paris:20260615T090000\r\n"
        "DTSTART;TZID=Europe/Paris:20260615T140000\r\nDTEND;TZID=Europe/Paris:20260615T150000",
    )
    series, moved = parse_events(text, PARIS)
    assert series.rrule == "FREQ=WEEKLY;UNTIL=20260622T070000Z"  # COUNT written as its end
    assert sorted(series.exdates) == [
        datetime(2026, 6, 8, 7, 0, tzinfo=UTC),
        datetime(2026, 6, 15, 7, 0, tzinfo=UTC),
    ]
    assert series.repeats_until == datetime(2026, 6, 22, 8, 0, tzinfo=UTC)
    assert moved.uid == "s/2026-06-15T07:00:00+00:00"
    assert moved.start == datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    assert moved.rrule == ""


def test_one_broken_event_is_skipped_with_its_reason_and_the_rest_kept():
    text = calendar(
        "UID:ok\r\nDTSTART:20260602T080000Z\r\nDTEND:20260602T090000Z",
        "UID:bad\r\nDTSTART:20260602T080000Z\r\nDTEND:20260602T090000Z\r\nRRULE:FREQ=NEVER",
        "UID:nostart\r\nSUMMARY:no start",
    )
    reading = read(text, PARIS)
    assert [e.uid for e in reading.events] == ["ok"]
    assert [s.uid for s in reading.skipped] == ["bad", "nostart"]
    assert reading.skipped[1].reason == "it has no start (DTSTART)"
    assert "not valid" in reading.skipped[0].reason


def test_control_characters_in_titles_are_dropped():
    e = one("UID:x", "SUMMARY:a\\nb", "DTSTART:20260602T080000Z", "DTEND:20260602T090000Z")
    assert e.title == "a b"


@pytest.mark.parametrize("text", ["garbage", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", ""])
def test_text_that_is_not_icalendar_is_refused(text):
    with pytest.raises(IcalError):
        parse_events(text, PARIS)


def zone_definition(tzid: str) -> str:
    """A VTIMEZONE as Outlook writes it: central Europe's rules under a Windows name."""
    return "\r\n".join(
        [
            "BEGIN:VTIMEZONE",
            f"TZID:{tzid}",
            "BEGIN:STANDARD",
            "DTSTART:16010101T030000",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:16010101T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
        ]
    )


def zoned_event(tzid: str, tz=PARIS):
    text = calendar(
        f"UID:w\r\nDTSTART;TZID={tzid}:20261020T100000\r\nDTEND;TZID={tzid}:20261020T110000"
        "\r\nRRULE:FREQ=WEEKLY;COUNT=2"
    )
    (event,) = parse_events(
        text.replace("BEGIN:VEVENT", zone_definition(tzid) + "\r\nBEGIN:VEVENT"), tz
    )
    return event


def test_an_outlook_zone_name_repeats_in_its_iana_zone():
    event = zoned_event("W. Europe Standard Time", ZoneInfo("America/New_York"))
    assert event.start == datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
    assert event.time_zone == "Europe/Berlin"  # so 27 October is at 10:00 wall time too


def test_an_unknown_zone_with_its_own_definition_repeats_in_the_zone_its_rules_match():
    event = zoned_event("Office time")
    assert event.start == datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
    # Central Europe's rules: the owner's own zone has them, so it is the one named.
    assert event.time_zone == "Europe/Paris"


def test_an_unquoted_tzid_holding_colons_is_read_whole():
    # Exchange writes DTSTART;TZID=tzone://Microsoft/Utc:... without quotes; a parser that
    # splits at the first colon would see the zone "tzone" and a broken value.
    (event,) = parse_events(
        calendar(
            "UID:x\r\nDTSTART;TZID=tzone://Microsoft/Utc:20260602T070000\r\n"
            "DTEND;TZID=tzone://Microsoft/Utc:20260602T080000\r\nSUMMARY:Sync: weekly"
        ),
        PARIS,
    )
    assert (event.start, event.end) == (
        datetime(2026, 6, 2, 7, 0, tzinfo=UTC),
        datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
    )
    assert event.time_zone == "UTC" and event.title == "Sync: weekly"


@pytest.mark.parametrize(
    "status, transp, busy",
    [
        ("FREE", "", False),
        ("FREE", "OPAQUE", False),
        ("OOF", "TRANSPARENT", True),
        ("TENTATIVE", "TRANSPARENT", True),
        ("WORKINGELSEWHERE", "", True),
        ("BUSY", "TRANSPARENT", True),
        ("", "TRANSPARENT", False),
    ],
)
def test_outlooks_busy_status_decides_before_transp(status, transp, busy):
    lines = ["UID:o", "DTSTART:20260602T080000Z", "DTEND:20260602T090000Z"]
    if status:
        lines.append(f"X-MICROSOFT-CDO-BUSYSTATUS:{status}")
    if transp:
        lines.append(f"TRANSP:{transp}")
    assert one(*lines).busy is busy


def test_the_intended_status_decides_when_there_is_no_busy_status():
    e = one(
        "UID:i", "DTSTART:20260602T080000Z", "DTEND:20260602T090000Z",
        "X-MICROSOFT-CDO-INTENDEDSTATUS:FREE",
    )  # fmt: skip
    assert e.busy is False


def test_floating_times_are_in_the_calendars_declared_zone():
    text = calendar("UID:f\r\nDTSTART:20260602T090000\r\nDTEND:20260602T100000").replace(
        "PRODID:-//t//t//EN", "PRODID:-//t//t//EN\r\nX-WR-TIMEZONE:America/New_York"
    )
    (event,) = parse_events(text, PARIS)
    assert event.start == datetime(2026, 6, 2, 13, 0, tzinfo=UTC)
    assert event.time_zone == "America/New_York"


def test_each_rdate_is_one_more_occurrence_and_a_period_keeps_its_length():
    events = parse_events(
        calendar(
            "UID:r\r\nDTSTART:20260602T080000Z\r\nDTEND:20260602T090000Z\r\n"
            "RDATE:20260605T080000Z\r\nRDATE;VALUE=PERIOD:20260610T120000Z/PT30M"
        ),
        PARIS,
    )
    assert [(e.start, e.end - e.start) for e in events] == [
        (datetime(2026, 6, 2, 8, 0, tzinfo=UTC), timedelta(hours=1)),
        (datetime(2026, 6, 5, 8, 0, tzinfo=UTC), timedelta(hours=1)),
        (datetime(2026, 6, 10, 12, 0, tzinfo=UTC), timedelta(minutes=30)),
    ]
    assert len({e.uid for e in events}) == 3


def test_an_unknown_zone_is_read_in_a_stand_in_and_warned_about():
    reading = read(
        calendar("UID:u\r\nDTSTART;TZID=Mars/Olympus:20260602T090000\r\nDURATION:PT1H"), PARIS
    )
    (event,) = reading.events
    assert event.start == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
    assert reading.warnings == [
        "unknown time zone 'Mars/Olympus'; its times were read in Europe/Paris"
    ]


def fixed_zone_calendar(offset: str) -> str:
    """One event at 10:00 in a self-defined zone no IANA zone matches (a fixed odd offset)."""
    zone = (
        "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\nBEGIN:STANDARD\r\n"
        f"DTSTART:16010101T000000\r\nTZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\n"
        "END:STANDARD\r\nEND:VTIMEZONE"
    )
    text = calendar(
        "UID:c\r\nDTSTART;TZID=Customized Time Zone:20260602T100000\r\n"
        "DTEND;TZID=Customized Time Zone:20260602T110000"
    )
    return text.replace("BEGIN:VEVENT", zone + "\r\nBEGIN:VEVENT")


def test_two_calendars_defining_one_zone_name_differently_are_each_read_by_their_own():
    # icalendar remembers the first definition of a TZID for the whole process; each document
    # must still be read with its own.
    first = read(fixed_zone_calendar("+0123"), PARIS)
    second = read(fixed_zone_calendar("+0347"), PARIS)
    assert first.events[0].start == datetime(2026, 6, 2, 8, 37, tzinfo=UTC)
    assert second.events[0].start == datetime(2026, 6, 2, 6, 13, tzinfo=UTC)
    assert "matches no known zone" in second.warnings[0]
