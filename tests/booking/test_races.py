"""No double booking, under real concurrency: a real server with several worker processes,
real threads, and the database (SQLite file or a PostgreSQL database) deciding.

Each race runs BOOKWITHME_RACE_REPEAT times (CI sets 5).
"""

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from liveserver import call, seeded_server

pytestmark = pytest.mark.slow
REPEAT = range(int(os.environ.get("BOOKWITHME_RACE_REPEAT", "1")))

SEED = """
import json
from makers import make_person, make_token, make_type
p = make_person(time_zone="UTC", weekly={d: [["00:00", "24:00"]] for d in
    ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
long = make_type(p, title="Long", slug="long", duration_minutes=60, slot_step_minutes=30,
                 horizon_days=700)
short = make_type(p, title="Short", slug="short", duration_minutes=30, horizon_days=700)
private = make_type(p, title="Private", slug="private", duration_minutes=30,
                    visibility="private", horizon_days=700)
print(json.dumps({"page": p.page_slug, "token": make_token(p), "private": private.pk}))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with seeded_server(tmp_path_factory.mktemp("race"), SEED) as seeded:
        yield seeded


_day = iter(range(1, 10_000))


def fresh_day() -> datetime:
    """A day of its own for each race, so repeats never collide with earlier ones."""
    # The server runs on the real clock: start a week from today, past any notice.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7 + next(_day))


def attendee(i: int, start: datetime) -> dict:
    return {
        "start": start.isoformat(),
        "name": f"Racer {i}",
        "email": f"racer{i}@example.org",
        "time_zone": "UTC",
    }


def race(calls) -> list[tuple[int, dict]]:
    """Run every call at once (released together by a barrier); their answers in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        barrier.wait()
        results[i] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def statuses(results) -> list[int]:
    return sorted(status for status, _ in results)


@pytest.mark.parametrize("round_", REPEAT)
def test_twenty_visitors_one_slot_exactly_one_books(server, round_):
    start = fresh_day().replace(hour=10)
    url = f"{server['base']}/api/v1/pages/{server['page']}/short/bookings"
    results = race([lambda i=i: call("POST", url, attendee(i, start)) for i in range(20)])
    assert statuses(results) == [201] + [409] * 19
    assert all(body["error"] == "slot_unavailable" for status, body in results if status == 409)


@pytest.mark.parametrize("round_", REPEAT)
def test_overlapping_starts_of_two_types_exactly_one_books(server, round_):
    day = fresh_day()
    base = f"{server['base']}/api/v1/pages/{server['page']}"
    # Long 10:00-11:00 and 10:30-11:30 overlap each other and Short 10:30 and 10:00.
    calls = []
    for i in range(5):
        calls.append(
            lambda i=i: call("POST", f"{base}/long/bookings", attendee(i, day.replace(hour=10)))
        )
        calls.append(
            lambda i=i: call(
                "POST", f"{base}/long/bookings", attendee(i, day.replace(hour=10, minute=30))
            )
        )
        calls.append(
            lambda i=i: call(
                "POST", f"{base}/short/bookings", attendee(i, day.replace(hour=10, minute=30))
            )
        )
    results = race(calls)
    assert statuses(results) == [201] + [409] * 14
    # And the database holds exactly one booking there.
    status, bookings = call(
        "GET",
        f"{server['base']}/api/v1/bookings?from={day:%Y-%m-%d}&to={day:%Y-%m-%d}&status=confirmed",
        headers={"Authorization": f"Bearer {server['token']}"},
    )
    assert status == 200
    assert len(bookings) == 1


@pytest.mark.parametrize("round_", REPEAT)
def test_single_use_link_books_once_whatever_slots_are_asked(server, round_):
    day = fresh_day()
    status, link = call(
        "POST",
        f"{server['base']}/api/v1/meeting-types/{server['private']}/links",
        {"single_use": True},
        headers={"Authorization": f"Bearer {server['token']}"},
    )
    assert status == 201
    url = f"{server['base']}/api/v1/links/{link['token']}/bookings"
    results = race(
        [
            lambda i=i: call("POST", url, attendee(i, day.replace(hour=8) + timedelta(hours=i)))
            for i in range(12)
        ]
    )
    assert statuses(results) == [201] + [410] * 11
    assert {body["error"] for status, body in results if status == 410} == {"link_used"}


@pytest.mark.parametrize("round_", REPEAT)
def test_two_reschedules_onto_one_slot_only_one_moves(server, round_):
    day = fresh_day()
    base = f"{server['base']}/api/v1"
    tokens = []
    for i, hour in enumerate((8, 9)):
        status, body = call(
            "POST",
            f"{base}/pages/{server['page']}/short/bookings",
            attendee(i, day.replace(hour=hour)),
        )
        assert status == 201, body
        tokens.append(body["manage_token"])
    target = {"start": day.replace(hour=15).isoformat()}
    results = race(
        [lambda t=t: call("POST", f"{base}/manage/{t}/reschedule", target) for t in tokens]
    )
    assert statuses(results) == [200, 409]
    moved = next(body for status, body in results if status == 200)
    assert datetime.fromisoformat(moved["start"]) == day.replace(hour=15)
