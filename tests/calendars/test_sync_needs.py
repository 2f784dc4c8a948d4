"""What a sync asks of booking, it asks by calls registered with `sync.configure`, not by
signals: the window follows the registered horizon, the registered own UIDs are not stored,
and with nothing registered it falls back to the safe defaults."""

from datetime import UTC, datetime, timedelta

import pytest
from calendar_servers import one_event, vcalendar, vevent
from makers import NOW, make_person, make_type

from bookwithme.booking import apps as booking_apps
from bookwithme.calendars import connections, dav, sync
from bookwithme.calendars.models import Connection, RemoteBusy

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def owner(db):
    return make_person(time_zone="Europe/Paris")


@pytest.fixture
def register():
    """Register a `sync.Needs` through `sync.configure`; what booking registered comes back
    after the test."""
    previous = sync.registered()

    def register(needs: sync.Needs) -> None:
        sync.configure(horizon_days=needs.horizon_days, own_booking_uids=needs.own_booking_uids)

    yield register
    register(previous)


def connect(owner, server, calendar_url) -> Connection:
    return connections.connect_caldav(
        owner,
        url=server.url,
        username=server.username or "",
        password=server.password or "",
        check=[calendar_url],
    )


def stored_uids() -> list[str]:
    return sorted(RemoteBusy.objects.values_list("uid", flat=True))


def test_booking_registers_its_two_answers_when_the_project_starts():
    assert sync.registered() == sync.Needs(
        horizon_days=booking_apps.longest_horizon,
        own_booking_uids=booking_apps.own_booking_uids,
    )


def test_the_caldav_window_follows_the_registered_horizon(owner, radicale, register, monkeypatch):
    make_type(owner, horizon_days=200)  # booking would say 200: the registered call decides
    asked = []
    register(sync.Needs(horizon_days=lambda owner_id: asked.append(owner_id) or 30))
    windows = []
    real = dav.etags_between

    def etags_between(client, url, start, end):
        windows.append((start, end))
        return real(client, url, start, end)

    monkeypatch.setattr(dav, "etags_between", etags_between)
    connection = connect(owner, radicale, radicale.new_calendar())

    assert sync.sync(connection.pk).ok

    assert asked == [owner.pk]
    assert windows == [(NOW - timedelta(days=1), NOW + timedelta(days=30 + 7))]
    connection.refresh_from_db()
    assert connection.synced_until == NOW + timedelta(days=30 + 7)


def test_the_uids_the_registered_call_names_as_own_bookings_are_not_stored(
    owner, radicale, register
):
    asked = []

    def own_booking_uids(owner_id, uids):
        asked.append((owner_id, set(uids)))
        return {"ours"}

    register(sync.Needs(own_booking_uids=own_booking_uids))
    calendar = radicale.new_calendar()
    radicale.put(calendar, "ours", one_event("ours", "20260602T080000Z", "20260602T090000Z"))
    radicale.put(calendar, "theirs", one_event("theirs", "20260602T100000Z", "20260602T110000Z"))
    connection = connect(owner, radicale, calendar)

    assert sync.sync(connection.pk).ok

    assert stored_uids() == ["theirs"]
    assert asked == [(owner.pk, {"ours", "theirs"})]


def test_a_feed_drops_the_registered_own_uids_too(owner, feeds, register):
    register(sync.Needs(own_booking_uids=lambda owner_id, uids: {"ours"}))
    url = feeds.publish(
        "team.ics",
        vcalendar(
            vevent("ours", "DTSTART:20260602T080000Z", "DTEND:20260602T090000Z"),
            vevent("theirs", "DTSTART:20260602T100000Z", "DTEND:20260602T110000Z"),
        ),
    )
    connection = connections.connect_feed(owner, url=url)

    assert sync.sync(connection.pk).ok

    assert stored_uids() == ["theirs"]


def test_with_nothing_registered_a_sync_reads_the_default_window_and_keeps_every_event(
    owner, radicale, register
):
    from bookwithme.booking import services

    register(sync.Needs())  # as if booking were not there: nobody to ask
    mt = make_type(owner, min_notice_minutes=0, horizon_days=200)
    start = datetime(2026, 6, 2, 8, tzinfo=UTC)  # 10:00 in Paris
    own = services.book(mt, start, services.Attendee("Zoé", "zoe@example.org", "UTC")).booking
    calendar = radicale.new_calendar()
    stamp = "%Y%m%dT%H%M%SZ"
    radicale.put(
        calendar,
        "copy",
        one_event(own.uid, start.strftime(stamp), (start + timedelta(hours=1)).strftime(stamp)),
    )
    connection = connect(owner, radicale, calendar)

    assert sync.sync(connection.pk).ok

    connection.refresh_from_db()
    assert connection.synced_until == NOW + timedelta(days=sync.DEFAULT_HORIZON_DAYS + 7)
    assert stored_uids() == [own.uid]  # not known as a booking: it counts as busy
