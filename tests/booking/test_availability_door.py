"""Availability's one door (`offer`, `offer_on_page`, `is_offered`) and the seams behind it:
the hot path's one SQL row decides as `access.check_page` and `Connection.busy_state` do, over
every state they read; cached, uncached and one-start answers agree."""

import itertools
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from makers import NOW, make_person, make_type

from bookwithme.booking import access, availability, services
from bookwithme.booking.availability import Days, Offer, _head, is_offered, offer, offer_on_page
from bookwithme.booking.errors import NotFound, PageUnavailable
from bookwithme.calendars.events import add_event
from bookwithme.calendars.models import Connection, stale_after
from bookwithme.directory.models import Organization, Person

pytestmark = pytest.mark.usefixtures("frozen")

PARIS = ZoneInfo("Europe/Paris")
TUESDAY = NOW.date() + timedelta(days=1)
WEEK = Days(NOW.date(), NOW.date() + timedelta(days=6), PARIS)


@pytest.fixture
def alex(db):
    return make_person(time_zone="Europe/Paris", page_slug="alex")


@pytest.fixture
def intro(alex):
    return make_type(alex, slug="intro", duration_minutes=60)


def fetched(meeting_type):
    """The type as the routes have it: with its owner and their organization."""
    return type(meeting_type).objects.select_related("owner__organization").get(pk=meeting_type.pk)


def days_for(days: Days):
    return lambda _owner_zone: days


# --- the staleness rule: one definition, the SQL held to it --------------------------------

BOUND = NOW - stale_after()
# Every kind of last good sync, around the bound to the microsecond.
LAST_SUCCESS = [
    None,
    BOUND - timedelta(microseconds=1),
    BOUND,
    BOUND + timedelta(microseconds=1),
    NOW,
]
CONNECTION_STATES = list(itertools.product([True, False], LAST_SUCCESS))


def connect(owner, checks_busy, last_success_at):
    return Connection.objects.create(
        owner=owner,
        kind=Connection.Kind.ICS,
        url="https://calendar.example/feed.ics",
        checks_busy=checks_busy,
        last_success_at=last_success_at,
    )


def test_the_hot_paths_staleness_is_busy_states_in_every_state(alex, intro):
    """No connection, one or two in every state (checking busy time or not, never read, read
    just before, at or after the bound), with or without a stale one of someone else."""
    someone = make_person()
    seen = set()
    for count, elsewhere in itertools.product([0, 1, 2], [False, True]):
        for states in itertools.combinations_with_replacement(CONNECTION_STATES, count):
            Connection.objects.all().delete()
            for checks_busy, last_success_at in states:
                connect(alex, checks_busy, last_success_at)
            if elsewhere:
                connect(someone, True, None)
            expected = Connection.objects.busy_state(alex.pk, NOW).stale
            assert _head("alex", "intro", NOW).stale is expected, states
            seen.add(expected)
    assert seen == {True, False}


def test_the_hot_paths_coverage_is_busy_states(alex, intro):
    """How far the connected calendars were read: none, one, the least of several, and only
    of those that check busy time (to the microsecond, as both engines store it)."""
    someone = make_person()
    far = NOW + timedelta(days=90, microseconds=7)
    near = NOW + timedelta(days=30, microseconds=3)
    cases = [[], [(True, far)], [(True, far), (True, near)], [(False, near), (True, far)]]
    cases += [[(True, None)], [(True, None), (True, far)]]
    for case in cases:
        Connection.objects.all().delete()
        connect(someone, True, NOW).__class__.objects.filter(owner=someone).update(synced_until=NOW)
        for checks_busy, synced_until in case:
            connection_ = connect(alex, checks_busy, NOW)
            Connection.objects.filter(pk=connection_.pk).update(synced_until=synced_until)
        expected = Connection.objects.busy_state(alex.pk, NOW).covered_until
        assert _head("alex", "intro", NOW).details()[1] == expected, case


# --- the access rules: the row feeds the same `page_shown` as check_page --------------------

# One level's settings (calendar_api_enabled, policy, allow list, block list): unset, off, on,
# and allow and block lists with and without the page's app (its name in other cases too).
LEVELS = [
    (None, "", [], []),
    (False, "", [], []),
    (True, "", [], []),
    (None, "EnforceAllowList", ["personalbookings"], []),
    (None, "EnforceAllowList", ["Other"], ["PersonalBookings"]),
    (None, "EnforceBlockList", ["PersonalBookings"], ["PERSONALBOOKINGS"]),
    (None, "EnforceBlockList", [], ["Other"]),
]
SWITCHES = [(True, True), (False, True), (True, False)]  # is_active, page_published


def settings_of(level) -> dict:
    enabled, policy, allow, block = level
    return {
        "calendar_api_enabled": enabled,
        "app_access_policy": policy,
        "app_allow_list": allow,
        "app_block_list": block,
    }


def test_the_hot_paths_access_decision_is_check_pages_in_every_state(alex, intro):
    seen = set()
    for org_level, own_level, licence, sharing, (active, published) in itertools.product(
        LEVELS, LEVELS, [True, False], ["Simple", "none", "Reviewer"], SWITCHES
    ):
        Organization.objects.filter(pk=alex.organization_id).update(
            anonymous_sharing=sharing, **settings_of(org_level)
        )
        Person.objects.filter(pk=alex.pk).update(
            is_active=active,
            page_published=published,
            has_licence=licence,
            **settings_of(own_level),
        )
        person = Person.objects.select_related("organization").get(pk=alex.pk)
        expected = access.page_shown(person)
        assert _head("alex", "intro", NOW).shown is expected, (org_level, own_level, licence)
        seen.add(expected)
    assert seen == {True, False}


def test_check_page_refuses_exactly_what_page_shown_refuses(alex):
    access.check_page(alex)
    Person.objects.filter(pk=alex.pk).update(has_licence=False)
    alex.refresh_from_db()
    assert not access.page_shown(alex)
    with pytest.raises(PageUnavailable):
        access.check_page(alex)


def test_no_head_for_what_is_not_a_public_type(alex, intro):
    make_type(alex, slug="secret", visibility="private")
    gone = make_type(alex, slug="gone")
    gone.deleted_at = NOW
    gone.save()
    assert _head("ALEX", "intro", NOW) is not None  # page addresses ignore case
    for page, slug in [("alex", "secret"), ("alex", "gone"), ("alex", "nope"), ("bob", "intro")]:
        assert _head(page, slug, NOW) is None, slug
    assert _head("al\x00ex", "intro", NOW) is None


# --- the door: the page's hot path answers as `offer` does ----------------------------------


def test_the_page_answers_as_offer_does_cached_or_not(alex, intro):
    cold = offer_on_page("alex", "intro", days_for(WEEK))  # computed, then cached
    assert cold.pairs and cold.notice is None and cold.tz == PARIS
    with CaptureQueriesContext(connection) as queries:
        hot = offer_on_page("alex", "intro", days_for(WEEK))
    assert len(queries) == 1, [q["sql"] for q in queries]  # the head; the rest from the cache
    assert hot == cold == offer(fetched(intro), WEEK)


def test_notice_and_horizon_apply_to_cached_answers_on_each_call(alex, intro, frozen):
    before = offer_on_page("alex", "intro", days_for(WEEK))
    frozen.shift(timedelta(hours=4))
    later = offer_on_page("alex", "intro", days_for(WEEK))
    assert later.pairs == [
        p for p in before.pairs if p[0] >= (NOW + timedelta(hours=4)).timestamp()
    ]
    assert later == offer(fetched(intro), WEEK)


def test_a_stale_calendar_offers_nothing_on_every_path(alex, intro):
    booking = book(intro, "10:00")
    offer_on_page("alex", "intro", days_for(WEEK))  # cached while all is well
    connect(alex, True, None)
    stale = Offer(PARIS, [], availability.NOTICE_STALE)
    assert offer_on_page("alex", "intro", days_for(WEEK)) == stale
    assert offer(fetched(intro), WEEK) == stale
    assert offer(fetched(intro), WEEK, ignoring=booking) == stale
    assert not is_offered(intro, at("11:00"))


@pytest.mark.parametrize(
    "change, refusal",
    [
        ({"page_published": False}, PageUnavailable),
        ({"is_active": False}, PageUnavailable),
        ({"has_licence": False}, PageUnavailable),
        ({"calendar_api_enabled": False}, PageUnavailable),
        ({"page_slug": "alexandra"}, NotFound),
    ],
)
def test_a_refused_page_is_refused_even_with_its_answer_cached(alex, intro, change, refusal):
    offer_on_page("alex", "intro", days_for(WEEK))  # cached while the page was shown
    Person.objects.filter(pk=alex.pk).update(**change)  # no signal: the version stays
    with pytest.raises(refusal):
        offer_on_page("alex", "intro", days_for(WEEK))
    with pytest.raises(refusal):
        access.public_type("alex", "intro")


def test_the_days_are_asked_only_of_a_page_that_is_shown(alex, intro):
    asked = []
    Person.objects.filter(pk=alex.pk).update(page_published=False)
    with pytest.raises(PageUnavailable):
        offer_on_page("alex", "intro", asked.append)
    assert asked == []


def test_the_days_default_to_the_owners_zone(alex, intro):
    asked = []

    def days(owner_zone):
        asked.append(owner_zone)
        return WEEK

    offer_on_page("alex", "intro", days)  # cold
    offer_on_page("alex", "intro", days)  # hot
    assert asked == ["Europe/Paris", "Europe/Paris"]


# --- ignoring a booking; one start at a time ------------------------------------------------


def at(hhmm: str) -> datetime:
    """That time on Tuesday in Paris, in UTC."""
    return datetime.fromisoformat(f"{TUESDAY}T{hhmm}:00+02:00").astimezone(UTC)


def book(meeting_type, hhmm: str):
    attendee = services.Attendee("Eve", "eve@example.org", "Europe/Paris")
    return services.book(meeting_type, at(hhmm), attendee).booking


def test_ignoring_a_booking_frees_its_time_and_is_never_cached(alex, intro):
    booking = book(intro, "10:00")
    tuesday = Days(TUESDAY, TUESDAY, PARIS)
    assert at("10:00") not in offer(fetched(intro), tuesday).starts
    moving = offer(fetched(intro), tuesday, ignoring=booking)
    assert at("10:00") in moving.starts
    # Neither read from nor written to the cache: the plain answer is unchanged.
    assert at("10:00") not in offer(fetched(intro), tuesday).starts
    assert at("10:00") not in offer_on_page("alex", "intro", days_for(tuesday)).starts


def test_is_offered_says_yes_to_exactly_the_starts_offered(alex, intro):
    book(intro, "11:00")
    add_event(alex, title="dentist", start=at("14:00"), end=at("15:00"))
    tuesday = Days(TUESDAY, TUESDAY, PARIS)
    offered = set(offer(fetched(intro), tuesday).starts)
    assert offered
    candidates = [at("00:00") + timedelta(minutes=15 * i) for i in range(24 * 4)]
    assert {start for start in candidates if is_offered(intro, start)} == offered


# --- the page's answer: computed from its head row, kept as the JSON sent -------------------


@pytest.mark.parametrize(
    "shape",
    [
        {},
        {"hours": {"weekly": {"tue": [["07:30", "12:00"]]}, "overrides": []}},
        {"buffer_before_minutes": 15, "buffer_after_minutes": 30, "slot_step_minutes": 20},
        {"daily_limit": 1},
    ],
    ids=["plain", "own hours", "buffers and step", "daily limit"],
)
def test_an_answer_computed_from_the_head_is_offers(alex, intro, shape):
    """The cold page path builds its type from the row, not the ORM: every column `_compute`
    reads must come through, with the owner's own working hours and a calendar's reach."""
    from bookwithme.booking.models import MeetingType, WorkingHours

    MeetingType.objects.filter(pk=intro.pk).update(**shape)
    WorkingHours.replace(alex, {"tue": [["08:00", "17:00"]], "wed": [["10:00", "11:00"]]}, [])
    book(intro, "09:00")
    connection_ = connect(alex, True, NOW)
    Connection.objects.filter(pk=connection_.pk).update(
        synced_until=datetime.fromisoformat(f"{TUESDAY + timedelta(days=1)}T12:00:00+02:00")
    )
    cold = offer_on_page("alex", "intro", days_for(WEEK))
    assert cold.pairs
    assert cold == offer(fetched(intro), WEEK)


def test_the_cache_keeps_the_json_sent_and_serves_it_untouched(alex, intro):
    cold = offer_on_page("alex", "intro", days_for(WEEK))
    with CaptureQueriesContext(connection) as queries:
        hot = offer_on_page("alex", "intro", days_for(WEEK))
    assert len(queries) == 1
    assert hot._body is not None and hot._pairs is None  # bytes from the cache, not decoded
    assert hot.json() == cold.json()
    assert json.loads(hot.json())["slots"][0] == {
        "start": datetime.fromtimestamp(cold.pairs[0][0], PARIS).isoformat(),
        "end": datetime.fromtimestamp(cold.pairs[0][1], PARIS).isoformat(),
    }


def test_the_kept_json_lasts_exactly_while_notice_and_horizon_keep_its_starts(alex, intro, frozen):
    """Kept a microsecond before the moment notice reaches the first start shown, and the
    moment the horizon reaches the next start: at that moment the answer changes."""
    from bookwithme.booking.models import MeetingType

    # Notice off the hourly grid, so that no start comes in just as another goes.
    MeetingType.objects.filter(pk=intro.pk).update(horizon_days=3, min_notice_minutes=90)
    unbounded = fetched(intro)
    unbounded.horizon_days = 60  # not saved: every start of the week, for what comes next
    every = [s for s, _e in offer(unbounded, WEEK).pairs]
    notice = timedelta(minutes=unbounded.min_notice_minutes)
    first = datetime.fromtimestamp(offer(fetched(intro), WEEK).pairs[0][0], UTC)
    edge = first - notice  # from the next microsecond on, `first` is too soon
    coming = min(s for s in every if s > (edge + timedelta(days=3)).timestamp())
    arrives = datetime.fromtimestamp(coming, UTC) - timedelta(days=3)  # in from this moment
    for moment, changes in [
        (edge, False),
        (edge + timedelta(microseconds=1), True),
        (arrives, True),
    ]:
        frozen.move_to(moment - timedelta(microseconds=1))
        before = offer_on_page("alex", "intro", days_for(WEEK))  # kept
        frozen.move_to(moment)
        now = offer_on_page("alex", "intro", days_for(WEEK))
        assert now == offer(fetched(intro), WEEK), moment
        assert (now != before) is changes, moment
    assert coming in [s for s, _e in now.pairs]
    # Less notice, with no new version: a start the kept answer left out comes back.
    MeetingType.objects.filter(pk=intro.pk).update(min_notice_minutes=0)
    assert first in offer_on_page("alex", "intro", days_for(WEEK)).starts
    assert offer_on_page("alex", "intro", days_for(WEEK)) == offer(fetched(intro), WEEK)


def test_every_change_to_busy_time_shows_at_once_in_the_kept_json(alex, intro):
    """Bookings made, moved and cancelled, events added and removed (a sync's changes:
    tests/calendars/test_caldav_sync.py)."""

    def shown() -> set[datetime]:
        answer = offer_on_page("alex", "intro", days_for(Days(TUESDAY, TUESDAY, PARIS)))
        assert answer == offer(fetched(intro), Days(TUESDAY, TUESDAY, PARIS))
        return set(answer.starts)

    assert at("10:00") in shown()
    booking = book(intro, "10:00")
    assert at("10:00") not in shown()
    booking = services.reschedule(booking, at("11:00"))
    assert at("10:00") in shown() and at("11:00") not in shown()
    services.cancel(booking, by="organizer")
    assert at("11:00") in shown()
    event = add_event(alex, title="dentist", start=at("14:00"), end=at("15:00"))
    assert at("14:00") not in shown()
    event.delete()
    assert at("14:00") in shown()


def test_the_blocking_bookings_read_at_the_floor_are_the_querysets(alex, intro):
    """`_blocking` against `Booking.objects.blocking` (and `exclude`), over bookings before,
    touching, inside and after each span, confirmed and cancelled, of the owner and of
    someone else, to the microsecond."""
    from bookwithme.booking.models import Booking

    intro.buffer_before_minutes = 15
    intro.save()
    bookings = [book(intro, hhmm) for hhmm in ("09:00", "11:00", "14:00", "16:00")]
    services.cancel(bookings[2], by="organizer")
    other = make_type(make_person(), slug="other", duration_minutes=60)
    services.book(other, at("11:00"), services.Attendee("Bo", "bo@example.org", "UTC"))
    tick = timedelta(microseconds=1)
    spans = [
        (at("00:00"), at("23:59")),
        (at("10:00"), at("11:00") - timedelta(minutes=15)),  # ends where a blocked time begins
        (at("10:00"), at("11:00") - timedelta(minutes=15) + tick),
        (at("12:00"), at("16:00")),  # begins where a booking ends
        (at("12:00") - tick, at("16:00")),
    ]
    seen = set()
    for lo, hi in spans:
        for ignoring in (None, bookings[1]):
            expected = Booking.objects.blocking(alex.pk, lo, hi)
            if ignoring is not None:
                expected = expected.exclude(pk=ignoring.pk)
            rows = expected.values_list("blocked_start", "blocked_end", "meeting_type_id", "start")
            found = availability._blocking(alex.pk, lo, hi, ignoring)
            seen.add(len(found))
            assert sorted((s / 1e6, e / 1e6, t, b / 1e6) for s, e, t, b in found) == sorted(
                (s.timestamp(), e.timestamp(), t, b.timestamp()) for s, e, t, b in rows
            )
    assert seen >= {0, 1, 2}  # empty, one and several, somewhere among the spans
