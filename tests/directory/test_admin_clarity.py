"""The admin in plain words: whether each person's page is on and why (the very decision the
public pages ask), settings left unset shown as "Default (on)", and the site's internals (the
outbox, calendar copies, task rows) shown to superusers only."""

import pytest
from django.urls import reverse
from dom import dom, one, text
from makers import make_org, make_person

from bookwithme.directory.models import Organization, Person
from bookwithme.directory.policy import page_decision

pytestmark = pytest.mark.django_db

PEOPLE = reverse("admin:directory_person_changelist")
ORGS = reverse("admin:directory_organization_changelist")
INTERNALS = [
    "admin:notify_outboxmessage_changelist",
    "admin:notify_calendarcopy_changelist",
    "admin:django_tasks_database_dbtaskresult_changelist",
]


def superuser() -> Person:
    return Person.objects.create_superuser("root@platform.test", "pw-root", name="Root")


def org_admin(org: Organization) -> Person:
    boss = make_person(org=org, email="boss@acme.test", name="Boss")
    Person.objects.filter(pk=boss.pk).update(is_org_admin=True, is_staff=True)
    boss.refresh_from_db()
    return boss


@pytest.fixture
def acme():
    org = make_org("Acme", "acme.test")
    make_person(org=org, email="on@acme.test", name="Shown")
    make_person(org=org, email="nolicence@acme.test", name="Unlicensed", has_licence=False)
    blocked = make_person(org=org, email="off@acme.test", name="Switched off")
    Person.objects.filter(pk=blocked.pk).update(calendar_api_enabled=False)
    return org


def page_column(response) -> dict[str, str]:
    """Each listed person's email and what the "booking page" column says of them."""
    page = dom(response)
    rows = {}
    for row in page.xpath('//table[@id="result_list"]/tbody/tr'):
        email = text(one(row, './th[contains(@class, "field-email")]'))
        rows[email] = text(one(row, './td[contains(@class, "field-page")]'))
    return rows


def test_the_people_list_says_whether_each_page_is_on_and_why(client, acme):
    client.force_login(superuser())
    shown = page_column(client.get(PEOPLE))
    assert shown["on@acme.test"] == "On"
    assert shown["nolicence@acme.test"] == "Off: This person has no booking licence."
    assert shown["off@acme.test"] == "Off: Calendar access is turned off for this person."
    for person in Person.objects.filter(organization=acme):
        decision = page_decision(person)
        assert shown[person.email].startswith("On" if decision.allowed else "Off: ")


@pytest.mark.parametrize(
    ("value", "emails"),
    [
        ("on", {"on@acme.test"}),
        ("no_licence", {"nolicence@acme.test", "root@platform.test"}),
        ("mailbox_calendar_api_disabled", {"off@acme.test"}),
        ("org_app_blocked", set()),
    ],
)
def test_the_people_list_filters_by_page_state(client, acme, value, emails):
    client.force_login(superuser())
    assert set(page_column(client.get(PEOPLE, {"page": value}))) == emails


def test_an_org_admin_gets_the_column_and_filter_too(client, acme):
    client.force_login(org_admin(acme))
    response = client.get(PEOPLE, {"page": "on"})
    assert set(page_column(response)) == {"on@acme.test", "boss@acme.test"}
    assert "Off: This person has no booking licence." in response.text  # a filter choice


def test_an_unset_setting_reads_default_on_in_the_list_and_the_form(client, acme):
    client.force_login(superuser())
    listing = client.get(ORGS)
    assert "Default (on)" in text(one(dom(listing), '//td[@class="field-calendar_api"]'))
    assert "Unknown" not in listing.text
    form = dom(client.get(reverse("admin:directory_organization_change", args=[acme.pk])))
    options = form.xpath('//select[@name="calendar_api_enabled"]/option')
    assert [(o.get("value"), text(o)) for o in options] == [
        ("unknown", "Default (on)"),
        ("true", "On"),
        ("false", "Off"),
    ]
    assert one(form, '//select[@name="calendar_api_enabled"]/option[@selected]').get("value") == (
        "unknown"
    )


def test_the_organization_list_filters_on_the_default(client, acme):
    Organization.objects.create(name="Off Inc", domain="off.test", calendar_api_enabled=False)
    client.force_login(superuser())
    names = lambda r: {text(a) for a in dom(r).xpath('//table[@id="result_list"]//th/a')}  # noqa: E731
    assert names(client.get(ORGS, {"calendar_api_enabled": "default"})) == {"Acme"}
    assert names(client.get(ORGS, {"calendar_api_enabled": "off"})) == {"Off Inc"}


@pytest.mark.parametrize("name", INTERNALS)
def test_an_org_admin_cannot_see_the_internals(client, acme, name):
    client.force_login(org_admin(acme))
    assert client.get(reverse(name)).status_code in (403, 404)
    index = client.get(reverse("admin:index")).text
    for section in ("Outbox", "Calendar copies", "Task results", "Db task results"):
        assert section.lower() not in index.lower()


@pytest.mark.parametrize("name", INTERNALS)
def test_a_superuser_sees_the_internals_read_only(client, name):
    client.force_login(superuser())
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert not dom(response).xpath('//ul[@class="object-tools"]//a[contains(@class, "addlink")]')
