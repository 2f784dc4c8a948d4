"""The public slots route has a hot path (one SQL row, then the cache) and a slow one (the ORM,
then the computation): whatever the state, both answer the same, status and body."""

import pytest
from apicheck import API, assert_error, ok
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from makers import NOW, make_type

from bookwithme.booking.models import MeetingType
from bookwithme.calendars.models import Connection
from bookwithme.directory.models import Organization, Person

SLOTS = f"{API}/pages/alex/intro/slots"
WEEK = {"from": "2026-06-01", "to": "2026-06-07", "tz": "America/Montreal"}


@pytest.fixture
def intro(alex):
    return make_type(alex, title="Intro call", slug="intro")


def answer(client, params=WEEK):
    response = client.get(SLOTS, params)
    return response.status_code, response.json()


def hot_and_cold(client, params=WEEK):
    """The answer with the cache as the previous requests left it, then with it empty."""
    hot = answer(client, params)
    caches["slots"].clear()
    cold = answer(client, params)
    return hot, cold


def stale_calendar(alex):
    Connection.objects.create(
        owner=alex, kind=Connection.Kind.ICS, url="https://calendar.example/feed.ics"
    )


def connected_then_stale(alex):
    Connection.objects.filter(owner=alex).update(last_success_at=None)


# Changes that send no signal, so the owner's availability_version (the cache key) stays and
# the hot path finds the answer cached while the page was shown.
STATES = {
    "unchanged": lambda alex, intro: None,
    "page switched off": lambda alex, intro: Person.objects.filter(pk=alex.pk).update(
        page_published=False
    ),
    "person deactivated": lambda alex, intro: Person.objects.filter(pk=alex.pk).update(
        is_active=False
    ),
    "licence removed": lambda alex, intro: Person.objects.filter(pk=alex.pk).update(
        has_licence=False
    ),
    "org blocks the app": lambda alex, intro: Organization.objects.filter(
        pk=alex.organization_id
    ).update(app_access_policy="EnforceBlockList", app_block_list=["personalbookings"]),
    "mailbox allow list without the app": lambda alex, intro: Person.objects.filter(
        pk=alex.pk
    ).update(app_access_policy="EnforceAllowList", app_allow_list=["Other"]),
    "no anonymous sharing": lambda alex, intro: Organization.objects.filter(
        pk=alex.organization_id
    ).update(anonymous_sharing="none"),
    "type made private": lambda alex, intro: MeetingType.objects.filter(pk=intro.pk).update(
        visibility="private"
    ),
    "type deleted": lambda alex, intro: MeetingType.objects.filter(pk=intro.pk).update(
        deleted_at=NOW
    ),
    "page moved": lambda alex, intro: Person.objects.filter(pk=alex.pk).update(
        page_slug="alexandra"
    ),
    "calendar stale": lambda alex, intro: connected_then_stale(alex),
    "more notice": lambda alex, intro: MeetingType.objects.filter(pk=intro.pk).update(
        min_notice_minutes=48 * 60
    ),
    "shorter horizon": lambda alex, intro: MeetingType.objects.filter(pk=intro.pk).update(
        horizon_days=2
    ),
    # The cached JSON keeps what lies on either side of the starts it shows, for these two.
    "less notice": lambda alex, intro: MeetingType.objects.filter(pk=intro.pk).update(
        min_notice_minutes=0
    ),
    "longer horizon": lambda alex, intro: MeetingType.objects.filter(pk=intro.pk).update(
        horizon_days=365
    ),
}


@pytest.mark.parametrize("state", STATES)
def test_the_hot_and_the_slow_path_answer_alike(client, alex, intro, state):
    Connection.objects.create(
        owner=alex,
        kind=Connection.Kind.ICS,
        url="https://calendar.example/feed.ics",
        last_success_at=NOW,
    )
    before = answer(client)  # computed and cached while the page is shown
    assert before[0] == 200 and before[1]["slots"]
    STATES[state](alex, intro)
    hot, cold = hot_and_cold(client)
    assert hot == cold
    if state == "unchanged":
        assert hot == before


@pytest.mark.parametrize(
    "state, status, code",
    [
        ("page switched off", 404, "page_unavailable"),
        ("licence removed", 404, "page_unavailable"),
        ("type made private", 404, "not_found"),
        ("page moved", 404, "not_found"),
    ],
)
def test_a_refused_page_is_refused_though_its_slots_are_cached(
    client, alex, intro, state, status, code
):
    ok(client.get(SLOTS, WEEK))
    STATES[state](alex, intro)
    assert_error(client.get(SLOTS, WEEK), status, code)


def test_a_stale_calendar_says_so_though_the_slots_are_cached(client, alex, intro):
    assert "notice" not in ok(client.get(SLOTS, WEEK))
    stale_calendar(alex)
    body = ok(client.get(SLOTS, WEEK))
    assert body == {"time_zone": "America/Montreal", "slots": [], "notice": "calendar_stale"}


def test_a_cached_answer_costs_one_query(client, alex, intro):
    ok(client.get(SLOTS, WEEK))
    with CaptureQueriesContext(connection) as queries:
        ok(client.get(SLOTS, WEEK))
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_bad_days_are_refused_only_once_the_page_is_known(client, alex, intro):
    backwards = {"from": "2026-06-07", "to": "2026-06-01"}
    assert_error(client.get(SLOTS, backwards), 422, "validation")
    ok(client.get(SLOTS, WEEK))  # now cached: the hot path checks the days too
    assert_error(client.get(SLOTS, backwards), 422, "validation")
    assert_error(client.get(SLOTS, {**WEEK, "tz": "Mars/Olympus"}), 422, "validation")
    Person.objects.filter(pk=alex.pk).update(page_published=False)
    assert_error(client.get(SLOTS, backwards), 404, "page_unavailable")
