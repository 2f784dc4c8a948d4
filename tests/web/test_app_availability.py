"""Working hours in the organizer app: the weekly editor and date overrides."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from makers import make_person, make_type

from bookwithme import slots
from bookwithme.booking.availability import is_offered
from bookwithme.booking.models import MeetingType, WorkingHours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

CLOSED = {day: [] for day in slots.DAY_NAMES}


@pytest.fixture
def alex():
    return make_person(time_zone="America/Chicago")


def hours_of(person) -> dict:
    own = WorkingHours.objects.get(person=person)
    return {"weekly": own.weekly, "overrides": own.overrides}


def hours_error(weekly, overrides=()) -> str:
    with pytest.raises(slots.HoursError) as refused:
        slots.WeeklyHours.from_json(weekly, list(overrides))
    return str(refused.value)


def test_the_editor_shows_the_hours_in_the_persons_zone(signed_in):
    html = signed_in.get("/app/availability").content.decode()

    assert "Chicago (Central Time)" in html  # the zone as the picker names it
    for day in ("mon", "tue", "wed", "thu", "fri"):
        assert f'name="hours-{day}-from" value="09:00"' in html
        assert f'name="hours-{day}-to" value="17:00"' in html
    editor = html.split("<template")[0]
    assert 'name="hours-sat-from"' not in editor  # Saturday: no interval, unavailable
    assert 'id="hours-sat"' in html and 'id="save-hours"' in html


def test_someone_without_hours_yet_gets_weekdays_nine_to_five(client):
    person = make_person()
    WorkingHours.objects.filter(person=person).delete()
    client.force_login(person)

    html = client.get("/app/availability").content.decode()

    assert 'name="hours-mon-from" value="09:00"' in html


def test_saving_replaces_the_hours_and_outdates_cached_slots(signed_in, alex):
    version = alex.availability_version
    response = signed_in.post(
        "/app/availability",
        {
            "hours-mon-from": ["13:00", "09:00", ""],
            "hours-mon-to": ["17:00", "12:00", ""],
            "hours-sat-from": "10:00",
            "hours-sat-to": "23:59",
            "hours-ov-0-date": "2026-06-02",
            "hours-ov-0-from": "08:00",
            "hours-ov-0-to": "09:00",
            "hours-ov-n7-date": "2026-06-03",
            "hours-ov-n7-off": "1",
            "hours-ov-n7-from": "10:00",
            "hours-ov-n7-to": "11:00",
            "hours-ov-n8-date": "",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/app/availability"
    assert hours_of(alex) == {
        "weekly": {
            **CLOSED,
            "mon": [["09:00", "12:00"], ["13:00", "17:00"]],
            "sat": [["10:00", "24:00"]],
        },
        "overrides": [
            {"date": "2026-06-02", "intervals": [["08:00", "09:00"]]},
            {"date": "2026-06-03", "intervals": []},
        ],
    }
    alex.refresh_from_db()
    assert alex.availability_version > version
    html = signed_in.get("/app/availability").content.decode()
    assert "Your working hours are saved." in html
    assert 'name="hours-sat-to" value="23:59"' in html


def test_new_hours_decide_the_slots_at_once(signed_in, alex):
    mt = make_type(alex, duration_minutes=60)
    chicago = ZoneInfo("America/Chicago")
    wednesday = datetime(2026, 6, 3, 10, 0, tzinfo=chicago)
    tuesday_morning = datetime(2026, 6, 2, 10, 0, tzinfo=chicago)
    assert is_offered(mt, wednesday)  # weekdays 9 to 5

    signed_in.post("/app/availability", {"hours-tue-from": "10:00", "hours-tue-to": "11:00"})

    mt = MeetingType.objects.select_related("owner").get(pk=mt.pk)
    assert not is_offered(mt, wednesday)
    assert is_offered(mt, tuesday_morning)
    assert not is_offered(mt, tuesday_morning + timedelta(hours=1))


def test_an_empty_week_is_allowed(signed_in, alex):
    assert signed_in.post("/app/availability", {}).status_code == 302

    assert hours_of(alex) == {"weekly": CLOSED, "overrides": []}


@pytest.mark.parametrize(
    ("data", "weekly", "overrides"),
    [
        ({"hours-mon-from": "17:00", "hours-mon-to": "09:00"}, {"mon": [["17:00", "09:00"]]}, []),
        ({"hours-mon-from": "09:00", "hours-mon-to": ""}, {"mon": [["09:00", ""]]}, []),
        ({"hours-mon-from": "9am", "hours-mon-to": "17:00"}, {"mon": [["9am", "17:00"]]}, []),
        (
            {"hours-ov-0-date": "2026-02-30", "hours-ov-0-off": "1"},
            {},
            [{"date": "2026-02-30", "intervals": []}],
        ),
        (
            {"hours-ov-0-date": "2026-06-02", "hours-ov-1-date": "2026-06-02"},
            {},
            [{"date": "2026-06-02", "intervals": []}, {"date": "2026-06-02", "intervals": []}],
        ),
        (
            {"hours-ov-0-date": "", "hours-ov-0-from": "10:00", "hours-ov-0-to": "11:00"},
            {},
            [{"date": "", "intervals": [["10:00", "11:00"]]}],
        ),
    ],
)
def test_bad_hours_show_the_apis_message_and_keep_the_input(
    signed_in, alex, data, weekly, overrides
):
    before = hours_of(alex)
    expected = hours_error(weekly, overrides)

    response = signed_in.post("/app/availability", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert expected.replace('"', "&quot;") in html
    assert 'id="hours-error"' in html
    for name, value in data.items():
        if value and name.endswith(("-from", "-to", "-date")):
            assert f'name="{name}" value="{value}"' in html or f'value="{value}"' in html
    assert hours_of(alex) == before


def test_saving_hours_needs_the_csrf_token(alex):
    before = hours_of(alex)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alex)

    assert client.post("/app/availability", {}).status_code == 403
    assert hours_of(alex) == before
