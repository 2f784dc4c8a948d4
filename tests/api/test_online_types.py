"""An online type always tells its attendees how to join: a generated link or its own web
address, refused otherwise at every door (the API, the app's form, the admin), and mended in
the types stored before the rule (migration 0008)."""

import importlib

from apicheck import API, assert_error, ok
from django.apps import apps
from dom import dom, one
from makers import auth, make_token, make_type

from bookwithme.booking.models import MeetingType

SILENT = {"location": {"kind": "online", "value": ""}, "online_meeting": False}


def post(client, token, path, body, method="post"):
    send = getattr(client, method)
    return send(API + path, body, content_type="application/json", **auth(token))


def test_the_api_refuses_a_new_online_type_with_no_way_to_join(client, alex):
    body = {"title": "Chat", "duration_minutes": 30, **SILENT}
    refused = assert_error(
        post(client, make_token(alex), "/meeting-types", body), 422, "validation"
    )
    assert "a way to join" in refused["fields"]["online_meeting"][0]
    assert not MeetingType.objects.filter(owner=alex).exists()


def test_the_api_refuses_a_change_that_leaves_no_way_to_join(client, alex):
    mt = make_type(alex, slug="chat")
    token = make_token(alex)
    path = f"/meeting-types/{mt.pk}"
    refused = post(client, token, path, {"online_meeting": False}, method="patch")
    assert (
        "a way to join" in assert_error(refused, 422, "validation")["fields"]["online_meeting"][0]
    )
    mt.refresh_from_db()
    assert mt.online_meeting


def test_an_online_type_may_be_joined_at_its_own_address_instead(client, alex):
    body = {
        "title": "Chat",
        "duration_minutes": 30,
        "online_meeting": False,
        "location": {"kind": "online", "value": "https://meet.example.org/alex"},
    }
    created = ok(post(client, make_token(alex), "/meeting-types", body), 201)
    assert created["location"]["value"] == "https://meet.example.org/alex"


def test_words_alone_are_no_way_to_join(client, alex):
    body = {"title": "Chat", "duration_minutes": 30, **SILENT}
    body["location"] = {"kind": "online", "value": "Zoom, link to follow"}
    refused = assert_error(
        post(client, make_token(alex), "/meeting-types", body), 422, "validation"
    )
    assert "online_meeting" in refused["fields"]


def test_a_new_type_needs_nothing_more_to_be_joined(client, alex):
    created = ok(
        post(client, make_token(alex), "/meeting-types", {"title": "Chat", "duration_minutes": 30}),
        201,
    )
    assert (created["location"]["kind"], created["online_meeting"]) == ("online", True)


def test_without_a_link_provider_only_an_address_will_do(client, alex, settings):
    settings.BOOKWITHME_MEETING_PROVIDER = "none"
    body = {"title": "Chat", "duration_minutes": 30, "online_meeting": True}
    refused = assert_error(
        post(client, make_token(alex), "/meeting-types", body), 422, "validation"
    )
    assert "web address" in refused["fields"]["online_meeting"][0]


def test_the_apps_form_starts_ticked_and_refuses_no_way_to_join_in_words(client, alex):
    client.force_login(alex)
    page = dom(client.get("/app/types/new"))
    assert one(page, '//input[@name="online_meeting"]').get("checked") is not None
    data = {
        "title": "Chat",
        "duration_minutes": "30",
        "visibility": "public",
        "location_kind": "online",
        "location_value": "",
        "hours_mode": "working_hours",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "min_notice_minutes": "120",
        "horizon_days": "60",
    }
    response = client.post("/app/types/new", data)
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert "Attendees need a way to join: generate a meeting link for every booking" in html
    assert not MeetingType.objects.filter(owner=alex).exists()


def test_the_migration_turns_on_the_link_of_types_with_no_way_to_join(alex):
    silent = MeetingType.objects.create(owner=alex, title="A", slug="a", duration_minutes=30)
    worded = MeetingType.objects.create(
        owner=alex, title="B", slug="b", duration_minutes=30, location_value="Zoom"
    )
    addressed = MeetingType.objects.create(
        owner=alex, title="C", slug="c", duration_minutes=30, location_value="https://x.example/c"
    )
    phoned = MeetingType.objects.create(
        owner=alex,
        title="D",
        slug="d",
        duration_minutes=30,
        location_kind="phone",
        location_value="+33 1 23 45 67 89",
    )
    MeetingType.objects.update(online_meeting=False)  # as stored before the rule

    migration = importlib.import_module(
        "bookwithme.booking.migrations.0008_online_types_tell_how_to_join"
    )
    migration.generate_links(apps, None)

    on = dict(MeetingType.objects.values_list("slug", "online_meeting"))
    assert on == {"a": True, "b": True, "c": False, "d": False}
    for mt in (silent, worded, addressed, phoned):
        mt.refresh_from_db()
        mt.full_clean()  # every type stored now passes the rules


def test_a_new_type_met_in_person_generates_no_link(client, alex):
    body = {
        "title": "Coffee",
        "duration_minutes": 30,
        "location": {"kind": "in_person", "value": "1 Main Street"},
    }
    created = ok(post(client, make_token(alex), "/meeting-types", body), 201)
    assert created["online_meeting"] is False
