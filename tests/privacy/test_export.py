"""`privacy.export`: everything held about an address in one document, secrets never, another
organization's data never when one organization asks; each export in the audit log of the
organizations it read, without the address."""

import json
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from makers import NOW, ended, make_link, make_org, make_person, make_token, make_type

from bookwithme.booking import services
from bookwithme.calendars.models import Connection, Event
from bookwithme.directory.models import AuditEntry
from bookwithme.notify.models import OutboxMessage
from bookwithme.privacy import audit
from bookwithme.privacy.export import export
from bookwithme.tokens import encrypt

pytestmark = pytest.mark.usefixtures("frozen")

ZOE = "zoe@example.org"
FEED_SECRET = "s3cr3t-feed-path-4821"
CALDAV_PASSWORD = "caldav-pw-9931"


@pytest.fixture
def acme(db):
    return make_org(name="Acme", domain="acme.example")


@pytest.fixture
def alex(acme):
    return make_person(org=acme, name="Alex Martin", email="alex@acme.example")


@pytest.fixture
def sam(db):
    return make_person(org=make_org(name="Globex", domain="globex.example"), name="Sam Chen")


def book(mt, hours_from_now, email=ZOE, **attendee):
    start = NOW + timedelta(hours=hours_from_now)
    who = services.Attendee(
        attendee.pop("name", "Zoé Durand"), email, "America/Montreal", **attendee
    )
    return services.book(mt, start, who).booking


def as_text(document) -> str:
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False)


def test_an_attendees_bookings_answers_guests_and_emails_of_every_organization(alex, sam):
    review = make_type(
        alex,
        title="Review",
        slug="review",
        max_guests=2,
        questions=[{"id": "topic", "label": "Topic?", "kind": "text", "required": False}],
    )
    ours = book(
        review, 4, notes="Bring the plans", answers={"topic": "Roof"}, guests=("lea@example.org",)
    )
    theirs = book(make_type(sam, title="Chat", slug="chat"), 6)
    past = ended(make_type(sam, title="Old", slug="old"), NOW - timedelta(days=3))
    # As a guest on someone else's booking: the meeting is shown, not who invited them.
    other = book(
        make_type(alex, title="Walk", slug="walk", max_guests=1),
        8,
        email="max@example.org",
        name="Max Weber",
        guests=(ZOE.upper(),),
    )
    OutboxMessage.objects.create(
        booking=ours,
        kind="confirmed",
        recipient="attendee",
        sequence=0,
        to_email=ZOE,
        subject="Booked: Review",
        state="sent",
        sent_at=NOW,
    )
    OutboxMessage.objects.create(
        booking=ours,
        kind="confirmed",
        recipient="organizer",
        sequence=0,
        to_email=alex.email,
        subject="New booking",
        state="sent",
        sent_at=NOW,
    )

    document = export(ZOE, actor="tester")

    by_id = {b["id"]: b for b in document["as_attendee"]}
    assert set(by_id) == {ours.pk, theirs.pk, past.pk}
    assert by_id[ours.pk]["notes"] == "Bring the plans"
    assert by_id[ours.pk]["answers"] == [{"question": "Topic?", "answer": "Roof"}]
    assert by_id[ours.pk]["guests"] == ["lea@example.org"]
    assert by_id[ours.pk]["organizer"] == {
        "name": "Alex Martin",
        "email": alex.email,
        "organization": "Acme",
    }
    assert by_id[theirs.pk]["organizer"]["organization"] == "Globex"
    assert by_id[past.pk]["answers"] == [{"question": "phone", "answer": "+33 6 12 34 56 78"}]
    assert [g["id"] for g in document["as_guest"]] == [other.pk]
    assert "Max" not in as_text(document["as_guest"]) and "max@" not in as_text(document)
    assert [(m["to"], m["subject"]) for m in document["emails"]] == [(ZOE, "Booked: Review")]
    assert document["person"] is None
    assert document["email"] == ZOE
    json.loads(as_text(document))  # one JSON document


def test_one_organizations_export_holds_nothing_of_another(alex, sam, acme):
    ours = book(make_type(alex, slug="a"), 4)
    theirs = book(make_type(sam, slug="b"), 6)
    OutboxMessage.objects.create(
        booking=theirs,
        kind="confirmed",
        recipient="attendee",
        sequence=0,
        to_email=ZOE,
        subject="Globex says hi",
    )

    document = export(ZOE, actor="admin@acme.example", organization=acme)

    assert [b["id"] for b in document["as_attendee"]] == [ours.pk]
    assert document["emails"] == []
    assert "Globex" not in as_text(document) and sam.email not in as_text(document)
    # Sam is a person of Globex: Acme's export of Sam's address has no profile.
    assert export(sam.email, actor="admin@acme.example", organization=acme)["person"] is None
    assert export(sam.email, actor="tester")["person"]["profile"]["email"] == sam.email


def test_a_persons_data_without_a_secret(alex, acme):
    mt = make_type(alex, title="Intro", slug="intro")
    link_token = make_link(mt, label="For the board", single_use=True)
    api_token = make_token(alex)
    Connection.objects.create(
        owner=alex, kind="ics", url=f"https://cal.example/feeds/{FEED_SECRET}/basic.ics"
    )
    Connection.objects.create(
        owner=alex,
        kind="caldav",
        url="https://dav.example/",
        username="alex",
        password_encrypted=encrypt(CALDAV_PASSWORD, purpose="calendar-password"),
    )
    Event.objects.create(owner=alex, title="Dentist", start=NOW, end=NOW + timedelta(hours=1))
    AuditEntry.objects.create(
        organization=acme,
        actor="admin@acme.example",
        target=alex.email,
        setting="has_licence",
        before=False,
        after=True,
    )
    AuditEntry.objects.create(
        organization=acme,
        actor="admin@acme.example",
        target="other@acme.example",
        setting="has_licence",
    )

    document = export(alex.email, actor="tester")
    person = document["person"]

    assert person["profile"]["name"] == "Alex Martin"
    assert person["profile"]["organization"] == {"name": "Acme", "domain": "acme.example"}
    assert [t["slug"] for t in person["meeting_types"]] == [mt.slug]
    assert person["private_links"][0]["label"] == "For the board"
    assert person["private_links"][0]["single_use"] is True
    assert [c["address"] for c in person["connected_calendars"]] == [
        "https://cal.example",
        "https://dav.example",
    ]
    assert [e["title"] for e in person["calendar_events"]] == ["Dentist"]
    assert len(person["api_tokens"]) == 1
    assert [(a["on"], a["setting"]) for a in person["audit_entries"]] == [
        (alex.email, "has_licence")
    ]
    text = as_text(document)
    for secret in (
        link_token,
        api_token,
        FEED_SECRET,
        CALDAV_PASSWORD,
        alex.password,
        "token_hash",
        "password",
    ):
        assert secret not in text


def test_each_export_is_in_the_audit_log_of_the_organizations_it_read_without_the_address(
    alex, sam
):
    book(make_type(alex, slug="a"), 4)
    book(make_type(sam, slug="b"), 6)
    before = AuditEntry.objects.count()

    export(ZOE, actor="command line (ops)")

    entries = list(AuditEntry.objects.order_by("pk")[before:])
    assert {e.organization for e in entries} == {alex.organization, sam.organization}
    for entry in entries:
        assert (entry.actor, entry.setting) == ("command line (ops)", audit.EXPORT)
        assert entry.target == audit.address_key(ZOE) == audit.address_key(" ZOE@example.org")
        assert entry.after["bookings"] == 1
        assert "zoe" not in json.dumps([entry.target, entry.before, entry.after]).lower()
    assert audit.address_key("max@example.org") != audit.address_key(ZOE)


def test_an_address_nothing_is_held_about_exports_an_empty_document(db):
    document = export("nobody@example.org", actor="tester")
    assert (
        document["as_attendee"],
        document["as_guest"],
        document["emails"],
        document["person"],
    ) == ([], [], [], None)
    assert not AuditEntry.objects.exists()
