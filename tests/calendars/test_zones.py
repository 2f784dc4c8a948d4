"""Time zone names as calendar clients write them, resolved to IANA zones."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bookwithme.calendars.zones import match_definition, resolve

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    "tzid, zone",
    [
        ("Europe/Paris", "Europe/Paris"),
        ('"Europe/Paris"', "Europe/Paris"),
        ("/mozilla.org/20050126_1/America/New_York", "America/New_York"),
        ("tzone://Microsoft/Utc", "UTC"),
        ('"tzone://Microsoft/Utc"', "UTC"),
        ("tzone://Microsoft/Eastern Standard Time", "America/New_York"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("eastern standard time", "America/New_York"),
        ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Amsterdam"),
        ("(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", "Europe/Brussels"),
        ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
        ("(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"),
        ("(UTC) Coordinated Universal Time", "UTC"),
    ],
)
def test_names_clients_write_resolve_to_their_iana_zone(tzid, zone):
    assert resolve(tzid, None, PARIS) == (ZoneInfo(zone), "")


def test_a_display_name_whose_offset_disagrees_with_its_city_is_not_taken():
    found = resolve("(UTC+09:00) Paris", None, PARIS)
    assert found.warning == "unknown time zone '(UTC+09:00) Paris'"


def test_an_unknown_name_stands_in_with_the_fallback_and_says_so():
    found = resolve("Nowhere/Special", None, ZoneInfo("America/Chicago"))
    assert found.zone == ZoneInfo("America/Chicago")
    assert found.warning == "unknown time zone 'Nowhere/Special'"


def definition(
    standard: str, daylight: str | None, rules: tuple[str, str] | None
) -> icalendar.Timezone:
    """A VTIMEZONE as Outlook writes one ("Customized Time Zone"), from its offsets and rules."""
    parts = ["BEGIN:VTIMEZONE", "TZID:Customized Time Zone", "BEGIN:STANDARD",
             "DTSTART:16010101T020000", f"TZOFFSETFROM:{daylight or standard}",
             f"TZOFFSETTO:{standard}"]  # fmt: skip
    if rules:
        parts.append(f"RRULE:FREQ=YEARLY;{rules[0]}")
    parts.append("END:STANDARD")
    if daylight and rules:
        parts += ["BEGIN:DAYLIGHT", "DTSTART:16010101T020000",
                  f"TZOFFSETFROM:{standard}", f"TZOFFSETTO:{daylight}",
                  f"RRULE:FREQ=YEARLY;{rules[1]}", "END:DAYLIGHT"]  # fmt: skip
    parts.append("END:VTIMEZONE")
    return icalendar.Timezone.from_ical("\r\n".join(parts) + "\r\n")


EUROPE = ("BYDAY=-1SU;BYMONTH=10", "BYDAY=-1SU;BYMONTH=3")
NORTH_AMERICA = ("BYDAY=1SU;BYMONTH=11", "BYDAY=2SU;BYMONTH=3")


@pytest.mark.parametrize(
    "offsets, rules, zone",
    [
        (("+0100", "+0200"), EUROPE, "Europe/Berlin"),
        (("-0500", "-0400"), NORTH_AMERICA, "America/New_York"),
        (("-0800", "-0700"), NORTH_AMERICA, "America/Los_Angeles"),
        (("+0000", "+0100"), EUROPE, "Europe/London"),
        (("+0900", None), None, "Asia/Tokyo"),
    ],
)
def test_a_definition_is_matched_to_the_zone_with_the_same_rules(offsets, rules, zone):
    tz = definition(*offsets, rules).to_tz(lookup_tzid=False)
    assert match_definition(tz, today=date.today()) == zone


def test_north_american_rules_do_not_match_a_european_zone():
    # Same offsets as Europe/London half the year, but changing on other Sundays.
    tz = definition("+0000", "+0100", NORTH_AMERICA).to_tz(lookup_tzid=False)
    assert match_definition(tz) is None


def test_a_definition_no_zone_has_stands_in_and_says_so():
    tz = definition("+0123", None, None).to_tz(lookup_tzid=False)
    found = resolve("Customized Time Zone", tz, PARIS)
    assert found.zone == PARIS
    assert "matches no known zone" in found.warning


def test_a_matched_definition_gives_the_same_instants_as_the_definition_itself():
    tz = definition("-0500", "-0400", NORTH_AMERICA).to_tz(lookup_tzid=False)
    zone = resolve("Customized Time Zone", tz, PARIS).zone
    first = datetime(date.today().year, 1, 1, 12)
    for day in range(0, 3 * 365, 5):
        wall = first + timedelta(days=day)
        assert wall.replace(tzinfo=zone).astimezone(UTC) == wall.replace(tzinfo=tz).astimezone(UTC)
