"""`bookwithme org-config show D` / `set D [flags]`: an organization's access settings.

The counterpart of Exchange Online's `Get-OrganizationConfig` / `Set-OrganizationConfig`
(`EwsEnabled`, `EwsApplicationAccessPolicy`, `EwsAllowList`, `EwsBlockList`).
"""

from django.core.management.base import BaseCommand, CommandError

from bookwithme.directory.changes import ChangeError, change_access
from bookwithme.directory.models import Organization
from bookwithme.management import access_flags
from bookwithme.management.commands.user import find_organization


class Command(BaseCommand):
    help = "An organization's access settings: `org-config show D`, `org-config set D [flags]`."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        show = actions.add_parser("show", help="Print the organization's access settings.")
        show.add_argument("domain", help="The organization's domain.")
        change = actions.add_parser("set", help="Change the organization's access settings.")
        change.add_argument("domain", help="The organization's domain.")
        access_flags.add_access_flags(change)

    def handle(self, *, action: str, domain: str, **options):
        org = find_organization(domain)
        if action == "set":
            self.change(org, options)
        else:
            self.show(org)

    def show(self, org: Organization) -> None:
        rows = [("Domain", org.domain), *access_flags.access_rows(org)]
        self.stdout.write(access_flags.format_list(rows))

    def change(self, org: Organization, options: dict) -> None:
        changes = access_flags.access_changes(options)
        try:
            entries = change_access(org, actor=access_flags.actor(), **changes)
        except ChangeError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(access_flags.change_lines(entries))
