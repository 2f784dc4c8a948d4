"""Every email a booking sends, from one table: `MESSAGES` maps (kind, recipient) to the
message's template, subject and iTIP method, and `render` makes any of them ready to send.

Each message goes to one reader, in the reader's language (the attendee's from their booking
request, the organizer's from their profile), with times in the reader's own time zone and
the zone named. Its subject is in the table, its text and HTML bodies are templates under
`notify/templates/notify/`. Confirmations and reschedules carry an iTIP `REQUEST`, cancels an
iTIP `CANCEL` (`booking.ics.invitation`), both as a `text/calendar; method=...` alternative
(what calendar-aware mail clients read, RFC 6047) and as an `invite.ics` attachment of type
`application/ics` (what the others let the reader open), as Google Calendar and Exchange send
them. A reminder carries none: the meeting is already in the reader's calendar, and the same
invitation again only shows as a new one in some clients. Neither does a message to an
organizer whose bookings are written into their calendar (notify/writeback.py): that copy
already has the booking's UID.

Answering an invitation in a mail client (Yes, No, Maybe) reaches nobody: nothing reads the
replies. So the messages say so, and where to act instead: the attendee's manage link, the
organizer's bookings in the app.
"""

import email.message
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from zoneinfo import ZoneInfo

from babel import Locale
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from bookwithme import formats
from bookwithme.booking import addresses, approval, ics
from bookwithme.booking.models import Booking
from bookwithme.calendars.models import Connection
from bookwithme.directory.models import zone_or_utc
from bookwithme.notify.models import OutboxMessage

Kind, Recipient = OutboxMessage.Kind, OutboxMessage.Recipient
ATTENDEE, ORGANIZER = Recipient.ATTENDEE.value, Recipient.ORGANIZER.value
GUEST = Recipient.GUEST.value
# Control characters and Unicode line separators: never inside a header (see services.py).
LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
BLANK_LINES = re.compile(r"\n{3,}")


class _EncodedSubject(UnstructuredHeader):
    """A non-ASCII subject folded by `email.header.Header`, which keeps every space inside
    its encoded-words. Python's own folding, in versions without the fix for CPython
    gh-144156, leaves some spaces between two encoded-words, where decoding drops them."""

    def fold(self, *, policy):
        folded = Header(str(self), "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {folded}{policy.linesep}"


_HEADERS = HeaderRegistry()
# typeshed wants a BaseHeader subclass, but the registry takes the specialised mixin (as
# UnstructuredHeader is) and combines it with its base_class itself.
_HEADERS.map_to_type("subject", _EncodedSubject)  # type: ignore[arg-type]


class Mail(EmailMultiAlternatives):
    """Django's email, with its subject and its invitation written the way mail clients need.

    `calendar` (iTIP bytes, `method` theirs) becomes the `text/calendar` alternative in base64
    of the exact bytes: as text, Python would send a non-ASCII name as bare 8bit, which a relay
    without 8BITMIME mangles, and turn the CRLFs iCalendar requires into LFs.
    """

    calendar: bytes = b""
    method: str = ""

    def message(self, *, policy=email.policy.default) -> email.message.EmailMessage:
        msg = super().message(policy=policy)
        if not str(self.subject).isascii():
            msg.replace_header("Subject", _HEADERS("Subject", str(self.subject)))
        if self.calendar:
            (alternative,) = (
                part for part in msg.walk() if part.get_content_type() == "multipart/alternative"
            )
            alternative.add_alternative(
                self.calendar,
                "text",
                "calendar",
                cte="base64",
                params={"method": self.method, "charset": "utf-8"},
            )
        return msg


@dataclass(frozen=True)
class Reader:
    role: str
    name: str
    email: str
    language: str
    time_zone: str


@dataclass(frozen=True)
class Message:
    """One kind of email: its templates (`notify/<template>.txt` and `.html`), its subject
    (translated in the reader's language, then filled from the context) and the iTIP method
    its invitation carries (None: no invitation)."""

    template: str
    subject: Promise
    method: str | None


MESSAGES: dict[tuple[str, str], Message] = {
    (Kind.CONFIRMED, Recipient.ATTENDEE): Message(
        "confirmed_to_attendee",
        gettext_lazy("Booking confirmed: %(title)s with %(organizer)s, %(day)s"),
        "REQUEST",
    ),
    (Kind.CONFIRMED, Recipient.ORGANIZER): Message(
        "confirmed_to_organizer",
        gettext_lazy("New booking: %(title)s with %(attendee)s, %(day)s"),
        "REQUEST",
    ),
    (Kind.RESCHEDULED, Recipient.ATTENDEE): Message(
        "rescheduled_to_attendee",
        gettext_lazy("Booking rescheduled: %(title)s with %(organizer)s, now %(day)s"),
        "REQUEST",
    ),
    (Kind.RESCHEDULED, Recipient.ORGANIZER): Message(
        "rescheduled_to_organizer",
        gettext_lazy("Booking rescheduled: %(title)s with %(attendee)s, now %(day)s"),
        "REQUEST",
    ),
    (Kind.CANCELLED, Recipient.ATTENDEE): Message(
        "cancelled_to_attendee",
        gettext_lazy("Booking cancelled: %(title)s with %(organizer)s, %(day)s"),
        "CANCEL",
    ),
    (Kind.CANCELLED, Recipient.ORGANIZER): Message(
        "cancelled_to_organizer",
        gettext_lazy("Booking cancelled: %(title)s with %(attendee)s, %(day)s"),
        "CANCEL",
    ),
    # Types that require approval. No invitation before the booking is confirmed: the
    # attendee's comes with the confirmation, once approved.
    (Kind.REQUESTED, Recipient.ATTENDEE): Message(
        "requested_to_attendee",
        gettext_lazy("Booking requested: %(title)s with %(organizer)s, %(day)s"),
        None,
    ),
    (Kind.REQUESTED, Recipient.ORGANIZER): Message(
        "requested_to_organizer",
        gettext_lazy("Approve or decline: %(title)s with %(attendee)s, %(day)s"),
        None,
    ),
    (Kind.DECLINED, Recipient.ATTENDEE): Message(
        "declined_to_attendee",
        gettext_lazy("Booking declined: %(title)s with %(organizer)s, %(day)s"),
        None,
    ),
    (Kind.DECLINED, Recipient.ORGANIZER): Message(
        "declined_to_organizer",
        gettext_lazy("Booking declined: %(title)s with %(attendee)s, %(day)s"),
        None,
    ),
    # The attendee's guests: invited once the booking is confirmed, told of its changes; they
    # have no manage link (the attendee or the organizer changes it).
    (Kind.CONFIRMED, Recipient.GUEST): Message(
        "confirmed_to_guest",
        gettext_lazy("Invitation: %(title)s with %(organizer)s and %(attendee)s, %(day)s"),
        "REQUEST",
    ),
    (Kind.RESCHEDULED, Recipient.GUEST): Message(
        "rescheduled_to_guest",
        gettext_lazy("Moved: %(title)s with %(organizer)s and %(attendee)s, now %(day)s"),
        "REQUEST",
    ),
    (Kind.CANCELLED, Recipient.GUEST): Message(
        "cancelled_to_guest",
        gettext_lazy("Cancelled: %(title)s with %(organizer)s and %(attendee)s, %(day)s"),
        "CANCEL",
    ),
    # No invitation: the meeting is already in the reader's calendar (see above).
    (Kind.REMINDER, Recipient.ATTENDEE): Message(
        "reminder_to_attendee",
        gettext_lazy("Reminder: %(title)s with %(organizer)s, %(day)s"),
        None,
    ),
}


def render(
    kind: str,
    recipient: str,
    booking: Booking,
    *,
    manage_url: str = "",
    previous_start: datetime | None = None,
) -> EmailMultiAlternatives:
    """The email of this kind to this recipient about the booking as it is now, in the
    reader's language. `manage_url`, the attendee's secret link, only ever reaches the
    attendee; `previous_start`, for a reschedule, is the time the booking moved from."""
    message = MESSAGES[kind, recipient]
    reader = _reader(booking, recipient)
    with translation.override(reader.language):
        context = _context(
            booking,
            reader,
            manage_url=manage_url if reader.role == ATTENDEE else "",
            previous_start=previous_start,
        )
        subject = str(message.subject) % context
        method = message.method
        if reader.role == ORGANIZER and _written_back(booking):
            method = None
        return _email(message.template, reader, subject, context, method=method)


def _reader(booking: Booking, recipient: str) -> Reader:
    if recipient == ATTENDEE:
        return Reader(
            ATTENDEE,
            booking.attendee_name,
            booking.attendee_email,
            booking.attendee_language,
            booking.attendee_time_zone,
        )
    if recipient == GUEST:
        # Nothing is known of the guests but their emails: the attendee's language and zone.
        first = booking.guests[0] if booking.guests else ""
        return Reader(GUEST, "", first, booking.attendee_language, booking.attendee_time_zone)
    owner = booking.owner
    return Reader(ORGANIZER, owner.name, owner.email, owner.language, owner.time_zone)


def _written_back(booking: Booking) -> bool:
    """Whether the organizer's bookings are written into a calendar of theirs
    (notify/writeback.py). Then they get a plain message, without an invitation: one for the
    UID that copy holds would show the meeting twice in some clients, or ask them to accept
    their own booking."""
    written = Connection.objects.filter(owner_id=booking.owner_id, kind=Connection.Kind.CALDAV)
    return written.exclude(write_to="").exists()


def _offset(moment: datetime) -> str:
    """`UTC+2`, `UTC-4` (with a true minus sign), `UTC+5:30`: the zone's offset at that moment,
    for readers who do not know the zone by its name."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def _where(reader: Reader) -> Locale:
    """The reader's writing of dates: their language's own region (en: "9:30 AM", fr: 24 h),
    as a page in that language writes them for a browser that names no region. Only the
    language is known of a reader (a booking keeps "en" or "fr", a profile the same)."""
    return formats.locale(reader.language)


def _when(start: datetime, end: datetime, zone: ZoneInfo, where: Locale) -> str:
    """The meeting's time span in the reader's zone, written as the confirmation and manage
    pages write it (bookwithme/formats.py), with the zone's name and offset."""
    span = formats.span(start, end, where, zone=zone)
    return f"{span} ({zone.key}, {_offset(start.astimezone(zone))})"


def _context(
    booking: Booking,
    reader: Reader,
    *,
    manage_url: str = "",
    previous_start: datetime | None = None,
) -> dict:
    mt = booking.meeting_type
    zone = zone_or_utc(reader.time_zone)
    where = _where(reader)
    previous = None
    if previous_start is not None:
        duration = booking.end - booking.start
        previous = _when(previous_start, previous_start + duration, zone, where)
    return {
        "booking": booking,
        "reader": reader,
        "title": mt.title,
        "organizer": ics.organizer_name(booking),
        "attendee": booking.attendee_name,
        "attendee_email": booking.attendee_email,
        "attendee_time_zone": booking.attendee_time_zone,
        "notes": booking.notes,
        "answers": booking.labelled_answers(),
        "when": _when(booking.start, booking.end, zone, where),
        "previous_when": previous,
        "day": formats.moment_text(booking.start, where, zone=zone),
        # Only once confirmed: a request may yet be declined.
        "meeting_url": "" if booking.status in WAITING_OR_DECLINED else booking.meeting_url,
        "location_kind": mt.location_kind,
        "location_value": mt.location_value,
        "manage_url": manage_url,
        # Only the attendee's: its description holds their manage link.
        "calendar_links": ics.calendar_links(booking, manage_url=manage_url)
        if reader.role == ATTENDEE
        else None,
        # Where the organizer acts on a booking (they have no manage link).
        "app_url": addresses.absolute(reverse("app:dashboard")) if reader.role == ORGANIZER else "",
        "cancelled_by": booking.cancelled_by,
        "cancel_reason": booking.cancel_reason,
        **_approval(booking, reader, zone, where),
    }


WAITING_OR_DECLINED = (Booking.Status.PENDING, Booking.Status.DECLINED)


def _approval(booking: Booking, reader: Reader, zone: ZoneInfo, where: Locale) -> dict:
    """What the messages of a type that requires approval add: for the organizer of a pending
    booking, its approve and decline links and when it is declined unless they decide; for
    the attendee of a declined one, where to book another time."""
    if booking.is_pending and reader.role == ORGANIZER:
        return {
            "approve_url": addresses.approval_url(
                approval.APPROVE, approval.link_token(booking, approval.APPROVE)
            ),
            "decline_url": addresses.approval_url(
                approval.DECLINE, approval.link_token(booking, approval.DECLINE)
            ),
            "decide_by": formats.moment_text(approval.deadline(booking), where, zone=zone),
        }
    if booking.status == Booking.Status.DECLINED and reader.role == ATTENDEE:
        mt = booking.meeting_type
        return {"book_again_url": addresses.type_url(mt) or addresses.page_url(mt.owner) or ""}
    return {}


def _tidy(text: str) -> str:
    """Text bodies come from readable templates: drop trailing spaces and extra blank lines."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return BLANK_LINES.sub("\n\n", lines) + "\n"


def _email(
    template: str, reader: Reader, subject: str, context: dict, *, method: str | None
) -> EmailMultiAlternatives:
    context = {**context, "method": method}
    text = _tidy(render_to_string(f"notify/{template}.txt", context))
    html = render_to_string(f"notify/{template}.html", context)
    booking: Booking = context["booking"]
    other = booking.attendee_email if reader.role == ORGANIZER else booking.owner.email
    # An erased attendee's address can only bounce: no one to reply to then.
    replies = [] if reader.role == ORGANIZER and booking.is_erased else [other]
    # The guests get one message together: the invitation names them all anyway.
    to = list(booking.guests) if reader.role == GUEST else [reader.email]
    message = Mail(
        # Names and titles with line breaks are refused when saved; this is the last guard.
        subject=LINE_BREAKS.sub(" ", subject).strip(),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        # Bare addresses, no display names: Python's email, in versions without the fix for
        # CPython gh-80222, drops the quotes of a long display name when it folds the header,
        # which turns one "Doe, Jane" into several mailboxes. The names are in the body.
        to=to,
        reply_to=replies,
        # RFC 3834: out-of-office replies should not answer an automatic message.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    if method:
        message.method = method
        message.calendar = ics.invitation(booking, method=method, manage_url=context["manage_url"])
        # As a file too, for clients that do not read the alternative; Django sends it base64.
        message.attach("invite.ics", message.calendar, "application/ics")
    return message
