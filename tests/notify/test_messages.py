"""The emails a booking sends: language, time zones, links, MIME structure as mail clients
expect it, what replying to an invitation does, hostile names."""

import email
import email.policy
import re
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.test.signals import setting_changed
from django.utils import translation
from icscheck import parse_both
from makers import NOW, make_person, make_type

from bookwithme.booking import ics, services
from bookwithme.calendars.models import Connection
from bookwithme.notify import messages, tasks
from bookwithme.notify.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jitsi")]

START = NOW + timedelta(hours=4)  # 10:00 UTC: 12:00 in Paris, 06:00 in Montreal
LATER = NOW + timedelta(hours=6)  # 12:00 UTC: 14:00 in Paris, 08:00 in Montreal
MANAGE = "https://book.example/manage/tok-123"
DASH, MINUS = "\u2013", "\u2212"  # an en dash between times, a minus sign in UTC offsets
HOSTILE = 'Zoé, "the; boss" \\ <script>alert(1)</script>'
QUESTIONS = [
    {"id": "topic", "label": "What should we talk about?", "kind": "long_text"},
    {"id": "phone", "label": "Your phone number", "kind": "phone"},
]
REQUEST, CANCEL = "REQUEST", "CANCEL"
METHODS = {
    "confirmed_to_attendee": REQUEST,
    "confirmed_to_organizer": REQUEST,
    "rescheduled_to_attendee": REQUEST,
    "rescheduled_to_organizer": REQUEST,
    "reminder_to_attendee": None,
    "cancelled_to_attendee": CANCEL,
    "cancelled_to_organizer": CANCEL,
}
# To the attendee's guests (tests/notify/test_guest_messages.py).
GUEST_METHODS = {
    "confirmed_to_guest": REQUEST,
    "rescheduled_to_guest": REQUEST,
    "cancelled_to_guest": CANCEL,
}
# Types that require approval (tests/notify/test_approval_messages.py): no invitation.
APPROVAL_METHODS = {
    "requested_to_attendee": None,
    "requested_to_organizer": None,
    "declined_to_attendee": None,
    "declined_to_organizer": None,
}
TO_ATTENDEE = [name for name in METHODS if name.endswith("_to_attendee")]
TO_ORGANIZER = [name for name in METHODS if name.endswith("_to_organizer")]

# What an untranslated French message would show: the English subjects, then the English
# sentences and labels of the bodies and the invitation, and English dates.
ENGLISH_SUBJECTS = [
    "Booking confirmed:",
    "New booking:",
    "Booking rescheduled:",
    "Booking cancelled:",
    "Reminder:",
]
ENGLISH_SENTENCES = [
    "Hello",
    "Your booking with",
    "is confirmed",
    "booked",
    "has moved to a new time",
    "cancelled this booking",
    "This is a reminder",
    "The invitation is attached",
    "The updated invitation is attached",
    "The cancellation is attached",
    "To reschedule or cancel",
    "Reschedule or cancel",
    "To see the booking",
    "See the booking",
    "Or open this link",
    "Sent by bookwithme",
    "Sent by your booking page",
    "Answering Yes, No or Maybe",
    "changes nothing",
    "use your link",
    "use your dashboard",
    "Add to Google Calendar",
    "Add to Outlook",
    "Attendee",
    "What:",
    "When:",
    "With:",
    "Previously:",
    "Meeting link:",
    "Reason:",
    "Name:",
    "Email:",
    "Time zone:",
    "Notes:",
    " with ",
    " and ",
    "Monday",
    "June",
    " AM",
    " PM",
]
FRENCH_SENTENCES = ["Bonjour", "rendez-vous", "Rendez-vous", "Quand", "lundi", "juin", ", de "]


@pytest.fixture(scope="module", autouse=True)
def french_catalog():
    """The .mo is built by `make install` and not committed: build it when it is missing or
    older than the .po, and have Django load it afresh."""
    mo = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    po = mo.with_suffix(".po")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
        setting_changed.send(
            sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
        )


def book(
    *,
    attendee_name="Zoé Durand",
    attendee_language="en",
    owner_name="Alex Martin",
    owner_language="en",
    title="Bilan",
    online=True,
    location=None,
    notes="Merci\nà bientôt",
    answers=None,
):
    with time_machine.travel(NOW, tick=False):
        owner = make_person(name=owner_name, time_zone="Europe/Paris")
        owner.language = owner_language
        owner.save()
        fields = {"title": title, "online_meeting": online, "questions": QUESTIONS}
        if location:
            fields["location"] = location
        mt = make_type(owner, **fields)
        attendee = services.Attendee(
            attendee_name,
            "zoe@example.org",
            "America/Montreal",
            notes=notes,
            language=attendee_language,
            answers={"topic": "Le budget", "phone": "+1 514 555 0100"}
            if answers is None
            else answers,
        )
        return services.book(mt, START, attendee).booking


def reschedule(booking):
    with time_machine.travel(NOW, tick=False):
        return services.reschedule(booking, LATER)


def cancel(booking, by="organizer", reason="Un imprévu, désolé."):
    with time_machine.travel(NOW, tick=False):
        return services.cancel(booking, by=by, reason=reason)


def every_message(booking):
    """The seven messages of one booking's life: confirmed, moved, reminded, cancelled."""
    sent = {
        "confirmed_to_attendee": messages.render(
            "confirmed", "attendee", booking, manage_url=MANAGE
        ),
        "confirmed_to_organizer": messages.render("confirmed", "organizer", booking),
    }
    previous = booking.start
    booking = reschedule(booking)
    sent["rescheduled_to_attendee"] = messages.render(
        "rescheduled", "attendee", booking, manage_url=MANAGE, previous_start=previous
    )
    sent["rescheduled_to_organizer"] = messages.render(
        "rescheduled", "organizer", booking, previous_start=previous
    )
    sent["reminder_to_attendee"] = messages.render(
        "reminder", "attendee", booking, manage_url=MANAGE
    )
    booking = cancel(booking)
    sent["cancelled_to_attendee"] = messages.render(
        "cancelled", "attendee", booking, manage_url=MANAGE
    )
    sent["cancelled_to_organizer"] = messages.render("cancelled", "organizer", booking)
    return sent


@dataclass
class Parsed:
    """A message as a mail client gets it, serialized and parsed back by Python's `email`."""

    raw: bytes
    mail: email.message.EmailMessage
    text: str
    html: str
    calendar: email.message.EmailMessage | None
    attachment: email.message.EmailMessage | None

    @property
    def subject(self) -> str:
        # Python's email may fold a long subject right after "Subject:"; unfolded, that
        # leaves a space in front, which mail clients drop too.
        return str(self.mail["Subject"]).strip()

    def ical(self) -> icalendar.Calendar:
        return parse_both(self.calendar.get_content())

    def event(self) -> icalendar.Event:
        return self.ical().walk("VEVENT")[0]

    def words(self) -> str:
        """Everything a reader reads: subject, both bodies, the invitation's texts."""
        found = [self.subject, self.text, self.html]
        if self.calendar is not None:
            found += [str(self.event()["SUMMARY"]), str(self.event()["DESCRIPTION"])]
        return "\n".join(found)


def parse(message, policy=email.policy.default) -> Parsed:
    raw = message.message(policy=policy).as_bytes()
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    text = html = ""
    calendar = attachment = None
    for part in mail.walk():
        if part.is_multipart():
            continue
        if part.get_filename() == "invite.ics":
            attachment = part
        elif part.get_content_type() == "text/plain":
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
        elif part.get_content_type() == "text/calendar":
            calendar = part
    return Parsed(raw, mail, text, html, calendar, attachment)


# --- languages


def test_every_message_renders_in_english():
    for name, message in every_message(book()).items():
        parsed = parse(message)
        assert any(parsed.subject.startswith(s) for s in ENGLISH_SUBJECTS), name
        assert parsed.text.startswith("Hello Zoé Durand,") or parsed.text.startswith(
            "Hello Alex Martin,"
        ), name
        assert '<html lang="en">' in parsed.html, name
        for french in FRENCH_SENTENCES:
            assert french not in parsed.words(), (name, french)


def test_every_message_renders_in_french_with_no_english_left():
    sent = every_message(book(attendee_language="fr", owner_language="fr"))
    for name, message in sent.items():
        parsed = parse(message)
        assert parsed.text.startswith("Bonjour "), name
        assert '<html lang="fr">' in parsed.html, name
        for english in ENGLISH_SUBJECTS:
            assert english not in parsed.words(), (name, english)
        for english in ENGLISH_SENTENCES:
            assert english not in parsed.words(), (name, english)
    assert parse(sent["confirmed_to_attendee"]).subject.startswith("Rendez-vous confirmé\xa0: ")
    assert parse(sent["confirmed_to_organizer"]).subject.startswith("Nouveau rendez-vous\xa0: ")
    assert parse(sent["rescheduled_to_attendee"]).subject.startswith("Rendez-vous déplacé\xa0: ")
    assert parse(sent["reminder_to_attendee"]).subject.startswith("Rappel\xa0: ")
    assert parse(sent["cancelled_to_organizer"]).subject.startswith("Rendez-vous annulé\xa0: ")


def test_each_reader_gets_their_own_language():
    booking = book(attendee_language="fr", owner_language="en")
    to_attendee = parse(messages.render("confirmed", "attendee", booking, manage_url=MANAGE))
    to_organizer = parse(messages.render("confirmed", "organizer", booking))
    assert to_attendee.subject.startswith("Rendez-vous confirmé")
    assert to_organizer.subject.startswith("New booking: Bilan with Zoé Durand")


def test_building_a_message_leaves_the_active_language_alone():
    booking = book(attendee_language="fr")
    with translation.override("en"):
        messages.render("confirmed", "attendee", booking, manage_url=MANAGE)
        assert translation.get_language() == "en"


def test_french_catalog_translates_every_message():
    po = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    entries = po.read_text(encoding="utf-8").split("\n\n")[1:]
    assert len(entries) > 200
    for entry in entries:
        assert "#, fuzzy" not in entry, entry
        assert not re.search(r'^msgstr(\[\d\])? ""$(?!\n")', entry, re.MULTILINE), entry


# --- time zones


def test_times_are_written_in_each_readers_zone():
    booking = book()
    to_attendee = parse(messages.render("confirmed", "attendee", booking, manage_url=MANAGE))
    to_organizer = parse(messages.render("confirmed", "organizer", booking))
    # The same meeting: 10:00 UTC, in Montreal (UTC-4 in June) and in Paris (UTC+2).
    assert (
        f"Monday, June 1, 2026, 6:00 AM {DASH} 6:30 AM (America/Montreal, UTC{MINUS}4)"
        in to_attendee.text
    )
    assert f"6:00 AM {DASH} 6:30 AM (America/Montreal, UTC{MINUS}4)" in to_attendee.html
    assert to_attendee.subject.endswith("Monday, June 1, 2026, 6:00 AM")
    assert (
        f"Monday, June 1, 2026, 12:00 PM {DASH} 12:30 PM (Europe/Paris, UTC+2)" in to_organizer.text
    )
    assert f"12:00 PM {DASH} 12:30 PM (Europe/Paris, UTC+2)" in to_organizer.html
    assert to_organizer.subject.endswith("Monday, June 1, 2026, 12:00 PM")
    assert "12:00 PM" not in to_attendee.words()
    assert "6:00 AM" not in to_organizer.words()


def test_french_times_use_french_dates_in_the_readers_zone():
    booking = book(owner_language="fr")
    parsed = parse(messages.render("confirmed", "organizer", booking))
    # CLDR's French: the full date and a 24 hour clock, as the pages write them in French.
    assert "lundi 1 juin 2026, de 12:00 à 12:30 (Europe/Paris, UTC+2)" in parsed.text
    assert "lundi 1 juin 2026, de 12:00 à 12:30 (Europe/Paris, UTC+2)" in parsed.html
    assert parsed.subject.endswith("lundi 1 juin 2026, 12:00")
    assert "\xa0h\xa0" not in parsed.words()


def test_a_reschedule_shows_the_previous_time_too():
    booking = book()
    previous = booking.start
    booking = reschedule(booking)
    text = parse(
        messages.render(
            "rescheduled", "attendee", booking, manage_url=MANAGE, previous_start=previous
        )
    ).text
    assert (
        f"When: Monday, June 1, 2026, 8:00 AM {DASH} 8:30 AM (America/Montreal, UTC{MINUS}4)"
        in text
    )
    assert f"Previously: Monday, June 1, 2026, 6:00 AM {DASH} 6:30 AM" in text
    organizer = parse(messages.render("rescheduled", "organizer", booking, previous_start=previous))
    assert (
        f"When: Monday, June 1, 2026, 2:00 PM {DASH} 2:30 PM (Europe/Paris, UTC+2)"
        in organizer.text
    )
    assert f"Previously: Monday, June 1, 2026, 12:00 PM {DASH} 12:30 PM" in organizer.text
    assert organizer.subject.startswith("Booking rescheduled: Bilan with Zoé Durand, now Monday")


def test_a_reschedule_without_its_previous_time_still_renders():
    booking = reschedule(book())
    text = parse(messages.render("rescheduled", "organizer", booking, previous_start=None)).text
    assert "Previously" not in text
    assert "When: Monday, June 1, 2026, 2:00 PM" in text


# --- links and places


def test_every_attendee_mail_carries_the_manage_link():
    sent = every_message(book())
    for name in TO_ATTENDEE:
        parsed = parse(sent[name])
        assert MANAGE in parsed.text, name
        assert f'href="{MANAGE}"' in parsed.html, name
        if parsed.calendar is not None:
            assert MANAGE in str(parsed.event()["DESCRIPTION"]), name


def test_the_manage_link_never_reaches_the_organizer():
    sent = every_message(book())
    for name in TO_ORGANIZER:
        assert MANAGE.encode() not in parse(sent[name]).raw, name


def test_every_mail_carries_the_meeting_link_when_there_is_one():
    booking = book()
    assert booking.meeting_url.startswith("https://meet.example/bookwithme-")
    url = booking.meeting_url
    for name, message in every_message(booking).items():
        parsed = parse(message)
        assert f"Meeting link: {url}" in parsed.text, name
        assert f'<a href="{url}">' in parsed.html, name
        if parsed.calendar is not None:
            assert str(parsed.event()["LOCATION"]) == url, name


@pytest.mark.parametrize(
    ("kind", "value", "label"),
    [
        ("in_person", "12 rue de Rivoli, 75004 Paris", "Address:"),
        ("phone", "+33 1 23 45 67 89", "Phone:"),
    ],
)
def test_without_a_meeting_link_mails_say_where(kind, value, label):
    booking = book(online=False, location={"kind": kind, "value": value})
    assert booking.meeting_url == ""
    for name, message in every_message(booking).items():
        parsed = parse(message)
        assert f"{label} {value}" in parsed.text, name
        assert "Meeting link" not in parsed.text, name
        assert value in parsed.html, name
        if parsed.calendar is not None:
            assert str(parsed.event()["LOCATION"]) == value, name


def test_an_online_meeting_at_a_fixed_address_says_where_to_join():
    booking = book(online=False, location={"kind": "online", "value": "https://meet.example/a"})
    text = parse(messages.render("confirmed", "attendee", booking, manage_url=MANAGE)).text
    assert "Meeting link" not in text
    assert "Where: https://meet.example/a" in text


# --- what each side is told


def test_organizer_mails_show_the_attendee_notes_and_answers():
    sent = every_message(book(notes="Merci\nà bientôt"))
    for name in TO_ORGANIZER:
        parsed = parse(sent[name])
        assert "Name: Zoé Durand" in parsed.text, name
        assert "Email: zoe@example.org" in parsed.text, name
        assert "Time zone: America/Montreal" in parsed.text, name
        assert "What should we talk about?\nLe budget" in parsed.text, name
        assert "Your phone number\n+1 514 555 0100" in parsed.text, name
        assert "Notes:\nMerci\nà bientôt" in parsed.text, name
        assert "Merci<br>à bientôt" in parsed.html, name
        assert "What should we talk about?" in parsed.html, name


def test_answers_follow_the_questions_order_and_skip_the_unanswered():
    booking = book(answers={"phone": "+1 514 555 0100"}, notes="")
    text = parse(messages.render("confirmed", "organizer", booking)).text
    assert "Your phone number" in text
    assert "What should we talk about?" not in text
    assert "Notes" not in text


def test_attendee_mails_say_who_they_meet_and_keep_the_organizer_details_out():
    text = parse(messages.render("confirmed", "attendee", book(), manage_url=MANAGE)).text
    assert "Your booking with Alex Martin is confirmed." in text
    assert "With: Alex Martin" in text
    assert "Le budget" not in text


@pytest.mark.parametrize(
    ("by", "to_attendee", "to_organizer"),
    [
        ("attendee", "You cancelled this booking.", "Zoé Durand cancelled this booking."),
        ("organizer", "Alex Martin cancelled this booking.", "You cancelled this booking."),
    ],
)
def test_cancelled_mails_say_who_cancelled_and_why(by, to_attendee, to_organizer):
    booking = cancel(book(), by=by, reason="Sick, sorry;\nnext week?")
    attendee = parse(messages.render("cancelled", "attendee", booking, manage_url=MANAGE))
    organizer = parse(messages.render("cancelled", "organizer", booking))
    assert to_attendee in attendee.text
    assert to_organizer in organizer.text
    for parsed in (attendee, organizer):
        assert "Reason:\nSick, sorry;\nnext week?" in parsed.text
        assert "Sick, sorry;<br>next week?" in parsed.html
    assert "To see the booking: " + MANAGE in attendee.text


def test_cancelled_mails_without_a_reason_say_none():
    booking = cancel(book(), by="attendee", reason="")
    text = parse(messages.render("cancelled", "organizer", booking)).text
    assert "Zoé Durand cancelled this booking." in text
    assert "Reason" not in text


def test_french_cancel_names_who_cancelled():
    booking = cancel(book(attendee_language="fr"), by="organizer", reason="")
    text = parse(messages.render("cancelled", "attendee", booking, manage_url=MANAGE)).text
    assert "Alex Martin a annulé ce rendez-vous." in text


def test_footers_say_who_the_mail_is_sent_for():
    booking = book()
    to_attendee = parse(messages.render("reminder", "attendee", booking, manage_url=MANAGE))
    to_organizer = parse(messages.render("confirmed", "organizer", booking))
    assert to_attendee.text.endswith("\n\nSent by bookwithme for Alex Martin.\n")
    assert "Sent by bookwithme for Alex Martin." in to_attendee.html
    assert to_organizer.text.endswith("\n\nSent by your booking page.\n")
    assert "Sent by your booking page." in to_organizer.html


def test_mails_come_from_the_site_and_replies_go_to_the_other_side(settings):
    settings.DEFAULT_FROM_EMAIL = "Bookings <bookings@book.example>"
    booking = book()
    to_attendee = parse(messages.render("confirmed", "attendee", booking, manage_url=MANAGE)).mail
    to_organizer = parse(messages.render("confirmed", "organizer", booking)).mail
    assert str(to_attendee["From"]) == "Bookings <bookings@book.example>"
    assert to_attendee["To"].addresses[0].addr_spec == "zoe@example.org"
    assert to_attendee["Reply-To"].addresses[0].addr_spec == booking.owner.email
    assert to_organizer["To"].addresses[0].addr_spec == booking.owner.email
    assert to_organizer["Reply-To"].addresses[0].addr_spec == "zoe@example.org"
    assert to_attendee["Auto-Submitted"] == "auto-generated"


# --- MIME structure and the invitation


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.SMTP])
def test_mime_structure_and_the_invitation_in_it(policy):
    booking = book()
    uid = booking.uid
    sent = every_message(booking)
    starts = {"confirmed": START, "rescheduled": LATER, "cancelled": LATER}
    sequences = {"confirmed": 0, "rescheduled": 1, "cancelled": 2}
    for name, method in METHODS.items():
        parsed = parse(sent[name], policy)
        assert parsed.mail.get_content_type() == "multipart/mixed" or method is None, name
        assert parsed.text and parsed.html, name
        if method is None:  # the reminder: the meeting is already in the reader's calendar
            assert parsed.calendar is None and parsed.attachment is None, name
            continue
        assert parsed.calendar.get_param("method") == method, name
        assert f"method={method}" in parsed.calendar["Content-Type"].replace('"', ""), name
        assert parsed.calendar.get_content_disposition() is None, name
        assert parsed.attachment.get_content_type() == "application/ics", name
        assert parsed.attachment.get_content_disposition() == "attachment", name
        ics_bytes = parsed.attachment.get_payload(decode=True)
        assert ics_bytes == parsed.calendar.get_payload(decode=True), name
        assert parse_both(ics_bytes)["METHOD"] == method, name
        cal = parsed.ical()
        event = parsed.event()
        kind = name.split("_")[0]
        assert cal["METHOD"] == method
        assert str(event["UID"]) == uid
        assert event["SEQUENCE"] == sequences[kind]
        assert event["DTSTART"].dt == starts[kind]
        assert event["DTEND"].dt == starts[kind] + timedelta(minutes=30)
        assert event["DTSTAMP"].dt.utcoffset() == timedelta(0)
        assert str(event["ORGANIZER"]) == f"mailto:{booking.owner.email}"
        assert event["ORGANIZER"].params["CN"] == "Alex Martin"
        assert str(event["ATTENDEE"]) == "mailto:zoe@example.org"
        assert event["ATTENDEE"].params["CN"] == "Zoé Durand"
        assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
        assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
        assert str(event["STATUS"]) == ("CANCELLED" if method == CANCEL else "CONFIRMED")
        assert str(event["LOCATION"]) == booking.meeting_url
        if name in TO_ATTENDEE:
            assert MANAGE in str(event["DESCRIPTION"])


def test_the_smtp_serialization_uses_crlf_and_short_lines():
    parsed = parse(
        messages.render("confirmed", "attendee", book(), manage_url=MANAGE), email.policy.SMTP
    )
    assert b"\r\n" in parsed.raw
    assert all(len(line) <= 998 for line in parsed.raw.split(b"\r\n"))


# --- hostile names


def hostile_booking():
    booking = book(
        attendee_name=HOSTILE,
        owner_name=HOSTILE.replace("Zoé", "Alex"),
        title='Intro; call, "deep" \\ <b>dive</b>',
        notes="<i>notes</i> & more",
        answers={"topic": "<img src=x onerror=alert(1)>"},
    )
    return booking


def squeeze(text: str) -> str:
    # Python's email folds long non-ASCII headers into encoded words and may add or drop a
    # space where it folds (whitespace only); compare what is left.
    return "".join(text.split())


def assert_one_clean_header(mail, name):
    headers = mail.get_all(name)
    assert headers is not None and len(headers) == 1, (name, headers)
    assert "\n" not in str(headers[0]) and "\r" not in str(headers[0])
    assert not headers[0].defects, (name, headers[0].defects)
    return headers[0]


def assert_clean_headers(parsed, *, to, subject):
    mail = parsed.mail
    assert squeeze(str(assert_one_clean_header(mail, "Subject"))) == squeeze(subject)
    for name in ("To", "From", "Reply-To"):
        assert_one_clean_header(mail, name)
    assert [a.addr_spec for a in mail["To"].addresses] == [to]
    assert len(mail["Reply-To"].addresses) == 1
    # Nothing beyond the headers this module and Django set.
    names = {n.lower() for n in mail}
    assert names <= {
        "mime-version",
        "content-type",
        "subject",
        "from",
        "to",
        "reply-to",
        "date",
        "message-id",
        "auto-submitted",
    }


def test_hostile_names_are_escaped_in_html_and_kept_in_text():
    booking = hostile_booking()
    sent = every_message(booking)
    for name, message in sent.items():
        parsed = parse(message)
        assert "<script>" not in parsed.html, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in parsed.html, name
        assert "<b>dive</b>" not in parsed.html, name
        assert HOSTILE in parsed.text or HOSTILE.replace("Zoé", "Alex") in parsed.text, name
    organizer_html = parse(sent["confirmed_to_organizer"]).html
    assert "&lt;img src=x onerror=alert(1)&gt;" in organizer_html
    assert "&lt;i&gt;notes&lt;/i&gt; &amp; more" in organizer_html


def test_hostile_names_give_valid_headers_and_invitations():
    booking = hostile_booking()
    owner_name = HOSTILE.replace("Zoé", "Alex")
    for name, message in every_message(booking).items():
        for policy in (email.policy.default, email.policy.SMTP):
            parsed = parse(message, policy)
            attendee = name in TO_ATTENDEE
            assert_clean_headers(
                parsed,
                to="zoe@example.org" if attendee else booking.owner.email,
                subject=message.subject,
            )
            assert message.recipients() == [message.to[0]]
            if parsed.calendar is None:
                continue
            event = parsed.event()
            assert event["ATTENDEE"].params["CN"] == HOSTILE.replace('"', "'")
            assert event["ORGANIZER"].params["CN"] == owner_name.replace('"', "'")
            assert 'Intro; call, "deep" \\ <b>dive</b>' in str(event["SUMMARY"])
            for line in parsed.attachment.get_payload(decode=True).splitlines():
                assert len(line) <= 75, line


def test_300_character_names_give_valid_headers_and_invitations():
    booking = cancel(book(), by="attendee")
    # Longer than a booking accepts: still nothing may break (the models are not saved).
    booking.attendee_name = ("Zoé, " + "é" * 20 + "; ") * 11 + "x" * 3
    booking.owner.name = "Ø" * 300
    assert len(booking.attendee_name) == len(booking.owner.name) == 300
    for make, attendee in (
        (lambda: messages.render("cancelled", "attendee", booking, manage_url=MANAGE), True),
        (lambda: messages.render("cancelled", "organizer", booking), False),
    ):
        message = make()
        parsed = parse(message, email.policy.SMTP)
        assert_clean_headers(
            parsed,
            to="zoe@example.org" if attendee else booking.owner.email,
            subject=message.subject,
        )
        ics = parsed.attachment.get_payload(decode=True)
        assert all(len(line) <= 75 for line in ics.splitlines())
        event = parsed.event()
        assert event["ATTENDEE"].params["CN"] == booking.attendee_name
        assert event["ORGANIZER"].params["CN"] == "Ø" * 300


def test_hostile_names_reach_smtp_as_one_recipient_and_one_message(smtp):
    booking = hostile_booking()
    message = messages.render("confirmed", "attendee", booking, manage_url=MANAGE)
    assert message.send() == 1
    (envelope,) = smtp.inbox.envelopes
    assert envelope.rcpt_tos == ["zoe@example.org"]
    (received,) = smtp.inbox.messages
    assert [str(to) for to in received.get_all("To")] == ["zoe@example.org"]
    assert len(received.get_all("Subject")) == 1
    assert squeeze(str(received["Subject"])) == squeeze(message.subject)
    assert HOSTILE in received.get_body(("plain",)).get_content()
    types = [p.get_content_type() for p in received.walk()]
    assert types.count("text/calendar") == 1 and types.count("application/ics") == 1
    (calendar,) = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    event = parse_both(calendar.get_content()).walk("VEVENT")[0]
    assert event["ATTENDEE"].params["CN"] == HOSTILE.replace('"', "'")


# --- as mail clients expect an invitation (compared with Google Calendar and Exchange)

# Titles with which Python's own header folding (without CPython gh-144156's fix) drops a
# space between two encoded-words, in the English and in the French subjects.
SPACE_EATERS = {
    "en": "Fête 🎉 à l\u2019école et thé 🍵 où vous voulez",
    "fr": "Réunion d\u2019équipe 😀 : déjà l\u2019été !",
}


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.SMTP])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_long_subject_with_emoji_and_accents_decodes_to_exactly_itself(language, policy):
    booking = book(
        title=SPACE_EATERS[language], attendee_language=language, owner_language=language
    )
    for name, message in every_message(booking).items():
        parsed = parse(message, policy)
        assert re.search(rb"\nSubject: [^\r\n]+\r?\n[ \t]", parsed.raw), name  # it was folded
        assert str(parsed.mail["Subject"]) == message.subject, name


def test_a_long_subject_keeps_its_spaces_through_smtp(smtp):
    message = messages.render(
        "confirmed", "attendee", book(title=SPACE_EATERS["en"]), manage_url=MANAGE
    )
    assert message.send() == 1
    (received,) = smtp.inbox.messages
    assert str(received["Subject"]) == message.subject


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.SMTP])
def test_calendar_parts_are_base64_of_the_exact_invitation_never_8bit(policy):
    booking = book(attendee_name="Zoé Éloïse 😀", title="Café ☕ crème")
    sent = every_message(booking)
    for name, method in METHODS.items():
        if method is None:
            continue
        parsed = parse(sent[name], policy)
        parts = [
            part
            for part in parsed.mail.walk()
            if part.get_content_type() in ("text/calendar", "application/ics")
        ]
        assert parts == [parsed.calendar, parsed.attachment], name
        for part in parts:
            assert part["Content-Transfer-Encoding"] == "base64", name
        assert parsed.calendar.get_param("method") == method, name
        assert parsed.calendar.get_param("charset") == "utf-8", name
        assert parsed.attachment.get_filename() == "invite.ics", name
        ics_bytes = parsed.calendar.get_payload(decode=True)
        # The bytes iCalendar wrote: every line ends in CRLF, the names in UTF-8.
        assert ics_bytes.count(b"\n") == ics_bytes.count(b"\r\n") > 10, name
        assert 'CN="Zoé Éloïse 😀"'.encode() in ics_bytes.replace(b"\r\n ", b""), name
        assert str(parse_both(ics_bytes).walk("VEVENT")[0]["SUMMARY"]).startswith("Café ☕")


def writes_bookings_back(owner, write_to="https://dav.example/alex/bookings/") -> None:
    # Write-only (checks no busy time), so availability never waits for its first sync.
    Connection.objects.create(
        owner=owner,
        kind=Connection.Kind.CALDAV,
        url="https://dav.example/",
        write_to=write_to,
        checks_busy=False,
    )


@pytest.mark.parametrize(
    ("language", "written"),
    [
        (
            "en",
            {
                "confirmed_to_organizer": "bookwithme puts the meeting into your connected "
                "calendar, so no invitation is attached.",
                "rescheduled_to_organizer": "bookwithme moves the meeting in your connected "
                "calendar, so no updated invitation is attached.",
                "cancelled_to_organizer": "bookwithme removes the meeting from your connected "
                "calendar, so no cancellation is attached.",
            },
        ),
        (
            "fr",
            {
                "confirmed_to_organizer": "bookwithme inscrit le rendez-vous dans votre "
                "calendrier connecté\xa0: aucune invitation n\u2019est donc jointe.",
                "rescheduled_to_organizer": "bookwithme déplace le rendez-vous dans votre "
                "calendrier connecté\xa0: aucune invitation mise à jour n\u2019est donc jointe.",
                "cancelled_to_organizer": "bookwithme retire le rendez-vous de votre "
                "calendrier connecté\xa0: aucune annulation n\u2019est donc jointe.",
            },
        ),
    ],
)
def test_an_organizer_whose_bookings_are_written_into_their_calendar_gets_plain_mails(
    language, written
):
    booking = book(owner_language=language)
    writes_bookings_back(booking.owner)
    sent = every_message(booking)
    for name, sentence in written.items():
        parsed = parse(sent[name])
        types = {part.get_content_type() for part in parsed.mail.walk()}
        assert not types & {"text/calendar", "application/ics"}, name
        assert parsed.calendar is None and parsed.attachment is None, name
        assert sentence in parsed.text, name
        assert sentence in parsed.html, name
    # The attendee's calendar has no copy but the invitation: theirs stays.
    assert parse(sent["confirmed_to_attendee"]).ical()["METHOD"] == REQUEST


def test_an_organizer_with_only_calendars_to_read_still_gets_the_invitation():
    booking = book()
    writes_bookings_back(booking.owner, write_to="")
    parsed = parse(messages.render("confirmed", "organizer", booking))
    assert parsed.ical()["METHOD"] == REQUEST
    assert parsed.attachment.get_content_type() == "application/ics"
    assert "The invitation is attached" in parsed.text


def test_another_persons_calendar_for_bookings_changes_nothing_for_this_organizer():
    booking = book()
    writes_bookings_back(make_person())
    assert parse(messages.render("confirmed", "organizer", booking)).ical()["METHOD"] == REQUEST


ATTENDEE_REPLIES = (
    "Answering Yes, No or Maybe to this invitation in your mail or calendar app changes "
    "nothing. To reschedule or cancel, use your link: "
)
ORGANIZER_REPLIES = (
    "Answering Yes, No or Maybe to this invitation in your mail or calendar app changes "
    "nothing. To cancel the booking, use your dashboard: "
)


def test_invitations_say_answering_them_changes_nothing_and_where_to_act_instead(settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example"
    dashboard = "https://book.example/app/"
    sent = every_message(book())
    for name in ("confirmed_to_attendee", "rescheduled_to_attendee"):
        parsed = parse(sent[name])
        assert ATTENDEE_REPLIES + MANAGE + "\n" in parsed.text, name
        assert ATTENDEE_REPLIES + f'<a href="{MANAGE}"' in parsed.html, name
    for name in ("confirmed_to_organizer", "rescheduled_to_organizer"):
        parsed = parse(sent[name])
        assert ORGANIZER_REPLIES + dashboard + "\n" in parsed.text, name
        assert ORGANIZER_REPLIES + f'<a href="{dashboard}"' in parsed.html, name
    # A cancel offers no answer to give, a reminder carries no invitation.
    for name in ("reminder_to_attendee", "cancelled_to_attendee", "cancelled_to_organizer"):
        assert "changes nothing" not in parse(sent[name]).words(), name


def test_invitations_say_it_in_french_too(settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example"
    booking = book(attendee_language="fr", owner_language="fr")
    to_attendee = parse(messages.render("confirmed", "attendee", booking, manage_url=MANAGE)).text
    to_organizer = parse(messages.render("confirmed", "organizer", booking)).text
    changes_nothing = (
        "Répondre Oui, Non ou Peut-être à cette invitation dans votre messagerie ou votre "
        "agenda ne change rien."
    )
    assert f"{changes_nothing} Pour déplacer ou annuler, utilisez votre lien\xa0: {MANAGE}" in (
        to_attendee
    )
    assert (
        f"{changes_nothing} Pour annuler le rendez-vous, passez par votre tableau de "
        "bord\xa0: https://book.example/app/" in to_organizer
    )


def test_a_written_back_organizer_is_told_their_calendar_copy_is_not_the_booking(settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example"
    booking = book()
    writes_bookings_back(booking.owner)
    text = parse(messages.render("confirmed", "organizer", booking)).text
    assert (
        "Moving or deleting it in your calendar changes nothing. To cancel the booking, use "
        "your dashboard: https://book.example/app/" in text
    )
    assert "Answering Yes" not in text  # no invitation, nothing to answer


def links_in(text: str) -> dict[str, dict[str, str]]:
    """The Google and Outlook links of a text body, their queries decoded."""
    found = {}
    for label, key in (("Add to Google Calendar: ", "google"), ("Add to Outlook: ", "outlook")):
        match = re.search(re.escape(label) + r"(\S+)", text)
        if match:
            found[key] = dict(parse_qsl(urlsplit(match.group(1)).query, strict_parsing=True))
    return found


def test_the_attendees_confirmation_and_reschedule_link_to_google_and_outlook():
    booking = book()
    sent = every_message(booking)
    for name, start in (("confirmed_to_attendee", START), ("rescheduled_to_attendee", LATER)):
        parsed = parse(sent[name])
        event = parsed.event()
        links = links_in(parsed.text)
        end = start + timedelta(minutes=30)
        assert links["google"]["dates"] == f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}", name
        assert links["outlook"]["startdt"] == f"{start:%Y-%m-%dT%H:%M:%SZ}", name
        assert links["outlook"]["enddt"] == f"{end:%Y-%m-%dT%H:%M:%SZ}", name
        # The same event as the invitation in the same mail.
        for query, title, details in (
            (links["google"], "text", "details"),
            (links["outlook"], "subject", "body"),
        ):
            assert query[title] == str(event["SUMMARY"]), name
            assert query[details] == str(event["DESCRIPTION"]), name
            assert MANAGE in query[details], name
            assert query["location"] == booking.meeting_url, name
        html_google = parsed.html.split('">Add to Google Calendar</a>')[0].rsplit('href="', 1)[1]
        assert html_google.startswith("https://calendar.google.com/calendar/render?action=")
        assert "&amp;dates=" in html_google and "&dates=" not in html_google
        assert ">Add to Outlook</a>" in parsed.html


def test_no_calendar_links_in_cancels_reminders_or_to_the_organizer():
    sent = every_message(book())
    for name in sent.keys() - {"confirmed_to_attendee", "rescheduled_to_attendee"}:
        words = parse(sent[name]).words()
        assert "calendar.google.com" not in words and "outlook.live.com" not in words, name


def test_french_calendar_links_are_labelled_and_written_in_french():
    booking = book(attendee_language="fr")
    parsed = parse(messages.render("confirmed", "attendee", booking, manage_url=MANAGE))
    assert "Ajouter à Google Agenda\xa0: https://calendar.google.com/" in parsed.text
    assert "Ajouter à Outlook\xa0: https://outlook.live.com/" in parsed.text
    with translation.override("fr"):
        links = ics.calendar_links(booking, manage_url=MANAGE)
    assert links.google in parsed.text and links.outlook in parsed.text
    details = dict(parse_qsl(urlsplit(links.google).query))["details"]
    assert f"Pour déplacer ou annuler\xa0: {MANAGE}" in details


def test_one_message_for_each_kind_and_recipient_the_outbox_writes():
    kinds, recipients = OutboxMessage.Kind, OutboxMessage.Recipient
    every = {(k.value, r.value) for k in kinds for r in recipients}
    # A reminder goes to the attendee only (notify/receivers.py); guests hear of the
    # invitation and its changes only (notify/tasks.GUEST_KINDS).
    not_to_guests = {(kind.value, recipients.GUEST.value) for kind in kinds} - {
        (kind.value, recipients.GUEST.value) for kind in tasks.GUEST_KINDS
    }
    assert (
        set(messages.MESSAGES) == every - {(kinds.REMINDER, recipients.ORGANIZER)} - not_to_guests
    )
    for (kind, recipient), message in messages.MESSAGES.items():
        assert message.template == f"{kind}_to_{recipient}"
        assert message.method == {**METHODS, **GUEST_METHODS, **APPROVAL_METHODS}[message.template]


def test_the_attendees_manage_link_never_reaches_the_organizer():
    booking = book()
    parsed = parse(messages.render("confirmed", "organizer", booking, manage_url=MANAGE))
    assert "tok-123" not in parsed.text + parsed.html + parsed.calendar.get_content()
