"""The outbox in the admin: each message with its state and attempts, scoped, read-only."""

import html
from datetime import UTC, datetime

import pytest
from makers import make_org, make_person, make_type

from bookwithme.booking import services
from bookwithme.notify.models import OutboxMessage


def make_message(fan_out, org, email, state="pending", attempts=0):
    owner = make_person(org=org)
    mt = make_type(owner, min_notice_minutes=0, horizon_days=700)
    booking = services.book(
        mt,
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        services.Attendee(name="A", email=email, time_zone="UTC"),
        now=datetime(2026, 11, 30, tzinfo=UTC),
    ).booking
    fan_out()  # the worker made the booking's messages; this one has gone so far
    message = OutboxMessage.objects.get(booking=booking, kind="confirmed", recipient="attendee")
    message.state, message.attempts = state, attempts
    message.last_error = "SMTPServerDisconnected: gone" if attempts else ""
    message.save()
    return message


@pytest.fixture
def two_orgs(db, fan_out):
    acme, globex = make_org("Acme"), make_org("Globex")
    make_message(fan_out, acme, "ann@acme.example", state="failed", attempts=7)
    make_message(fan_out, globex, "gus@globex.example", state="sent", attempts=1)
    return acme, globex


def test_the_outbox_lists_state_and_attempts_for_superusers(client, two_orgs):
    admin = make_person(org=two_orgs[0])
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    page = client.get("/admin/notify/outboxmessage/").content.decode()
    assert "ann@acme.example" in page and "gus@globex.example" in page
    assert "Failed" in page and "SMTPServerDisconnected" in page
    assert client.get("/admin/notify/outboxmessage/?state__exact=failed").status_code == 200
    assert client.get("/admin/notify/outboxmessage/add/").status_code == 403


def test_an_org_admin_sees_no_messages(client, two_orgs):
    # The outbox is the site's machinery: only superusers, who run the site, see it.
    acme, _ = two_orgs
    boss = make_person(org=acme)
    boss.is_org_admin = boss.is_staff = True
    boss.save()
    client.force_login(boss)
    assert client.get("/admin/notify/outboxmessage/").status_code == 403
    own = OutboxMessage.objects.get(to_email="ann@acme.example")
    response = client.get(f"/admin/notify/outboxmessage/{own.pk}/change/")
    assert response.status_code in (302, 403, 404)


def test_the_failed_filter_shows_what_finally_failed_with_its_error_and_message_id(
    client, two_orgs
):
    admin = make_person(org=two_orgs[0])
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    page = client.get("/admin/notify/outboxmessage/?state__exact=failed").content.decode()
    assert "ann@acme.example" in page and "SMTPServerDisconnected: gone" in page
    assert "gus@globex.example" not in page
    failed = OutboxMessage.objects.get(to_email="ann@acme.example")
    detail = client.get(f"/admin/notify/outboxmessage/{failed.pk}/change/").content.decode()
    assert failed.message_id.startswith("<") and failed.message_id in html.unescape(detail)
