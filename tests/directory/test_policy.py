"""The access rules as a decision table: every combination of licence, the organization's
and the person's settings, and anonymous sharing. The expected answers come from the tables
below (Microsoft 365's rules, as docs/admin.md gives them, written as data), never from the
policy itself."""

import itertools

import pytest

from bookwithme.directory.policy import PAGE_APP, Settings, decide

APP = PAGE_APP

# calendar_api_enabled -> the refusal it causes at its level (None: none)
CALENDAR_API = {True: None, False: "calendar_api_disabled", None: None}

# name -> (app_access_policy, allow list, block list, refusal it causes at its level)
POLICIES = {
    "unset": ("", [], [], None),
    "allow list with the app": ("EnforceAllowList", [APP, "Other"], [], None),
    "allow list without the app": ("EnforceAllowList", ["Other"], [], "app_not_allowed"),
    "block list with the app": ("EnforceBlockList", [], ["Other", APP], "app_blocked"),
    "block list without the app": ("EnforceBlockList", [], ["Other"], None),
}

# anonymous sharing level -> refusal
SHARING = {"none": "anonymous_sharing_off", "Simple": None}

CASES = list(
    itertools.product([True, False], CALENDAR_API, POLICIES, CALENDAR_API, POLICIES, SHARING)
)


def expected(licence, org_api, org_policy, person_api, person_policy, sharing):
    """The first refusal in Microsoft 365's order, or None when allowed."""
    steps = [
        None if licence else "no_licence",
        CALENDAR_API[org_api] and f"org_{CALENDAR_API[org_api]}",
        POLICIES[org_policy][3] and f"org_{POLICIES[org_policy][3]}",
        CALENDAR_API[person_api] and f"mailbox_{CALENDAR_API[person_api]}",
        POLICIES[person_policy][3] and f"mailbox_{POLICIES[person_policy][3]}",
        SHARING[sharing],
    ]
    return next((s for s in steps if s), None)


def settings(api, policy) -> Settings:
    kind, allow, block, _ = POLICIES[policy]
    return Settings(api, kind, allow, block)


def test_the_table_covers_every_combination():
    assert len(CASES) == 2 * 3 * 5 * 3 * 5 * 2 == 900
    # and the answers are not all alike: each refusal happens somewhere
    reasons = {expected(*case) for case in CASES}
    assert reasons == {
        None,
        "no_licence",
        "org_calendar_api_disabled",
        "org_app_not_allowed",
        "org_app_blocked",
        "mailbox_calendar_api_disabled",
        "mailbox_app_not_allowed",
        "mailbox_app_blocked",
        "anonymous_sharing_off",
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_decision_table(case):
    licence, org_api, org_policy, person_api, person_policy, sharing = case
    decision = decide(
        has_licence=licence,
        organization=settings(org_api, org_policy),
        mailbox=settings(person_api, person_policy),
        anonymous_sharing=sharing,
        app=APP,
    )
    want = expected(*case)
    assert decision.allowed is (want is None)
    assert decision.reason == want
    assert bool(decision.message) is (want is not None)


def test_an_app_with_a_token_is_not_held_to_anonymous_sharing():
    open_ = Settings(None, "", [], [])
    decision = decide(
        has_licence=True, organization=open_, mailbox=open_, anonymous_sharing=None, app="X"
    )
    assert decision.allowed


def test_lists_name_apps_without_regard_to_case():
    allow = Settings(None, "EnforceAllowList", ["personalbookings"], [])
    block = Settings(None, "EnforceBlockList", [], ["PERSONALBOOKINGS"])
    open_ = Settings(None, "", [], [])
    assert decide(
        has_licence=True, organization=allow, mailbox=open_, anonymous_sharing="Simple"
    ).allowed
    assert (
        decide(has_licence=True, organization=open_, mailbox=block, anonymous_sharing="Simple")
    ).reason == "mailbox_app_blocked"
