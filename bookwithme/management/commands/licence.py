"""`bookwithme licence assign EMAIL` / `remove EMAIL`: the booking service plan.

Without it a person has no booking page (the first access rule); their bookings stay.
"""

from django.core.management.base import BaseCommand, CommandError

from bookwithme.directory.changes import ChangeError, set_licence
from bookwithme.management import access_flags


class Command(BaseCommand):
    help = "The booking service plan: `licence assign EMAIL`, `licence remove EMAIL`."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        assign = actions.add_parser("assign", help="Give the person the booking licence.")
        assign.add_argument("email", help="The person's email.")
        remove = actions.add_parser("remove", help="Take the booking licence from the person.")
        remove.add_argument("email", help="The person's email.")

    def handle(self, *, action: str, email: str, **options):
        person = access_flags.find_person(email)
        assigned = action == "assign"
        try:
            entries = set_licence(person, assigned, actor=access_flags.actor())
        except ChangeError as e:
            raise CommandError(str(e)) from None
        if entries and assigned:
            line = f"Assigned the booking licence to {person.email}."
        elif entries:
            line = f"Removed the booking licence from {person.email}; their page is now off."
        elif assigned:
            line = f"{person.email} already holds the booking licence. No change."
        else:
            line = f"{person.email} holds no booking licence. No change."
        self.stdout.write(line)
