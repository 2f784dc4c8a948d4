"""ICS feeds from a local HTTP server: busy time in, conditional requests, the size and time
limits, and a feed's address kept out of logs and errors."""

import logging
import time
from datetime import UTC, datetime

import pytest
from calendar_servers import vcalendar, vevent
from makers import make_person

from bookwithme.calendars import connections, icsfeed, sync
from bookwithme.calendars.busy import busy_between
from bookwithme.calendars.models import Connection
from bookwithme.calendars.remote import Refused, Unreachable

pytestmark = pytest.mark.usefixtures("frozen")

JUNE, JULY = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
FEED = vcalendar(
    vevent("a", "DTSTART:20260602T080000Z", "DTEND:20260602T090000Z"),
    vevent("b", "DTSTART;VALUE=DATE:20260605"),
    vevent("c", "DTSTART:20260603T080000Z", "DTEND:20260603T090000Z", "TRANSP:TRANSPARENT"),
    vevent("d", "DTSTART:20260604T080000Z", "DTEND:20260604T090000Z", "RRULE:FREQ=DAILY;COUNT=2"),
)
EXPECTED = [
    (datetime(2026, 6, 2, 8, tzinfo=UTC), datetime(2026, 6, 2, 9, tzinfo=UTC)),
    (datetime(2026, 6, 4, 8, tzinfo=UTC), datetime(2026, 6, 4, 9, tzinfo=UTC)),
    (datetime(2026, 6, 4, 22, tzinfo=UTC), datetime(2026, 6, 5, 22, tzinfo=UTC)),
    (datetime(2026, 6, 5, 8, tzinfo=UTC), datetime(2026, 6, 5, 9, tzinfo=UTC)),
]


@pytest.fixture
def owner(db):
    return make_person(time_zone="Europe/Paris")


def busy(owner):
    return sorted(busy_between(owner.pk, JUNE, JULY))


def test_a_feed_is_read_into_busy_time(owner, feeds):
    connection = connections.connect_feed(owner, url=feeds.publish("team.ics", FEED))

    assert sync.sync(connection.pk) == sync.Outcome(True, changed=True)

    assert busy(owner) == EXPECTED
    assert Connection.objects.get(pk=connection.pk).synced_until is None  # no window: all kept


def test_the_second_fetch_is_conditional_and_a_304_changes_nothing(owner, feeds):
    connection = connections.connect_feed(owner, url=feeds.publish("team.ics", FEED))
    sync.sync(connection.pk)
    owner.refresh_from_db()
    version = owner.availability_version

    assert sync.sync(connection.pk) == sync.Outcome(True, changed=False)

    assert feeds.not_modified == 1
    assert feeds.requests[-1][1]["If-None-Match"].startswith('"')
    owner.refresh_from_db()
    assert owner.availability_version == version
    assert busy(owner) == EXPECTED


def test_a_feed_without_validators_that_did_not_change_is_not_rewritten(owner, feeds):
    feeds.etags = False
    connection = connections.connect_feed(owner, url=feeds.publish("team.ics", FEED))
    sync.sync(connection.pk)

    assert sync.sync(connection.pk) == sync.Outcome(True, changed=False)

    assert "If-None-Match" not in feeds.requests[-1][1]


def test_a_changed_feed_replaces_its_busy_time(owner, feeds):
    url = feeds.publish("team.ics", FEED)
    connection = connections.connect_feed(owner, url=url)
    sync.sync(connection.pk)
    feeds.publish(
        "team.ics", vcalendar(vevent("z", "DTSTART:20260610T080000Z", "DTEND:20260610T083000Z"))
    )

    assert sync.sync(connection.pk).changed

    assert busy(owner) == [
        (datetime(2026, 6, 10, 8, tzinfo=UTC), datetime(2026, 6, 10, 8, 30, tzinfo=UTC))
    ]


def test_a_malformed_event_among_good_ones_leaves_the_good_ones_blocking_and_is_reported(
    owner, feeds
):
    bad = vevent("bad", "DTSTART:tomorrow-ish", "DTEND:20260602T090000Z")
    never = vevent(
        "never",
        "DTSTART:20260602T100000Z",
        "DTEND:20260602T101000Z",
        "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    )
    text = FEED.replace(
        "END:VCALENDAR",
        f"BEGIN:VEVENT\r\n{bad}\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n{never}\r\nEND:VEVENT\r\nEND:VCALENDAR",
    )
    connection = connections.connect_feed(owner, url=feeds.publish("team.ics", text))

    assert sync.sync(connection.pk).ok

    assert busy(owner) == EXPECTED
    summary = Connection.objects.get(pk=connection.pk).unread_summary()
    assert summary.skipped_count == 2
    reasons = {s["uid"]: s["reason"] for s in summary.skipped}
    assert reasons["never"] == "the recurrence rule has no occurrence at all"
    assert "bad" in reasons


def test_an_oversize_feed_is_refused(feeds, monkeypatch):
    monkeypatch.setattr(icsfeed, "MAX_BYTES", 200_000)
    feeds.big = b"X" * 200_001
    for name in ("big.ics", "big-unsized.ics"):
        with pytest.raises(Refused, match="larger than"):
            icsfeed.fetch(feeds.url(name), max_bytes=icsfeed.MAX_BYTES)


def test_the_real_size_limit_is_ten_megabytes(feeds):
    feeds.big = vcalendar().encode() + b" " * (10 * 1024 * 1024)
    with pytest.raises(Refused, match=r"larger than 10\.0 MB"):
        icsfeed.fetch(feeds.url("big-unsized.ics"))


def test_a_slow_feed_times_out(feeds):
    feeds.delay = 2.0
    with pytest.raises(Unreachable, match=r"^The server could not be reached\.$"):
        icsfeed.fetch(feeds.url("slow.ics"), timeout=0.5)


def test_a_missing_feed_is_a_refusal_and_a_page_is_not_a_feed(owner, feeds):
    with pytest.raises(Refused, match="404"):
        icsfeed.fetch(feeds.url("nothing.ics"))
    with pytest.raises(connections.ConnectError) as refused:
        connections.connect_feed(owner, url=feeds.url("page.html"))
    assert refused.value.message_dict == {"url": ["This address does not serve an iCalendar feed."]}


def test_a_webcal_address_is_fetched_over_https():
    assert icsfeed.feed_url("webcal://cal.example.org/a.ics") == "https://cal.example.org/a.ics"
    assert icsfeed.feed_url("https://cal.example.org/a.ics") == "https://cal.example.org/a.ics"


def test_other_schemes_are_never_opened(tmp_path):
    secret = tmp_path / "secret.ics"
    secret.write_text(FEED)
    with pytest.raises(Refused):
        icsfeed.fetch(f"file://{secret}")


def test_a_feed_that_fails_later_is_logged_by_host_only(owner, feeds, caplog):
    url = feeds.publish("private-token-abc123.ics", FEED)
    connection = connections.connect_feed(owner, url=url)
    feeds.feeds.clear()  # now 404

    with caplog.at_level(logging.DEBUG):
        outcome = sync.sync(connection.pk)

    assert not outcome.ok and not outcome.error.retryable
    assert "127.0.0.1" in caplog.text
    assert "private-token-abc123" not in caplog.text
    assert "private-token-abc123" not in Connection.objects.get(pk=connection.pk).last_error


# --- through the fenced client (bookwithme/outbound.py) -------------------------------------

DEADLINE = 1.5  # seconds: longer than the tarpit's pause between two bytes
NOT_REACHED = "The server could not be reached."


def test_syncing_a_feed_that_trickles_ends_at_the_deadline_with_the_plain_reason(
    owner, feeds, hostile, monkeypatch
):
    connection = connections.connect_feed(owner, url=feeds.publish("team.ics", FEED))
    Connection.objects.filter(pk=connection.pk).update(url=hostile.url("/tarpit"))
    monkeypatch.setattr(icsfeed, "TIMEOUT", DEADLINE)

    started = time.monotonic()
    outcome = sync.sync(connection.pk)
    took = time.monotonic() - started

    assert not outcome.ok and outcome.error.retryable
    assert outcome.error.message == NOT_REACHED
    assert DEADLINE - 0.1 < took < DEADLINE + 1.0
    assert Connection.objects.get(pk=connection.pk).last_error == NOT_REACHED


def test_a_feed_whose_address_turns_private_is_refused_and_not_retried(
    owner, feeds, settings, request
):
    connection = connections.connect_feed(owner, url=feeds.publish("team.ics", FEED))
    settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = False
    no_connections = request.getfixturevalue("no_connections")  # from here on

    outcome = sync.sync(connection.pk)

    assert not outcome.ok and not outcome.error.retryable
    assert outcome.error.message == NOT_REACHED
    assert no_connections == []


def test_a_feed_that_redirects_to_a_private_address_is_not_followed(
    owner, feeds, settings, hostile, elsewhere, request
):
    connection = connections.connect_feed(owner, url=feeds.publish("team.ics", FEED))
    to = elsewhere.url("/team.ics")
    Connection.objects.filter(pk=connection.pk).update(url=hostile.url(f"/redirect?to={to}"))
    settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = False
    request.getfixturevalue("hostile_is_public")

    outcome = sync.sync(connection.pk)

    assert not outcome.ok and outcome.error.message == NOT_REACHED
    assert len(hostile.hits) == 1 and elsewhere.hits == []
