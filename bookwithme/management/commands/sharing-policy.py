"""`bookwithme sharing-policy show D` / `set D --anonymous LEVEL`: anonymous free/busy sharing.

The counterpart of Exchange Online's `Get-SharingPolicy` / `Set-SharingPolicy -Domains
@{Add="Anonymous:CalendarSharingFreeBusySimple"}`. Booking pages need a level other than none.
"""

from django.core.management.base import BaseCommand, CommandError

from bookwithme.directory.changes import UNCHANGED, ChangeError, set_anonymous_sharing
from bookwithme.directory.models import AnonymousSharing, Organization
from bookwithme.management import access_flags
from bookwithme.management.commands.user import find_organization

LEVELS = {level.lower(): level for level in AnonymousSharing.values}
SPELLED = "none, Simple, Detail, Reviewer"


def sharing_domains(level: str) -> str:
    """The level in Exchange Online's notation: `Anonymous:CalendarSharingFreeBusySimple`."""
    if level == AnonymousSharing.NONE:
        return ""
    return f"Anonymous:CalendarSharingFreeBusy{level}"


class Command(BaseCommand):
    help = (
        "Anonymous free/busy sharing: `sharing-policy show D`, "
        "`sharing-policy set D --anonymous none|Simple|Detail|Reviewer`."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        show = actions.add_parser("show", help="Print the organization's sharing policy.")
        show.add_argument("domain", help="The organization's domain.")
        change = actions.add_parser("set", help="Change what anonymous viewers may see.")
        change.add_argument("domain", help="The organization's domain.")
        # Appends, so that two different levels are refused rather than the last one kept.
        change.add_argument(
            "--anonymous",
            action="append",
            default=[],
            metavar="none|Simple|Detail|Reviewer",
            help="none: no booking pages; Simple: times only; Detail: times, subject, "
            "location; Reviewer: everything.",
        )

    def handle(self, *, action: str, domain: str, **options):
        org = find_organization(domain)
        if action == "set":
            self.change(org, options["anonymous"])
        else:
            self.show(org)

    def show(self, org: Organization) -> None:
        rows = [
            ("Domain", org.domain),
            ("AnonymousSharing", org.anonymous_sharing),
            ("Domains", sharing_domains(org.anonymous_sharing)),
        ]
        self.stdout.write(access_flags.format_list(rows))

    def change(self, org: Organization, given: list[str]) -> None:
        level = access_flags.one_value("--anonymous", given, LEVELS, SPELLED)
        if level is UNCHANGED:
            raise CommandError(f"Nothing to set: give --anonymous with one of {SPELLED}.")
        try:
            entries = set_anonymous_sharing(org, level, actor=access_flags.actor())
        except ChangeError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(access_flags.change_lines(entries))
