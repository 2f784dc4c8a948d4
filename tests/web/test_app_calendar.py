"""The built-in calendar in the organizer app: busy blocks to come, adding, importing, deleting."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from makers import make_person

from bookwithme.calendars.events import EventError, add_event
from bookwithme.calendars.models import Event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"
ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//test//EN\r
BEGIN:VEVENT\r
UID:one@test\r
DTSTART:20260602T070000Z\r
DTEND:20260602T080000Z\r
SUMMARY:Imported meeting\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:two@test\r
DTSTART:20260603T070000Z\r
DTEND:20260603T080000Z\r
RRULE:FREQ=WEEKLY;BYDAY=WE\r
SUMMARY:Weekly sync\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def alex():
    return make_person(time_zone="Europe/Paris")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def event(owner, title="Dentist", start="2026-06-02T07:00", end="2026-06-02T08:00", **extra):
    return add_event(owner, title=title, start=utc(start), end=utc(end), **extra)


def test_the_calendar_lists_blocks_to_come_in_the_persons_zone(signed_in, alex):
    event(alex, "Dentist", "2026-06-02T07:00", "2026-06-02T08:00")
    event(alex, "Gym", "2026-05-04T16:00", "2026-05-04T17:00", rrule="FREQ=WEEKLY")
    event(alex, "Lunch note", "2026-06-03T10:00", "2026-06-03T11:00", busy=False)
    event(alex, "Yesterday", "2026-05-31T07:00", "2026-05-31T08:00")
    event(alex, "Old series", "2026-05-01T07:00", "2026-05-01T08:00", rrule="FREQ=DAILY;COUNT=3")
    event(make_person(), "Not mine", "2026-06-02T07:00", "2026-06-02T08:00")

    html = signed_in.get("/app/calendar").content.decode()

    assert "Tuesday, June 2, 2026, 9:00 AM \N{EN DASH} 10:00 AM" in html  # Paris time, not UTC
    # A series shows its first time.
    assert "Monday, May 4, 2026, 6:00 PM \N{EN DASH} 7:00 PM" in html
    assert "Gym" in html and "Every week" in html
    assert "Lunch note" in html and '<span class="badge free">Free</span>' in html
    for hidden in ("Yesterday", "Old series", "Not mine"):
        assert hidden not in html


def test_an_empty_calendar_says_so(signed_in):
    assert (
        "Nothing in your calendar from now on." in signed_in.get("/app/calendar").content.decode()
    )


def test_adding_a_block_reads_its_times_in_the_persons_zone(signed_in, alex):
    response = signed_in.post(
        "/app/calendar/add",
        {
            "title": "Dentist",
            "start": "2026-06-02T09:00",
            "end": "2026-06-02T10:30",
            "busy": "busy",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/app/calendar"
    added = Event.objects.get(owner=alex)
    assert (added.title, added.busy, added.rrule) == ("Dentist", True, "")
    assert (added.start, added.end) == (utc("2026-06-02T07:00"), utc("2026-06-02T08:30"))
    assert added.time_zone == "Europe/Paris"
    html = signed_in.get("/app/calendar").content.decode()
    assert "The event is added to your calendar." in html and "Dentist" in html


def test_adding_a_free_weekly_block(signed_in, alex):
    signed_in.post(
        "/app/calendar/add",
        {
            "title": "Focus",
            "start": "2026-06-02T09:00",
            "end": "2026-06-02T10:00",
            "busy": "free",
            "repeat": "FREQ=WEEKLY",
            "rrule": "FREQ=HOURLY",  # ignored: a custom rule was not chosen
        },
    )

    added = Event.objects.get(owner=alex)
    assert (added.busy, added.rrule, added.repeats_until) == (False, "FREQ=WEEKLY", None)


def test_adding_a_block_with_a_custom_rule(signed_in, alex):
    signed_in.post(
        "/app/calendar/add",
        {
            "start": "2026-06-02T09:00",
            "end": "2026-06-02T10:00",
            "busy": "busy",
            "repeat": "custom",
            "rrule": "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4",
        },
    )

    added = Event.objects.get(owner=alex)
    # Stored with its COUNT written as the last occurrence (11 June, 09:00 in Paris).
    assert added.rrule == "FREQ=WEEKLY;UNTIL=20260611T070000Z;BYDAY=TU,TH"
    assert added.repeats_until == datetime(2026, 6, 11, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "field", "kwargs"),
    [
        (
            {"start": "2026-06-02T10:00", "end": "2026-06-02T09:00"},
            "end",
            {"start": "2026-06-02T08:00", "end": "2026-06-02T07:00"},
        ),
        (
            {"repeat": "custom", "rrule": "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31"},
            "rrule",
            {"rrule": "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31"},
        ),
        ({"title": "x" * 501}, "title", {"title": "x" * 501}),
        ({"title": "two\nlines"}, "title", {"title": "two\nlines"}),
    ],
)
def test_bad_blocks_show_the_apis_message_and_keep_the_input(signed_in, alex, data, field, kwargs):
    with pytest.raises(EventError) as refused:
        event(alex, **kwargs)
    expected = refused.value.message_dict[field][0]
    posted = {"start": "2026-06-02T09:00", "end": "2026-06-02T10:00", "busy": "busy", **data}

    response = signed_in.post("/app/calendar/add", posted)

    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html
    assert 'aria-invalid="true"' in html
    assert f'value="{posted["start"]}"' in html and f'value="{posted["end"]}"' in html
    assert not Event.objects.filter(owner=alex).exists()


def test_a_rule_error_shows_under_the_repeat_choice_when_not_custom(signed_in, alex):
    response = signed_in.post(
        "/app/calendar/add",
        {"start": "2026-06-02T09:00", "end": "2026-06-02T10:00", "busy": "busy", "repeat": "x"},
    )

    assert response.status_code == 200
    assert 'id="id_repeat_error"' in response.content.decode()


def test_missing_times_are_required(signed_in, alex):
    response = signed_in.post("/app/calendar/add", {"title": "Nothing", "busy": "busy"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Say when it starts." in html and "Say when it ends." in html
    assert "This field is required." not in html
    assert not Event.objects.filter(owner=alex).exists()


def test_a_time_that_does_not_exist_in_the_zone_is_refused(signed_in, alex):
    # Paris skips from 02:00 to 03:00 on 29 March 2026.
    response = signed_in.post(
        "/app/calendar/add",
        {"start": "2026-03-29T02:30", "end": "2026-03-29T04:00", "busy": "busy"},
    )

    assert response.status_code == 200
    assert "it may be ambiguous or it may not exist" in response.content.decode()
    assert not Event.objects.filter(owner=alex).exists()


def test_importing_a_calendar_file(signed_in, alex):
    upload = SimpleUploadedFile("work.ics", ICS, content_type="text/calendar")

    response = signed_in.post("/app/calendar/import", {"file": upload}, follow=True)

    assert response.redirect_chain == [("/app/calendar", 302)]
    html = response.content.decode()
    assert "2 events imported." in html
    assert "Imported meeting" in html and "Weekly sync" in html
    assert Event.objects.filter(owner=alex).count() == 2


@pytest.mark.parametrize("content", [b"hello", b"\xff\xfe\x00binary", b"BEGIN:VCALENDAR\r\n"])
def test_a_file_that_is_not_a_calendar_is_refused_clearly(signed_in, alex, content):
    upload = SimpleUploadedFile("bad.ics", content, content_type="text/calendar")

    response = signed_in.post("/app/calendar/import", {"file": upload})

    assert response.status_code == 200
    html = response.content.decode()
    assert "This file cannot be imported" in html and 'id="id_file_error"' in html
    assert not Event.objects.filter(owner=alex).exists()


def test_importing_needs_a_file(signed_in):
    response = signed_in.post("/app/calendar/import", {})

    assert response.status_code == 200
    assert "Choose a calendar file (.ics) to import." in response.content.decode()


def test_deleting_a_block(signed_in, alex):
    block = event(alex)

    response = signed_in.post(f"/app/calendar/{block.pk}/delete")

    assert response.status_code == 302
    assert not Event.objects.filter(pk=block.pk).exists()
    assert "The event is deleted." in signed_in.get("/app/calendar").content.decode()


def test_someone_elses_block_is_not_found(signed_in):
    theirs = event(make_person())

    assert signed_in.post(f"/app/calendar/{theirs.pk}/delete").status_code == 404
    assert Event.objects.filter(pk=theirs.pk).exists()


def test_calendar_forms_need_the_csrf_token(alex):
    block = event(alex)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alex)
    upload = SimpleUploadedFile("work.ics", ICS, content_type="text/calendar")

    assert client.post(f"/app/calendar/{block.pk}/delete").status_code == 403
    assert client.post("/app/calendar/import", {"file": upload}).status_code == 403
    added = {"start": "2026-06-02T09:00", "end": "2026-06-02T10:00", "busy": "busy"}
    assert client.post("/app/calendar/add", added).status_code == 403
    assert list(Event.objects.filter(owner=alex)) == [block]


def test_titles_are_escaped(signed_in, alex):
    event(alex, SCRIPT)

    html = signed_in.get("/app/calendar").content.decode()

    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
