"""The access rules seen from outside: pages switch off and on at the very next request, for
every kind of setting; tokens of blocked apps are refused; nobody is stranded."""

import json
from datetime import datetime

import pytest
from apicheck import API, assert_error, ok
from makers import auth, make_link, make_token, make_type

from bookwithme.booking import services
from bookwithme.directory import changes
from bookwithme.directory.models import AuditEntry

ACTOR = "tests"


@pytest.fixture
def intro(alex):
    return make_type(alex, title="Intro call", slug="intro")


@pytest.fixture
def booked(intro):
    attendee = services.Attendee(name="Eve", email="eve@example.org", time_zone="UTC")
    return services.book(intro, datetime.fromisoformat("2026-06-02T10:00:00+02:00"), attendee)


def switch_off(kind, person):
    org = person.organization
    return {
        "licence removed": lambda: changes.set_licence(person, False, actor=ACTOR),
        "org calendar API off": lambda: changes.change_access(
            org, actor=ACTOR, calendar_api_enabled=False
        ),
        "org allow list without the app": lambda: changes.change_access(
            org, actor=ACTOR, app_access_policy="EnforceAllowList", allow_add=["Other"]
        ),
        "org block list with the app": lambda: changes.change_access(
            org, actor=ACTOR, app_access_policy="EnforceBlockList", block_add=["PersonalBookings"]
        ),
        "mailbox calendar API off": lambda: changes.change_access(
            person, actor=ACTOR, calendar_api_enabled=False
        ),
        "mailbox allow list without the app": lambda: changes.change_access(
            person, actor=ACTOR, app_access_policy="EnforceAllowList"
        ),
        "mailbox block list with the app": lambda: changes.change_access(
            person,
            actor=ACTOR,
            app_access_policy="EnforceBlockList",
            block_add=["PersonalBookings"],
        ),
        "anonymous sharing none": lambda: changes.set_anonymous_sharing(org, "none", actor=ACTOR),
    }[kind]()


def switch_on(kind, person):
    org = person.organization
    if kind == "licence removed":
        changes.set_licence(person, True, actor=ACTOR)
    elif kind == "anonymous sharing none":
        changes.set_anonymous_sharing(org, "Simple", actor=ACTOR)
    else:
        target = org if kind.startswith("org") else person
        changes.change_access(
            target,
            actor=ACTOR,
            calendar_api_enabled=None,
            app_access_policy="",
            allow_remove=["Other"],
            block_remove=["PersonalBookings"],
        )


KINDS = [
    "licence removed",
    "org calendar API off",
    "org allow list without the app",
    "org block list with the app",
    "mailbox calendar API off",
    "mailbox allow list without the app",
    "mailbox block list with the app",
    "anonymous sharing none",
]

BOOKING = {"name": "Bo", "email": "bo@example.org", "time_zone": "UTC"}


def public_answers(client, link_token):
    """Status of each public route of the page, in a fixed order."""
    slots_params = {"from": "2026-06-02", "to": "2026-06-02", "tz": "UTC"}
    start = {"start": "2026-06-02T09:00:00+02:00", **BOOKING}
    results = {
        "page": client.get(f"{API}/pages/alex"),
        "type": client.get(f"{API}/pages/alex/intro"),
        "slots": client.get(f"{API}/pages/alex/intro/slots", slots_params),
        "link": client.get(f"{API}/links/{link_token}"),
        "link slots": client.get(f"{API}/links/{link_token}/slots", slots_params),
        "html page": client.get("/alex"),
        "feed": client.get("/freebusy/alex.ics"),
    }
    return results, start


@pytest.mark.parametrize("kind", KINDS)
def test_the_page_switches_off_and_on_at_once(client, alex, intro, kind):
    link_token = make_link(intro)
    before, _ = public_answers(client, link_token)  # also fills the slots cache
    assert {name: r.status_code for name, r in before.items()} == dict.fromkeys(before, 200)

    switch_off(kind, alex)
    off, start = public_answers(client, link_token)
    for name, response in off.items():
        if name in ("html page", "feed"):
            assert response.status_code == 404, name
        else:
            assert_error(response, 404, "page_unavailable")
    booking = client.post(
        f"{API}/pages/alex/intro/bookings", json.dumps(start), content_type="application/json"
    )
    assert_error(booking, 404, "page_unavailable")
    me = ok(client.get(f"{API}/me", **auth(make_token(alex))))
    assert me["enabled"] is False
    assert me["disabled_reason"]

    switch_on(kind, alex)
    on, _ = public_answers(client, link_token)
    assert {name: r.status_code for name, r in on.items()} == dict.fromkeys(on, 200)
    assert ok(client.get(f"{API}/me", **auth(make_token(alex))))["enabled"] is True


def test_me_names_the_first_refusal(client, alex, intro):
    token = make_token(alex)
    changes.set_licence(alex, False, actor=ACTOR)
    changes.set_anonymous_sharing(alex.organization, "none", actor=ACTOR)
    assert ok(client.get(f"{API}/me", **auth(token)))["disabled_reason"] == "no_licence"
    changes.set_licence(alex, True, actor=ACTOR)
    assert ok(client.get(f"{API}/me", **auth(token)))["disabled_reason"] == (
        "anonymous_sharing_off"
    )


def test_a_switched_off_page_strands_nobody(client, alex, booked):
    token = booked.manage_token
    changes.change_access(alex.organization, actor=ACTOR, calendar_api_enabled=False)
    assert ok(client.get(f"{API}/manage/{token}"))["status"] == "confirmed"
    assert client.get(f"{API}/manage/{token}/ics").status_code == 200
    assert client.get(f"/manage/{token}").status_code == 200
    assert_error(
        client.get(f"{API}/manage/{token}/slots", {"from": "2026-06-02"}), 404, "page_unavailable"
    )
    cancelled = client.post(
        f"{API}/manage/{token}/cancel",
        json.dumps({"reason": "Off"}),
        content_type="application/json",
    )
    assert ok(cancelled) == {"status": "cancelled"}
    # The organizer still sees and manages their bookings.
    listed = ok(client.get(f"{API}/bookings", **auth(make_token(alex))))
    assert [b["status"] for b in listed] == ["cancelled"]


def test_a_blocked_apps_token_is_refused_while_the_pages_own_works(client, alex):
    other = make_token(alex, app="ReportingTool")
    own = make_token(alex)
    assert ok(client.get(f"{API}/me", **auth(other)))["email"] == alex.email
    changes.change_access(
        alex.organization,
        actor=ACTOR,
        app_access_policy="EnforceBlockList",
        block_add=["ReportingTool"],
    )
    assert_error(client.get(f"{API}/me", **auth(other)), 403, "forbidden")
    assert_error(client.get(f"{API}/meeting-types", **auth(other)), 403, "forbidden")
    assert ok(client.get(f"{API}/me", **auth(own)))["enabled"] is True
    # A person-level allow list that leaves the app out refuses it too.
    changes.change_access(alex.organization, actor=ACTOR, app_access_policy="")
    changes.change_access(
        alex, actor=ACTOR, app_access_policy="EnforceAllowList", allow_add=["PersonalBookings"]
    )
    assert_error(client.get(f"{API}/me", **auth(other)), 403, "forbidden")
    assert ok(client.get(f"{API}/me", **auth(own)))["email"] == alex.email


def test_every_change_is_audited(alex):
    changes.change_access(
        alex.organization, actor="ops", calendar_api_enabled=False, block_add=["X"]
    )
    changes.set_licence(alex, False, actor="ops")
    rows = list(
        AuditEntry.objects.order_by("pk").values_list("actor", "setting", "before", "after")
    )
    assert rows == [
        ("ops", "calendar_api_enabled", None, False),
        ("ops", "app_block_list", [], ["X"]),
        ("ops", "has_licence", True, False),
    ]


def test_contradictory_changes_change_nothing(alex):
    with pytest.raises(changes.ChangeError, match="both name X"):
        changes.change_access(
            alex.organization,
            actor=ACTOR,
            calendar_api_enabled=False,
            allow_add=["X"],
            allow_remove=["X"],
        )
    alex.organization.refresh_from_db()
    assert alex.organization.calendar_api_enabled is None
    assert not AuditEntry.objects.exists()
