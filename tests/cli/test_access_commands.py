"""`org-config`, `mailbox`, `sharing-policy` and `licence`: the access settings from the shell."""

import getpass
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from liveserver import cli, server_env
from makers import make_org, make_person

from bookwithme.directory.models import AuditEntry, Organization, Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _os_user(monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "ops")


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def access(holder: Organization | Person) -> tuple:
    holder.refresh_from_db()
    return (
        holder.calendar_api_enabled,
        holder.app_access_policy,
        holder.app_allow_list,
        holder.app_block_list,
    )


def audit() -> list[tuple]:
    return list(
        AuditEntry.objects.order_by("pk").values_list(
            "actor", "target", "setting", "before", "after"
        )
    )


@pytest.fixture
def org() -> Organization:
    return make_org(domain="acme.test")


@pytest.fixture
def alex(org) -> Person:
    return make_person(org=org, email="alex@acme.test")


# org-config show


def test_org_config_show_lists_unset_settings_as_empty_with_the_colons_lined_up(org):
    out, err = run("org-config", "show", "acme.test")

    assert out.splitlines() == [
        "Domain             : acme.test",
        "CalendarApiEnabled :",
        "AppAccessPolicy    :",
        "AppAllowList       : {}",
        "AppBlockList       : {}",
        "RetentionDays      :",
        "SiteRetention      : 365 days (BOOKWITHME_RETENTION_DAYS)",
        "PrivacyNoticeUrl   :",
        "PrivacyNoticeText  :",
    ]
    assert err == ""


def test_org_config_show_prints_booleans_policies_and_lists_like_powershell(org):
    org.calendar_api_enabled = False
    org.app_access_policy = "EnforceAllowList"
    org.app_allow_list = ["PersonalBookings", "Other"]
    org.app_block_list = ["Spam"]
    org.save()

    out, _ = run("org-config", "show", "ACME.test.")

    assert out.splitlines() == [
        "Domain             : acme.test",
        "CalendarApiEnabled : False",
        "AppAccessPolicy    : EnforceAllowList",
        "AppAllowList       : {PersonalBookings, Other}",
        "AppBlockList       : {Spam}",
        "RetentionDays      :",
        "SiteRetention      : 365 days (BOOKWITHME_RETENTION_DAYS)",
        "PrivacyNoticeUrl   :",
        "PrivacyNoticeText  :",
    ]


def test_org_config_show_refuses_an_unknown_organization():
    with pytest.raises(CommandError, match=r"No organization has the domain nope\.example"):
        run("org-config", "show", "nope.example")


# org-config set


def test_org_config_set_changes_the_settings_and_writes_one_audit_entry_each(org):
    out, _ = run(
        "org-config", "set", "acme.test",
        "--calendar-api-enabled", "false",
        "--app-access-policy", "EnforceBlockList",
        "--block-add", "PersonalBookings", "--block-add", "Other",
    )  # fmt: skip

    assert access(org) == (False, "EnforceBlockList", [], ["PersonalBookings", "Other"])
    assert out.splitlines() == [
        "CalendarApiEnabled: (unset) -> False",
        "AppAccessPolicy: (unset) -> EnforceBlockList",
        "AppBlockList: {} -> {PersonalBookings, Other}",
    ]
    assert audit() == [
        ("command line (ops)", "organization acme.test", "calendar_api_enabled", None, False),
        (
            "command line (ops)",
            "organization acme.test",
            "app_access_policy",
            "",
            "EnforceBlockList",
        ),
        (
            "command line (ops)",
            "organization acme.test",
            "app_block_list",
            [],
            ["PersonalBookings", "Other"],
        ),
    ]
    assert set(AuditEntry.objects.values_list("organization", flat=True)) == {org.pk}


def test_org_config_set_unset_goes_back_to_the_defaults(org):
    org.calendar_api_enabled = True
    org.app_access_policy = "EnforceAllowList"
    org.save()

    out, _ = run(
        "org-config", "set", "acme.test",
        "--calendar-api-enabled", "unset", "--app-access-policy", "unset",
    )  # fmt: skip

    assert access(org) == (None, "", [], [])
    assert out.splitlines() == [
        "CalendarApiEnabled: True -> (unset)",
        "AppAccessPolicy: EnforceAllowList -> (unset)",
    ]


def test_org_config_set_takes_values_in_any_case(org):
    run(
        "org-config", "set", "acme.test",
        "--calendar-api-enabled", "TRUE", "--app-access-policy", "enforceallowlist",
    )  # fmt: skip

    assert access(org)[:2] == (True, "EnforceAllowList")


def test_org_config_set_adds_and_removes_apps_in_one_go(org):
    org.app_allow_list = ["PersonalBookings", "Old"]
    org.save()

    out, _ = run(
        "org-config", "set", "acme.test",
        "--allow-remove", "Old", "--allow-add", "New", "--allow-add", "PersonalBookings",
    )  # fmt: skip

    assert access(org)[2] == ["PersonalBookings", "New"]
    assert out.splitlines() == ["AppAllowList: {PersonalBookings, Old} -> {PersonalBookings, New}"]


def test_org_config_set_accepts_the_same_value_given_twice(org):
    run(
        "org-config", "set", "acme.test",
        "--calendar-api-enabled", "false", "--calendar-api-enabled", "FALSE",
    )  # fmt: skip

    assert access(org)[0] is False


def test_org_config_set_to_the_current_values_says_no_change_and_writes_nothing(org):
    org.calendar_api_enabled = False
    org.app_block_list = ["PersonalBookings"]
    org.save()

    out, _ = run(
        "org-config", "set", "acme.test",
        "--calendar-api-enabled", "false", "--block-add", "PersonalBookings",
        "--allow-remove", "NotThere",
    )  # fmt: skip

    assert out.splitlines() == ["No change."]
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([], r"^Nothing to set: give at least one of --calendar-api-enabled"),
        (["--calendar-api-enabled", "maybe"], r"'maybe' is not one of true, false, unset"),
        (["--calendar-api-enabled", ""], r"'' is not one of true, false, unset"),
        (
            ["--app-access-policy", "EnforceEverything"],
            r"'EnforceEverything' is not one of EnforceAllowList, EnforceBlockList, unset",
        ),
        (
            ["--calendar-api-enabled", "true", "--calendar-api-enabled", "false"],
            r"--calendar-api-enabled is given two different values: true, false",
        ),
        (
            ["--app-access-policy", "EnforceAllowList", "--app-access-policy", "unset"],
            r"--app-access-policy is given two different values",
        ),
        (
            ["--allow-add", "X", "--allow-remove", "X"],
            r"--allow-add and --allow-remove both name X",
        ),
        (
            ["--block-add", "X", "--block-remove", "X"],
            r"--block-add and --block-remove both name X",
        ),
        (["--allow-add", "bad name"], r"--allow-add: 'bad name' is not an app name"),
        (["--block-remove", ".hidden"], r"--block-remove: '.hidden' is not an app name"),
        (["--block-add", ""], r"--block-add: '' is not an app name"),
        # A good change beside a bad one is not made either.
        (["--calendar-api-enabled", "false", "--block-add", "a/b"], r"'a/b' is not an app name"),
    ],
)
def test_org_config_set_refuses_bad_flags_and_changes_nothing(org, flags, message):
    before = access(org)

    with pytest.raises(CommandError, match=message) as refused:
        run("org-config", "set", "acme.test", *flags)

    assert "\n" not in str(refused.value)
    assert access(org) == before
    assert not AuditEntry.objects.exists()


def test_org_config_set_refuses_an_unknown_organization(org):
    with pytest.raises(CommandError, match=r"No organization has the domain nope\.example"):
        run("org-config", "set", "nope.example", "--calendar-api-enabled", "false")

    assert access(org)[0] is None
    assert not AuditEntry.objects.exists()


def test_org_config_without_an_action_is_refused():
    with pytest.raises(CommandError, match="ACTION"):
        run("org-config")


# mailbox


def test_mailbox_show_lists_the_settings_and_says_the_page_is_on(alex):
    out, err = run("mailbox", "show", "alex@acme.test")

    assert out.splitlines() == [
        "Identity           : alex@acme.test",
        "HasLicence         : True",
        "CalendarApiEnabled :",
        "AppAccessPolicy    :",
        "AppAllowList       : {}",
        "AppBlockList       : {}",
        "PageEnabled        : True",
        "DisabledReason     :",
    ]
    assert err == ""


def test_mailbox_show_gives_the_reason_a_page_is_off(org):
    make_person(org=org, email="jo@acme.test", has_licence=False)

    out, _ = run("mailbox", "show", "JO@acme.test")

    lines = out.splitlines()
    assert "HasLicence         : False" in lines
    assert lines[-2:] == ["PageEnabled        : False", "DisabledReason     : no_licence"]


def test_mailbox_show_names_the_organization_rule_that_refuses(org, alex):
    org.app_access_policy = "EnforceBlockList"
    org.app_block_list = ["PersonalBookings"]
    org.save()

    out, _ = run("mailbox", "show", "alex@acme.test")

    assert out.splitlines()[-2:] == [
        "PageEnabled        : False",
        "DisabledReason     : org_app_blocked",
    ]


def test_mailbox_show_names_the_sharing_rule_that_refuses(org, alex):
    org.anonymous_sharing = "none"
    org.save()

    out, _ = run("mailbox", "show", "alex@acme.test")

    assert out.splitlines()[-1] == "DisabledReason     : anonymous_sharing_off"


def test_mailbox_set_changes_only_that_person_and_audits_it(org, alex):
    other = make_person(org=org, email="sam@acme.test")

    out, _ = run(
        "mailbox", "set", "Alex@ACME.test",
        "--app-access-policy", "EnforceBlockList", "--block-add", "PersonalBookings",
    )  # fmt: skip

    assert access(alex) == (None, "EnforceBlockList", [], ["PersonalBookings"])
    assert access(other) == (None, "", [], [])
    assert access(org) == (None, "", [], [])
    assert out.splitlines() == [
        "AppAccessPolicy: (unset) -> EnforceBlockList",
        "AppBlockList: {} -> {PersonalBookings}",
    ]
    assert audit() == [
        (
            "command line (ops)",
            "mailbox alex@acme.test",
            "app_access_policy",
            "",
            "EnforceBlockList",
        ),
        (
            "command line (ops)",
            "mailbox alex@acme.test",
            "app_block_list",
            [],
            ["PersonalBookings"],
        ),
    ]
    shown, _ = run("mailbox", "show", "alex@acme.test")
    assert shown.splitlines()[-1] == "DisabledReason     : mailbox_app_blocked"


def test_mailbox_set_turns_calendar_access_off_for_that_person(alex):
    out, _ = run("mailbox", "set", "alex@acme.test", "--calendar-api-enabled", "False")

    assert access(alex)[0] is False
    assert out.splitlines() == ["CalendarApiEnabled: (unset) -> False"]


def test_mailbox_set_to_the_current_values_says_no_change(alex):
    out, _ = run("mailbox", "set", "alex@acme.test", "--block-remove", "PersonalBookings")

    assert out.splitlines() == ["No change."]
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([], r"^Nothing to set"),
        (["--calendar-api-enabled", "yes"], r"'yes' is not one of true, false, unset"),
        (["--app-access-policy", "Allow"], r"'Allow' is not one of EnforceAllowList"),
        (
            ["--calendar-api-enabled", "unset", "--calendar-api-enabled", "true"],
            r"two different values",
        ),
        (
            ["--block-add", "A", "--block-remove", "A"],
            r"--block-add and --block-remove both name A",
        ),
        (["--allow-add", "two words"], r"is not an app name"),
    ],
)
def test_mailbox_set_refuses_bad_flags_and_changes_nothing(alex, flags, message):
    with pytest.raises(CommandError, match=message):
        run("mailbox", "set", "alex@acme.test", *flags)

    assert access(alex) == (None, "", [], [])
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@acme.test", r"Nobody has the email nobody@acme\.test"),
        ("not-an-email", r"not a valid email address"),
    ],
)
@pytest.mark.parametrize("action", ["show", "set"])
def test_mailbox_refuses_someone_unknown(alex, action, email, message):
    flags = ["--calendar-api-enabled", "false"] if action == "set" else []

    with pytest.raises(CommandError, match=message):
        run("mailbox", action, email, *flags)

    assert not AuditEntry.objects.exists()


def test_mailbox_set_refuses_a_person_outside_any_organization():
    root = Person.objects.create_superuser("root@platform.test", "a long password")

    with pytest.raises(CommandError, match=r"root@platform\.test belongs to no organization"):
        run("mailbox", "set", "root@platform.test", "--calendar-api-enabled", "false")

    assert access(root)[0] is None
    assert not AuditEntry.objects.exists()


# sharing-policy


@pytest.mark.parametrize(
    ("level", "domains"),
    [
        ("Simple", "Domains          : Anonymous:CalendarSharingFreeBusySimple"),
        ("Detail", "Domains          : Anonymous:CalendarSharingFreeBusyDetail"),
        ("Reviewer", "Domains          : Anonymous:CalendarSharingFreeBusyReviewer"),
        ("none", "Domains          :"),
    ],
)
def test_sharing_policy_show_writes_the_level_in_the_reference_notation(org, level, domains):
    org.anonymous_sharing = level
    org.save()

    out, _ = run("sharing-policy", "show", "acme.test")

    assert out.splitlines() == [
        "Domain           : acme.test",
        f"AnonymousSharing : {level}",
        domains,
    ]


def test_sharing_policy_set_changes_the_level_and_audits_it(org):
    out, _ = run("sharing-policy", "set", "acme.test", "--anonymous", "reviewer")

    org.refresh_from_db()
    assert org.anonymous_sharing == "Reviewer"
    assert out.splitlines() == ["AnonymousSharing: Simple -> Reviewer"]
    assert audit() == [
        (
            "command line (ops)",
            "sharing policy of acme.test",
            "anonymous_sharing",
            "Simple",
            "Reviewer",
        )
    ]


def test_sharing_policy_set_none_turns_anonymous_sharing_off(org, alex):
    run("sharing-policy", "set", "acme.test", "--anonymous", "none")

    org.refresh_from_db()
    assert org.anonymous_sharing == "none"
    shown, _ = run("mailbox", "show", "alex@acme.test")
    assert shown.splitlines()[-1] == "DisabledReason     : anonymous_sharing_off"


def test_sharing_policy_set_to_the_current_level_says_no_change(org):
    out, _ = run("sharing-policy", "set", "acme.test", "--anonymous", "Simple")

    assert out.splitlines() == ["No change."]
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["acme.test"], r"^Nothing to set: give --anonymous"),
        (["acme.test", "--anonymous", "Everything"], r"'Everything' is not one of none, Simple"),
        (["acme.test", "--anonymous", ""], r"'' is not one of none"),
        (
            ["acme.test", "--anonymous", "Detail", "--anonymous", "none"],
            r"--anonymous is given two different values",
        ),
        (["nope.example", "--anonymous", "Detail"], r"No organization has the domain nope"),
    ],
)
def test_sharing_policy_set_refuses_and_changes_nothing(org, args, message):
    with pytest.raises(CommandError, match=message):
        run("sharing-policy", "set", *args)

    org.refresh_from_db()
    assert org.anonymous_sharing == "Simple"
    assert not AuditEntry.objects.exists()


def test_sharing_policy_show_refuses_an_unknown_organization():
    with pytest.raises(CommandError, match=r"No organization has the domain nope\.example"):
        run("sharing-policy", "show", "nope.example")


# licence


def test_licence_remove_takes_the_licence_and_audits_it(alex):
    out, _ = run("licence", "remove", "ALEX@acme.test")

    alex.refresh_from_db()
    assert alex.has_licence is False
    assert out.splitlines() == [
        "Removed the booking licence from alex@acme.test; their page is now off."
    ]
    assert audit() == [("command line (ops)", "person alex@acme.test", "has_licence", True, False)]


def test_licence_assign_gives_the_licence_back(org):
    jo = make_person(org=org, email="jo@acme.test", has_licence=False)

    out, _ = run("licence", "assign", "jo@acme.test")

    jo.refresh_from_db()
    assert jo.has_licence is True
    assert out.splitlines() == ["Assigned the booking licence to jo@acme.test."]
    assert audit() == [("command line (ops)", "person jo@acme.test", "has_licence", False, True)]


def test_licence_assign_to_a_holder_says_no_change(alex):
    out, _ = run("licence", "assign", "alex@acme.test")

    assert out.splitlines() == ["alex@acme.test already holds the booking licence. No change."]
    assert not AuditEntry.objects.exists()


def test_licence_remove_from_someone_without_says_no_change(org):
    make_person(org=org, email="jo@acme.test", has_licence=False)

    out, _ = run("licence", "remove", "jo@acme.test")

    assert out.splitlines() == ["jo@acme.test holds no booking licence. No change."]
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("action", ["assign", "remove"])
def test_licence_refuses_someone_unknown(alex, action):
    with pytest.raises(CommandError, match=r"Nobody has the email nobody@acme\.test"):
        run("licence", action, "nobody@acme.test")

    alex.refresh_from_db()
    assert alex.has_licence is True
    assert not AuditEntry.objects.exists()


def test_licence_refuses_a_person_outside_any_organization():
    root = Person.objects.create_superuser("root@platform.test", "a long password")

    with pytest.raises(CommandError, match="belongs to no organization"):
        run("licence", "assign", "root@platform.test")

    root.refresh_from_db()
    assert root.has_licence is False
    assert not AuditEntry.objects.exists()


def test_licence_without_an_action_is_refused():
    with pytest.raises(CommandError, match="ACTION"):
        run("licence")


# the actor


def test_the_audit_log_names_an_unknown_os_user_when_there_is_none(monkeypatch, org):
    def no_user():
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_user)

    run("org-config", "set", "acme.test", "--calendar-api-enabled", "false")

    assert AuditEntry.objects.get().actor == "command line (unknown)"


# the real command line


def test_a_refused_set_exits_non_zero_with_one_line_on_stderr(tmp_path):
    env = server_env(tmp_path)

    def bookwithme(*args: str) -> subprocess.CompletedProcess:
        return cli(env, *args)

    assert bookwithme("migrate", "--no-input", "-v", "0").returncode == 0

    refused = bookwithme("org-config", "set", "nope.example", "--calendar-api-enabled", "false")

    assert refused.returncode != 0
    assert refused.stdout == ""
    assert len(refused.stderr.splitlines()) == 1
    assert "No organization has the domain nope.example" in refused.stderr
