"""The anonymous free/busy feed shows exactly what the sharing level allows: never an
attendee's contact data nor the owner's email, never a UID the meeting has elsewhere, and
every level reads alike in two parsers."""

from datetime import UTC, datetime, timedelta

import pytest
import vobject
from django.conf import settings
from icscheck import parse_both
from makers import NOW, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.ics import vevent
from bookwithme.booking.models import UID_SUFFIX
from bookwithme.calendars.events import add_event, import_ics
from bookwithme.directory import changes

pytestmark = pytest.mark.usefixtures("frozen")

LEVELS = ("Simple", "Detail", "Reviewer")
OWNER = 'Alex "Ace" Martin^2'
ZOE = 'Zoé "Zed" Roux'
# What the attendee gave when booking: none of it is the owner's to publish (bar the name).
EMAIL, PHONE, NOTES = "zoe@example.org", "+1 514 555 0199", "About Q3"
DENTIST_UID = "dentist-42@mail.example"
ALWAYS = {"UID", "DTSTAMP", "DTSTART", "DTEND", "ORGANIZER", "TRANSP", "SUMMARY"}
DENTIST = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//test//EN
BEGIN:VEVENT
UID:{DENTIST_UID}
DTSTAMP:20260501T000000Z
DTSTART:20260602T080000Z
DTEND:20260602T090000Z
SUMMARY:Dentist
LOCATION:12 rue de la Paix
DESCRIPTION:Bring the X-rays
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def alex(db):
    alex = make_person(
        name=OWNER, email="alex@example.org", page_slug="alex", time_zone="Europe/Paris"
    )
    import_ics(alex, DENTIST)
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
    return alex


@pytest.fixture
def booking(alex):
    mt = make_type(
        alex,
        title="Intro call",
        location={"kind": "phone", "value": "+33 1 23"},
        questions=[{"id": "phone", "label": "Your phone", "kind": "phone", "required": True}],
    )
    attendee = services.Attendee(ZOE, EMAIL, "UTC", notes=NOTES, answers={"phone": PHONE})
    return services.book(mt, datetime(2026, 6, 4, 12, 0, tzinfo=UTC), attendee).booking


def feed(client, level, person):
    """The feed at `level`, as text (lines unfolded) and as both parsers read it."""
    changes.set_anonymous_sharing(person.organization, level, actor="tests")
    response = client.get(f"/freebusy/{person.page_slug}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    return text.replace("\r\n ", ""), parse_both(text)


def by_summary(cal) -> dict:
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


def assert_nothing_of_the_attendee_but(text, allowed=()):
    for secret in {ZOE, EMAIL, PHONE, NOTES, "mailto:", "ATTENDEE"} - set(allowed):
        assert secret not in text


def test_simple_gives_busy_periods_and_no_words(client, alex, booking):
    text, cal = feed(client, "Simple", alex)
    assert set(cal) == {"PRODID", "VERSION", "CALSCALE", "METHOD"}
    assert str(cal["METHOD"]) == "PUBLISH"
    assert [c.name for c in cal.subcomponents] == ["VFREEBUSY"]
    (fb,) = cal.walk("VFREEBUSY")
    assert set(fb) == {"UID", "DTSTAMP", "DTSTART", "DTEND", "ORGANIZER", "FREEBUSY"}
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
    for word in ("SUMMARY", "LOCATION", "DESCRIPTION", "Dentist", "rue de la Paix", "X-rays"):
        assert word not in text
    for word in ("Intro", "+33 1 23", "Maybe"):
        assert word not in text
    assert_nothing_of_the_attendee_but(text)


def test_detail_gives_times_subject_and_location_and_nothing_of_the_attendee(client, alex, booking):
    text, cal = feed(client, "Detail", alex)
    events = by_summary(cal)
    assert set(events) == {"Dentist", "Standup", "Intro call"}
    assert set(events["Intro call"]) == ALWAYS | {"LOCATION"}
    assert set(events["Dentist"]) == ALWAYS | {"LOCATION"}
    assert set(events["Standup"]) == ALWAYS
    assert str(events["Intro call"]["LOCATION"]) == "+33 1 23"  # the type's, the owner's number
    assert str(events["Dentist"]["LOCATION"]) == "12 rue de la Paix"
    assert events["Dentist"]["DTSTART"].dt == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    assert events["Intro call"]["DTEND"].dt == datetime(2026, 6, 4, 12, 30, tzinfo=UTC)
    assert "DESCRIPTION" not in text and "X-rays" not in text
    assert_nothing_of_the_attendee_but(text)
    assert len([e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "Standup"]) == 3


def test_reviewer_adds_descriptions_and_the_attendees_name_only(client, alex, booking):
    text, cal = feed(client, "Reviewer", alex)
    events = by_summary(cal)
    assert set(events) == {"Dentist", "Standup", "Intro call"}
    assert set(events["Intro call"]) == ALWAYS | {"LOCATION", "DESCRIPTION"}
    assert str(events["Intro call"]["DESCRIPTION"]) == f"With {ZOE}"
    assert set(events["Dentist"]) == ALWAYS | {"LOCATION", "DESCRIPTION"}
    assert str(events["Dentist"]["DESCRIPTION"]) == "Bring the X-rays"
    assert set(events["Standup"]) == ALWAYS
    assert_nothing_of_the_attendee_but(text, allowed={ZOE})
    assert "Maybe" not in text  # free time is not busy time


@pytest.mark.parametrize("level", LEVELS)
def test_every_level_names_the_owner_by_page_address_in_a_plain_cn(client, alex, booking, level):
    text, cal = feed(client, level, alex)
    organizers = [c["ORGANIZER"] for c in cal.subcomponents]
    assert len(organizers) == (1 if level == "Simple" else 5)
    for organizer in organizers:
        assert str(organizer) == f"{settings.BOOKWITHME_BASE_URL}/alex"
        assert organizer.params["CN"] == "Alex 'Ace' Martin2"
    assert "alex@example.org" not in text
    assert "^" not in text  # no RFC 6868 escape, which vobject would show as it is
    for component in vobject.readOne(text).components():
        assert component.organizer.params["CN"] == ["Alex 'Ace' Martin2"]


def test_an_owner_without_a_name_gets_no_cn_rather_than_their_email(client, alex):
    alex.name = ""
    alex.save()
    text, cal = feed(client, "Simple", alex)
    (fb,) = cal.walk("VFREEBUSY")
    assert str(fb["ORGANIZER"]) == f"{settings.BOOKWITHME_BASE_URL}/alex"
    assert "CN" not in fb["ORGANIZER"].params
    assert "alex@example.org" not in text


def uids(cal) -> set[tuple[str, datetime, str]]:
    return {(str(e["SUMMARY"]), e["DTSTART"].dt, str(e["UID"])) for e in cal.walk("VEVENT")}


def test_feed_events_never_reuse_the_invitations_or_the_source_calendars_uid(client, alex, booking):
    text, cal = feed(client, "Reviewer", alex)
    found = [uid for _, _, uid in uids(cal)]
    assert len(set(found)) == len(found) == 5
    assert str(vevent(booking)["UID"]) not in text
    assert DENTIST_UID not in text
    # Nor taken for a booking's own copy (`@bookwithme`) by a sync that reads the feed.
    assert not any(uid.endswith(UID_SUFFIX) for uid in found)


def test_feed_uids_stay_the_same_from_one_fetch_and_level_to_the_next(
    client, alex, booking, frozen
):
    _, first = feed(client, "Detail", alex)
    frozen.shift(timedelta(hours=1))
    _, again = feed(client, "Reviewer", alex)
    assert uids(first) == uids(again)
    assert len(uids(first)) == 5


def test_two_owners_with_one_imported_meeting_publish_different_uids(client, alex):
    bea = make_person(page_slug="bea", time_zone="Europe/Paris")
    import_ics(bea, DENTIST)
    _, alexs = feed(client, "Detail", alex)
    _, beas = feed(client, "Detail", bea)
    assert str(by_summary(alexs)["Dentist"]["UID"]) != str(by_summary(beas)["Dentist"]["UID"])


@pytest.mark.parametrize("level", LEVELS)
def test_an_empty_feed_reads_in_both_parsers(client, level, db):
    nobody = make_person(page_slug="quiet")
    _, cal = feed(client, level, nobody)
    assert not cal.walk("VEVENT")
    assert len(cal.walk("VFREEBUSY")) == (1 if level == "Simple" else 0)


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
