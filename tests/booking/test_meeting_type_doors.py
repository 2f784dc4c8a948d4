"""A meeting type is tidied and checked alike at every door: the admin's form does what the API
does (hours in their stored form, question defaults, a slug made from the title, the model's
messages)."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from makers import auth, make_person, make_token

from bookwithme.booking.meeting_types import FIELDS, save
from bookwithme.booking.models import MeetingType
from bookwithme.directory.models import Person

pytestmark = pytest.mark.django_db

ADD = reverse("admin:booking_meetingtype_add")
TYPED = {
    "title": "  Design review ",
    "duration_minutes": 45,
    "hours": {"mon": [["09:00", "12:00"]], "wed": [["14:00", "24:00"]]},  # a bare weekly map
    "questions": [{"id": "topic", "label": "What about?"}],  # no kind, no required
}


@pytest.fixture
def admin_client(client):
    client.force_login(Person.objects.create_superuser("root@platform.test", "pw-root"))
    return client


def through_the_admin(client, owner, **typed):
    """Post the admin's add form as a person fills it: blank where they type nothing."""
    data = {
        "owner": owner.pk,
        "slug": "",
        "description": "",
        "visibility": "public",
        "location_kind": "online",
        "location_value": "",
        "online_meeting": "on",  # an online type needs a way to join
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "min_notice_minutes": "120",
        "horizon_days": "60",
        "questions": "[]",
        # The booking rules' defaults (issue 17), as the admin's form shows them.
        "cancel_notice_minutes": "0",
        "reschedule_notice_minutes": "0",
        "max_guests": "0",
        "approval_timeout_hours": "24",
        "durations_minutes": "[]",
        "_save": "Save",
    }
    for name, value in typed.items():
        data[name] = json.dumps(value) if name in ("hours", "questions") else value
    return client.post(ADD, data)


def through_the_api(client, owner, **typed):
    return client.post(
        "/api/v1/meeting-types",
        typed,
        content_type="application/json",
        **auth(make_token(owner)),
    )


def stored(owner) -> dict:
    mt = MeetingType.objects.get(owner=owner)
    return {name: getattr(mt, name) for name in FIELDS}


def test_the_admin_stores_a_type_as_the_api_does(admin_client, client):
    by_admin, by_api = make_person(), make_person()

    assert through_the_admin(admin_client, by_admin, **TYPED).status_code == 302
    assert through_the_api(client, by_api, **TYPED).status_code == 201

    assert stored(by_admin) == stored(by_api)
    kept = stored(by_admin)
    assert (kept["title"], kept["slug"]) == ("Design review", "design-review")
    assert kept["hours"]["weekly"]["wed"] == [["14:00", "24:00"]]
    assert kept["hours"]["overrides"] == []
    assert kept["questions"] == [
        {"id": "topic", "label": "What about?", "kind": "text", "required": False}
    ]


def test_the_admin_makes_a_free_slug_as_the_api_does(admin_client):
    owner = make_person()

    for _ in range(2):
        through_the_admin(admin_client, owner, title="Intro", duration_minutes=30)

    slugs = MeetingType.objects.filter(owner=owner).values_list("slug", flat=True)
    assert sorted(slugs) == ["intro", "intro-2"]


def test_the_admin_refuses_with_the_apis_messages(admin_client, client):
    owner = make_person()
    typed = {"title": "Visit", "duration_minutes": 30, "slot_step_minutes": 45}
    location = {"location_kind": "in_person", "location_value": " "}
    api = through_the_api(
        client, owner, **typed, location={"kind": "in_person", "value": " "}
    ).json()["fields"]

    html = through_the_admin(admin_client, owner, **typed, **location).content.decode()

    assert [api["slot_step_minutes"][0], api["location"][0]] == [
        "The step cannot be longer than the meeting.",
        "Say where (an address) or which number to call.",
    ]
    assert api["slot_step_minutes"][0] in html and api["location"][0] in html
    assert not MeetingType.objects.filter(owner=owner).exists()


def test_a_missing_title_is_the_only_complaint_not_a_slug_made_from_it(db):
    owner = make_person()
    with pytest.raises(ValidationError) as refused:
        save(MeetingType(owner=owner), {"title": "", "duration_minutes": 30})
    assert set(refused.value.message_dict) == {"title"}
