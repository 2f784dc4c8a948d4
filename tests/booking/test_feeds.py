"""The anonymous free/busy feed shows exactly what the sharing level allows."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from makers import NOW, make_person, make_type

from bookwithme.booking import services
from bookwithme.calendars.events import add_event
from bookwithme.directory import changes

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def alex(db):
    alex = make_person(page_slug="alex", time_zone="Europe/Paris")
    add_event(
        alex,
        title="Dentist",
        location="12 rue de la Paix",
        description="Bring the X-rays",
        start=datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
        end=datetime(2026, 6, 2, 9, 0, tzinfo=UTC),
    )
    add_event(
        alex,
        title="Standup",
        start=datetime(2026, 6, 1, 7, 0, tzinfo=UTC),
        end=datetime(2026, 6, 1, 7, 15, tzinfo=UTC),
        rrule="FREQ=DAILY;COUNT=3",
    )
    add_event(
        alex,
        title="Maybe",
        busy=False,
        start=datetime(2026, 6, 3, 12, 0, tzinfo=UTC),
        end=datetime(2026, 6, 3, 13, 0, tzinfo=UTC),
    )
    mt = make_type(alex, title="Intro call", location={"kind": "phone", "value": "+33 1 23"})
    services.book(
        mt,
        datetime(2026, 6, 4, 12, 0, tzinfo=UTC),
        services.Attendee(name="Eve", email="eve@example.org", time_zone="UTC", notes="About Q3"),
    )
    return alex


def feed(client, level, person):
    changes.set_anonymous_sharing(person.organization, level, actor="tests")
    response = client.get("/freebusy/alex.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return response.content.decode(), icalendar.Calendar.from_ical(response.content)


def test_simple_gives_busy_periods_and_no_words(client, alex):
    text, cal = feed(client, "Simple", alex)
    (fb,) = cal.walk("VFREEBUSY")
    periods = sorted((p.dt[0], p.dt[1]) for prop in fb.get("FREEBUSY") for p in [prop])
    assert (
        datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
        datetime(2026, 6, 2, 9, 0, tzinfo=UTC),
    ) in periods
    assert (
        datetime(2026, 6, 4, 12, 0, tzinfo=UTC),
        datetime(2026, 6, 4, 12, 30, tzinfo=UTC),
    ) in periods
    standups = [p for p in periods if p[0].hour == 7 and p[1] - p[0] == timedelta(minutes=15)]
    assert len(standups) == 3  # the series, expanded
    assert not cal.walk("VEVENT")
    for word in ("SUMMARY", "Dentist", "rue de la Paix", "X-rays", "Eve", "Intro", "Maybe"):
        assert word not in text


def test_detail_gives_times_subject_and_location_but_no_description(client, alex):
    text, cal = feed(client, "Detail", alex)
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Dentist", "Standup", "Intro call"}
    assert str(events["Dentist"]["LOCATION"]) == "12 rue de la Paix"
    assert str(events["Intro call"]["LOCATION"]) == "+33 1 23"
    assert events["Dentist"]["DTSTART"].dt == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    assert "DESCRIPTION" not in text
    assert "X-rays" not in text and "Eve" not in text
    assert len([e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "Standup"]) == 3


def test_reviewer_gives_everything(client, alex):
    text, cal = feed(client, "Reviewer", alex)
    descriptions = {str(e["SUMMARY"]): str(e.get("DESCRIPTION", "")) for e in cal.walk("VEVENT")}
    assert descriptions["Dentist"] == "Bring the X-rays"
    assert "Eve" in descriptions["Intro call"] and "About Q3" in descriptions["Intro call"]
    assert "Maybe" not in text  # free time is not busy time


def test_no_anonymous_sharing_no_feed(client, alex):
    changes.set_anonymous_sharing(alex.organization, "none", actor="tests")
    assert client.get("/freebusy/alex.ics").status_code == 404


def test_an_unavailable_page_has_no_feed(client, alex):
    changes.set_licence(alex, False, actor="tests")
    assert client.get("/freebusy/alex.ics").status_code == 404
    assert client.get("/freebusy/nobody.ics").status_code == 404


def test_the_feed_spans_a_week_back_and_sixty_days_ahead(client, alex):
    add_event(
        alex,
        title="Old",
        start=NOW - timedelta(days=9),
        end=NOW - timedelta(days=9) + timedelta(hours=1),
    )
    add_event(
        alex,
        title="Far",
        start=NOW + timedelta(days=62),
        end=NOW + timedelta(days=62, hours=1),
    )
    add_event(
        alex,
        title="Recent",
        start=NOW - timedelta(days=6),
        end=NOW - timedelta(days=6) + timedelta(hours=1),
    )
    _, cal = feed(client, "Detail", alex)
    titles = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert "Recent" in titles
    assert "Old" not in titles and "Far" not in titles
