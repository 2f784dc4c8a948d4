"""`bookwithme user create EMAIL --org D ...`: a person in an organization, with a booking page."""

import secrets
from itertools import count

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from bookwithme.booking.models import WorkingHours
from bookwithme.directory.models import (
    RESERVED_SLUGS,
    Organization,
    Person,
    available_time_zones,
)
from bookwithme.management.commands.org import clean_name

MAX_SLUG = 60
MAX_EMAIL = 254


def clean_email(value: str) -> str:
    email = value.strip()
    try:
        if len(email) > MAX_EMAIL:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise CommandError(f"“{value}” is not a valid email address.") from None
    return email.lower()


def clean_time_zone(value: str) -> str:
    if value not in available_time_zones():
        raise CommandError(
            f"“{value}” is not a known time zone; use an IANA name such as Europe/Paris."
        )
    return value


def unique_page_slug(*seeds: str) -> str:
    """The first seed that slugifies to something, made free: never reserved, never taken."""
    base = next((s for s in (slugify(seed) for seed in seeds) if s), "page")
    # Leave room for a "-N" suffix within the field's length.
    base = base[: MAX_SLUG - 6].strip("-_") or "page"
    taken = set(
        Person.objects.filter(page_slug__startswith=base).values_list("page_slug", flat=True)
    )
    candidates = (base if n == 1 else f"{base}-{n}" for n in count(1))
    return next(s for s in candidates if s not in taken and s not in RESERVED_SLUGS)


def find_organization(domain: str) -> Organization:
    org = Organization.objects.filter(domain=domain.strip().lower().removesuffix(".")).first()
    if org is None:
        raise CommandError(
            f"No organization has the domain {domain}; create it with `bookwithme org create`."
        )
    return org


class Command(BaseCommand):
    help = "Manage people: `user create EMAIL --org D [--name N] [--admin] [--time-zone TZ]`."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a person in an organization.")
        create.add_argument("email", help="Their email, which is also their sign-in.")
        create.add_argument("--org", required=True, help="The organization's domain.")
        create.add_argument("--name", help="Their name, shown on their booking page.")
        create.add_argument(
            "--admin", action="store_true", help="Let them administer the organization."
        )
        create.add_argument(
            "--time-zone", default=settings.TIME_ZONE, help="An IANA zone (default: UTC)."
        )
        create.add_argument(
            "--no-licence", action="store_true", help="Do not give them the booking service plan."
        )
        create.add_argument(
            "--password", help="Their password (default: a random one, printed once)."
        )

    def handle(self, *, action: str, **options):
        if action == "create":
            self.create(**options)

    def create(
        self,
        *,
        email: str,
        org: str,
        name: str | None,
        admin: bool,
        time_zone: str,
        no_licence: bool,
        password: str | None,
        **options,
    ) -> None:
        email = clean_email(email)
        name = "" if name is None else clean_name(name, what="name")
        time_zone = clean_time_zone(time_zone)
        organization = find_organization(org)
        if Person.objects.filter(email__iexact=email).exists():
            raise CommandError(f"Someone with the email {email} already exists.")
        generated = password is None
        if password is None:
            password = secrets.token_urlsafe(12)
        else:
            try:
                validate_password(password)
            except ValidationError as e:
                raise CommandError("The password is refused: " + " ".join(e.messages)) from None
        try:
            with transaction.atomic():
                person = Person.objects.create_user(
                    email,
                    password,
                    name=name,
                    organization=organization,
                    time_zone=time_zone,
                    page_slug=unique_page_slug(name, email.partition("@")[0]),
                    has_licence=not no_licence,
                    # Organization admins use the Django admin, scoped to their organization.
                    is_org_admin=admin,
                    is_staff=admin,
                )
                WorkingHours.objects.create(person=person)
        except IntegrityError:  # the email or page address was taken meanwhile
            raise CommandError(
                f"Could not create {email}: the email or page address was just taken; retry."
            ) from None
        base_url = settings.BOOKWITHME_BASE_URL.rstrip("/")
        self.stdout.write(
            f"Created {person.email} in {organization.name} ({organization.domain}), "
            f"page {base_url}/{person.page_slug}."
        )
        if generated:
            self.stdout.write(f"password: {password}")
