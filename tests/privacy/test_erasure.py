"""`privacy.erasure`: an address erased across the bookings of several organizers and
organizations; the upcoming ones cancelled with the usual notices to their organizers (through
a real SMTP server), nothing more sent to the address; busy time freed for what was cancelled,
kept for what was held; one organizer's erasure of one booking."""

import json
from datetime import timedelta

import pytest
from makers import NOW, ended, make_org, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.availability import is_offered
from bookwithme.booking.errors import BookingUpcoming
from bookwithme.booking.models import Booking
from bookwithme.directory.models import AuditEntry
from bookwithme.notify.models import OutboxMessage
from bookwithme.privacy import audit
from bookwithme.privacy.erasure import erase_address, erase_booking

pytestmark = pytest.mark.usefixtures("frozen")

ZOE = "zoe@example.org"
HOUR = timedelta(hours=1)


@pytest.fixture
def alex(db):
    return make_person(org=make_org(name="Acme"), name="Alex Martin", email="alex@acme.example")


@pytest.fixture
def sam(db):
    # Another organization, in French.
    sam = make_person(org=make_org(name="Globex"), name="Sam Chen", email="sam@globex.example")
    sam.language = "fr"
    sam.save(update_fields=["language"])
    return sam


def book(mt, start, email=ZOE, **attendee):
    who = services.Attendee(
        attendee.pop("name", "Zoé Durand"), email, "America/Montreal", **attendee
    )
    return services.book(mt, start, who).booking


def fresh(booking):
    booking.refresh_from_db()
    return booking


def test_erased_everywhere_upcoming_cancelled_organizers_told_the_address_told_nothing_more(
    alex, sam, smtp, run_worker
):
    intro = make_type(alex, title="Intro", slug="intro", max_guests=1)
    chat = make_type(sam, title="Chat", slug="chat", max_guests=2)
    upcoming_alex = book(
        intro, NOW + 4 * HOUR, notes="My phone is 0612", guests=("lea@example.org",)
    )
    upcoming_sam = book(chat, NOW + 6 * HOUR)
    past = ended(intro, NOW - 48 * HOUR)
    # Zoé is a guest on Max's booking with Sam.
    maxs = book(
        chat, NOW + 8 * HOUR, email="max@example.org", name="Max", guests=(ZOE, "ann@example.org")
    )
    run_worker()  # the confirmations go out
    sent_before = len(smtp.inbox.envelopes)
    assert smtp.inbox.to(ZOE)  # she had her confirmations and Max's invitation

    done = erase_address(ZOE, actor="command line (ops)")

    assert done.erased == 3 and done.as_guest == 1
    assert {b.pk for b in done.cancelled} == {upcoming_alex.pk, upcoming_sam.pk}
    for booking in (upcoming_alex, upcoming_sam, past):
        booking = fresh(booking)
        assert booking.attendee_email == f"erased-{booking.pk}@invalid"
        assert (booking.notes, booking.answers) == ("", {})
        assert booking.idempotency_fingerprint == ""
    assert fresh(past).guests == []
    # Lea, her guest, is told of the cancellation: her own address stays for that.
    assert fresh(upcoming_alex).guests == ["lea@example.org"]
    assert fresh(past).status == Booking.Status.CONFIRMED and fresh(past).start == past.start
    assert fresh(upcoming_alex).status == fresh(upcoming_sam).status == Booking.Status.CANCELLED
    assert fresh(maxs).guests == ["ann@example.org"]
    assert fresh(maxs).attendee_email == "max@example.org"
    # The cancelled times are free again.
    assert is_offered(intro, upcoming_alex.start) and is_offered(chat, upcoming_sam.start)

    run_worker()
    new = smtp.inbox.envelopes[sent_before:]
    told = {rcpt for e in new for rcpt in e.rcpt_tos}
    assert told == {"alex@acme.example", "sam@globex.example", "lea@example.org"}
    assert ZOE not in {r.lower() for e in smtp.inbox.envelopes[sent_before:] for r in e.rcpt_tos}
    (to_alex,) = smtp.inbox.to("alex@acme.example")[-1:]
    body = to_alex.get_body(preferencelist=("plain",)).get_content()
    assert "asked for their personal data to be erased" in body
    assert "Zoé" not in body and ZOE not in body and "0612" not in body
    to_sam = (
        smtp.inbox.to("sam@globex.example")[-1].get_body(preferencelist=("plain",)).get_content()
    )
    assert "effacement de ses données personnelles" in to_sam
    # Nothing in the outbox says who she was.
    assert not OutboxMessage.objects.filter(to_email__iexact=ZOE).exists()
    for message in OutboxMessage.objects.filter(booking__in=[upcoming_alex, upcoming_sam, past]):
        assert "Zoé" not in message.subject and ZOE not in message.to_email


def test_each_organization_audits_its_own_counts_without_the_address(alex, sam):
    book(make_type(alex, slug="a"), NOW + 4 * HOUR)
    ended(make_type(sam, slug="b"), NOW - 48 * HOUR)

    erase_address(ZOE, actor="command line (ops)")

    entries = {e.organization: e for e in AuditEntry.objects.filter(setting=audit.ERASE)}
    assert entries[alex.organization].after == {"bookings": 1, "cancelled": 1}
    assert entries[sam.organization].after == {"bookings": 1}
    for entry in entries.values():
        assert entry.target == audit.address_key(ZOE)
        assert "zoe" not in json.dumps([entry.target, entry.actor, entry.after]).lower()


def test_a_second_erasure_finds_nothing_and_changes_nothing(alex):
    booking = ended(make_type(alex, slug="a"), NOW - 48 * HOUR)
    erase_address(ZOE, actor="t")
    erased = fresh(booking)
    done = erase_address(ZOE, actor="t")
    assert (done.erased, done.cancelled, done.as_guest) == (0, [], 0)
    after = fresh(booking)
    assert (after.attendee_name, after.attendee_email, after.updated_at) == (
        erased.attendee_name,
        erased.attendee_email,
        erased.updated_at,
    )


def test_one_organizations_erasure_leaves_the_others_bookings_alone(alex, sam):
    ours = ended(make_type(alex, slug="a"), NOW - 48 * HOUR)
    theirs = book(make_type(sam, slug="b"), NOW + 4 * HOUR)

    done = erase_address(ZOE, actor="admin", organization=alex.organization)

    assert done.erased == 1
    assert fresh(ours).attendee_email.endswith("@invalid")
    assert fresh(theirs).attendee_email == ZOE and fresh(theirs).is_active


def test_a_persons_account_is_reported_not_erased(alex):
    done = erase_address(alex.email, actor="t")
    assert done.person == alex
    alex.refresh_from_db()
    assert alex.is_active and alex.name == "Alex Martin"


def test_an_organizer_erases_one_booking_once_it_is_over_or_cancelled(alex):
    intro = make_type(alex, slug="intro")
    upcoming = book(intro, NOW + 4 * HOUR)
    with pytest.raises(BookingUpcoming):
        erase_booking(upcoming, actor=alex.email)
    assert fresh(upcoming).attendee_email == ZOE

    services.cancel(upcoming, by=Booking.CancelledBy.ORGANIZER)
    erased = erase_booking(upcoming, actor=alex.email)
    assert erased.attendee_email == f"erased-{upcoming.pk}@invalid"
    past = ended(intro, NOW - 48 * HOUR, email="max@example.org")
    assert erase_booking(past, actor=alex.email).attendee_name == "(erased)"
    entries = AuditEntry.objects.filter(setting=audit.ERASE_BOOKING).order_by("pk")
    assert [e.target for e in entries] == [f"booking {upcoming.pk}", f"booking {past.pk}"]
    # Erasing it again is no new entry.
    erase_booking(past, actor=alex.email)
    assert entries.count() == 2


def test_the_organizers_notice_of_an_erased_booking_has_no_reply_to(alex, smtp, run_worker):
    book(make_type(alex, slug="intro"), NOW + 4 * HOUR)
    run_worker()
    (confirmation,) = smtp.inbox.to("alex@acme.example")
    assert confirmation["Reply-To"] == ZOE

    erase_address(ZOE, actor="t")
    run_worker()

    notice = smtp.inbox.to("alex@acme.example")[-1]
    assert str(notice["Subject"]).strip().startswith("Booking cancelled")
    assert notice["Reply-To"] is None


def test_webhook_deliveries_of_an_erased_booking_say_nothing_of_the_attendee(alex, fan_out):
    from bookwithme.notify import webhooks
    from bookwithme.notify.models import WebhookDelivery

    webhooks.create(alex, url="https://hooks.example/in")
    booking = book(make_type(alex, slug="intro"), NOW + 4 * HOUR, notes="Call 0612")
    fan_out()
    (delivery,) = WebhookDelivery.objects.all()
    assert "Zoé" in delivery.body and ZOE in delivery.body

    erase_address(ZOE, actor="t")
    fan_out()  # the cancellation's delivery, made from the erased booking

    deliveries = list(WebhookDelivery.objects.order_by("created_at"))
    assert [d.event for d in deliveries] == ["booking.confirmed", "booking.cancelled"]
    for delivery in deliveries:
        payload = json.loads(delivery.body)
        assert payload["id"] == str(delivery.id)
        assert payload["data"]["booking"]["attendee"]["email"] == f"erased-{booking.pk}@invalid"
        for gone in ("Zoé", ZOE, "0612"):
            assert gone not in delivery.body
