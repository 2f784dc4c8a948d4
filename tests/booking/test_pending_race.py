"""A booking waiting for approval holds its time under real concurrency: a real server with
several worker processes, 48 requests at once, and the database (SQLite file or PostgreSQL
database) deciding. Runs BOOKWITHME_RACE_REPEAT times (CI sets 5)."""

import os
from datetime import timedelta

import pytest
from liveserver import call, seeded_server
from test_races import attendee, fresh_day, race, statuses

pytestmark = pytest.mark.slow
REPEAT = range(int(os.environ.get("BOOKWITHME_RACE_REPEAT", "1")))
RACERS = 48

SEED = """
import json
from makers import make_person, make_token, make_type
p = make_person(time_zone="UTC", weekly={d: [["00:00", "24:00"]] for d in
    ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
make_type(p, title="Vetted", slug="vetted", duration_minutes=30, horizon_days=700,
          requires_approval=True)
make_type(p, title="Open", slug="open", duration_minutes=60, slot_step_minutes=30,
          horizon_days=700)
print(json.dumps({"page": p.page_slug, "token": make_token(p)}))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with seeded_server(tmp_path_factory.mktemp("pending-race"), SEED) as seeded:
        yield seeded


@pytest.mark.parametrize("round_", REPEAT)
def test_a_pending_booking_holds_its_slot_against_48_requests(server, round_):
    start = fresh_day().replace(hour=10)
    base = f"{server['base']}/api/v1/pages/{server['page']}"
    status, held = call("POST", f"{base}/vetted/bookings", attendee(-1, start))
    assert status == 201 and held["status"] == "pending", held
    # Half for the same type, half for another type whose hour (9:30 to 10:30) overlaps it.
    calls = [
        lambda i=i: call("POST", f"{base}/vetted/bookings", attendee(i, start))
        for i in range(RACERS // 2)
    ] + [
        lambda i=i: call(
            "POST", f"{base}/open/bookings", attendee(i, start - timedelta(minutes=30))
        )
        for i in range(RACERS // 2)
    ]
    results = race(calls)
    assert statuses(results) == [409] * RACERS
    assert {body["error"] for _status, body in results} == {"slot_unavailable"}


@pytest.mark.parametrize("round_", REPEAT)
def test_48_requests_for_one_slot_make_exactly_one_pending_booking(server, round_):
    start = fresh_day().replace(hour=14)
    url = f"{server['base']}/api/v1/pages/{server['page']}/vetted/bookings"
    results = race([lambda i=i: call("POST", url, attendee(i, start)) for i in range(RACERS)])
    assert statuses(results) == [201] + [409] * (RACERS - 1)
    (made,) = [body for status, body in results if status == 201]
    assert made["status"] == "pending"
    day = f"{start:%Y-%m-%d}"
    status, pending = call(
        "GET",
        f"{server['base']}/api/v1/bookings?from={day}&to={day}&status=pending",
        headers={"Authorization": f"Bearer {server['token']}"},
    )
    assert status == 200 and [b["id"] for b in pending] == [made["id"]]
