"""`bookwithme mailbox show EMAIL` / `set EMAIL [flags]`: one person's access settings.

The counterpart of Exchange Online's `Get-CASMailbox` / `Set-CASMailbox`. They apply after
the organization's (`org-config`); `show` also says whether the person's page is on, and if not,
which rule refuses it.
"""

from django.core.management.base import BaseCommand, CommandError

from bookwithme.directory.changes import ChangeError, change_access
from bookwithme.directory.models import Person
from bookwithme.directory.policy import page_decision
from bookwithme.management import access_flags


class Command(BaseCommand):
    help = "A person's access settings: `mailbox show EMAIL`, `mailbox set EMAIL [flags]`."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        show = actions.add_parser("show", help="Print the person's access settings.")
        show.add_argument("email", help="The person's email.")
        change = actions.add_parser("set", help="Change the person's access settings.")
        change.add_argument("email", help="The person's email.")
        access_flags.add_access_flags(change)

    def handle(self, *, action: str, email: str, **options):
        person = access_flags.find_person(email)
        if action == "set":
            self.change(person, options)
        else:
            self.show(person)

    def show(self, person: Person) -> None:
        decision = page_decision(person)
        rows = [
            ("Identity", person.email),
            ("HasLicence", person.has_licence),
            *access_flags.access_rows(person),
            ("PageEnabled", decision.allowed),
            ("DisabledReason", decision.reason),
        ]
        self.stdout.write(access_flags.format_list(rows))

    def change(self, person: Person, options: dict) -> None:
        changes = access_flags.access_changes(options)
        try:
            entries = change_access(person, actor=access_flags.actor(), **changes)
        except ChangeError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(access_flags.change_lines(entries))
