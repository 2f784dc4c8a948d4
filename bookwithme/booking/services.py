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
from django.utils.translation import ngettext

from bookwithme.booking import availability, signals
from bookwithme.booking.availability import COUNTED, is_offered
from bookwithme.booking.changes import cancel_refusal, move_refusal
from bookwithme.booking.errors import (
    BookingCancelled,
    BookingPending,
    Invalid,
    LinkExpired,
    LinkUsed,
    NotFound,
    SlotUnavailable,
    VisitorLimit,
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
    # Others invited by email (the type's max_guests at most): they get the invitation too.
    guests: tuple[str, ...] = ()
    # Ticked "I agree that my data is processed as the privacy notice says" (`ask_consent`).
    consent: bool = False


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
    guests = _clean_guests(meeting_type, attendee.guests, email.lower(), errors)
    consent = attendee.consent is True
    if meeting_type.ask_consent and not consent:
        errors["consent"] = [_("Agree to the privacy notice to book.")]
    if errors:
        raise Invalid(fields=errors)
    return Attendee(
        name, email.lower(), attendee.time_zone, notes, language, answers, guests, consent
    )


def _clean_guests(
    meeting_type: MeetingType, given: Any, attendee_email: str, errors: dict
) -> tuple[str, ...]:
    """The guests' emails, lowercased, each once, never the attendee's own: at most the type's
    `max_guests` (none at all when it takes no guests)."""
    given = list(given or ())
    if not given:
        return ()
    limit = meeting_type.max_guests
    if not limit:
        errors["guests"] = [_("This meeting takes no guests.")]
        return ()
    if len(given) > limit:
        errors["guests"] = [
            ngettext("At most %(limit)d guest.", "At most %(limit)d guests.", limit)
            % {"limit": limit}
        ]
        return ()
    guests: list[str] = []
    for i, value in enumerate(given):
        email = value.strip().lower() if isinstance(value, str) else ""
        try:
            validate_email(email)
        except ValidationError:
            shown = str(value)[:60] if isinstance(value, str) else ""
            errors[f"guests.{i}"] = [
                _("“%(email)s” is not a valid email address.") % {"email": shown}
            ]
            continue
        if email == attendee_email:
            errors[f"guests.{i}"] = [_("This is your own email; you are invited already.")]
        elif email in guests:
            errors[f"guests.{i}"] = [_("This guest is given twice.")]
        else:
            guests.append(email)
    return tuple(guests)


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
        "minutes": meeting_type.duration_minutes,
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
    length: int | None = None,
) -> BookResult:
    """Book `start` for the attendee, exactly when that start is offered at this moment.

    Through a single-use link, the link is spent in the same transaction, so it books once
    whatever parallel requests ask. A repeated `idempotency_key` with the same request returns
    the first booking instead of a conflict.

    `length`: the minutes the attendee chose among the type's lengths (None: its default),
    422 under `duration_minutes` when not one of them. A type that requires approval makes the
    booking pending: its time is held, the organizer decides (`booking.approval`).
    """
    now = now or timezone.now()
    sized = availability.sized(meeting_type, length, field="duration_minutes")
    attendee = clean_attendee(meeting_type, attendee)
    key_hash = hash_token(idempotency_key) if idempotency_key else ""
    fingerprint = _fingerprint(sized, start, attendee, link) if key_hash else ""
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
            if not is_offered(sized, start, now=now):
                raise SlotUnavailable()
            _check_visitor_limit(meeting_type, attendee.email, now)
            token, token_hash = new_token()
            uid = new_booking_uid()
            booking = Booking(
                uid=uid,
                meeting_type=meeting_type,
                owner_id=meeting_type.owner_id,
                start=start,
                end=start + sized.duration,
                blocked_start=start - meeting_type.buffer_before,
                blocked_end=start + sized.duration + meeting_type.buffer_after,
                status=Booking.Status.PENDING
                if meeting_type.requires_approval
                else Booking.Status.CONFIRMED,
                attendee_name=attendee.name,
                attendee_email=attendee.email,
                attendee_time_zone=attendee.time_zone,
                attendee_language=attendee.language,
                notes=attendee.notes,
                answers=attendee.answers or {},
                guests=list(attendee.guests),
                consent_at=now if meeting_type.ask_consent else None,
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
            if booking.is_pending:
                # Confirmed (and counted so) once approved, by `approval.approve`.
                signals.booking_changing.send(
                    sender=Booking, booking=booking, change=signals.REQUESTED
                )
                return BookResult(booking, token)
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


def _check_visitor_limit(meeting_type: MeetingType, email: str, now: datetime) -> None:
    """Refuse a booking past the type's `visitor_limit`: the upcoming bookings of this type
    (confirmed or waiting for approval) one email holds, whatever its letters' case. Asked
    under the owner's lock, so two parallel requests cannot both pass."""
    limit = meeting_type.visitor_limit
    if limit is None:
        return
    held = Booking.objects.filter(
        meeting_type=meeting_type,
        attendee_email__iexact=email,
        status__in=COUNTED,
        start__gt=now,
    ).count()
    if held >= limit:
        owner = meeting_type.owner
        raise VisitorLimit(
            ngettext(
                "You already have %(count)d upcoming booking of this kind with %(name)s, the "
                "most allowed. You can book again once it has taken place or is cancelled.",
                "You already have %(count)d upcoming bookings of this kind with %(name)s, the "
                "most allowed. You can book again once one has taken place or is cancelled.",
                held,
            )
            % {"count": held, "name": owner.name or owner.email}
        )


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


def reschedule(
    booking: Booking,
    start: datetime,
    *,
    by: str = Booking.CancelledBy.ORGANIZER,
    now: datetime | None = None,
) -> Booking:
    """Move the booking to `start`: same id and manage token, its old time freed, sequence +1.

    `by` the attendee: held to the type's move deadline and move limit (`changes`), and
    counted in `reschedule_count`; the organizer always may.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            _lock_owner(booking.owner_id)
            current = (
                Booking.objects.select_for_update()
                .select_related("meeting_type__owner")
                .get(pk=booking.pk)
            )
            if current.is_pending:
                raise BookingPending()
            if not current.is_active:
                raise BookingCancelled()
            if start == current.start:
                return current
            if by == Booking.CancelledBy.ATTENDEE:
                refusal = move_refusal(current, now)
                if refusal is not None:
                    raise refusal
                current.reschedule_count += 1
            # The booking keeps its length, whichever of the type's it was booked for.
            mt = current.meeting_type.of_length(current.length_minutes)
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


def cancel(
    booking: Booking,
    *,
    by: str,
    reason: str = "",
    now: datetime | None = None,
    deadline: bool = True,
) -> Booking:
    """Cancel the booking; cancelling a cancelled booking changes nothing and succeeds.

    The attendee is held to the type's cancel deadline (`changes`) unless `deadline` is off
    (their data erased at their request); the organizer always may.
    """
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise Invalid(fields={"reason": [_("At most %(limit)d characters.") % {"limit": 2000}]})
    if CONTROL_CHARS_BUT_LINES.search(reason):
        raise Invalid(fields={"reason": [_("Control characters are not allowed.")]})
    with transaction.atomic():
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if current.status not in Booking.HOLDING:  # a pending one may be cancelled too
            return current
        now = now or timezone.now()
        if by == Booking.CancelledBy.ATTENDEE and deadline:
            refusal = cancel_refusal(current, now)
            if refusal is not None:
                raise refusal
        current.status = Booking.Status.CANCELLED
        current.cancelled_by = by
        current.cancel_reason = reason
        current.cancelled_at = now
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
