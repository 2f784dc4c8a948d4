"""Organizations and the people in them.

A person is the Django user: they sign in with their email and own one booking page.
"""

import re
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookwithme.directory.colors import validate_accent_color

# Page slugs share the URL space with the app's own routes.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "static",
        "media",
        "manage",
        "l",
        "freebusy",
        "healthz",
        "readyz",
        "metrics",
        "login",
        "logout",
        "signin",
        "signout",
        "account",
        "accounts",
        "i18n",
        "docs",
        "about",
        "help",
        "settings",
        "dashboard",
        "bookings",
        "booking",
        "book",
        "feeds",
        "feed",
        "www",
    }
)


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def zone_or_utc(name: str) -> zoneinfo.ZoneInfo:
    """The zone called `name`, or UTC: names are validated on the way in, and showing a
    time (a page, an email) must never fail over one."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, LookupError):
        return zoneinfo.ZoneInfo("UTC")


# Files in the system's zone folder that zoneinfo lists but that are no IANA zone: `localtime`
# is the server's own zone under a name that means something else on every machine,
# `posixrules` a compiler default, `Factory` a placeholder that shows "-00".
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


def _iana_names() -> frozenset[str] | None:
    """The zone names the tzdata package lists (an IANA release), when it is installed."""
    try:
        from importlib import resources

        return frozenset(resources.files("tzdata").joinpath("zones").read_text().split())
    except (ImportError, OSError):
        return None


def available_time_zones() -> frozenset[str]:
    """Every IANA zone name this machine can load: what a time zone is checked against."""
    global _zones
    if _zones is None:
        zones = frozenset(zoneinfo.available_timezones())
        iana = _iana_names()
        _zones = (zones & iana if iana else zones) - NOT_ZONES
    return _zones


_zones: frozenset[str] | None = None


# Shared with the booking form's checks (booking/services.py).
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def validate_one_line(value: str) -> None:
    """Names and titles end up in email headers and calendar lines: no line breaks."""
    if CONTROL_CHARS.search(value or ""):
        raise ValidationError(_("Line breaks and control characters are not allowed."))


CONTROL_CHARS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# The longest an organization may keep attendees' data (`Organization.retention_days`): ten years.
MAX_RETENTION_DAYS = 3650
# The longest privacy notice an organization may write (`Organization.privacy_notice_text`).
MAX_PRIVACY_NOTICE = 5000


def validate_text(value: str) -> None:
    """Longer text keeps its line breaks, but no other control characters."""
    if CONTROL_CHARS_BUT_LINES.search(value or ""):
        raise ValidationError(_("Control characters are not allowed."))


def validate_page_slug(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(value)s” is reserved; choose another."), params={"value": value}
        )


class AppAccessPolicy(models.TextChoices):
    UNSET = "", _("Unset (every app allowed)")
    ALLOW_LIST = "EnforceAllowList", "EnforceAllowList"
    BLOCK_LIST = "EnforceBlockList", "EnforceBlockList"


class AnonymousSharing(models.TextChoices):
    NONE = "none", _("None")
    SIMPLE = "Simple", _("Simple: free/busy times")
    DETAIL = "Detail", _("Detail: times, subject, location")
    REVIEWER = "Reviewer", _("Reviewer: everything")


class AccessSettings(models.Model):
    """Whether apps may reach calendars: the organization's, then each person's (mailbox).

    `calendar_api_enabled` None means unset, which counts as enabled. The app lists hold app
    names such as `PersonalBookings` (the booking page itself).
    """

    calendar_api_enabled = models.BooleanField(_("calendar API enabled"), null=True, blank=True)
    app_access_policy = models.CharField(
        _("app access policy"), max_length=20, choices=AppAccessPolicy.choices, blank=True
    )
    app_allow_list = models.JSONField(_("app allow list"), default=list, blank=True)
    app_block_list = models.JSONField(_("app block list"), default=list, blank=True)

    class Meta:
        abstract = True


class Organization(AccessSettings):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=253, unique=True)
    # Simple, the least that lets booking pages work, is where a new organization starts.
    anonymous_sharing = models.CharField(
        _("anonymous free/busy sharing"),
        max_length=10,
        choices=AnonymousSharing.choices,
        default=AnonymousSharing.SIMPLE,
    )
    # Fewer days than the site's BOOKWITHME_RETENTION_DAYS to keep attendees' data after a
    # booking's end (booking/retention.py); empty: the site's.
    retention_days = models.PositiveSmallIntegerField(
        _("days attendee data is kept"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text=_(
            "After a booking ends, its attendee's name, email, notes and answers are erased "
            "after this many days. Blank: the site's setting. The shorter of the two applies."
        ),
    )
    # The privacy notice the booking form links to (web/pages.py): a page of the organization's
    # own, or, without one, this text on a page of ours (`/<page>/-/privacy`).
    privacy_notice_url = models.URLField(
        _("privacy notice address"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_("The web address of your privacy notice; the booking form links to it."),
    )
    privacy_notice_text = models.TextField(
        _("privacy notice text"),
        max_length=MAX_PRIVACY_NOTICE,
        blank=True,
        validators=[validate_text],
        help_text=_(
            "Plain text, shown on a page of its own that the booking form links to, when no "
            "address is given above. Blank lines separate paragraphs."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return f"{self.name} ({self.domain})"


class PersonManager(BaseUserManager["Person"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "Person":
        if not email:
            raise ValueError("a person needs an email")
        person = self.model(email=self.normalize_email(email).lower(), **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "Person":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class Person(AbstractBaseUser, PermissionsMixin, AccessSettings):
    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True, validators=[validate_one_line])
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
        help_text=_("Empty only for the platform's own superusers."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    language = models.CharField(
        _("language"), max_length=8, default="en", choices=settings.LANGUAGES
    )
    page_slug = models.SlugField(
        _("page address"),
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_page_slug],
    )
    page_published = models.BooleanField(_("page published"), default=True)
    # Branding of the public pages: the accent colour (empty: the site's own), and the photo,
    # the name of a file `directory.photos` made (empty: initials are shown).
    accent_color = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        validators=[validate_accent_color],
        help_text=_(
            "Your page's buttons, links and chosen day take this colour, written as # and six "
            "digits or letters a to f (such as #1a5fb4). It must be dark enough for white text "
            "to read on it. Leave it blank for the usual blue."
        ),
    )
    photo = models.CharField(_("photo"), max_length=40, blank=True, editable=False)
    # Limits across all of this person's meeting types, in their own days and weeks.
    daily_limit = models.PositiveSmallIntegerField(
        _("bookings per day at most, all meeting types"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Leave it blank for no limit."),
    )
    weekly_limit = models.PositiveSmallIntegerField(
        _("bookings per week at most, all meeting types"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("Monday to Sunday. Leave it blank for no limit."),
    )
    # Raised with every change to this person's busy time or hours (same transaction), so a
    # cached answer about their availability is known stale by its key alone.
    availability_version = models.PositiveBigIntegerField(default=0, editable=False)
    # The booking service plan; without it there is no page (the first access rule).
    has_licence = models.BooleanField(_("booking licence"), default=False)
    is_org_admin = models.BooleanField(
        _("organization admin"),
        default=False,
        help_text=_("Manages the people, licences and settings of their own organization."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class Photo(models.Model):
    """A person's photo as stored: a small WebP picture (directory.photos made it), in the
    database so that every app machine serves it; `name` is what Person.photo holds and what
    its address ends with."""

    name = models.CharField(max_length=40, unique=True)
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


DEFAULT_APP = "PersonalBookings"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, person__is_active=True)


class ApiToken(models.Model):
    """A Bearer token for the organizer API; only its SHA-256 is stored.

    Each token acts for one person through one named application, so that an organization's
    app access policy can refuse a given app without touching the others.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    app = models.CharField(_("application"), max_length=100, default=DEFAULT_APP)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.app} token of {self.person}"


def bump_availability(person_id: int) -> None:
    """Mark every cached availability answer of this person as outdated."""
    Person.objects.filter(pk=person_id).update(
        availability_version=models.F("availability_version") + 1
    )


PROFILE_FIELDS = (
    "name",
    "time_zone",
    "page_slug",
    "page_published",
    "language",
    "accent_color",
    "daily_limit",
    "weekly_limit",
)
# Profile fields that null clears (no page; no limit).
NULLABLE_PROFILE_FIELDS = ("page_slug", "daily_limit", "weekly_limit")
# Profile fields whose change outdates the person's cached slots.
AVAILABILITY_FIELDS = ("daily_limit", "weekly_limit")


def update_profile(person: Person, changes: dict) -> Person:
    """Change a person's own profile fields; ValidationError names each field at fault."""
    for name, value in changes.items():
        if name not in PROFILE_FIELDS:
            raise ValidationError({name: [_("This field cannot be changed here.")]})
        if name == "name" and isinstance(value, str):
            value = value.strip()
        if name == "page_slug" and isinstance(value, str):
            value = value.lower()
        if name == "accent_color" and isinstance(value, str):
            value = value.strip().lower()
            value = f"#{value}" if len(value) == 6 and not value.startswith("#") else value
        if value is None and name not in NULLABLE_PROFILE_FIELDS:
            raise ValidationError({name: [_("This field cannot be empty.")]})
        setattr(person, name, value)
    person.full_clean(exclude=["password", "email", "organization"])
    person.save()
    if any(name in AVAILABILITY_FIELDS for name in changes):
        bump_availability(person.pk)
        person.refresh_from_db(fields=["availability_version"])
    return person


class AuditEntry(models.Model):
    """One change to an access setting, licence or sharing policy: who, what, before, after."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.CharField(_("by"), max_length=300)
    target = models.CharField(_("on"), max_length=300)
    setting = models.CharField(_("setting"), max_length=100)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.target} {self.setting}"
