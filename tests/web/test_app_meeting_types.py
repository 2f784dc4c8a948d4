"""Meeting types in the organizer app: list, create, edit, delete, with the API's messages."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from makers import make_person, make_type

from bookwithme.booking import meeting_types
from bookwithme.booking.models import MeetingType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def alex():
    return make_person(page_slug="alex", weekly={"mon": [["08:00", "12:00"]]})


def posted(**changes) -> dict:
    """What the form posts for a plain new type, with `changes`."""
    data = {
        "title": "Workshop",
        "slug": "",
        "description": "",
        "duration_minutes": "60",
        "visibility": "public",
        "location_kind": "online",
        "location_value": "",
        "online_meeting": "on",  # ticked for a new type: an online type needs a way to join
        "hours_mode": "working_hours",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "min_notice_minutes": "120",
        "horizon_days": "60",
        "slot_step_minutes": "",
        "daily_limit": "",
        "reminder_minutes_before": "",
        # The booking rules' defaults (issue 17), as the form shows them.
        "weekly_limit": "",
        "visitor_limit": "",
        "cancel_notice_minutes": "0",
        "reschedule_notice_minutes": "0",
        "max_reschedules": "",
        "max_guests": "0",
        "approval_timeout_hours": "24",
        "durations_minutes": "[]",
    }
    data.update(changes)
    return data


def api_message(owner, field: str, **data) -> str:
    """The message the API gives (through meeting_types.save) for the same input."""
    with pytest.raises(ValidationError) as refused:
        meeting_types.save(
            MeetingType(owner=owner), {"title": "Workshop", "duration_minutes": 60, **data}
        )
    return refused.value.message_dict[field][0]


# the list


def test_the_list_shows_ones_live_types(signed_in, alex, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"
    make_type(alex, title="Intro call", duration_minutes=30)
    make_type(alex, title="Consulting", visibility="private", duration_minutes=60)
    retired = make_type(alex, title="Old offer")
    retired.deleted_at = retired.created_at
    retired.save()
    make_type(make_person(), title="Not mine")

    html = signed_in.get("/app/types/").content.decode()

    assert "Intro call" in html and "Consulting" in html
    assert "Old offer" not in html and "Not mine" not in html
    assert '<span class="badge public">Public</span>' in html
    assert '<span class="badge private">Private</span>' in html
    assert "30 minutes" in html and "60 minutes" in html
    assert 'href="https://book.example.org/alex/intro-call"' in html
    assert "/alex/consulting" not in html


def test_an_empty_list_invites_to_create_one(signed_in):
    html = signed_in.get("/app/types/").content.decode()

    assert "You have no meeting types yet." in html


# creating


def test_the_new_type_form_starts_from_the_defaults(signed_in):
    html = signed_in.get("/app/types/new").content.decode()

    assert 'name="duration_minutes" value="30"' in html
    assert 'name="min_notice_minutes" value="120"' in html
    assert 'name="horizon_days" value="60"' in html
    assert 'value="public" id="id_visibility_0" checked' in html
    assert 'value="working_hours" id="id_hours_mode_0" checked' in html
    # The custom hours editor starts from one's working hours.
    assert 'name="hours-mon-from" value="08:00"' in html
    assert 'name="hours-tue-from"' not in html.split("<template")[0]


def test_creating_a_type_sets_every_field(signed_in, alex):
    data = posted(
        title="Deep dive",
        slug="deep-dive",
        description="Two lines\nof text",
        duration_minutes="90",
        visibility="private",
        location_kind="in_person",
        location_value="1 Main Street",
        online_meeting="on",
        hours_mode="custom",
        buffer_before_minutes="10",
        buffer_after_minutes="15",
        min_notice_minutes="240",
        horizon_days="30",
        slot_step_minutes="30",
        daily_limit="2",
        reminder_minutes_before="60",
    )
    data.update(
        {
            "hours-mon-from": ["09:00", "14:00"],
            "hours-mon-to": ["12:00", "17:00"],
            "hours-fri-from": "10:00",
            "hours-fri-to": "23:59",
            "hours-ov-n1-date": "2026-06-05",
            "hours-ov-n1-from": "13:00",
            "hours-ov-n1-to": "15:00",
            "hours-ov-n2-date": "2026-06-08",
            "hours-ov-n2-off": "1",
            "q-n1-id": "",
            "q-n1-label": "Company name?",
            "q-n1-kind": "text",
            "q-n2-id": "",
            "q-n2-label": "Phone",
            "q-n2-kind": "phone",
            "q-n2-required": "1",
        }
    )

    response = signed_in.post("/app/types/new", data)

    assert response.status_code == 302 and response["Location"] == "/app/types/"
    mt = MeetingType.objects.get(owner=alex)
    assert (mt.title, mt.slug, mt.description) == ("Deep dive", "deep-dive", "Two lines\nof text")
    assert (mt.duration_minutes, mt.visibility) == (90, "private")
    assert (mt.location_kind, mt.location_value, mt.online_meeting) == (
        "in_person",
        "1 Main Street",
        True,
    )
    assert mt.hours["weekly"]["mon"] == [["09:00", "12:00"], ["14:00", "17:00"]]
    assert mt.hours["weekly"]["fri"] == [["10:00", "24:00"]]
    assert mt.hours["weekly"]["tue"] == []
    assert mt.hours["overrides"] == [
        {"date": "2026-06-05", "intervals": [["13:00", "15:00"]]},
        {"date": "2026-06-08", "intervals": []},
    ]
    assert (mt.buffer_before_minutes, mt.buffer_after_minutes) == (10, 15)
    assert (mt.min_notice_minutes, mt.horizon_days, mt.slot_step_minutes) == (240, 30, 30)
    assert (mt.daily_limit, mt.reminder_minutes_before) == (2, 60)
    assert mt.questions == [
        {"id": "company-name", "label": "Company name?", "kind": "text", "required": False},
        {"id": "phone", "label": "Phone", "kind": "phone", "required": True},
    ]
    assert "“Deep dive” is created." in signed_in.get("/app/types/").content.decode()


def test_a_new_type_takes_its_address_from_its_title(signed_in, alex):
    signed_in.post("/app/types/new", posted(title="Coffee chat"))

    mt = MeetingType.objects.get(owner=alex)
    assert (mt.slug, mt.hours, mt.questions, mt.slot_step_minutes) == (
        "coffee-chat",
        None,
        [],
        None,
    )


def test_two_new_questions_with_one_label_get_two_ids(signed_in, alex):
    data = posted()
    data.update({"q-a-label": "Topic", "q-b-label": "Topic", "q-c-label": "¿?"})

    signed_in.post("/app/types/new", data)

    ids = [q["id"] for q in MeetingType.objects.get(owner=alex).questions]
    assert ids[:2] == ["topic", "topic-2"]
    assert ids[2].startswith("q-")


@pytest.mark.parametrize(
    ("changes", "field", "api_data"),
    [
        ({"slot_step_minutes": "90"}, "slot_step_minutes", {"slot_step_minutes": 90}),
        ({"duration_minutes": "500"}, "duration_minutes", {"duration_minutes": 500}),
        ({"title": ""}, "title", {"title": ""}),
        ({"title": "Two\nlines"}, "title", {"title": "Two\nlines"}),
        ({"horizon_days": "0"}, "horizon_days", {"horizon_days": 0}),
        ({"daily_limit": "101"}, "daily_limit", {"daily_limit": 101}),
        ({"slug": "not a slug"}, "slug", {"slug": "not a slug"}),
        (
            {"location_kind": "phone", "location_value": ""},
            "location_value",
            {"location_kind": "phone", "location_value": ""},
        ),
    ],
)
def test_bad_input_shows_the_apis_message_and_keeps_the_input(
    signed_in, alex, changes, field, api_data
):
    expected = api_message(alex, field, **api_data)

    response = signed_in.post("/app/types/new", posted(**changes))

    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html.replace("&#x27;", "'").replace("&quot;", '"')
    assert 'aria-invalid="true"' in html
    assert "Some fields are not valid" in html
    assert not MeetingType.objects.filter(owner=alex).exists()
    for value in changes.values():
        if value and "\n" not in value:
            assert f'value="{value}"' in html or f">{value}<" in html


def test_an_error_is_tied_to_its_input(signed_in, alex):
    html = signed_in.post("/app/types/new", posted(slot_step_minutes="90")).content.decode()

    assert 'aria-invalid="true" aria-describedby="id_slot_step_minutes_helptext ' in html
    assert 'id="id_slot_step_minutes_error"' in html


def test_bad_custom_hours_show_the_apis_message(signed_in, alex):
    data = posted(hours_mode="custom")
    data.update({"hours-mon-from": "17:00", "hours-mon-to": "09:00"})
    expected = api_message(alex, "hours", hours={"weekly": {"mon": [["17:00", "09:00"]]}})

    response = signed_in.post("/app/types/new", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html and 'id="id_hours_mode_error"' in html
    assert 'name="hours-mon-from" value="17:00"' in html  # kept as typed


def test_custom_hours_are_not_read_while_working_hours_are_chosen(signed_in, alex):
    data = posted(hours_mode="working_hours")
    data.update({"hours-mon-from": "17:00", "hours-mon-to": "09:00"})

    assert signed_in.post("/app/types/new", data).status_code == 302
    assert MeetingType.objects.get(owner=alex).hours is None


def test_bad_questions_show_the_apis_message(signed_in, alex):
    data = posted()
    data.update({"q-0-id": "topic", "q-0-label": "Topic", "q-0-kind": "essay"})
    question = {"id": "topic", "label": "Topic", "kind": "essay", "required": False}
    expected = api_message(alex, "questions", questions=[question])

    response = signed_in.post("/app/types/new", data)

    html = response.content.decode()
    assert expected in html and 'id="questions_error"' in html
    assert 'name="q-0-label" value="Topic"' in html


def test_an_address_taken_by_another_type_is_refused(signed_in, alex):
    make_type(alex, title="Intro call")

    response = signed_in.post("/app/types/new", posted(slug="intro-call"))

    assert "You already have a meeting type at this address." in response.content.decode()
    assert MeetingType.objects.filter(owner=alex).count() == 1


def test_a_nul_character_is_refused_everywhere(signed_in, alex):
    data = posted()
    data.update({"q-0-label": "Bad\x00label"})

    response = signed_in.post("/app/types/new", data)

    assert response.status_code == 200
    assert "NUL characters are not allowed." in response.content.decode()
    assert not MeetingType.objects.filter(owner=alex).exists()


def test_a_number_that_is_not_one_is_refused(signed_in, alex):
    response = signed_in.post("/app/types/new", posted(duration_minutes="an hour"))

    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()
    assert not MeetingType.objects.filter(owner=alex).exists()


def test_creating_needs_the_csrf_token(alex):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alex)

    assert client.post("/app/types/new", posted()).status_code == 403
    assert not MeetingType.objects.filter(owner=alex).exists()


# changing


def test_the_edit_form_shows_the_type(signed_in, alex):
    mt = make_type(
        alex,
        title="Review",
        slot_step_minutes=15,
        hours={"weekly": {"tue": [["10:00", "24:00"]]}},
        questions=[{"id": "topic", "label": "Topic", "kind": "long_text", "required": True}],
    )

    html = signed_in.get(f"/app/types/{mt.pk}/").content.decode()

    assert 'name="title" value="Review"' in html
    assert 'name="slot_step_minutes" value="15"' in html
    assert 'value="custom" id="id_hours_mode_1" checked' in html
    assert 'name="hours-tue-from" value="10:00"' in html
    assert 'name="hours-tue-to" value="23:59"' in html  # a time input cannot show 24:00
    assert 'name="q-0-id" value="topic"' in html
    assert '<option value="long_text" selected>' in html
    assert 'id="q-0-required" name="q-0-required" value="1" checked' in html


def test_editing_keeps_question_ids_and_drops_cleared_questions(signed_in, alex):
    mt = make_type(
        alex,
        questions=[
            {"id": "topic", "label": "Topic", "kind": "text", "required": False},
            {"id": "budget", "label": "Budget", "kind": "text", "required": False},
        ],
    )
    data = posted(title="Renamed")
    data.update(
        {
            "q-0-id": "topic",
            "q-0-label": "What about?",
            "q-0-kind": "long_text",
            "q-0-required": "1",
            "q-1-id": "budget",
            "q-1-label": "",
            "q-1-kind": "text",
        }
    )

    response = signed_in.post(f"/app/types/{mt.pk}/", data)

    assert response.status_code == 302
    mt.refresh_from_db()
    assert mt.title == "Renamed"
    assert mt.questions == [
        {"id": "topic", "label": "What about?", "kind": "long_text", "required": True}
    ]
    assert "“Renamed” is saved." in signed_in.get("/app/types/").content.decode()


def test_a_type_goes_back_to_the_working_hours(signed_in, alex):
    mt = make_type(alex, hours={"weekly": {"tue": [["10:00", "12:00"]]}})

    signed_in.post(f"/app/types/{mt.pk}/", posted(hours_mode="working_hours"))

    mt.refresh_from_db()
    assert mt.hours is None


def test_a_failed_edit_changes_nothing(signed_in, alex):
    mt = make_type(alex, title="Intro call", duration_minutes=30)

    response = signed_in.post(f"/app/types/{mt.pk}/", posted(title="New", slot_step_minutes="90"))

    assert response.status_code == 200
    assert "Edit “Intro call”" in response.content.decode()
    mt.refresh_from_db()
    assert (mt.title, mt.slot_step_minutes) == ("Intro call", None)


def test_someone_elses_or_a_deleted_type_is_not_found(signed_in, alex):
    other = make_type(make_person(), title="Not mine")
    retired = make_type(alex)
    retired.deleted_at = retired.created_at
    retired.save()

    for mt in (other, retired):
        for path in (f"/app/types/{mt.pk}/", f"/app/types/{mt.pk}/delete"):
            assert signed_in.get(path).status_code == 404
            assert signed_in.post(path, posted(title="Hacked")).status_code == 404
    other.refresh_from_db()
    assert other.title == "Not mine" and other.deleted_at is None


def test_titles_are_escaped(signed_in, alex):
    mt = make_type(alex, title=SCRIPT)

    for path in ("/app/types/", f"/app/types/{mt.pk}/", f"/app/types/{mt.pk}/delete"):
        html = signed_in.get(path).content.decode()
        assert "<script>alert" not in html and ESCAPED in html, path


# deleting


def test_deleting_asks_first_then_retires_the_type(signed_in, alex):
    mt = make_type(alex, title="Intro call")

    confirm = signed_in.get(f"/app/types/{mt.pk}/delete")
    assert confirm.status_code == 200 and "Delete “Intro call”?" in confirm.content.decode()
    mt.refresh_from_db()
    assert mt.deleted_at is None

    response = signed_in.post(f"/app/types/{mt.pk}/delete")

    assert response.status_code == 302 and response["Location"] == "/app/types/"
    mt.refresh_from_db()
    assert mt.deleted_at is not None
    html = signed_in.get("/app/types/").content.decode()
    assert "“Intro call” is deleted." in html and "You have no meeting types yet." in html


def test_deleting_needs_the_csrf_token(alex):
    mt = make_type(alex)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alex)

    assert client.post(f"/app/types/{mt.pk}/delete").status_code == 403
    mt.refresh_from_db()
    assert mt.deleted_at is None
