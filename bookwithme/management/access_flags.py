"""What `org-config`, `mailbox`, `sharing-policy` and `licence` share: the access flags, the
actor written to the audit log, and printing in the shape of PowerShell's `Format-List`.

The output mirrors Exchange Online's `Get-OrganizationConfig | Format-List`, so that an
operator who follows its documentation recognises what they read. Values are checked here, in
`handle`, rather than by argparse, so that a refusal is one `CommandError` line like any other.
"""

import getpass
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.base import CommandError, CommandParser

from bookwithme.directory.changes import UNCHANGED
from bookwithme.directory.models import AccessSettings, AuditEntry, Person
from bookwithme.management.commands.user import clean_email

# What each stored setting is called on screen (after Exchange Online's Ews* names).
DISPLAY_NAMES = {
    "calendar_api_enabled": "CalendarApiEnabled",
    "app_access_policy": "AppAccessPolicy",
    "app_allow_list": "AppAllowList",
    "app_block_list": "AppBlockList",
    "anonymous_sharing": "AnonymousSharing",
    "has_licence": "HasLicence",
    "retention_days": "RetentionDays",
    "privacy_notice_url": "PrivacyNoticeUrl",
    "privacy_notice_text": "PrivacyNoticeText",
}

CALENDAR_API_VALUES = {"true": True, "false": False, "unset": None}
APP_POLICY_VALUES = {
    "enforceallowlist": "EnforceAllowList",
    "enforceblocklist": "EnforceBlockList",
    "unset": "",
}
SINGLE = ("calendar_api_enabled", "app_access_policy")
LIST_FLAGS = ("allow_add", "allow_remove", "block_add", "block_remove")


def actor() -> str:
    """Who the audit log says made a change from the command line: the OS user."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor in the user database
        user = "unknown"
    return f"command line ({user})"


def find_person(email: str) -> Person:
    address = clean_email(email)
    person = Person.objects.select_related("organization").filter(email__iexact=address).first()
    if person is None:
        raise CommandError(f"Nobody has the email {address}.")
    return person


def add_access_flags(parser: CommandParser) -> None:
    """The flags of `org-config set` and `mailbox set`.

    Every flag appends, so that a setting given twice with two values can be refused instead of
    argparse silently keeping the last one.
    """
    parser.add_argument(
        "--calendar-api-enabled",
        action="append",
        default=[],
        metavar="true|false|unset",
        help="Let apps reach calendars (like EwsEnabled); unset counts as true.",
    )
    parser.add_argument(
        "--app-access-policy",
        action="append",
        default=[],
        metavar="EnforceAllowList|EnforceBlockList|unset",
        help="Which apps may: only the allow list, all but the block list, or every app.",
    )
    for flag, text in (
        ("--allow-add", "Add APP to the allow list."),
        ("--allow-remove", "Remove APP from the allow list."),
        ("--block-add", "Add APP to the block list."),
        ("--block-remove", "Remove APP from the block list."),
    ):
        parser.add_argument(
            flag, action="append", default=[], metavar="APP", help=text + " Repeatable."
        )


def one_value(flag: str, given: Sequence[str], choices: dict[str, Any], spelled: str) -> Any:
    """The value of a flag that may appear at most once (or repeat the same value)."""
    if not given:
        return UNCHANGED
    values = []
    for raw in given:
        key = raw.strip().lower()
        if key not in choices:
            raise CommandError(f"{flag}: {raw!r} is not one of {spelled}.")
        values.append(choices[key])
    if len(set(values)) > 1:
        raise CommandError(f"{flag} is given two different values: {', '.join(given)}.")
    return values[0]


def access_changes(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments for `changes.change_access` from the parsed flags, or a refusal."""
    changes = {
        "calendar_api_enabled": one_value(
            "--calendar-api-enabled",
            options["calendar_api_enabled"],
            CALENDAR_API_VALUES,
            "true, false, unset",
        ),
        "app_access_policy": one_value(
            "--app-access-policy",
            options["app_access_policy"],
            APP_POLICY_VALUES,
            "EnforceAllowList, EnforceBlockList, unset",
        ),
    }
    for name in LIST_FLAGS:
        changes[name] = [app.strip() for app in options[name]]
    if all(changes[name] is UNCHANGED for name in SINGLE) and not any(
        changes[name] for name in LIST_FLAGS
    ):
        raise CommandError(
            "Nothing to set: give at least one of --calendar-api-enabled, --app-access-policy, "
            "--allow-add, --allow-remove, --block-add, --block-remove."
        )
    return changes


def shown(value: Any) -> str:
    """A value as PowerShell prints it: True/False, empty for unset, lists in braces."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list | tuple):
        return "{" + ", ".join(str(item) for item in value) + "}"
    return str(value)


def format_list(rows: Iterable[tuple[str, Any]]) -> str:
    """`Name : Value` lines with the colons lined up, like `Format-List`."""
    rows = list(rows)
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)} : {shown(value)}".rstrip() for name, value in rows)


def access_rows(holder: AccessSettings) -> list[tuple[str, Any]]:
    return [
        ("CalendarApiEnabled", holder.calendar_api_enabled),
        ("AppAccessPolicy", holder.app_access_policy),
        ("AppAllowList", list(holder.app_allow_list or [])),
        ("AppBlockList", list(holder.app_block_list or [])),
    ]


def change_lines(entries: Sequence[AuditEntry]) -> str:
    """One line per change made (`CalendarApiEnabled: True -> False`), or `No change.`."""
    if not entries:
        return "No change."
    return "\n".join(
        f"{DISPLAY_NAMES.get(e.setting, e.setting)}: {_changed(e.before)} -> {_changed(e.after)}"
        for e in entries
    )


def _changed(value: Any) -> str:
    # Empty reads well in a list of settings, not in the middle of "before -> after".
    return shown(value) or "(unset)"
