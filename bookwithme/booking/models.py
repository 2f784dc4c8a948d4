"""Meeting types, the links that reach them, working hours and bookings.

The rules about these live here, on models and querysets; operations that span several of
them in one transaction (book, reschedule, cancel) live in `services.py`.
"""

import copy
import re
import uuid
from contextlib import suppress
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from bookwithme import slots
from bookwithme.directory.models import CONTROL_CHARS, validate_one_line, validate_text
from bookwithme.tokens import SecretUnreadable, decrypt

DEFAULT_WEEKLY = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
LINK_DEFAULT_DAYS = 90
# The kinds of answer a question takes, with what the organizer's editor calls them.
QUESTION_KIND_LABELS = {
    "text": _("Short text"),
    "long_text": _("Long text"),
    "phone": _("Phone number"),
    "single_choice": _("One choice (buttons)"),
    "multiple_choice": _("Several choices (boxes)"),
    "dropdown": _("One choice (drop-down list)"),
    "checkbox": _("A box to tick (e.g. consent)"),
}
QUESTION_KINDS = tuple(QUESTION_KIND_LABELS)
# The kinds answered by picking among the question's options.
CHOICE_KINDS = ("single_choice", "multiple_choice", "dropdown")
QUESTION_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_QUESTIONS = 20
MAX_OPTIONS, MAX_OPTION = 30, 200


def default_weekly() -> dict[str, list[list[str]]]:
    return {day: [list(r) for r in ranges] for day, ranges in DEFAULT_WEEKLY.items()}


def parse_hours(value: Any) -> slots.WeeklyHours:
    """Hours as the API and forms send them: `{weekly, overrides}` or a bare weekly map."""
    if isinstance(value, dict) and "weekly" in value:
        extra = set(value) - {"weekly", "overrides"}
        if extra:
            raise slots.HoursError(f"unknown keys in hours: {', '.join(sorted(extra))}")
        return slots.WeeklyHours.from_json(value["weekly"], value.get("overrides") or [])
    return slots.WeeklyHours.from_json(value, [])


class WorkingHours(models.Model):
    """A person's weekly working hours and date overrides, in their own time zone."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekly = models.JSONField(default=default_weekly)
    overrides = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return f"working hours of {self.person}"

    def as_hours(self) -> slots.WeeklyHours:
        return slots.WeeklyHours.from_json(self.weekly, self.overrides)

    @classmethod
    def of(cls, person) -> "WorkingHours":
        """The person's hours; weekdays 9 to 5 until they set their own."""
        return cls.objects.get_or_create(person=person)[0]

    @classmethod
    def replace(cls, person, weekly: Any, overrides: Any) -> slots.HoursJSON:
        """Check and store the person's new hours, in their canonical form.

        Raises ValidationError under `weekly`, its message meant for the organizer. Saving
        outdates the person's cached slots (the post_save receiver in booking/apps.py).
        """
        try:
            canonical = slots.WeeklyHours.from_json(weekly, overrides).to_json()
        except slots.HoursError as e:
            raise ValidationError({"weekly": [str(e)]}) from None
        with transaction.atomic():
            hours = cls.of(person)
            hours.weekly, hours.overrides = canonical["weekly"], canonical["overrides"]
            hours.save()
        return canonical


def validate_questions(value: Any) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Questions must be a list."))
    if len(value) > MAX_QUESTIONS:
        raise ValidationError(_("At most %(n)d questions."), params={"n": MAX_QUESTIONS})
    seen = set()
    for i, q in enumerate(value, 1):
        if not isinstance(q, dict) or set(q) - {"id", "label", "kind", "required", "options"}:
            raise ValidationError(
                _("Question %(i)d must have id, label, kind and required (and options)."),
                params={"i": i},
            )
        qid, label = q.get("id"), q.get("label")
        if not isinstance(qid, str) or not QUESTION_ID_RE.match(qid):
            raise ValidationError(
                _("Question %(i)d: the id must be 1 to 40 lowercase letters, digits, - or _."),
                params={"i": i},
            )
        if qid in seen:
            raise ValidationError(_("Question id “%(id)s” is used twice."), params={"id": qid})
        seen.add(qid)
        if not isinstance(label, str) or not label.strip() or len(label) > 300:
            raise ValidationError(
                _("Question %(i)d: the label must be 1 to 300 characters."), params={"i": i}
            )
        if q.get("kind", "text") not in QUESTION_KINDS:
            raise ValidationError(
                _("Question %(i)d: the kind must be one of %(kinds)s."),
                params={"i": i, "kinds": ", ".join(QUESTION_KINDS)},
            )
        if not isinstance(q.get("required", False), bool):
            raise ValidationError(
                _("Question %(i)d: required must be true or false."), params={"i": i}
            )
        validate_options(i, q.get("kind", "text"), q.get("options"))


def validate_options(i: int, kind: str, options: Any) -> None:
    """A choice question offers 1 to 30 distinct options; the other kinds offer none."""
    if kind not in CHOICE_KINDS:
        if options is not None:
            raise ValidationError(
                _("Question %(i)d: only the choice kinds have options."), params={"i": i}
            )
        return
    if not isinstance(options, list) or not options:
        raise ValidationError(
            _("Question %(i)d: give the options to choose from."), params={"i": i}
        )
    if len(options) > MAX_OPTIONS:
        raise ValidationError(
            _("Question %(i)d: at most %(n)d options."), params={"i": i, "n": MAX_OPTIONS}
        )
    for option in options:
        if (
            not isinstance(option, str)
            or not option.strip()
            or len(option) > MAX_OPTION
            or CONTROL_CHARS.search(option)
        ):
            raise ValidationError(
                _("Question %(i)d: each option must be 1 to %(n)d characters on one line."),
                params={"i": i, "n": MAX_OPTION},
            )
    if len(set(options)) != len(options):
        raise ValidationError(_("Question %(i)d: an option is given twice."), params={"i": i})


MAX_DURATIONS = 6


def validate_durations(value: Any) -> None:
    """The lengths a visitor may choose from: whole minutes, 5 to 720, each once, 6 at most
    (empty: the type's one duration only)."""
    if not isinstance(value, list):
        raise ValidationError(_("Give the lengths as a list of minutes."))
    if len(value) > MAX_DURATIONS:
        raise ValidationError(
            _("At most %(n)d lengths to choose from."), params={"n": MAX_DURATIONS}
        )
    for minutes in value:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 720:
            raise ValidationError(_("Each length is a whole number of minutes from 5 to 720."))
    if len(set(value)) != len(value):
        raise ValidationError(_("A length is given twice."))


def validate_hours(value: Any) -> None:
    if value is None:
        return
    try:
        parse_hours(value)
    except slots.HoursError as e:
        raise ValidationError(str(e)) from None


def is_web_address(value: Any) -> bool:
    """An http(s) address a browser can open: what an online meeting's location may be."""
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        return False
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return True


def _tidy_question(q: Any) -> Any:
    """A question with its defaults, its options without spaces around them, and options only
    on the kinds that offer some."""
    if not isinstance(q, dict):
        return q
    q = {"kind": "text", "required": False, **q}
    options = q.pop("options", None)
    if q["kind"] in CHOICE_KINDS:
        if isinstance(options, list):
            options = [o.strip() if isinstance(o, str) else o for o in options]
        q["options"] = options if options is not None else []
    elif options is not None:  # validate_options says it is not for this kind
        q["options"] = options
    return q


class MeetingTypeQuerySet(models.QuerySet["MeetingType"]):
    def live(self) -> "MeetingTypeQuerySet":
        return self.filter(deleted_at__isnull=True)

    def public(self) -> "MeetingTypeQuerySet":
        return self.live().filter(visibility=MeetingType.Visibility.PUBLIC)

    def of(self, person) -> "MeetingTypeQuerySet":
        """The person's types in the one order every door lists them: oldest first."""
        return self.filter(owner=person).order_by("created_at", "pk")


SLUG_TAKEN = _("You already have a meeting type at this address.")
SLUG_HELP = _(
    "The end of the type's web address, e.g. intro-call. Leave it blank to make one from the title."
)


class MeetingType(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Private")

    class LocationKind(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_types"
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_one_line])
    slug = models.SlugField(
        _("address"),
        max_length=60,
        # Said so by the API and the app alike, in place of Django's words (which say "slug").
        error_messages={"invalid": _("Use only letters without accents, digits and dashes.")},
    )
    description = models.TextField(
        _("description"),
        max_length=5000,
        blank=True,
        validators=[validate_text],
        help_text=_("Shown to visitors above the times they can pick."),
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text=_(
            "Public types are listed on your page; private ones are reached only through "
            "links you share."
        ),
    )
    location_kind = models.CharField(
        _("location"), max_length=10, choices=LocationKind.choices, default=LocationKind.ONLINE
    )
    location_value = models.CharField(
        _("location details"),
        max_length=500,
        blank=True,
        validators=[validate_one_line],
        help_text=_(
            "The address for in-person meetings, the number to call for phone ones; for online "
            "ones, the meeting's web address when no link is generated."
        ),
    )
    # A new online type has it on unless told otherwise (`meeting_types.save`), so it tells
    # its attendees how to join; in person or by phone, nobody needs one.
    online_meeting = models.BooleanField(
        _("generate an online meeting link for every booking"), default=False
    )
    # None: the owner's working hours; else {"weekly": ..., "overrides": [...]} of its own.
    hours = models.JSONField(_("hours"), null=True, blank=True, validators=[validate_hours])
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"),
        default=0,
        validators=[MaxValueValidator(720)],
        help_text=_("Free time kept before each meeting."),
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"),
        default=0,
        validators=[MaxValueValidator(720)],
        help_text=_("Free time kept after each meeting."),
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=120,
        validators=[MaxValueValidator(60 * 24 * 365)],
        help_text=_("How long before its start a meeting can be booked."),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("bookable up to (days ahead)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("How far ahead visitors can book."),
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("start times every (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
        help_text=_("Leave it blank to use the meeting's duration."),
    )
    daily_limit = models.PositiveSmallIntegerField(
        _("bookings per day at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Leave it blank for no limit."),
    )
    weekly_limit = models.PositiveSmallIntegerField(
        _("bookings per week at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("Counted in your own week, Monday to Sunday. Leave it blank for no limit."),
    )
    visitor_limit = models.PositiveSmallIntegerField(
        _("upcoming bookings per visitor at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "How many upcoming meetings of this kind one email address may hold with you. "
            "Leave it blank for no limit."
        ),
    )
    durations_minutes = models.JSONField(
        _("lengths to choose from (minutes)"),
        default=list,
        blank=True,
        validators=[validate_durations],
        help_text=_(
            "Let visitors choose the length, such as 15, 30 and 60; the duration above is the "
            "one chosen first. Leave it empty for that one length only."
        ),
    )
    cancel_notice_minutes = models.PositiveIntegerField(
        _("cancel up to (minutes before)"),
        default=0,
        validators=[MaxValueValidator(60 * 24 * 60)],
        help_text=_(
            "Visitors cannot cancel later than this before the start; you always can. "
            "0: until it starts."
        ),
    )
    reschedule_notice_minutes = models.PositiveIntegerField(
        _("move up to (minutes before)"),
        default=0,
        validators=[MaxValueValidator(60 * 24 * 60)],
        help_text=_(
            "Visitors cannot move the meeting later than this before the start; you always "
            "can. 0: until it starts."
        ),
    )
    max_reschedules = models.PositiveSmallIntegerField(
        _("moves per booking at most"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("How often a visitor may move one booking. Leave it blank for no limit."),
    )
    requires_approval = models.BooleanField(
        _("you approve each booking"),
        default=False,
        help_text=_(
            "A booking waits for your approval, its time held meanwhile; the visitor hears "
            "once you decide."
        ),
    )
    approval_timeout_hours = models.PositiveSmallIntegerField(
        _("decline if not approved within (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("A booking you have not approved by then is declined and its time freed."),
    )
    max_guests = models.PositiveSmallIntegerField(
        _("guests per booking at most"),
        default=0,
        validators=[MaxValueValidator(10)],
        help_text=_("Visitors may invite this many others by email. 0: no guests."),
    )
    questions = models.JSONField(
        _("questions"), default=list, blank=True, validators=[validate_questions]
    )
    # The booking form's required box "I agree that my data is processed as the privacy notice
    # says"; the booking keeps when it was ticked (`Booking.consent_at`).
    ask_consent = models.BooleanField(
        _("ask for consent"),
        default=False,
        help_text=_(
            "Visitors tick a box agreeing that their data is processed as your organization's "
            "privacy notice says before they can book."
        ),
    )
    reminder_minutes_before = models.PositiveIntegerField(
        _("reminder (minutes before)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(60 * 24 * 14)],
        help_text=_("An email to you and the attendee; leave it blank for none."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = MeetingTypeQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting type")
        verbose_name_plural = _("meeting types")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "slug"],
                condition=models.Q(deleted_at__isnull=True),
                name="meeting_type_slug_unique_per_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def full_clean(self, *args, **kwargs) -> None:
        # Whichever door the type comes through (`meeting_types.save`, the admin's form).
        self.tidy()
        super().full_clean(*args, **kwargs)

    def tidy(self) -> None:
        """Make every door's input alike before it is checked: no spaces around the title and
        the place, hours in their stored form, questions with their defaults, and a slug made
        from the title when none is given."""
        if isinstance(self.title, str):
            self.title = self.title.strip()
        if isinstance(self.location_value, str):
            self.location_value = self.location_value.strip()
        if self.hours is not None:
            with suppress(slots.HoursError):  # else validate_hours says what is wrong
                self.hours = parse_hours(self.hours).to_json()
        if isinstance(self.questions, list | None):
            self.questions = [_tidy_question(q) for q in self.questions or []]
        if not self.slug and self.owner_id:
            self.slug = self._free_slug()

    def _free_slug(self) -> str:
        base = slugify(self.title)[:50] or "meeting"
        taken = set(
            MeetingType.objects.live()
            .filter(owner_id=self.owner_id, slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        step, duration = self.slot_step_minutes, self.duration_minutes
        if step and duration and step > duration:
            errors.setdefault("slot_step_minutes", []).append(
                str(_("The step cannot be longer than the meeting."))
            )
        lengths = self.durations_minutes
        if isinstance(lengths, list) and lengths and duration not in lengths:
            errors.setdefault("durations_minutes", []).append(
                str(_("Include the duration above among the lengths to choose from."))
            )
        if self.location_kind in {"in_person", "phone"} and not self.location_value.strip():
            errors.setdefault("location_value", []).append(
                str(_("Say where (an address) or which number to call."))
            )
        if self.location_kind == self.LocationKind.ONLINE and not self.tells_how_to_join():
            errors.setdefault("online_meeting", []).append(str(self.no_way_to_join()))
        if self.slug and self.owner_id:
            clash = MeetingType.objects.live().filter(owner_id=self.owner_id, slug=self.slug)
            if clash.exclude(pk=self.pk).exists():
                errors.setdefault("slug", []).append(str(SLUG_TAKEN))
        if errors:
            raise ValidationError(errors)

    def tells_how_to_join(self) -> bool:
        """Whether an online type's attendees learn how to join: a link generated for each
        booking (by a provider that makes them), or the meeting's own web address."""
        generated = self.online_meeting and settings.BOOKWITHME_MEETING_PROVIDER == "jitsi"
        return generated or is_web_address(self.location_value)

    @staticmethod
    def no_way_to_join() -> str:
        if settings.BOOKWITHME_MEETING_PROVIDER == "jitsi":
            return str(
                _(
                    "Attendees need a way to join: generate a meeting link for every booking, "
                    "or write the meeting's web address (https://...) in the location details."
                )
            )
        return str(
            _(
                "Attendees need a way to join: write the meeting's web address (https://...) "
                "in the location details."
            )
        )

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def lengths(self) -> list[int]:
        """The lengths a visitor may choose from, shortest first (the one duration when the
        type offers no choice)."""
        return sorted(self.durations_minutes or [self.duration_minutes])

    def of_length(self, minutes: int | None) -> "MeetingType":
        """This type as it books `minutes` long (None: its default): a copy, unsaved, whose
        duration and step (when it follows the duration) are that length's."""
        if minutes is None or minutes == self.duration_minutes:
            return self
        other = copy.copy(self)
        other.duration_minutes = minutes
        return other

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.slot_step_minutes or self.duration_minutes)

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    def own_hours(self) -> slots.WeeklyHours | None:
        return None if self.hours is None else parse_hours(self.hours)


def default_link_expiry():
    return timezone.now() + timedelta(days=LINK_DEFAULT_DAYS)


class LinkQuerySet(models.QuerySet["Link"]):
    def for_token_hash(self, token_hash: str) -> "LinkQuerySet":
        return self.filter(token_hash=token_hash, meeting_type__deleted_at__isnull=True)


class Link(models.Model):
    """A private (or shared) link to one meeting type; only the token's hash is kept."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        USED = "used", _("Used")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    meeting_type = models.ForeignKey(MeetingType, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=200, blank=True, validators=[validate_one_line])
    expires_at = models.DateTimeField(_("expires"), default=default_link_expiry)
    single_use = models.BooleanField(_("single use"), default=False)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = LinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")

    def __str__(self) -> str:
        return f"link to {self.meeting_type}"

    def state(self, now=None) -> "Link.State":
        now = now or timezone.now()
        if self.revoked_at:
            return self.State.REVOKED
        if self.single_use and self.used_at:
            return self.State.USED
        if self.expires_at <= now:
            return self.State.EXPIRED
        return self.State.ACTIVE

    def revoke(self) -> None:
        """Switch the link off for good; revoking it again changes nothing."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


# Every booking's UID ends so: what tells a booking's copy among a calendar's events.
UID_SUFFIX = "@bookwithme"


def new_booking_uid() -> str:
    return f"{uuid.uuid4()}{UID_SUFFIX}"


def shown_answer(value: Any) -> str:
    """An answer as a person reads it, in the active language: the options picked, one after
    the other; a ticked box as yes, an unticked one as no."""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# The domain of an erased attendee's email (booking/retention.py).
ERASED_DOMAIN = "invalid"


class BookingQuerySet(models.QuerySet["Booking"]):
    def confirmed(self) -> "BookingQuerySet":
        return self.filter(status=Booking.Status.CONFIRMED)

    def pending(self) -> "BookingQuerySet":
        """Bookings waiting for their organizer's approval."""
        return self.filter(status=Booking.Status.PENDING)

    def holding(self) -> "BookingQuerySet":
        """Bookings that hold their time: confirmed ones, and those waiting for approval."""
        return self.filter(status__in=Booking.HOLDING)

    def blocking(self, owner_id: int, start, end) -> "BookingQuerySet":
        """Bookings holding their time whose blocked time (with buffers) overlaps [start, end)."""
        return self.holding().filter(
            owner_id=owner_id, blocked_start__lt=end, blocked_end__gt=start
        )

    def own_uids(self, owner_id: int, uids) -> set[str]:
        """Which of `uids` are UIDs of the owner's bookings (any status)."""
        candidates = sorted(u for u in uids if u.endswith(UID_SUFFIX))
        found: set[str] = set()
        for i in range(0, len(candidates), 500):  # under every database's parameter limit
            chunk = candidates[i : i + 500]
            found.update(
                self.filter(owner_id=owner_id, uid__in=chunk).values_list("uid", flat=True)
            )
        return found


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    class CancelledBy(models.TextChoices):
        ATTENDEE = "attendee", _("Attendee")
        ORGANIZER = "organizer", _("Organizer")

    meeting_type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, related_name="bookings")
    # The owner is the meeting type's; kept here so the database can refuse overlaps.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    attendee_name = models.CharField(_("name"), max_length=200)
    attendee_email = models.EmailField(_("email"), max_length=254)
    attendee_time_zone = models.CharField(_("time zone"), max_length=64)
    attendee_language = models.CharField(_("language"), max_length=8, default="en")
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # Others the attendee invited (emails): they get the invitation too; one booking, one slot.
    guests = models.JSONField(_("guests"), default=list, blank=True)
    # How often the attendee moved it (the type's max_reschedules counts these).
    reschedule_count = models.PositiveSmallIntegerField(default=0)
    # When the organizer approved or declined it (types that require approval), or it timed out.
    decided_at = models.DateTimeField(null=True, blank=True)
    # When the attendee agreed to the privacy notice (types that ask consent); None: not asked.
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    manage_token_hash = models.CharField(max_length=64, unique=True)
    # The manage token encrypted under the secret key (tokens.encrypt), kept once: for the
    # emails sent later by tasks, and for a repeat of the booking's Idempotency-Key. A leaked
    # database alone cannot open it.
    manage_token_encrypted = models.CharField(max_length=200, blank=True)
    cancel_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    uid = models.CharField(max_length=200, unique=True, default=new_booking_uid)
    sequence = models.PositiveIntegerField(default=0)
    meeting_url = models.URLField(max_length=500, blank=True)
    link = models.ForeignKey(
        Link, on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    idempotency_key_hash = models.CharField(max_length=64, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(fields=["owner", "status", "blocked_start"]),
            models.Index(fields=["meeting_type", "status", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(blocked_start__lte=models.F("start"))
                & models.Q(blocked_end__gte=models.F("end")),
                name="booking_blocked_covers_meeting",
            ),
            models.UniqueConstraint(
                fields=["meeting_type", "idempotency_key_hash"],
                condition=~models.Q(idempotency_key_hash=""),
                name="booking_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_type} with {self.attendee_name} at {self.start:%Y-%m-%d %H:%M}Z"

    # The statuses whose time is taken (the database refuses overlaps among them, migration
    # 0011): a booking waiting for approval holds its time until it is decided.
    HOLDING = (Status.PENDING.value, Status.CONFIRMED.value)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.CONFIRMED

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_erased(self) -> bool:
        """Its attendee's data was erased (booking/retention.py): only then is the email at
        the `.invalid` domain, which no visitor can type and no mail reaches."""
        return self.attendee_email.endswith("@" + ERASED_DOMAIN)

    @property
    def length_minutes(self) -> int:
        """Its length as booked: one of its type's (`durations_minutes`), kept when moved."""
        return int((self.end - self.start).total_seconds() // 60)

    def labelled_answers(self) -> list[tuple[str, str]]:
        """The attendee's answers, labelled with their questions, in the questions' order."""
        labels = {
            q["id"]: q.get("label") or q["id"]
            for q in self.meeting_type.questions
            if isinstance(q, dict) and "id" in q
        }
        ordered = [qid for qid in labels if qid in self.answers]
        ordered += [qid for qid in self.answers if qid not in labels]
        return [(labels.get(qid, qid), shown_answer(self.answers[qid])) for qid in ordered]

    def manage_token(self) -> str:
        """The attendee's manage token in clear; "" when not kept, or when the secret key
        changed since (then no email can carry the link, but the attendee's first one works)."""
        if not self.manage_token_encrypted:
            return ""
        try:
            return decrypt(self.manage_token_encrypted, purpose="manage")
        except SecretUnreadable:
            return ""


class BookingsFeed(models.Model):
    """A person's secret bookings feed (`/feeds/<token>.ics`); only the token's hash is kept.
    A new token replaces the old one, whose address then answers 404."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bookings feed")
        verbose_name_plural = _("bookings feeds")

    def __str__(self) -> str:
        return f"bookings feed of {self.person}"
