"""/admin/privacy/: an organization's admin exports and erases what their organization holds
about an address, and nothing of another organization's; a superuser picks the organization."""

import json
from datetime import timedelta

import pytest
from dom import dom
from makers import NOW, ended, make_org, make_person, make_type

from bookwithme.directory.models import AuditEntry

pytestmark = pytest.mark.usefixtures("frozen")

ZOE = "zoe@example.org"
URL = "/admin/privacy/"


@pytest.fixture
def acme(db):
    return make_org(name="Acme", domain="acme.example")


@pytest.fixture
def ours(acme):
    return ended(make_type(make_person(org=acme), slug="a"), NOW - timedelta(days=1))


@pytest.fixture
def theirs(db):
    globex = make_org(name="Globex", domain="globex.example")
    return ended(make_type(make_person(org=globex), slug="b"), NOW - timedelta(days=1))


@pytest.fixture
def org_admin(client, acme):
    admin = make_person(org=acme, name="Ada Admin", email="ada@acme.example")
    admin.is_staff = admin.is_org_admin = True
    admin.save(update_fields=["is_staff", "is_org_admin"])
    client.force_login(admin)
    return client


def test_the_admin_home_links_to_it(org_admin):
    page = dom(org_admin.get("/admin/"))
    assert page.xpath(f"//div[@id='privacy-module']//a[@href='{URL}']")


def test_an_org_admin_exports_their_organizations_data_only(org_admin, acme, ours, theirs):
    page = dom(org_admin.get(URL))
    # No choice of organization: theirs, hidden.
    assert page.xpath("//input[@type='hidden'][@name='organization']/@value") == [str(acme.pk)]

    response = org_admin.post(URL, {"organization": acme.pk, "email": ZOE, "export": "1"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="privacy-export-acme')
    document = json.loads(response.content)
    assert [b["id"] for b in document["as_attendee"]] == [ours.pk]
    assert "Globex" not in response.content.decode()
    (entry,) = AuditEntry.objects.filter(setting="privacy export")
    assert (entry.organization, entry.actor) == (acme, "admin (ada@acme.example)")


def test_an_org_admin_cannot_ask_for_another_organization(org_admin, theirs):
    other = theirs.owner.organization
    response = org_admin.post(URL, {"organization": other.pk, "email": ZOE, "export": "1"})
    assert response.status_code == 200
    assert dom(response).xpath("//ul[@class='errorlist']")
    assert not AuditEntry.objects.exists()


def test_erasing_asks_for_the_box_then_erases_in_their_organization_only(
    org_admin, acme, ours, theirs
):
    refused = org_admin.post(URL, {"organization": acme.pk, "email": ZOE, "erase": "1"})
    assert "Tick this box to erase." in refused.content.decode()
    ours.refresh_from_db()
    assert ours.attendee_email == ZOE

    done = org_admin.post(
        URL, {"organization": acme.pk, "email": ZOE, "erase": "1", "confirm": "on"}, follow=True
    )

    assert "Erased in Acme. Bookings as attendee: 1, of which upcoming" in done.content.decode()
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.is_erased and theirs.attendee_email == ZOE


def test_a_superuser_picks_the_organization(client, acme, ours, theirs):
    root = make_person(org=None, name="Root", email="root@example.org")
    root.is_staff = root.is_superuser = True
    root.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(root)
    other = theirs.owner.organization
    response = client.post(URL, {"organization": other.pk, "email": ZOE, "export": "1"})
    assert [b["id"] for b in json.loads(response.content)["as_attendee"]] == [theirs.pk]


def test_someone_who_administers_nothing_is_refused(client, acme, ours):
    staff = make_person(org=acme, name="Sid", email="sid@acme.example")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    assert (
        client.post(URL, {"organization": acme.pk, "email": ZOE, "export": "1"}).status_code == 403
    )
    assert not AuditEntry.objects.exists()
