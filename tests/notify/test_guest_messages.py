"""The attendee's guests: one message to them all for the invitation and each later change, in
the attendee's language, with the invitation naming them, never with the manage link; a
change before they were invited (a request not yet approved) never reaches them."""

import email
import email.policy
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
from django.conf import settings
from django.test.signals import setting_changed
from django_tasks_db.models import DBTaskResult
from makers import make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.models import Booking
from bookwithme.notify import messages
from bookwithme.notify.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("frozen")

START = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
MOVED = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
GUESTS = ["lea@example.org", "sam@example.org"]
MANAGE = "https://book.example/manage/tok-123"


@pytest.fixture(scope="module", autouse=True)
def french_catalog():
    """The .mo is built by `make install` and not committed: build it when it is missing or
    older than the .po (as tests/notify/test_messages.py does)."""
    mo = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    po = mo.with_suffix(".po")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
        setting_changed.send(
            sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
        )


def book(language="en", guests=GUESTS, **rules) -> Booking:
    owner = make_person(name="Alex Martin")
    mt = make_type(owner, title="Bilan", max_guests=2, **rules)
    attendee = services.Attendee(
        "Zoé Durand", "zoe@example.org", "Europe/Paris", language=language, guests=tuple(guests)
    )
    return services.book(mt, START, attendee).booking


def parse(message):
    raw = message.message(policy=email.policy.default).as_bytes()
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    parts = {part.get_content_type(): part for part in mail.walk() if not part.is_multipart()}
    return mail, parts


def words(message) -> str:
    mail, parts = parse(message)
    return "\n".join(
        [str(mail["Subject"]), parts["text/plain"].get_content(), parts["text/html"].get_content()]
    )


@pytest.mark.parametrize(
    ("kind", "method"),
    [("confirmed", "REQUEST"), ("rescheduled", "REQUEST"), ("cancelled", "CANCEL")],
)
def test_the_guests_get_the_invitation_together_without_the_manage_link(kind, method, db):
    booking = book()
    if kind == "rescheduled":
        booking = services.reschedule(booking, MOVED)
    if kind == "cancelled":
        booking = services.cancel(booking, by=Booking.CancelledBy.ATTENDEE, reason="Sick")
    message = messages.render(kind, "guest", booking)
    mail, parts = parse(message)
    assert mail["To"] == "lea@example.org, sam@example.org"
    assert mail["Reply-To"] == booking.owner.email
    text = words(message)
    assert "Zoé Durand" in text and "Alex Martin" in text
    assert "manage" not in text and "Sick" not in text  # the reason was for the organizer
    calendar = parts["text/calendar"]
    assert calendar.get_param("method") == method
    event = icalendar.Calendar.from_ical(calendar.get_content()).walk("VEVENT")[0]
    assert "manage" not in str(event["DESCRIPTION"])
    invited = {str(a) for a in event.get("ATTENDEE")}
    assert {"mailto:lea@example.org", "mailto:sam@example.org"} <= invited


def test_the_guests_message_in_english_and_in_french(db):
    english = words(messages.render("confirmed", "guest", book()))
    assert "Zoé Durand invited you to their meeting with Alex Martin." in english
    assert "Invitation: Bilan with Alex Martin and Zoé Durand" in english
    french = words(messages.render("confirmed", "guest", book(language="fr")))
    assert "Zoé Durand vous invite à son rendez-vous avec Alex Martin." in french
    assert "Invitation : Bilan avec Alex Martin et Zoé Durand" in french
    for english_words in ("invited you", "Hello", "To change it"):
        assert english_words not in french
    moved = services.reschedule(book(language="fr"), MOVED)
    assert "a changé d\N{RIGHT SINGLE QUOTATION MARK}horaire" in words(
        messages.render("rescheduled", "guest", moved)
    )
    cancelled = services.cancel(book(language="fr"), by=Booking.CancelledBy.ORGANIZER)
    assert "est annulé" in words(messages.render("cancelled", "guest", cancelled))


def test_the_fan_out_writes_one_guest_message_per_change(db, fan_out):
    booking = book()
    fan_out()
    booking = services.reschedule(booking, MOVED)
    fan_out()
    services.cancel(booking, by=Booking.CancelledBy.ATTENDEE)
    fan_out()
    to_guests = OutboxMessage.objects.filter(recipient="guest").order_by("sequence")
    assert [(m.kind, m.to_email, m.sequence) for m in to_guests] == [
        ("confirmed", "lea@example.org", 0),
        ("rescheduled", "lea@example.org", 1),
        ("cancelled", "lea@example.org", 2),
    ]


def test_no_guest_message_without_guests(db, fan_out):
    book(guests=[])
    fan_out()
    assert OutboxMessage.objects.count() == 2
    assert not OutboxMessage.objects.filter(recipient="guest").exists()


def test_a_change_before_the_guests_were_invited_never_reaches_them(db, fan_out):
    booking = book()
    # As for a request not yet approved: no confirmation was fanned out to anyone.
    DBTaskResult.objects.all().delete()
    services.cancel(booking, by=Booking.CancelledBy.ATTENDEE)
    assert fan_out() == 1
    assert set(OutboxMessage.objects.values_list("kind", "recipient")) == {
        ("cancelled", "attendee"),
        ("cancelled", "organizer"),
    }
