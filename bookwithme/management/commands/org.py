"""`bookwithme org create NAME --domain D`: an organization.

Actions are subcommands so that later verbs (`org-config`, ...) live in their own commands while
this one can grow more actions on organizations.
"""

import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import DomainNameValidator
from django.db import IntegrityError, transaction

from bookwithme.directory.models import Organization

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
validate_domain = DomainNameValidator(accept_idna=False)


def clean_domain(value: str) -> str:
    """The domain lowercased, without a trailing dot; `CommandError` when it is not a hostname."""
    domain = value.strip().lower().removesuffix(".")
    try:
        validate_domain(domain)
    except ValidationError:
        raise CommandError(f"“{value}” is not a valid domain name (like example.org).") from None
    return domain


def clean_name(value: str, *, what: str, limit: int = 200) -> str:
    name = value.strip()
    if not name:
        raise CommandError(f"The {what} cannot be empty.")
    if CONTROL_CHARS.search(name):
        raise CommandError(f"The {what} cannot contain line breaks or control characters.")
    if len(name) > limit:
        raise CommandError(f"The {what} is longer than {limit} characters.")
    return name


class Command(BaseCommand):
    help = "Manage organizations: `org create NAME --domain D`."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create an organization.")
        create.add_argument("name", help="The organization's name.")
        create.add_argument(
            "--domain", required=True, help="Its domain (the people's email domain), unique."
        )

    def handle(self, *, action: str, **options):
        if action == "create":
            self.create(options["name"], options["domain"])

    def create(self, name: str, domain: str) -> None:
        name = clean_name(name, what="organization's name")
        domain = clean_domain(domain)
        if Organization.objects.filter(domain=domain).exists():
            raise CommandError(f"An organization with the domain {domain} already exists.")
        try:
            with transaction.atomic():
                org = Organization.objects.create(name=name, domain=domain)
        except IntegrityError:  # created meanwhile by someone else
            raise CommandError(
                f"An organization with the domain {domain} already exists."
            ) from None
        self.stdout.write(f"Created organization {org.name} ({org.domain}).")
