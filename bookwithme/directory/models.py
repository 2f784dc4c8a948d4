"""Organizations and the people in them.

A person is the Django user: they sign in with their email and own one booking page.
"""

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


def available_time_zones() -> frozenset[str]:
    global _zones
    if _zones is None:
        _zones = frozenset(zoneinfo.available_timezones())
    return _zones


_zones: frozenset[str] | None = None


def validate_page_slug(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(value)s” is reserved; choose another."), params={"value": value}
        )


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=253, unique=True)
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


class Person(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
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
        _("language"), max_length=8, default="en", choices=[("en", "English"), ("fr", "Français")]
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
