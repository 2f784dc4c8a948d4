"""The Django admin: organization admins see and change their own organization only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from makers import NOW, make_link, make_org, make_person, make_type

from bookwithme.booking.models import Booking, Link
from bookwithme.calendars.models import Event
from bookwithme.directory.changes import ChangeError, set_licence
from bookwithme.directory.models import AuditEntry, Organization, Person

pytestmark = pytest.mark.django_db

PEOPLE = reverse("admin:directory_person_changelist")
ORGS = reverse("admin:directory_organization_changelist")
AUDIT = reverse("admin:directory_auditentry_changelist")
# Django's message for an object outside the queryset, as for one that does not exist.
MISSING = "doesn\u2019t exist"
NULL_BOOLEAN = {None: "unknown", True: "true", False: "false"}


def with_flags(person: Person, **flags) -> Person:
    Person.objects.filter(pk=person.pk).update(**flags)
    person.refresh_from_db()
    return person


def make_org_admin(org: Organization, **fields) -> Person:
    return with_flags(make_person(org=org, **fields), is_org_admin=True, is_staff=True)


def make_superuser() -> Person:
    return Person.objects.create_superuser("root@platform.test", "pw-root", name="Root")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def access_data(holder) -> dict:
    return {
        "calendar_api_enabled": NULL_BOOLEAN[holder.calendar_api_enabled],
        "app_access_policy": holder.app_access_policy,
        "app_allow_list": "\n".join(holder.app_allow_list),
        "app_block_list": "\n".join(holder.app_block_list),
    }


def person_form(person: Person, **changes) -> dict:
    """What the change form posts for `person` as an organization admin sees it, changed."""
    data = {
        "email": person.email,
        "name": person.name,
        "time_zone": person.time_zone,
        "language": person.language,
        "page_slug": person.page_slug or "",
        **access_data(person),
        "_save": "Save",
    }
    for flag in ("page_published", "has_licence", "is_org_admin", "is_active"):
        if getattr(person, flag):
            data[flag] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def org_form(org: Organization, **changes) -> dict:
    data = {
        "name": org.name,
        "domain": org.domain,
        "anonymous_sharing": org.anonymous_sharing,
        **access_data(org),
        "_save": "Save",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def two_orgs():
    acme, globex = make_org("Acme", "acme.test"), make_org("Globex", "globex.test")
    admin = make_org_admin(acme, email="boss@acme.test", name="Boss")
    alex = make_person(org=acme, email="alex@acme.test", name="Alex")
    sam = make_person(org=globex, email="sam@globex.test", name="Sam")
    return acme, globex, admin, alex, sam


# what an organization admin sees


def test_admin_index_shows_an_org_admin_their_sections(client, two_orgs):
    client.force_login(two_orgs[2])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    for text in ("People", "Organizations", "Audit log", "Meeting types", "Bookings", "Events"):
        assert text in response.text
    assert "Groups" not in response.text


def test_org_admin_lists_only_their_own_people(client, two_orgs):
    admin = two_orgs[2]
    client.force_login(admin)
    response = client.get(PEOPLE)
    assert response.status_code == 200
    assert "alex@acme.test" in response.text
    assert "boss@acme.test" in response.text
    assert "sam@globex.test" not in response.text


def test_org_admin_search_does_not_reach_another_organization(client, two_orgs):
    client.force_login(two_orgs[2])
    response = client.get(PEOPLE, {"q": "sam"})
    assert "sam@globex.test" not in response.text


def test_org_admin_does_not_see_a_superuser_of_their_organization(client, two_orgs):
    acme, _, admin, _, _ = two_orgs
    root = Person.objects.create_superuser("root@acme.test", "pw-root", organization=acme)
    client.force_login(admin)
    assert "root@acme.test" not in client.get(PEOPLE).text
    response = client.post(change_url(root), person_form(root, email="mine@acme.test"))
    assert response.status_code == 302
    root.refresh_from_db()
    assert root.email == "root@acme.test"


def test_another_organizations_person_does_not_exist_for_an_org_admin(client, two_orgs):
    *_, admin, _, sam = two_orgs
    client.force_login(admin)
    response = client.get(change_url(sam), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert MISSING in response.text
    assert "sam@globex.test" not in response.text


def test_org_admin_cannot_change_another_organizations_person(client, two_orgs):
    *_, admin, _, sam = two_orgs
    client.force_login(admin)
    client.post(change_url(sam), person_form(sam, name="Hijacked", has_licence=None))
    sam.refresh_from_db()
    assert sam.name == "Sam"
    assert sam.has_licence
    assert not AuditEntry.objects.exists()


def test_org_admin_cannot_reset_another_organizations_password(client, two_orgs):
    *_, admin, _, sam = two_orgs
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[sam.pk])
    assert client.get(url).status_code == 404
    client.post(url, {"password1": "a-new-pw-123", "password2": "a-new-pw-123"})
    sam.refresh_from_db()
    assert not sam.check_password("a-new-pw-123")


def test_org_admin_sees_the_password_hash_and_a_link_to_change_it(client, two_orgs):
    *_, admin, alex, _ = two_orgs
    client.force_login(admin)
    response = client.get(change_url(alex))
    assert response.status_code == 200
    assert "algorithm" in response.text
    assert "../password/" in response.text
    url = reverse("admin:auth_user_password_change", args=[alex.pk])
    response = client.post(
        url, {"password1": "a-new-pw-123", "password2": "a-new-pw-123", "usable_password": "true"}
    )
    assert response.status_code == 302
    alex.refresh_from_db()
    assert alex.check_password("a-new-pw-123")


# changing people


def test_org_admin_changes_a_profile(client, two_orgs):
    *_, admin, alex, _ = two_orgs
    client.force_login(admin)
    response = client.post(
        change_url(alex), person_form(alex, name="Alexandra", time_zone="America/New_York")
    )
    assert response.status_code == 302
    password = alex.password
    alex.refresh_from_db()
    assert (alex.name, alex.time_zone) == ("Alexandra", "America/New_York")
    assert alex.password == password
    assert not AuditEntry.objects.exists()


def test_org_admin_cannot_make_anyone_superuser_or_move_them(client, two_orgs):
    acme, globex, admin, alex, _ = two_orgs
    client.force_login(admin)
    response = client.get(change_url(alex))
    assert 'name="is_superuser"' not in response.text
    assert 'name="organization"' not in response.text
    assert 'name="is_staff"' not in response.text
    assert 'name="user_permissions"' not in response.text
    data = person_form(
        alex, is_superuser="on", is_staff="on", organization=globex.pk, user_permissions="1"
    )
    assert client.post(change_url(alex), data).status_code == 302
    alex.refresh_from_db()
    assert not alex.is_superuser
    assert not alex.is_staff
    assert alex.organization == acme
    assert not alex.user_permissions.exists()


def test_making_someone_org_admin_lets_them_sign_in_to_the_admin(client, two_orgs):
    *_, admin, alex, _ = two_orgs
    client.force_login(admin)
    client.post(change_url(alex), person_form(alex, is_org_admin="on"))
    alex.refresh_from_db()
    assert alex.is_org_admin and alex.is_staff
    client.post(change_url(alex), person_form(alex, is_org_admin=None))
    alex.refresh_from_db()
    assert not alex.is_org_admin and not alex.is_staff


def test_licence_change_in_the_admin_is_audited(client, two_orgs):
    acme, *_, alex, _ = two_orgs
    client.force_login(two_orgs[2])
    response = client.post(change_url(alex), person_form(alex, has_licence=None, name="Al"))
    assert response.status_code == 302
    alex.refresh_from_db()
    assert not alex.has_licence
    assert alex.name == "Al"
    entry = AuditEntry.objects.get()
    assert entry.organization == acme
    assert "boss@acme.test" in entry.actor
    assert entry.actor == "admin (boss@acme.test)"
    assert (entry.target, entry.setting) == ("person alex@acme.test", "has_licence")
    assert (entry.before, entry.after) == (True, False)


def test_access_settings_change_in_the_admin_is_audited_one_entry_per_setting(client, two_orgs):
    *_, admin, alex, _ = two_orgs
    client.force_login(admin)
    data = person_form(
        alex,
        calendar_api_enabled="false",
        app_access_policy="EnforceBlockList",
        app_block_list="Zoomish, Other.App",
    )
    assert client.post(change_url(alex), data).status_code == 302
    alex.refresh_from_db()
    assert alex.calendar_api_enabled is False
    assert alex.app_access_policy == "EnforceBlockList"
    assert alex.app_block_list == ["Zoomish", "Other.App"]
    entries = {e.setting: e for e in AuditEntry.objects.all()}
    assert set(entries) == {"calendar_api_enabled", "app_access_policy", "app_block_list"}
    assert entries["app_block_list"].after == ["Zoomish", "Other.App"]
    assert all(e.actor == "admin (boss@acme.test)" for e in entries.values())


def test_a_list_edit_records_the_whole_list_before_and_after(client, two_orgs):
    *_, admin, alex, _ = two_orgs
    alex = with_flags(alex, app_allow_list=["Alpha", "Beta"])
    client.force_login(admin)
    response = client.post(change_url(alex), person_form(alex, app_allow_list="Beta\nGamma"))
    assert response.status_code == 302
    alex.refresh_from_db()
    assert alex.app_allow_list == ["Beta", "Gamma"]
    entry = AuditEntry.objects.get()
    assert (entry.before, entry.after) == (["Alpha", "Beta"], ["Beta", "Gamma"])


def test_a_bad_app_name_is_a_form_error_and_nothing_is_saved(client, two_orgs):
    *_, admin, alex, _ = two_orgs
    client.force_login(admin)
    data = person_form(alex, name="Changed", has_licence=None, app_allow_list="good\nbad name!")
    response = client.post(change_url(alex), data)
    assert response.status_code == 200
    assert "bad, name!" not in response.text
    assert "Not app names" in response.text
    alex.refresh_from_db()
    assert alex.name == "Alex"
    assert alex.has_licence
    assert alex.app_allow_list == []
    assert not AuditEntry.objects.exists()


def test_a_refused_audited_change_undoes_the_whole_save(client, two_orgs, monkeypatch):
    *_, admin, alex, _ = two_orgs

    def refuse(*args, **kwargs):
        raise ChangeError("refused for the test")

    monkeypatch.setattr("bookwithme.directory.admin.set_licence", refuse)
    client.force_login(admin)
    data = person_form(alex, name="Half", has_licence=None, app_allow_list="Extra")
    response = client.post(change_url(alex), data, follow=True)
    assert "Refused for the test" in response.text
    assert "was changed successfully" not in response.text
    alex.refresh_from_db()
    assert (alex.name, alex.has_licence, alex.app_allow_list) == ("Alex", True, [])
    assert not AuditEntry.objects.exists()


def test_an_unchanged_form_writes_no_audit_entry(client, two_orgs):
    *_, admin, alex, _ = two_orgs
    client.force_login(admin)
    assert client.post(change_url(alex), person_form(alex)).status_code == 302
    assert not AuditEntry.objects.exists()


def test_org_admin_adds_a_person_to_their_own_organization(client, two_orgs):
    acme, globex, admin, *_ = two_orgs
    client.force_login(admin)
    add = reverse("admin:directory_person_add")
    form = client.get(add)
    assert form.status_code == 200
    assert 'name="organization"' not in form.text
    response = client.post(
        add,
        {
            "email": "New@Acme.test",
            "name": "Newcomer",
            "usable_password": "true",
            "password1": "a-long-pw-123",
            "password2": "a-long-pw-123",
            "has_licence": "on",
            "is_active": "on",
            "organization": globex.pk,
            "is_superuser": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    new = Person.objects.get(email="new@acme.test")
    assert new.organization == acme
    assert not new.is_superuser and not new.is_staff
    assert new.check_password("a-long-pw-123")
    assert new.has_licence
    entry = AuditEntry.objects.get()
    assert (entry.target, entry.before, entry.after) == ("person new@acme.test", False, True)
    assert entry.organization == acme


def test_an_email_taken_in_another_case_is_refused(client, two_orgs):
    *_, admin, alex, _ = two_orgs
    client.force_login(admin)
    response = client.post(change_url(alex), person_form(alex, email="SAM@globex.test"))
    assert response.status_code == 200
    assert "Someone already has this email." in response.text


def test_org_admin_cannot_delete_people(client, two_orgs):
    *_, admin, alex, _ = two_orgs
    client.force_login(admin)
    url = reverse("admin:directory_person_delete", args=[alex.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=alex.pk).exists()


# the organization


def test_org_admin_sees_and_changes_only_their_organization(client, two_orgs):
    _, globex, admin, *_ = two_orgs
    client.force_login(admin)
    response = client.get(ORGS)
    assert "acme.test" in response.text
    assert "globex.test" not in response.text
    response = client.get(change_url(globex), follow=True)
    assert MISSING in response.text
    client.post(change_url(globex), org_form(globex, name="Taken", anonymous_sharing="none"))
    globex.refresh_from_db()
    assert (globex.name, globex.anonymous_sharing) == ("Globex", "Simple")
    assert not AuditEntry.objects.exists()


def test_org_admin_cannot_add_or_delete_organizations(client, two_orgs):
    acme, _, admin, *_ = two_orgs
    client.force_login(admin)
    assert client.get(reverse("admin:directory_organization_add")).status_code == 403
    response = client.post(
        reverse("admin:directory_organization_add"), {"name": "Mine", "domain": "mine.test"}
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(domain="mine.test").exists()
    url = reverse("admin:directory_organization_delete", args=[acme.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403


def test_org_admin_cannot_change_the_domain(client, two_orgs):
    acme, _, admin, *_ = two_orgs
    client.force_login(admin)
    assert 'name="domain"' not in client.get(change_url(acme)).text
    client.post(change_url(acme), org_form(acme, domain="other.test", name="Acme Inc"))
    acme.refresh_from_db()
    assert (acme.domain, acme.name) == ("acme.test", "Acme Inc")


def test_sharing_level_and_org_access_changes_are_audited(client, two_orgs):
    acme, _, admin, *_ = two_orgs
    client.force_login(admin)
    data = org_form(acme, anonymous_sharing="Detail", app_allow_list="PersonalBookings")
    assert client.post(change_url(acme), data).status_code == 302
    acme.refresh_from_db()
    assert acme.anonymous_sharing == "Detail"
    assert acme.app_allow_list == ["PersonalBookings"]
    entries = {e.setting: e for e in AuditEntry.objects.all()}
    assert set(entries) == {"anonymous_sharing", "app_allow_list"}
    assert (entries["anonymous_sharing"].before, entries["anonymous_sharing"].after) == (
        "Simple",
        "Detail",
    )
    assert entries["anonymous_sharing"].actor == "admin (boss@acme.test)"
    assert entries["app_allow_list"].target == "organization acme.test"


def test_an_unknown_sharing_level_is_refused(client, two_orgs):
    acme, _, admin, *_ = two_orgs
    client.force_login(admin)
    response = client.post(change_url(acme), org_form(acme, anonymous_sharing="Everything"))
    assert response.status_code == 200
    acme.refresh_from_db()
    assert acme.anonymous_sharing == "Simple"
    assert not AuditEntry.objects.exists()


# the audit log


def test_audit_log_lists_own_organization_only_and_cannot_be_added_to(client, two_orgs):
    _, globex, admin, alex, sam = two_orgs
    set_licence(alex, False, actor="cli")
    set_licence(sam, False, actor="cli")
    client.force_login(admin)
    response = client.get(AUDIT)
    assert response.status_code == 200
    assert "person alex@acme.test" in response.text
    assert "sam@globex.test" not in response.text
    assert reverse("admin:directory_auditentry_add") not in response.text
    assert client.get(reverse("admin:directory_auditentry_add")).status_code == 403
    theirs = AuditEntry.objects.get(organization=globex)
    assert MISSING in client.get(change_url(theirs), follow=True).text


def test_audit_entries_are_read_only_even_for_superusers(client, two_orgs):
    alex = two_orgs[3]
    (entry,) = set_licence(alex, False, actor="cli")
    client.force_login(make_superuser())
    assert client.get(reverse("admin:directory_auditentry_add")).status_code == 403
    response = client.get(change_url(entry))
    assert response.status_code == 200
    assert 'name="actor"' not in response.text
    client.post(change_url(entry), {"actor": "someone else", "setting": "x"})
    url = reverse("admin:directory_auditentry_delete", args=[entry.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.actor == "cli"


def test_audit_log_filters_by_setting_and_searches(client, two_orgs):
    acme, _, admin, alex, _ = two_orgs
    set_licence(alex, False, actor="cli")
    client.force_login(admin)
    data = org_form(acme, anonymous_sharing="none")
    client.post(change_url(acme), data)
    response = client.get(AUDIT, {"setting": "has_licence"})
    assert "person alex@acme.test" in response.text
    assert "sharing policy of acme.test" not in response.text
    response = client.get(AUDIT, {"q": "boss@acme"})
    assert "sharing policy of acme.test" in response.text
    assert "person alex@acme.test" not in response.text


# superusers and other staff


def test_superuser_sees_both_organizations_and_their_people(client, two_orgs):
    client.force_login(make_superuser())
    people = client.get(PEOPLE).text
    assert "alex@acme.test" in people and "sam@globex.test" in people
    orgs = client.get(ORGS).text
    assert "acme.test" in orgs and "globex.test" in orgs
    assert client.get(change_url(two_orgs[4])).status_code == 200


def test_every_admin_page_renders_for_a_superuser(client, two_orgs, booked):
    client.force_login(make_superuser())
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    for model in ("Organizations", "People", "Audit log", "Links", "Bookings", "Events"):
        assert model in index.text
    link = Link.objects.first()
    pages = [
        reverse(f"admin:{name}")
        for name in (
            "directory_organization_changelist",
            "directory_organization_add",
            "directory_person_changelist",
            "directory_person_add",
            "directory_auditentry_changelist",
            "booking_meetingtype_changelist",
            "booking_meetingtype_add",
            "booking_link_changelist",
            "booking_booking_changelist",
            "calendars_event_changelist",
            "calendars_event_add",
        )
    ]
    pages += [change_url(obj) for obj in (two_orgs[0], two_orgs[3], booked[0], link)]
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_superuser_moves_a_person_and_makes_them_staff(client, two_orgs):
    _, globex, _, alex, _ = two_orgs
    client.force_login(make_superuser())
    data = person_form(alex, organization=globex.pk, is_staff="on", has_licence=None)
    assert client.post(change_url(alex), data).status_code == 302
    alex.refresh_from_db()
    assert alex.organization == globex and alex.is_staff
    entry = AuditEntry.objects.get()
    assert entry.organization == globex
    assert entry.actor == "admin (root@platform.test)"


def test_licence_for_someone_without_organization_is_a_form_error(client):
    root = make_superuser()
    client.force_login(root)
    response = client.post(change_url(root), person_form(root, has_licence="on", is_staff="on"))
    assert response.status_code == 200
    assert "Only a person in an organization" in response.text
    root.refresh_from_db()
    assert not root.has_licence


def test_superuser_adds_an_organization_with_audited_settings(client):
    client.force_login(make_superuser())
    data = {
        "name": "Initech",
        "domain": "Initech.TEST",
        "anonymous_sharing": "none",
        "calendar_api_enabled": "unknown",
        "app_access_policy": "",
        "app_allow_list": "",
        "app_block_list": "",
        "_save": "Save",
    }
    assert client.post(reverse("admin:directory_organization_add"), data).status_code == 302
    org = Organization.objects.get(domain="initech.test")
    assert org.anonymous_sharing == "none"
    entry = AuditEntry.objects.get()
    assert (entry.setting, entry.before, entry.after) == ("anonymous_sharing", "Simple", "none")


def test_staff_who_is_not_an_org_admin_sees_nothing(client, two_orgs):
    acme = two_orgs[0]
    clerk = with_flags(make_person(org=acme, email="clerk@acme.test"), is_staff=True)
    client.force_login(clerk)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "permission to view or edit anything" in index.text
    assert "People" not in index.text
    for url in (PEOPLE, ORGS, AUDIT, change_url(two_orgs[3]), change_url(acme)):
        assert client.get(url).status_code == 403
    assert client.get(reverse("admin:booking_booking_changelist")).status_code == 403


def test_people_who_are_not_staff_are_sent_to_sign_in(client, two_orgs):
    client.force_login(two_orgs[3])
    response = client.get(PEOPLE)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_an_org_admin_signs_in_with_email_and_password(client, two_orgs):
    admin = two_orgs[2]
    admin.set_password("the-boss-pw-1")
    admin.save()
    response = client.post(
        reverse("admin:login"),
        {"username": "boss@acme.test", "password": "the-boss-pw-1", "next": PEOPLE},
    )
    assert response.status_code == 302
    assert "alex@acme.test" in client.get(PEOPLE).text


# meeting types, links, bookings, events


@pytest.fixture
def booked(two_orgs):
    *_, alex, sam = two_orgs
    ours, theirs = make_type(alex, title="Alex call"), make_type(sam, title="Sam call")
    make_link(ours, label="for a client")
    start = NOW + timedelta(days=1)
    for meeting_type in (ours, theirs):
        Booking.objects.create(
            meeting_type=meeting_type,
            owner=meeting_type.owner,
            start=start,
            end=start + meeting_type.duration,
            blocked_start=start,
            blocked_end=start + meeting_type.duration,
            attendee_name=f"Guest of {meeting_type.owner.name}",
            attendee_email="guest@example.org",
            attendee_time_zone="UTC",
            manage_token_hash=f"secret-hash-{meeting_type.pk}",
        )
    return ours, theirs


def test_org_admin_sees_own_meeting_types_and_bookings_only(client, two_orgs, booked):
    theirs = booked[1]
    client.force_login(two_orgs[2])
    types = client.get(reverse("admin:booking_meetingtype_changelist")).text
    assert "Alex call" in types and "Sam call" not in types
    bookings = client.get(reverse("admin:booking_booking_changelist")).text
    assert "Guest of Alex" in bookings and "Guest of Sam" not in bookings
    assert MISSING in client.get(change_url(theirs), follow=True).text


def test_bookings_are_read_only_and_never_show_their_token(client, two_orgs, booked):
    ours, _ = booked
    booking = Booking.objects.get(meeting_type=ours)
    client.force_login(make_superuser())
    response = client.get(change_url(booking))
    assert response.status_code == 200
    assert "Guest of Alex" in response.text
    assert "secret-hash" not in response.text
    assert 'name="attendee_name"' not in response.text
    client.post(change_url(booking), {"attendee_name": "Changed", "status": "cancelled"})
    booking.refresh_from_db()
    assert (booking.attendee_name, booking.status) == ("Guest of Alex", "confirmed")
    assert client.get(reverse("admin:booking_booking_add")).status_code == 403
    by_hash = {"manage_token_hash": booking.manage_token_hash}
    filtered = client.get(reverse("admin:booking_booking_changelist"), by_hash)
    assert filtered.status_code == 400


def test_links_cannot_be_made_here_and_can_be_revoked(client, two_orgs, booked):
    ours, _ = booked
    link = Link.objects.get(meeting_type=ours)
    client.force_login(two_orgs[2])
    assert client.get(reverse("admin:booking_link_add")).status_code == 403
    response = client.get(change_url(link))
    assert response.status_code == 200
    assert 'name="token_hash"' not in response.text
    data = {
        "label": "for a client",
        "expires_at_0": "2030-01-01",
        "expires_at_1": "10:00:00",
        "revoked_at_0": "2026-06-01",
        "revoked_at_1": "09:00:00",
        "_save": "Save",
    }
    assert client.post(change_url(link), data).status_code == 302
    link.refresh_from_db()
    assert link.state() == Link.State.REVOKED


def test_org_admin_can_only_pick_owners_from_their_organization(client, two_orgs, booked):
    *_, sam = two_orgs
    ours, _ = booked
    client.force_login(two_orgs[2])
    form = client.get(change_url(ours)).text
    assert "sam@globex.test" not in form
    data = {
        "owner": sam.pk,
        "title": "Moved away",
        "slug": ours.slug,
        "duration_minutes": 30,
        "visibility": "public",
        "location_kind": "online",
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "min_notice_minutes": 0,
        "horizon_days": 60,
        "questions": "[]",
        "hours": "null",
        "_save": "Save",
    }
    response = client.post(change_url(ours), data)
    assert response.status_code == 200
    ours.refresh_from_db()
    assert ours.owner.organization.domain == "acme.test"
    assert ours.title == "Alex call"


def test_org_admin_edits_an_event_and_its_series_end_follows(client, two_orgs):
    *_, alex, sam = two_orgs
    hour = timedelta(hours=1)
    ours = Event.objects.create(owner=alex, title="Standup", start=NOW, end=NOW + hour)
    theirs = Event.objects.create(owner=sam, title="Sam only", start=NOW, end=NOW + hour)
    client.force_login(two_orgs[2])
    listing = client.get(reverse("admin:calendars_event_changelist")).text
    assert "Standup" in listing and "Sam only" not in listing
    data = {
        "owner": alex.pk,
        "title": "Standup",
        "start_0": "2026-06-01",
        "start_1": "06:00:00",
        "end_0": "2026-06-01",
        "end_1": "07:00:00",
        "busy": "on",
        "time_zone": "Europe/Paris",
        "rrule": "RRULE:FREQ=DAILY;COUNT=3",
        "exdates": "[]",
        "_save": "Save",
    }
    assert client.post(change_url(ours), data).status_code == 302
    ours.refresh_from_db()
    assert ours.rrule == "FREQ=DAILY;UNTIL=20260603T060000Z"  # COUNT stored as its end
    assert ours.repeats_until == NOW + timedelta(days=2, hours=1)
    bad = client.post(change_url(ours), {**data, "rrule": "FREQ=NEVER"})
    assert bad.status_code == 200
    client.post(change_url(theirs), {**data, "owner": sam.pk, "title": "Mine now"})
    theirs.refresh_from_db()
    assert theirs.title == "Sam only"
