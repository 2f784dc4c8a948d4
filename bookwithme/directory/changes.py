"""Changing access settings, licences and the sharing policy: validated, all or nothing,
each change written to the audit log. The command line and the admin both come through here."""

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from bookwithme.directory.models import (
    MAX_PRIVACY_NOTICE,
    MAX_RETENTION_DAYS,
    AnonymousSharing,
    AppAccessPolicy,
    AuditEntry,
    Organization,
    Person,
    validate_text,
)

UNCHANGED: Any = object()
APP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ChangeError(ValidationError):
    """A change that cannot be made; the message is one line for the person who asked."""

    def __str__(self) -> str:
        return " ".join(self.messages)


def _target(holder: Organization | Person) -> tuple[Organization, str]:
    if isinstance(holder, Organization):
        return holder, f"organization {holder.domain}"
    if holder.organization is None:
        raise ChangeError(f"{holder.email} belongs to no organization")
    return holder.organization, f"mailbox {holder.email}"


def _apps(names, flag: str) -> list[str]:
    apps = []
    for name in names:
        if not APP_NAME.match(name or ""):
            raise ChangeError(f"{flag}: {name!r} is not an app name (letters, digits, . _ -)")
        apps.append(name)
    return apps


def _updated(current: list[str], add: list[str], remove: list[str]) -> list[str]:
    kept = [app for app in current if app not in remove]
    return kept + [app for app in add if app not in kept]


def change_access(
    holder: Organization | Person,
    *,
    actor: str,
    calendar_api_enabled: Any = UNCHANGED,
    app_access_policy: Any = UNCHANGED,
    allow_add=(),
    allow_remove=(),
    block_add=(),
    block_remove=(),
) -> list[AuditEntry]:
    """Apply the changes to an organization's or a person's access settings, or none of them.

    Returns the audit entries written (one per setting that really changed).
    """
    org, target = _target(holder)
    lists = {
        "--allow-add": _apps(allow_add, "--allow-add"),
        "--allow-remove": _apps(allow_remove, "--allow-remove"),
        "--block-add": _apps(block_add, "--block-add"),
        "--block-remove": _apps(block_remove, "--block-remove"),
    }
    for kind in ("allow", "block"):
        both = set(lists[f"--{kind}-add"]) & set(lists[f"--{kind}-remove"])
        if both:
            raise ChangeError(
                f"--{kind}-add and --{kind}-remove both name {', '.join(sorted(both))}"
            )
    if calendar_api_enabled is not UNCHANGED and calendar_api_enabled not in (True, False, None):
        raise ChangeError("calendar API enabled must be true, false or unset")
    if app_access_policy is not UNCHANGED and app_access_policy not in AppAccessPolicy.values:
        raise ChangeError(
            f"unknown app access policy {app_access_policy!r}: "
            "use EnforceAllowList, EnforceBlockList or unset"
        )
    with transaction.atomic():
        holder = type(holder).objects.select_for_update().get(pk=holder.pk)
        wanted = {
            "calendar_api_enabled": holder.calendar_api_enabled
            if calendar_api_enabled is UNCHANGED
            else calendar_api_enabled,
            "app_access_policy": holder.app_access_policy
            if app_access_policy is UNCHANGED
            else app_access_policy,
            "app_allow_list": _updated(
                list(holder.app_allow_list), lists["--allow-add"], lists["--allow-remove"]
            ),
            "app_block_list": _updated(
                list(holder.app_block_list), lists["--block-add"], lists["--block-remove"]
            ),
        }
        entries = []
        for setting, after in wanted.items():
            before = getattr(holder, setting)
            if before != after:
                setattr(holder, setting, after)
                entries.append(
                    AuditEntry(
                        organization=org,
                        actor=actor,
                        target=target,
                        setting=setting,
                        before=before,
                        after=after,
                    )
                )
        if entries:
            holder.save(update_fields=list({e.setting for e in entries}))
            AuditEntry.objects.bulk_create(entries)
        return entries


def _set_one(
    holder,
    org: Organization,
    target: str,
    setting: str,
    value,
    actor: str,
    audited: Callable[[Any], Any] = lambda value: value,
):
    """Change one setting of one row, with its audit entry (the values as `audited` writes
    them); nothing when it already holds."""
    with transaction.atomic():
        holder = type(holder).objects.select_for_update().get(pk=holder.pk)
        before = getattr(holder, setting)
        if before == value:
            return []
        setattr(holder, setting, value)
        holder.save(update_fields=[setting])
        entry = AuditEntry.objects.create(
            organization=org,
            actor=actor,
            target=target,
            setting=setting,
            before=audited(before),
            after=audited(value),
        )
        return [entry]


def set_anonymous_sharing(org: Organization, level: str, *, actor: str) -> list[AuditEntry]:
    if level not in AnonymousSharing.values:
        raise ChangeError(f"unknown sharing level {level!r}: use none, Simple, Detail or Reviewer")
    target = f"sharing policy of {org.domain}"
    return _set_one(org, org, target, "anonymous_sharing", level, actor)


def set_retention_days(org: Organization, days: int | None, *, actor: str) -> list[AuditEntry]:
    """The organization's own, shorter, period to keep attendees' data (None: the site's)."""
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RETENTION_DAYS
    ):
        raise ChangeError(
            f"retention days must be a whole number from 1 to {MAX_RETENTION_DAYS}, or unset"
        )
    target = f"organization {org.domain}"
    return _set_one(org, org, target, "retention_days", days, actor)


MAX_PRIVACY_URL = Organization._meta.get_field("privacy_notice_url").max_length or 500


def set_privacy_notice_url(org: Organization, url: str | None, *, actor: str) -> list[AuditEntry]:
    """The web address of the organization's privacy notice ("" or None: none)."""
    url = (url or "").strip()
    if url:
        try:
            if len(url) > MAX_PRIVACY_URL:
                raise ValidationError("too long")
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            raise ChangeError(
                "the privacy notice URL must be an https:// or http:// address of at most "
                f"{MAX_PRIVACY_URL} characters, or unset"
            ) from None
    target = f"organization {org.domain}"
    return _set_one(org, org, target, "privacy_notice_url", url, actor)


def text_digest(text: str | None) -> str | None:
    """What the audit log keeps of a privacy notice's text: its length and a short hash, enough
    to tell two versions apart without copying the text into every entry."""
    if not text:
        return None
    return f"{len(text)} characters, sha256 {hashlib.sha256(text.encode()).hexdigest()[:12]}"


def set_privacy_notice_text(org: Organization, text: str | None, *, actor: str) -> list[AuditEntry]:
    """The text of the organization's privacy notice, shown on a page of its own when it has
    no address for one ("" or None: none). Plain text; its line breaks are kept."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_PRIVACY_NOTICE:
        raise ChangeError(
            f"the privacy notice text has {len(text)} characters; at most {MAX_PRIVACY_NOTICE}"
        )
    try:
        validate_text(text)
    except ValidationError:
        raise ChangeError(
            "the privacy notice text may hold line breaks but no other control characters"
        ) from None
    target = f"organization {org.domain}"
    return _set_one(org, org, target, "privacy_notice_text", text, actor, audited=text_digest)


def set_licence(person: Person, assigned: bool, *, actor: str) -> list[AuditEntry]:
    org, _ = _target(person)
    return _set_one(person, org, f"person {person.email}", "has_licence", assigned, actor)
