"""`bookwithme user create EMAIL --org D ...`: a person in an organization, with a booking page
and a first meeting type (30 minutes, public). With `--invite`, they get an email with a link
where they set their own password (`web/app/invite.py`); `user invite EMAIL` sends a new one.
"""

import secrets
import smtplib
from itertools import count

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from bookwithme.booking.meeting_types import create_first
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
    help = (
        "Manage people: `user create EMAIL --org D [--invite] [--name N] [--admin] "
        "[--time-zone TZ]`, `user invite EMAIL`."
    )

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
        how = create.add_mutually_exclusive_group()
        how.add_argument(
            "--invite",
            action="store_true",
            help="Email them a link to set their own password (nothing is printed).",
        )
        how.add_argument("--password", help="Their password (default: a random one, printed once).")
        invite = actions.add_parser(
            "invite", help="Email a person a new link to set their password."
        )
        invite.add_argument("email", help="Their email.")

    def handle(self, *, action: str, **options):
        if action == "create":
            self.create(**options)
        elif action == "invite":
            person = Person.objects.filter(email__iexact=options["email"].strip()).first()
            if person is None:
                raise CommandError(f"Nobody has the email {options['email']}.")
            self.send_invitation(person)

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
        invite: bool = False,
        **options,
    ) -> None:
        email = clean_email(email)
        name = "" if name is None else clean_name(name, what="name")
        time_zone = clean_time_zone(time_zone)
        organization = find_organization(org)
        if Person.objects.filter(email__iexact=email).exists():
            raise CommandError(f"Someone with the email {email} already exists.")
        generated = password is None and not invite
        if password is None:
            password = None if invite else secrets.token_urlsafe(12)
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
                create_first(person)
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
        if invite:
            self.send_invitation(person)

    def send_invitation(self, person: Person) -> None:
        # Imported here: the web layer sits above this command's other imports.
        from bookwithme.web.app.invite import invitation

        try:
            invitation(person).send()
        except (OSError, smtplib.SMTPException) as e:
            raise CommandError(
                f"The invitation to {person.email} could not be sent ({type(e).__name__}: {e}); "
                f"send it again with `bookwithme user invite {person.email}`."
            ) from None
        self.stdout.write(f"Invitation sent to {person.email}: a link to set their password.")
