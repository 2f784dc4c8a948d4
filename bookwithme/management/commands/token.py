"""`bookwithme token create EMAIL [--app APP]`: an API token, printed alone on stdout.

Alone, so that `TOKEN=$(bookwithme token create alex@example.org)` works. The database keeps
only the token's hash: this is the one time it can be read.
"""

from django.core.management.base import BaseCommand, CommandError

from bookwithme.directory.models import DEFAULT_APP, ApiToken, Person
from bookwithme.management.commands.org import clean_name
from bookwithme.management.commands.user import clean_email
from bookwithme.tokens import new_token

TOKEN_PREFIX = "bwm_"  # noqa: S105 (a prefix that marks the token, not a secret)


def create_api_token(person: Person, app: str = DEFAULT_APP) -> str:
    """A new API token for `person` acting through `app`; returns the token in clear."""
    token, token_hash = new_token(prefix=TOKEN_PREFIX)
    ApiToken.objects.create(person=person, app=app, token_hash=token_hash)
    return token


class Command(BaseCommand):
    help = "Manage API tokens: `token create EMAIL [--app APP]` prints a new token."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create an API token and print it.")
        create.add_argument("email", help="The person the token acts for.")
        create.add_argument(
            "--app", default=DEFAULT_APP, help=f"The application using it (default {DEFAULT_APP})."
        )

    def handle(self, *, action: str, **options):
        if action == "create":
            self.create(options["email"], options["app"])

    def create(self, email: str, app: str) -> None:
        email = clean_email(email)
        app = clean_name(app, what="app name", limit=100)
        person = Person.objects.filter(email__iexact=email).order_by("pk").first()
        if person is None:
            raise CommandError(f"Nobody has the email {email}.")
        if not person.is_active:
            raise CommandError(f"{email} is disabled; a token for them would not work.")
        self.stdout.write(create_api_token(person, app))
