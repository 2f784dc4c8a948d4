"""Small rules of directory/models.py."""

from bookwithme.directory.models import zone_or_utc


def test_a_zone_name_that_cannot_be_read_shows_times_in_utc_rather_than_failing():
    assert zone_or_utc("America/Montreal").key == "America/Montreal"
    assert zone_or_utc("Mars/Olympus").key == "UTC"
    assert zone_or_utc("../../etc/passwd").key == "UTC"
    assert zone_or_utc("").key == "UTC"
