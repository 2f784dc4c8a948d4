"""Busy time from real CalDAV servers (Radicale and Xandikos, on loopback): what counts as
busy, what does not, and a resync that reads only what changed."""

from datetime import UTC, datetime, timedelta

import pytest
from calendar_servers import PASSWORD, vcalendar, vevent
from makers import NOW, make_person, make_type

from bookwithme.booking import meeting_types
from bookwithme.calendars import connections, dav, sync
from bookwithme.calendars.busy import busy_between
from bookwithme.calendars.models import CheckedCalendar, Connection, RemoteBusy

pytestmark = pytest.mark.usefixtures("frozen")

JUNE, JULY = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


EVENTS = {
    "single": vcalendar(vevent("single", "DTSTART:20260602T080000Z", "DTEND:20260602T090000Z")),
    "weekly": vcalendar(
        vevent(
            "weekly",
            "DTSTART:20260603T080000Z",
            "DTEND:20260603T090000Z",
            "RRULE:FREQ=WEEKLY;COUNT=4",
            "EXDATE:20260610T080000Z",
        )
    ),
    "moved": vcalendar(
        vevent(
            "moved",
            "DTSTART:20260604T120000Z",
            "DTEND:20260604T130000Z",
            "RRULE:FREQ=DAILY;COUNT=3",
        ),
        vevent(
            "moved",
            "RECURRENCE-ID:20260605T120000Z",
            "DTSTART:20260605T150000Z",
            "DTEND:20260605T160000Z",
        ),
    ),
    "allday": vcalendar(
        vevent("allday", "DTSTART;VALUE=DATE:20260608", "DTEND;VALUE=DATE:20260609")
    ),
    "free": vcalendar(
        vevent("free", "DTSTART:20260609T080000Z", "DTEND:20260609T090000Z", "TRANSP:TRANSPARENT")
    ),
    "floating": vcalendar(vevent("floating", "DTSTART:20260609T140000", "DTEND:20260609T150000")),
    "cancelled": vcalendar(
        vevent(
            "cancelled", "DTSTART:20260609T160000Z", "DTEND:20260609T170000Z", "STATUS:CANCELLED"
        )
    ),
    "standup": vcalendar(
        vevent(
            "standup",
            "DTSTART:20260611T080000Z",
            "DTEND:20260611T083000Z",
            "RRULE:FREQ=DAILY;COUNT=2",
        ),
        vevent(
            "standup",
            "RECURRENCE-ID:20260612T080000Z",
            "DTSTART:20260612T080000Z",
            "DTEND:20260612T083000Z",
            "STATUS:CANCELLED",
        ),
    ),
}

EXPECTED = [
    (utc(2, 8), utc(2, 9)),  # single
    (utc(3, 8), utc(3, 9)),  # weekly, 10 June excluded
    (utc(4, 12), utc(4, 13)),  # daily series...
    (utc(5, 15), utc(5, 16)),  # ... its 5 June moved to 15:00
    (utc(6, 12), utc(6, 13)),
    (utc(7, 22), utc(8, 22)),  # all day 8 June in Paris (UTC+2)
    (utc(9, 12), utc(9, 13)),  # floating 14:00 read in the owner's zone
    (utc(11, 8), utc(11, 8, 30)),  # standup: its 12 June occurrence cancelled
    (utc(17, 8), utc(17, 9)),
    (utc(24, 8), utc(24, 9)),
]


@pytest.fixture
def owner(db):
    return make_person(time_zone="Europe/Paris")


def connect(owner, server, calendar_url) -> Connection:
    return connections.connect_caldav(
        owner,
        url=server.url,
        username=server.username or "",
        password=server.password or "",
        check=[calendar_url],
    )


def busy(owner) -> list[tuple[datetime, datetime]]:
    return sorted(busy_between(owner.pk, JUNE, JULY))


def test_every_kind_of_event_is_read_as_the_contract_says(owner, dav_server):
    calendar = dav_server.new_calendar()
    for name, ics in EVENTS.items():
        dav_server.put(calendar, name, ics)
    connection = connect(owner, dav_server, calendar)

    outcome = sync.sync(connection.pk)

    assert outcome == sync.Outcome(True, changed=True)
    assert busy(owner) == EXPECTED
    connection.refresh_from_db()
    assert connection.last_success_at == NOW and connection.last_error == ""
    assert not connection.is_stale()


def test_a_resync_reads_only_what_changed(owner, dav_server, monkeypatch):
    calendar = dav_server.new_calendar()
    for name in ("single", "weekly", "moved"):
        dav_server.put(calendar, name, EVENTS[name])
    connection = connect(owner, dav_server, calendar)
    sync.sync(connection.pk)
    kept = RemoteBusy.objects.get(uid="single").pk

    dav_server.put(
        calendar,
        "added",
        vcalendar(vevent("added", "DTSTART:20260615T100000Z", "DTEND:20260615T110000Z")),
    )
    dav_server.delete(calendar, "weekly")
    fetched = []
    real_fetch = dav.fetch
    monkeypatch.setattr(
        dav, "fetch", lambda c, u, hrefs: fetched.extend(hrefs) or real_fetch(c, u, hrefs)
    )
    outcome = sync.sync(connection.pk)

    assert outcome.changed
    assert [h.rsplit("/", 1)[-1] for h in fetched] == ["added.ics"]
    assert RemoteBusy.objects.get(uid="single").pk == kept  # untouched, not rewritten
    assert not RemoteBusy.objects.filter(uid="weekly").exists()
    assert (utc(15, 10), utc(15, 11)) in busy(owner)
    assert (utc(3, 8), utc(3, 9)) not in busy(owner)


def test_an_unchanged_calendar_costs_one_request_and_keeps_the_cache(
    owner, dav_server, monkeypatch
):
    calendar = dav_server.new_calendar()
    dav_server.put(calendar, "single", EVENTS["single"])
    connection = connect(owner, dav_server, calendar)
    sync.sync(connection.pk)
    owner.refresh_from_db()
    version = owner.availability_version

    def no_listing(*args):
        raise AssertionError("an unchanged calendar was listed again")

    monkeypatch.setattr(dav, "etags_between", no_listing)
    outcome = sync.sync(connection.pk)

    assert outcome == sync.Outcome(True, changed=False)
    owner.refresh_from_db()
    assert owner.availability_version == version
    assert busy(owner) == [(utc(2, 8), utc(2, 9))]


def test_an_event_that_does_not_parse_is_skipped_and_the_others_still_block(
    owner, dav_server, caplog
):
    calendar = dav_server.new_calendar()
    dav_server.put(calendar, "single", EVENTS["single"])
    dav_server.put(calendar, "allday", EVENTS["allday"])
    # Both servers store an event 1,500 years ahead; Xandikos stores any garbage too.
    dav_server.put(
        calendar,
        "far",
        vcalendar(vevent("far", "DTSTART:35000602T080000Z", "DTEND:35000602T090000Z")),
    )
    if dav_server.kind == "xandikos":
        dav_server.put(
            calendar,
            "garbage",
            vcalendar(vevent("garbage", "DTSTART:notadate", "DTEND:20260602T100000Z")),
        )
    connection = connect(owner, dav_server, calendar)

    outcome = sync.sync(connection.pk)

    assert outcome.ok
    assert busy(owner) == [(utc(2, 8), utc(2, 9)), (utc(7, 22), utc(8, 22))]


def test_the_window_reaches_the_longest_horizon_and_is_listed_again_when_reached(
    owner, dav_server, frozen
):
    calendar = dav_server.new_calendar()
    far = utc(20, 8, month=9)  # 111 days ahead: past the default 60-day horizon + 7
    dav_server.put(
        calendar,
        "far",
        vcalendar(
            vevent(
                "far",
                f"DTSTART:{far:%Y%m%dT%H%M%SZ}",
                f"DTEND:{far + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            )
        ),
    )
    connection = connect(owner, dav_server, calendar)
    sync.sync(connection.pk)
    connection.refresh_from_db()
    assert connection.synced_until == NOW + timedelta(days=60 + 7)
    assert not RemoteBusy.objects.filter(owner=owner).exists()

    frozen.shift(timedelta(days=50))  # the calendar did not change, the window must move
    sync.sync(connection.pk)

    connection.refresh_from_db()
    assert connection.synced_until == NOW + timedelta(days=50 + 60 + 7)
    assert RemoteBusy.objects.filter(owner=owner, uid="far").exists()


def test_a_change_of_the_owners_zone_reads_all_day_events_again(owner, dav_server):
    calendar = dav_server.new_calendar()
    dav_server.put(calendar, "allday", EVENTS["allday"])
    connection = connect(owner, dav_server, calendar)
    sync.sync(connection.pk)
    owner.time_zone = "America/New_York"
    owner.save()

    sync.sync(connection.pk)

    assert busy(owner) == [(utc(8, 4), utc(9, 4))]
    assert CheckedCalendar.objects.get(connection=connection).time_zone == "America/New_York"


def test_a_calendar_deleted_on_the_server_is_a_refusal(owner, radicale):
    calendar = radicale.new_calendar()
    connection = connect(owner, radicale, calendar)
    with radicale.client() as client:
        client.delete(calendar)

    outcome = sync.sync(connection.pk)

    assert not outcome.ok and not outcome.error.retryable
    connection.refresh_from_db()
    assert "no longer exists" in connection.last_error


def test_a_password_that_cannot_be_decrypted_is_a_refusal_not_a_crash(owner, radicale, settings):
    calendar = radicale.new_calendar()
    connection = connect(owner, radicale, calendar)
    settings.SECRET_KEY = "another key altogether"

    outcome = sync.sync(connection.pk)

    assert not outcome.ok and outcome.error.field == "password"
    assert PASSWORD not in Connection.objects.get(pk=connection.pk).last_error


def test_the_window_follows_the_longest_horizon_of_the_owners_types(owner, radicale):
    make_type(owner, slug="soon", horizon_days=14)
    make_type(owner, slug="later", horizon_days=200)
    meeting_types.delete(
        make_type(owner, slug="gone", horizon_days=400)
    )  # retired: no longer counts
    connection = connect(owner, radicale, radicale.new_calendar())

    sync.sync(connection.pk)

    connection.refresh_from_db()
    assert connection.synced_until == NOW + timedelta(days=200 + 7)


def test_copies_of_the_owners_own_bookings_are_not_read_but_other_bookings_are(owner, dav_server):
    from bookwithme.booking import services

    def booking_of(person, hour):
        mt = make_type(person, min_notice_minutes=0)
        attendee = services.Attendee("Zoé", "zoe@example.org", "UTC")
        return services.book(mt, utc(2, hour), attendee).booking

    own = booking_of(owner, 8)
    # The owner booked someone else's page: that meeting is theirs to attend, and blocks.
    elsewhere = booking_of(make_person(), 12)
    calendar = dav_server.new_calendar()
    for name, uid, hour in [
        ("own", own.uid, 8),
        ("elsewhere", elsewhere.uid, 12),
        ("unknown", "0000-not-a-booking@bookwithme", 14),
    ]:
        start, end = f"20260602T{hour:02}0000Z", f"20260602T{hour + 1:02}0000Z"
        dav_server.put(calendar, name, vcalendar(vevent(uid, f"DTSTART:{start}", f"DTEND:{end}")))
    connection = connect(owner, dav_server, calendar)

    assert sync.sync(connection.pk).ok

    assert busy(owner) == [(utc(2, 12), utc(2, 13)), (utc(2, 14), utc(2, 15))]
    assert not RemoteBusy.objects.filter(uid=own.uid).exists()
    # Known as read: an unchanged calendar does not fetch it again.
    assert len(CheckedCalendar.objects.get().etags) == 3
