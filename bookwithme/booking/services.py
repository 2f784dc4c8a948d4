"""Book, reschedule and cancel: each one transaction, each re-checking the slot inside it.

The database has the last word on overlaps (an exclusion constraint on PostgreSQL, triggers
under IMMEDIATE transactions on SQLite); a refused write becomes `SlotUnavailable`, never an
error page. Side effects are not made here: `booking_changing` goes out inside the transaction
(notify enqueues there the one task a worker fans the change out from), the other signals after
the commit (booking/signals.py). So the owner's lock (on SQLite, the database's write lock) is
held for the re-check and the writes only.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bookwithme.booking import signals
from bookwithme.booking.availability import is_offered
from bookwithme.booking.errors import (
    BookingCancelled,
    Invalid,
    LinkExpired,
    LinkUsed,
    NotFound,
    SlotUnavailable,
)
from bookwithme.booking.meetings import meeting_url_for
from bookwithme.booking.models import (
    LINK_DEFAULT_DAYS,
    Booking,
    Link,
    MeetingType,
    new_booking_uid,
)
from bookwithme.directory.models import (
    CONTROL_CHARS,
    CONTROL_CHARS_BUT_LINES,
    available_time_zones,
)
from bookwithme.tokens import encrypt, hash_token, new_token

PHONE_RE = re.compile(r"^\+?[0-9 ().\-/]{3,40}$")
NO_CONTROL_CHARS = _lazy("Line breaks and control characters are not allowed.")
MAX_NAME, MAX_NOTES, MAX_ANSWER, MAX_REASON, MAX_LABEL = 200, 5000, 5000, 2000, 200
LINK_MAX_DAYS = 3650


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    time_zone: str
    notes: str = ""
    language: str = "en"
    answers: dict[str, Any] | None = None


@dataclass(frozen=True)
class BookResult:
    booking: Booking
    # The manage token in clear, handed to the attendee once (and to a client repeating the
    # same Idempotency-Key); the database keeps only its hash.
    manage_token: str
    replayed: bool = False


def _one_line(value: str, field: str, errors: dict, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        errors.setdefault(field, []).append(_("This field is required."))
    elif CONTROL_CHARS.search(value):
        errors.setdefault(field, []).append(
            _("Line breaks and control characters are not allowed.")
        )
    elif len(value) > limit:
        errors.setdefault(field, []).append(_("At most %(limit)d characters.") % {"limit": limit})
    return value


def clean_attendee(meeting_type: MeetingType, attendee: Attendee) -> Attendee:
    """The attendee's fields checked and tidied, or `Invalid` with a message per field."""
    errors: dict[str, list[str]] = {}
    name = _one_line(attendee.name, "name", errors, MAX_NAME)
    email = _one_line(attendee.email, "email", errors, 254)
    if "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if attendee.time_zone not in available_time_zones():
        errors["time_zone"] = [_("Unknown time zone.")]
    notes = (attendee.notes or "").strip()
    if len(notes) > MAX_NOTES:
        errors["notes"] = [_("At most %(limit)d characters.") % {"limit": MAX_NOTES}]
    elif CONTROL_CHARS_BUT_LINES.search(notes):
        errors["notes"] = [_("Control characters are not allowed.")]
    languages = dict(settings.LANGUAGES)
    language = attendee.language if attendee.language in languages else settings.LANGUAGE_CODE
    answers = _clean_answers(meeting_type, attendee.answers or {}, errors)
    if errors:
        raise Invalid(fields=errors)
    return Attendee(name, email.lower(), attendee.time_zone, notes, language, answers)


# An answer as stored: text, the options picked, or whether a box is ticked.
Answer = str | list[str] | bool


def _clean_answers(meeting_type: MeetingType, given: dict, errors: dict) -> dict[str, Answer]:
    questions = {q["id"]: q for q in meeting_type.questions}
    answers: dict[str, Answer] = {}
    for key in given:
        if key not in questions:
            errors.setdefault("answers", []).append(
                _("There is no question “%(id)s”.") % {"id": str(key)[:40]}
            )
    for qid, q in questions.items():
        kind = q.get("kind", "text")
        clean = _ANSWER_CLEANERS.get(kind, _text_answer)
        try:
            value = clean(q, given.get(qid))
        except ValidationError as e:
            errors[f"answers.{qid}"] = e.messages
            continue
        if value in (None, "", []):
            if q.get("required"):
                errors[f"answers.{qid}"] = [_("This field is required.")]
        else:
            answers[qid] = value
    return answers


def _text_answer(q: dict, value: Any) -> str:
    """Short text, long text and phone: text, on one line but for long text."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(_("Answer with text."))
    value = (value or "").strip()
    kind = q.get("kind", "text")
    if not value:
        return ""
    if len(value) > MAX_ANSWER:
        raise ValidationError(_("At most %(limit)d characters.") % {"limit": MAX_ANSWER})
    if kind == "phone" and not PHONE_RE.match(value):
        raise ValidationError(_("Enter a phone number."))
    if kind != "long_text" and CONTROL_CHARS.search(value):
        raise ValidationError(NO_CONTROL_CHARS)
    if CONTROL_CHARS_BUT_LINES.search(value):
        raise ValidationError(_("Control characters are not allowed."))
    return value


def _one_choice(q: dict, value: Any) -> str:
    """Single choice and drop-down: one of the options, as the organizer wrote it."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or value not in q.get("options", []):
        raise ValidationError(_("Pick one of the options offered."))
    return value


def _several_choices(q: dict, value: Any) -> list[str]:
    """Multiple choice: some of the options, each once, kept in the options' order."""
    if value is None:
        return []
    options = q.get("options", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Answer with a list of the options picked."))
    if any(v not in options for v in value):
        raise ValidationError(_("Pick only among the options offered."))
    return [o for o in options if o in value]


def _ticked(q: dict, value: Any) -> bool | None:
    """A box to tick: true or false; a required one must be ticked (consent, say)."""
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ValidationError(_("Answer with true (ticked) or false."))
    if q.get("required") and not value:
        raise ValidationError(_("Tick this box to go on."))
    return value


_ANSWER_CLEANERS: dict[str, Callable[[dict, Any], Any]] = {
    "single_choice": _one_choice,
    "dropdown": _one_choice,
    "multiple_choice": _several_choices,
    "checkbox": _ticked,
}


def _fingerprint(meeting_type: MeetingType, start: datetime, attendee: Attendee, link) -> str:
    body = {
        "type": meeting_type.pk,
        "link": link.pk if link else None,
        "start": start.timestamp(),
        **attendee.__dict__,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _lock_owner(owner_id: int) -> None:
    """Serialize bookings per owner, so that counts (daily limits) are read race-free.

    On SQLite every write transaction already holds the database's write lock from its start.
    """
    get_user_model().objects.select_for_update().filter(pk=owner_id).exists()


def _check_link(link: Link, now: datetime) -> None:
    state = link.state(now)
    if state == Link.State.REVOKED:
        raise NotFound()
    if state == Link.State.USED:
        raise LinkUsed()
    if state == Link.State.EXPIRED:
        raise LinkExpired()


def book(
    meeting_type: MeetingType,
    start: datetime,
    attendee: Attendee,
    *,
    link: Link | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> BookResult:
    """Book `start` for the attendee, exactly when that start is offered at this moment.

    Through a single-use link, the link is spent in the same transaction, so it books once
    whatever parallel requests ask. A repeated `idempotency_key` with the same request returns
    the first booking instead of a conflict.
    """
    now = now or timezone.now()
    attendee = clean_attendee(meeting_type, attendee)
    key_hash = hash_token(idempotency_key) if idempotency_key else ""
    fingerprint = _fingerprint(meeting_type, start, attendee, link) if key_hash else ""
    try:
        with transaction.atomic():
            _lock_owner(meeting_type.owner_id)
            if key_hash:
                replay = _replay(meeting_type, key_hash, fingerprint)
                if replay:
                    return replay
            if link is not None:
                link = Link.objects.select_for_update().get(pk=link.pk)
                _check_link(link, now)
                if link.single_use:
                    spent = Link.objects.filter(pk=link.pk, used_at__isnull=True).update(
                        used_at=now
                    )
                    if not spent:
                        raise LinkUsed()
            if not is_offered(meeting_type, start, now=now):
                raise SlotUnavailable()
            token, token_hash = new_token()
            uid = new_booking_uid()
            booking = Booking(
                uid=uid,
                meeting_type=meeting_type,
                owner_id=meeting_type.owner_id,
                start=start,
                end=start + meeting_type.duration,
                blocked_start=start - meeting_type.buffer_before,
                blocked_end=start + meeting_type.duration + meeting_type.buffer_after,
                attendee_name=attendee.name,
                attendee_email=attendee.email,
                attendee_time_zone=attendee.time_zone,
                attendee_language=attendee.language,
                notes=attendee.notes,
                answers=attendee.answers or {},
                manage_token_hash=token_hash,
                manage_token_encrypted=encrypt(token, purpose="manage"),
                meeting_url=meeting_url_for(meeting_type),
                link=link,
                idempotency_key_hash=key_hash,
                idempotency_fingerprint=fingerprint,
                created_at=now,
            )
            with transaction.atomic():
                booking.save()
            signals.booking_changing.send(sender=Booking, booking=booking, change=signals.CONFIRMED)
            transaction.on_commit(
                lambda: signals.booking_confirmed.send(sender=Booking, booking=booking)
            )
            return BookResult(booking, token)
    except IntegrityError:
        # Another request won the race between our check and our write: the database refused
        # the overlap, or the same Idempotency-Key landed first.
        if key_hash:
            replay = _replay(meeting_type, key_hash, fingerprint)
            if replay:
                return replay
        raise SlotUnavailable() from None


def _replay(meeting_type, key_hash, fingerprint) -> BookResult | None:
    previous = Booking.objects.filter(
        meeting_type=meeting_type, idempotency_key_hash=key_hash
    ).first()
    if previous is None:
        return None
    if previous.idempotency_fingerprint != fingerprint:
        raise Invalid(
            _("This Idempotency-Key was already used for a different booking request."),
            fields={"Idempotency-Key": [_("Already used with a different request.")]},
        )
    # The same key and request: the same answer, manage token included.
    return BookResult(previous, previous.manage_token(), replayed=True)


def reschedule(booking: Booking, start: datetime, *, now: datetime | None = None) -> Booking:
    """Move the booking to `start`: same id and manage token, its old time freed, sequence +1."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            _lock_owner(booking.owner_id)
            current = (
                Booking.objects.select_for_update()
                .select_related("meeting_type__owner")
                .get(pk=booking.pk)
            )
            if not current.is_active:
                raise BookingCancelled()
            if start == current.start:
                return current
            mt = current.meeting_type
            if not is_offered(mt, start, now=now, ignoring=current):
                raise SlotUnavailable()
            previous_start = current.start
            current.start = start
            current.end = start + mt.duration
            current.blocked_start = start - mt.buffer_before
            current.blocked_end = current.end + mt.buffer_after
            current.sequence += 1
            with transaction.atomic():
                current.save()
            signals.booking_changing.send(
                sender=Booking,
                booking=current,
                change=signals.RESCHEDULED,
                previous_start=previous_start,
            )
            transaction.on_commit(
                lambda: signals.booking_rescheduled.send(
                    sender=Booking, booking=current, previous_start=previous_start
                )
            )
            return current
    except IntegrityError:
        raise SlotUnavailable() from None


def cancel(booking: Booking, *, by: str, reason: str = "", now: datetime | None = None) -> Booking:
    """Cancel the booking; cancelling a cancelled booking changes nothing and succeeds."""
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise Invalid(fields={"reason": [_("At most %(limit)d characters.") % {"limit": 2000}]})
    if CONTROL_CHARS_BUT_LINES.search(reason):
        raise Invalid(fields={"reason": [_("Control characters are not allowed.")]})
    with transaction.atomic():
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if not current.is_active:
            return current
        current.status = Booking.Status.CANCELLED
        current.cancelled_by = by
        current.cancel_reason = reason
        current.cancelled_at = now or timezone.now()
        current.sequence += 1
        current.save()
        signals.booking_changing.send(sender=Booking, booking=current, change=signals.CANCELLED)
        transaction.on_commit(
            lambda: signals.booking_cancelled.send(sender=Booking, booking=current)
        )
        return current


def create_link(
    meeting_type: MeetingType,
    *,
    expires_in_days: int | None = LINK_DEFAULT_DAYS,
    single_use: bool = False,
    label: str = "",
) -> tuple[Link, str]:
    """A new private link to the type, and its token (shown once; only the hash is kept)."""
    label = (label or "").strip()
    errors: dict[str, list[str]] = {}
    if CONTROL_CHARS.search(label):
        errors["label"] = [str(NO_CONTROL_CHARS)]
    elif len(label) > MAX_LABEL:
        errors["label"] = [_("At most %(limit)d characters.") % {"limit": MAX_LABEL}]
    days = LINK_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    if not 1 <= days <= LINK_MAX_DAYS:
        errors["expires_in_days"] = [_("Between 1 and %(limit)d days.") % {"limit": LINK_MAX_DAYS}]
    if errors:
        raise Invalid(fields=errors)
    token, token_hash = new_token()
    link = Link.objects.create(
        meeting_type=meeting_type,
        token_hash=token_hash,
        expires_at=timezone.now() + timedelta(days=days),
        single_use=single_use,
        label=label,
    )
    return link, token
