"""May person P use app A? Microsoft 365's access rules for personal booking pages, in their
order (docs/admin.md).

1. The person holds the booking licence.
2. The organization's `calendar_api_enabled` is not False (unset counts as enabled).
3. The organization's app access policy lets the app through: unset lets every app through,
   `EnforceAllowList` only those on the allow list, `EnforceBlockList` all but those on the
   block list.
4. The same two settings on the person (their mailbox) apply after the organization's.
5. For the booking page, which anonymous visitors see: the organization shares free/busy with
   anonymous viewers (any level but none).

The first rule that refuses gives the reason. Everything is read from the rows at hand, on every
request, so a change applies to the very next one.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PAGE_APP = "PersonalBookings"

REASONS = {
    "no_licence": _("This person has no booking licence."),
    "org_calendar_api_disabled": _("Calendar access is turned off for the organization."),
    "org_app_not_allowed": _("The organization's allow list does not include this app."),
    "org_app_blocked": _("The organization blocks this app."),
    "mailbox_calendar_api_disabled": _("Calendar access is turned off for this person."),
    "mailbox_app_not_allowed": _("This person's allow list does not include this app."),
    "mailbox_app_blocked": _("This app is blocked for this person."),
    "anonymous_sharing_off": _("The organization does not share free/busy times anonymously."),
}


@dataclass(frozen=True)
class Settings:
    """One level's access settings (the organization's or a person's)."""

    calendar_api_enabled: bool | None
    app_access_policy: str
    app_allow_list: tuple[str, ...] | list[str]
    app_block_list: tuple[str, ...] | list[str]

    @classmethod
    def of(cls, holder) -> "Settings":
        return cls(
            holder.calendar_api_enabled,
            holder.app_access_policy,
            holder.app_allow_list or (),
            holder.app_block_list or (),
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str | None = None

    @property
    def message(self) -> str:
        return str(REASONS[self.reason]) if self.reason else ""


ALLOWED = Decision(True)


def _names(apps) -> set[str]:
    # App names compare without regard to case, as Microsoft 365's lists do.
    return {app.casefold() for app in apps}


def _level(settings: Settings, app: str, prefix: str) -> Decision:
    if settings.calendar_api_enabled is False:
        return Decision(False, f"{prefix}_calendar_api_disabled")
    key = app.casefold()
    policy = settings.app_access_policy
    if policy == "EnforceAllowList" and key not in _names(settings.app_allow_list):
        return Decision(False, f"{prefix}_app_not_allowed")
    if policy == "EnforceBlockList" and key in _names(settings.app_block_list):
        return Decision(False, f"{prefix}_app_blocked")
    return ALLOWED


def decide(
    *,
    has_licence: bool,
    organization: Settings,
    mailbox: Settings,
    anonymous_sharing: str | None,
    app: str = PAGE_APP,
) -> Decision:
    """The answer for one person and app. `anonymous_sharing` None skips rule 5 (for apps
    acting with a token, which are not anonymous viewers)."""
    if not has_licence:
        return Decision(False, "no_licence")
    for settings, prefix in ((organization, "org"), (mailbox, "mailbox")):
        decision = _level(settings, app, prefix)
        if not decision.allowed:
            return decision
    if anonymous_sharing is not None and anonymous_sharing == "none":
        return Decision(False, "anonymous_sharing_off")
    return ALLOWED


def may_use(person, app: str) -> Decision:
    """May `person` use `app` through an API token (rules 1 to 4)?"""
    return _for(person, app, anonymous=False)


def page_decision(person) -> Decision:
    """May `person`'s booking page be shown to anonymous visitors (rules 1 to 5)?"""
    return _for(person, PAGE_APP, anonymous=True)


def _for(person, app: str, *, anonymous: bool) -> Decision:
    org = person.organization
    if org is None:  # the platform's own superusers have no page
        return Decision(False, "no_licence")
    return decide(
        has_licence=person.has_licence,
        organization=Settings.of(org),
        mailbox=Settings.of(person),
        anonymous_sharing=org.anonymous_sharing if anonymous else None,
        app=app,
    )
