"""`bookwithme org-config show D` / `set D [flags]`: an organization's access settings, how
long it keeps its attendees' data (`--retention-days`), and its privacy notice (`--privacy-url`,
`--privacy-text`), which the booking form links to.

The counterpart of Exchange Online's `Get-OrganizationConfig` / `Set-OrganizationConfig`
(`EwsEnabled`, `EwsApplicationAccessPolicy`, `EwsAllowList`, `EwsBlockList`).
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bookwithme.directory.changes import (
    UNCHANGED,
    ChangeError,
    change_access,
    set_privacy_notice_text,
    set_privacy_notice_url,
    set_retention_days,
)
from bookwithme.directory.models import MAX_RETENTION_DAYS, Organization
from bookwithme.management import access_flags
from bookwithme.management.commands.user import find_organization


def retention_days(given: list[str]) -> Any:
    """`--retention-days N|unset` (given at most once): a number of days, None, or UNCHANGED."""
    spelled = f"a whole number of days from 1 to {MAX_RETENTION_DAYS}, or unset"
    values: set[int | None] = set()
    for raw in given:
        text = raw.strip().lower()
        if text == "unset":
            values.add(None)
            continue
        try:
            days = int(text)
        except ValueError:
            raise CommandError(f"--retention-days: {raw!r} is not {spelled}.") from None
        if not 1 <= days <= MAX_RETENTION_DAYS:
            raise CommandError(f"--retention-days: {raw!r} is not {spelled}.")
        values.add(days)
    if len(values) > 1:
        raise CommandError(f"--retention-days is given two different values: {', '.join(given)}.")
    return values.pop() if values else UNCHANGED


def given_once(flag: str, given: list[str]) -> Any:
    """A text flag given at most once (or repeated with the same value): the text, "" for
    `unset`, or UNCHANGED."""
    values = {"" if raw.strip().lower() == "unset" else raw for raw in given}
    if len(values) > 1:
        raise CommandError(f"{flag} is given two different values.")
    return values.pop() if values else UNCHANGED


def site_retention() -> str:
    days = settings.BOOKWITHME_RETENTION_DAYS
    return (
        f"{days} days (BOOKWITHME_RETENTION_DAYS)"
        if days
        else "forever (BOOKWITHME_RETENTION_DAYS)"
    )


class Command(BaseCommand):
    help = "An organization's access settings: `org-config show D`, `org-config set D [flags]`."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        show = actions.add_parser("show", help="Print the organization's access settings.")
        show.add_argument("domain", help="The organization's domain.")
        change = actions.add_parser("set", help="Change the organization's access settings.")
        change.add_argument("domain", help="The organization's domain.")
        access_flags.add_access_flags(change)
        change.add_argument(
            "--retention-days",
            action="append",
            default=[],
            metavar="N|unset",
            help="Erase attendees' data N days after their booking's end, when sooner than "
            "the site's BOOKWITHME_RETENTION_DAYS; unset: the site's.",
        )
        change.add_argument(
            "--privacy-url",
            action="append",
            default=[],
            metavar="URL|unset",
            help="The web address of the organization's privacy notice, which booking forms "
            "link to.",
        )
        change.add_argument(
            "--privacy-text",
            action="append",
            default=[],
            metavar="TEXT|unset",
            help="The privacy notice as plain text (blank lines between paragraphs), shown on "
            "a page of its own when there is no --privacy-url.",
        )

    def handle(self, *, action: str, domain: str, **options):
        org = find_organization(domain)
        if action == "set":
            self.change(org, options)
        else:
            self.show(org)

    def show(self, org: Organization) -> None:
        rows = [
            ("Domain", org.domain),
            *access_flags.access_rows(org),
            ("RetentionDays", org.retention_days),
            ("SiteRetention", site_retention()),
            ("PrivacyNoticeUrl", org.privacy_notice_url),
            ("PrivacyNoticeText", ""),
        ]
        # The text under its name, each line indented to the values' column.
        width = max(len(name) for name, _ in rows) + 3
        text = "\n".join(
            (" " * width + line).rstrip() for line in org.privacy_notice_text.split("\n")
        )
        self.stdout.write(access_flags.format_list(rows) + ("\n" + text if text.strip() else ""))

    def change(self, org: Organization, options: dict) -> None:
        days = retention_days(options["retention_days"])
        url = given_once("--privacy-url", options["privacy_url"])
        text = given_once("--privacy-text", options["privacy_text"])
        access_given = any(
            options[name] for name in (*access_flags.SINGLE, *access_flags.LIST_FLAGS)
        )
        if days is UNCHANGED and url is UNCHANGED and text is UNCHANGED and not access_given:
            raise CommandError(
                "Nothing to set: give at least one of --calendar-api-enabled, "
                "--app-access-policy, --allow-add, --allow-remove, --block-add, --block-remove, "
                "--retention-days, --privacy-url, --privacy-text."
            )
        changes = access_flags.access_changes(options) if access_given else None
        entries = []
        try:
            with transaction.atomic():  # all the flags, or none of them
                if changes is not None:
                    entries += change_access(org, actor=access_flags.actor(), **changes)
                if days is not UNCHANGED:
                    entries += set_retention_days(org, days, actor=access_flags.actor())
                if url is not UNCHANGED:
                    entries += set_privacy_notice_url(org, url, actor=access_flags.actor())
                if text is not UNCHANGED:
                    entries += set_privacy_notice_text(org, text, actor=access_flags.actor())
        except ChangeError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(access_flags.change_lines(entries))
