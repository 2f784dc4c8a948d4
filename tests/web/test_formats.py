"""One writing of dates and times (bookwithme.formats) and the time zones the picker offers."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from bookwithme import formats
from bookwithme.web.zones import current_name, current_zones, zone_list

# Wednesday 9 December 2026, midnight to half past in Montréal.
START = datetime(2026, 12, 9, 5, 0, tzinfo=UTC)
END = datetime(2026, 12, 9, 5, 30, tzinfo=UTC)
MONTREAL = ZoneInfo("America/Montreal")


def span(language: str, accept: str = "", hour_cycle: str = "") -> str:
    with translation.override(language):
        where = formats.reader_locale(language, accept)
        return formats.span(START, END, where, hour_cycle, zone=MONTREAL)


@pytest.mark.parametrize(
    ("language", "accept", "hour_cycle", "written"),
    [
        ("en", "", "", "Wednesday, December 9, 2026, 12:00 AM \u2013 12:30 AM"),
        ("en", "", "h12", "Wednesday, December 9, 2026, 12:00 AM \u2013 12:30 AM"),
        ("en", "", "h23", "Wednesday, December 9, 2026, 00:00 \u2013 00:30"),
        ("en", "en-GB,en;q=0.8", "", "Wednesday, 9 December 2026, 00:00 \u2013 00:30"),
        ("en", "en-GB,en;q=0.8", "h12", "Wednesday, 9 December 2026, 12:00 am \u2013 12:30 am"),
        ("fr", "", "", "mercredi 9 décembre 2026, de 00:00 à 00:30"),
        ("fr", "fr-FR", "h23", "mercredi 9 décembre 2026, de 00:00 à 00:30"),
        ("fr", "fr-FR", "h12", "mercredi 9 décembre 2026, de 12:00 AM à 12:30 AM"),
    ],
)
def test_a_meeting_is_written_in_the_readers_language_region_and_clock(
    language, accept, hour_cycle, written
):
    assert span(language, accept, hour_cycle) == written


def test_the_region_chooses_the_clock_unless_the_reader_did():
    assert formats.default_cycle(formats.locale("en-US")) == "h12"
    assert formats.default_cycle(formats.locale("en-GB")) == "h23"
    assert formats.default_cycle(formats.locale("fr")) == "h23"
    at = datetime(2026, 12, 9, 14, 5, tzinfo=UTC)
    assert formats.clock(at, formats.locale("fr"), "h12") == "2:05 PM"
    assert formats.clock(at, formats.locale("en-US"), "h23") == "14:05"


def test_another_languages_region_or_an_unknown_tag_is_not_taken():
    assert str(formats.reader_locale("fr", "en-GB,fr-CA;q=0.5")) == "fr_CA"
    assert str(formats.reader_locale("en", "fr-FR,de")) == "en"
    assert str(formats.locale("xx-nonsense")) == "en"


def test_a_meeting_over_midnight_names_both_days():
    with translation.override("en"):
        written = formats.span(
            datetime(2026, 12, 9, 4, 0, tzinfo=UTC),
            datetime(2026, 12, 9, 6, 0, tzinfo=UTC),
            formats.locale("en"),
            zone=MONTREAL,
        )
    assert (
        written == "Tuesday, December 8, 2026, 11:00 PM \u2013 Wednesday, December 9, 2026, 1:00 AM"
    )


def test_no_narrow_space_is_written():
    assert "\u202f" not in span("en") + span("fr", "", "h12")


def test_the_zones_offered_are_current_names_only():
    zones = current_zones()
    for old, new in [
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("America/Montreal", "America/Toronto"),
    ]:
        assert old not in zones
        assert new in zones
        assert current_name(old) == new
    assert "UTC" in zones
    assert not [z for z in zones if z.startswith(("Etc/", "US/"))]


def test_montreal_is_found_under_torontos_zone_in_both_languages():
    for language in ("en", "fr"):
        rows = {row[0]: row for row in zone_list(language)["zones"]}
        _zone, _city, _name, country, others, old = rows["America/Toronto"]
        assert "Montréal" in others
        assert "America/Montreal" in old
        assert country == "Canada"
    french = zone_list("fr")
    names = french["names"]
    assert names[{r[0]: r for r in french["zones"]}["America/Toronto"][2]] == (
        "heure de l\u2019Est nord-américain"
    )


def test_the_zone_list_is_built_once_per_language():
    assert zone_list("fr") is zone_list("fr")
    assert zone_list("en") is not zone_list("fr")
