"""The slot rules (docs/slots.md), seen through the public API as a visitor sees them."""

import json
from datetime import UTC, datetime

import pytest
import time_machine
from makers import auth, make_person, make_token, make_type

from bookwithme.booking import services
from bookwithme.calendars.events import add_event

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def owner(db):
    # Paris, Mon-Fri 09:00-12:00 and 14:00-17:00.
    week = {
        d: [["09:00", "12:00"], ["14:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
    }
    return make_person(time_zone="Europe/Paris", weekly=week)


def starts(client, mt, first, last=None, tz="Europe/Paris"):
    r = client.get(
        f"/api/v1/pages/{mt.owner.page_slug}/{mt.slug}/slots",
        {"from": first, "to": last or first, "tz": tz},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["time_zone"] == tz
    return [s["start"] for s in body["slots"]]


def hhmm(values):
    return [v[11:16] for v in values]


def book(mt, start, name="Ann"):
    attendee = services.Attendee(name=name, email="ann@example.org", time_zone="UTC")
    return services.book(mt, start, attendee).booking


def paris(day, hour, minute=0):
    return datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}:00+02:00")


def test_the_working_week_grid(client, owner):
    mt = make_type(owner, duration_minutes=60)
    # Tuesday: two windows, hourly from each window's start, ending inside the window.
    assert hhmm(starts(client, mt, "2026-06-02")) == [
        "09:00",
        "10:00",
        "11:00",
        "14:00",
        "15:00",
        "16:00",
    ]
    # Saturday: closed.
    assert starts(client, mt, "2026-06-06") == []


def test_step_shorter_than_the_meeting(client, owner):
    mt = make_type(owner, duration_minutes=60, slot_step_minutes=20)
    assert hhmm(starts(client, mt, "2026-06-02"))[:7] == [
        "09:00",
        "09:20",
        "09:40",
        "10:00",
        "10:20",
        "10:40",
        "11:00",
    ]


def test_another_visitor_zone_sees_the_same_instants_on_its_own_dates(client, owner):
    mt = make_type(owner, duration_minutes=60)
    montreal = starts(client, mt, "2026-06-02", tz="America/Montreal")
    # 09:00 Paris = 03:00 Montreal; the offset is written in the visitor's zone.
    assert montreal[0] == "2026-06-02T03:00:00-04:00"
    assert len(montreal) == 6
    # Tokyo's 2026-06-02 runs from 17:00 Paris on the 1st: Monday afternoon's last slot and
    # Tuesday morning's (Tokyo 16:00-19:00 = Paris 09:00-12:00).
    tokyo = starts(client, mt, "2026-06-02", tz="Asia/Tokyo")
    assert tokyo == [
        "2026-06-02T16:00:00+09:00",
        "2026-06-02T17:00:00+09:00",
        "2026-06-02T18:00:00+09:00",
        "2026-06-02T21:00:00+09:00",
        "2026-06-02T22:00:00+09:00",
        "2026-06-02T23:00:00+09:00",
    ]


def test_a_busy_event_removes_slots_and_a_free_one_does_not(client, owner):
    mt = make_type(owner, duration_minutes=60)
    add_event(
        owner, title="Dentist", start=paris("2026-06-02", 10, 30), end=paris("2026-06-02", 11)
    )
    add_event(
        owner, title="Maybe", start=paris("2026-06-02", 14), end=paris("2026-06-02", 17), busy=False
    )
    assert hhmm(starts(client, mt, "2026-06-02")) == ["09:00", "11:00", "14:00", "15:00", "16:00"]


def test_a_weekly_rule_with_count_and_an_exdate(client, owner):
    mt = make_type(owner, duration_minutes=60)
    token = make_token(owner)
    r = client.post(
        "/api/v1/me/events",
        json.dumps(
            {
                "title": "Standup",
                "start": "2026-06-02T09:00:00+02:00",
                "end": "2026-06-02T10:00:00+02:00",
                "rrule": "FREQ=WEEKLY;COUNT=3",
            }
        ),
        content_type="application/json",
        **auth(token),
    )
    assert r.status_code == 201
    from bookwithme.calendars.models import Event

    event = Event.objects.get(pk=r.json()["id"])
    event.exdates = ["2026-06-09T07:00:00+00:00"]
    event.save()
    tuesdays = ["2026-06-02", "2026-06-09", "2026-06-16", "2026-06-23"]
    first = {day: hhmm(starts(client, mt, day))[0] for day in tuesdays}
    # Busy on the 2nd and the 16th; the 9th is excluded; the 23rd is after COUNT=3.
    assert first == {
        "2026-06-02": "10:00",
        "2026-06-09": "09:00",
        "2026-06-16": "10:00",
        "2026-06-23": "09:00",
    }


def test_a_weekly_rule_keeps_its_wall_time_across_a_dst_change(client, db):
    owner = make_person(time_zone="Europe/Paris", weekly={"mon": [["08:00", "12:00"]]})
    mt = make_type(owner, duration_minutes=60, horizon_days=400)
    # Every Monday 09:00 Paris from March 16 (CET) on: still 09:00 after March 29 (CEST).
    add_event(
        owner,
        title="Weekly",
        start=datetime(2026, 3, 16, 8, 0, tzinfo=UTC),
        end=datetime(2026, 3, 16, 9, 0, tzinfo=UTC),
        rrule="FREQ=WEEKLY",
    )
    assert hhmm(starts(client, mt, "2026-06-08")) == ["08:00", "10:00", "11:00"]
    assert hhmm(starts(client, mt, "2026-11-02")) == ["08:00", "10:00", "11:00"]


def test_an_ics_import_blocks_time(client, owner):
    mt = make_type(owner, duration_minutes=60)
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        "BEGIN:VEVENT\r\nUID:one@example.org\r\nSUMMARY:Imported\r\n"
        "DTSTART;TZID=Europe/Paris:20260602T140000\r\nDTEND;TZID=Europe/Paris:20260602T160000\r\n"
        "END:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:allday@example.org\r\nSUMMARY:Off\r\n"
        "DTSTART;VALUE=DATE:20260603\r\nDTEND;VALUE=DATE:20260604\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:free@example.org\r\nSUMMARY:Free\r\nTRANSP:TRANSPARENT\r\n"
        "DTSTART:20260604T070000Z\r\nDTEND:20260604T150000Z\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    r = client.post(
        "/api/v1/me/events/import", ics, content_type="text/calendar", **auth(make_token(owner))
    )
    assert r.json() == {"imported": 3, "skipped": [], "warnings": []}
    assert hhmm(starts(client, mt, "2026-06-02")) == ["09:00", "10:00", "11:00", "16:00"]
    assert starts(client, mt, "2026-06-03") == []  # the all-day event takes the whole day
    assert len(starts(client, mt, "2026-06-04")) == 6  # transparent: still free


def test_buffers_keep_distance_from_busy_time(client, owner):
    mt = make_type(owner, duration_minutes=60, buffer_before_minutes=15, buffer_after_minutes=30)
    add_event(owner, title="Call", start=paris("2026-06-02", 10, 50), end=paris("2026-06-02", 11))
    # 09:00-10:00 + 30 min after = 10:30, clear of 10:50: offered. 10:00 reaches 11:30: not.
    # 11:00 - 15 min = 10:45 overlaps the call's end at 11:00: not offered.
    assert hhmm(starts(client, mt, "2026-06-02")) == ["09:00", "14:00", "15:00", "16:00"]


def test_bookings_block_other_types_with_their_own_buffers(client, owner):
    long = make_type(owner, title="Long", duration_minutes=60, buffer_after_minutes=30)
    short = make_type(owner, title="Short", duration_minutes=30)
    book(long, paris("2026-06-02", 9))
    # The long meeting blocks 09:00-10:30 (with its buffer) for every type.
    assert hhmm(starts(client, short, "2026-06-02"))[:3] == ["10:30", "11:00", "11:30"]
    assert hhmm(starts(client, long, "2026-06-02"))[:1] == ["11:00"]


def test_minimum_notice(client, owner):
    # Now is 08:00 Paris on Monday June 1st; 3 hours of notice leaves 11:00 as the first.
    mt = make_type(owner, duration_minutes=60, min_notice_minutes=180)
    assert hhmm(starts(client, mt, "2026-06-01")) == ["11:00", "14:00", "15:00", "16:00"]


def test_horizon(client, owner):
    mt = make_type(owner, duration_minutes=60, horizon_days=2)
    # Now + 2 days = Wednesday 08:00 Paris: Tuesday is bookable, Wednesday is not.
    assert len(starts(client, mt, "2026-06-02")) == 6
    assert starts(client, mt, "2026-06-03") == []


def test_daily_limit_counts_this_type_per_organizer_day(client, owner):
    mt = make_type(owner, duration_minutes=60, daily_limit=2)
    other = make_type(owner, title="Other", duration_minutes=60)
    book(other, paris("2026-06-02", 9))
    assert len(starts(client, mt, "2026-06-02")) == 5  # other types do not count
    book(mt, paris("2026-06-02", 10))
    assert len(starts(client, mt, "2026-06-02")) == 4
    book(mt, paris("2026-06-02", 14))
    assert starts(client, mt, "2026-06-02") == []
    assert len(starts(client, mt, "2026-06-03")) == 6


def test_a_cancelled_booking_frees_its_time(client, owner):
    mt = make_type(owner, duration_minutes=60)
    booking = book(mt, paris("2026-06-02", 9))
    assert "09:00" not in hhmm(starts(client, mt, "2026-06-02"))
    services.cancel(booking, by="attendee")
    assert "09:00" in hhmm(starts(client, mt, "2026-06-02"))


def test_spring_forward_day_in_new_york(client, db):
    # 2027-03-14: 02:00 jumps to 03:00 in New York. Hours 00:00-06:00, hourly slots.
    owner = make_person(time_zone="America/New_York", weekly={"sun": [["00:00", "06:00"]]})
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=UTC), tick=False):
        mt = make_type(owner, duration_minutes=60)
        found = starts(client, mt, "2027-03-14", tz="America/New_York")
    # Five real hours: 00, 01, then 03 (02:00 does not exist), 04, and 05 local.
    assert found == [
        "2027-03-14T00:00:00-05:00",
        "2027-03-14T01:00:00-05:00",
        "2027-03-14T03:00:00-04:00",
        "2027-03-14T04:00:00-04:00",
        "2027-03-14T05:00:00-04:00",
    ]


def test_fall_back_day_in_paris(client, db):
    # 2026-10-25: 03:00 CEST falls back to 02:00 CET, so 01:00-04:00 lasts four real hours
    # and 02:00 happens twice: both are offered, each with its own offset.
    owner = make_person(time_zone="Europe/Paris", weekly={"sun": [["01:00", "04:00"]]})
    with time_machine.travel(datetime(2026, 10, 1, tzinfo=UTC), tick=False):
        mt = make_type(owner, duration_minutes=60)
        found = starts(client, mt, "2026-10-25")
    assert found == [
        "2026-10-25T01:00:00+02:00",
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T03:00:00+01:00",
    ]


def test_booking_is_accepted_exactly_when_offered(client, owner):
    mt = make_type(owner, duration_minutes=60)
    offered = starts(client, mt, "2026-06-02")
    url = f"/api/v1/pages/{owner.page_slug}/{mt.slug}/bookings"
    body = {"name": "Ann", "email": "ann@example.org", "time_zone": "Europe/Paris"}
    # Off the grid by 30 minutes: refused.
    r = client.post(
        url,
        json.dumps({**body, "start": "2026-06-02T09:30:00+02:00"}),
        content_type="application/json",
    )
    assert r.status_code == 409
    # The same instant written in another offset is the same start: accepted.
    same = datetime.fromisoformat(offered[1]).astimezone(UTC).isoformat()
    r = client.post(url, json.dumps({**body, "start": same}), content_type="application/json")
    assert r.status_code == 201
    assert datetime.fromisoformat(r.json()["start"]) == datetime.fromisoformat(offered[1])
    assert offered[1] not in starts(client, mt, "2026-06-02")


def test_cached_slots_follow_every_change_at_once(client, owner):
    mt = make_type(owner, duration_minutes=60)
    token = make_token(owner)
    day = "2026-06-02"
    assert len(starts(client, mt, day)) == 6  # now cached

    event = add_event(owner, title="Busy", start=paris(day, 9), end=paris(day, 10))
    assert hhmm(starts(client, mt, day))[0] == "10:00"

    event.delete()
    assert hhmm(starts(client, mt, day))[0] == "09:00"

    r = client.put(
        "/api/v1/me/working-hours",
        json.dumps({"weekly": {"tue": [["13:00", "15:00"]]}}),
        content_type="application/json",
        **auth(token),
    )
    assert r.status_code == 200
    assert hhmm(starts(client, mt, day)) == ["13:00", "14:00"]

    r = client.patch(
        f"/api/v1/meeting-types/{mt.pk}",
        json.dumps({"duration_minutes": 120}),
        content_type="application/json",
        **auth(token),
    )
    assert r.status_code == 200
    assert hhmm(starts(client, mt, day)) == ["13:00"]

    r = client.patch(
        "/api/v1/me",
        json.dumps({"time_zone": "UTC"}),
        content_type="application/json",
        **auth(token),
    )
    assert r.status_code == 200
    # Hours are now read in UTC: 13:00 UTC is 15:00 in Paris.
    assert hhmm(starts(client, mt, day)) == ["15:00"]
