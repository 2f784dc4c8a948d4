"""A newcomer's path: `bookwithme help` with the product's verbs first, a person invited by
email to set their own password, a first public type for every new person, and public
addresses typed with a trailing slash sent to the canonical ones."""

import re
import subprocess
import sys
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from dom import dom, one
from makers import make_person

from bookwithme.booking.models import MeetingType
from bookwithme.directory.models import Organization, Person

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/app/set-password/\S+")


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def acme():
    return Organization.objects.create(name="Acme", domain="acme.test")


# bookwithme help


def test_help_lists_the_products_verbs_first_then_djangos_under_their_own_heading():
    out = subprocess.run(
        [sys.executable, "-m", "bookwithme", "help"], capture_output=True, text=True, check=True
    ).stdout
    lines = out.splitlines()
    own = lines.index("bookwithme's verbs:")
    stock = next(i for i, line in enumerate(lines) if line.startswith("Django's own commands"))
    assert own < stock
    verbs = [line.split()[0] for line in lines[own + 1 : stock] if line.strip()]
    first = ["serve", "worker", "demo", "org", "user", "token", "backup", "restore"]
    assert verbs[: len(first)] == first
    for line in lines[own + 1 : stock]:
        if line.strip():
            assert len(line.split(None, 1)) == 2, f"a verb without its line: {line!r}"
    django_part = " ".join(lines[stock + 1 :])
    assert "createsuperuser" in django_part and "shell" in django_part
    assert "flush" not in re.split(r"[,\s]+", out)
    assert "serve" not in re.split(r"[,\s]+", django_part)


def test_flush_is_not_listed_but_still_runs():
    done = subprocess.run(
        [sys.executable, "-m", "bookwithme", "flush", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "flush" in done.stdout


# invitations


def test_user_create_invite_mails_a_link_that_sets_the_password_for_signing_in(client, acme):
    out = run("user", "create", "jo@acme.test", "--org", "acme.test", "--invite", "--name", "Jo")

    assert "password:" not in out
    assert "Invitation sent to jo@acme.test" in out
    person = Person.objects.get(email="jo@acme.test")
    assert not person.has_usable_password()
    (sent,) = mail.outbox
    assert sent.to == ["jo@acme.test"]
    link = LINK.search(sent.body)[0]
    path = link.split("://", 1)[1].partition("/")[2]

    page = client.get("/" + path, follow=True)
    assert page.status_code == 200
    form = one(dom(page), '//form[.//input[@name="new_password1"]]')
    assert form.xpath('.//input[@name="new_password2"]')
    chosen = "a-long-enough-password-42"
    done = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else "/" + path,
        {"new_password1": chosen, "new_password2": chosen},
        follow=True,
    )
    assert "Your password is set" in done.text

    client.logout()
    signed = client.post(
        reverse("app:login"), {"username": "jo@acme.test", "password": chosen}, follow=True
    )
    assert signed.wsgi_request.user.is_authenticated
    assert signed.wsgi_request.user.email == "jo@acme.test"


def test_an_invitation_link_works_once(client, acme):
    run("user", "create", "jo@acme.test", "--org", "acme.test", "--invite")
    link = LINK.search(mail.outbox[0].body)[0]
    path = "/" + link.split("://", 1)[1].partition("/")[2]
    page = client.get(path, follow=True)
    chosen = "a-long-enough-password-42"
    client.post(page.redirect_chain[-1][0], {"new_password1": chosen, "new_password2": chosen})

    again = client.get(path, follow=True)
    assert "This link no longer works" in again.text
    assert not dom(again).xpath('//input[@name="new_password1"]')


def test_user_invite_sends_a_new_link(acme):
    run("user", "create", "jo@acme.test", "--org", "acme.test", "--invite")
    out = run("user", "invite", "jo@acme.test")
    assert "Invitation sent" in out
    assert len(mail.outbox) == 2


def test_the_invitation_is_in_the_persons_language(acme):
    run("user", "create", "jo@acme.test", "--org", "acme.test")
    Person.objects.filter(email="jo@acme.test").update(language="fr")
    run("user", "invite", "jo@acme.test")
    assert "mot de passe" in mail.outbox[0].subject


def test_without_invite_a_password_is_still_printed(acme):
    out = run("user", "create", "jo@acme.test", "--org", "acme.test")
    assert "password: " in out
    assert not mail.outbox


# the first meeting type


def test_a_person_made_by_the_command_line_gets_a_public_half_hour_type(acme):
    run("user", "create", "jo@acme.test", "--org", "acme.test", "--name", "Jo")
    (mt,) = MeetingType.objects.filter(owner__email="jo@acme.test")
    assert (mt.duration_minutes, mt.visibility, mt.slug) == (30, "public", "30min")
    assert mt.title == "30-minute meeting"
    mt.full_clean()  # a way to join: a generated link


def test_a_person_added_in_the_admin_gets_the_same_type(admin_client, acme):
    response = admin_client.post(
        reverse("admin:directory_person_add"),
        {
            "email": "sam@acme.test",
            "name": "Sam",
            "usable_password": "true",
            "password1": "a-long-enough-password-42",
            "password2": "a-long-enough-password-42",
            "organization": acme.pk,
            "has_licence": "on",
            "is_active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    (mt,) = MeetingType.objects.filter(owner__email="sam@acme.test")
    assert (mt.duration_minutes, mt.visibility) == (30, "public")


# trailing slashes


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("/alex/", "/alex"),
        ("/alex/30min/", "/alex/30min"),
        ("/alex/?lang=fr", "/alex?lang=fr"),
        ("/l/sometoken/", "/l/sometoken"),
        ("/manage/sometoken/", "/manage/sometoken"),
    ],
)
def test_a_public_address_with_a_trailing_slash_redirects(client, typed, canonical):
    make_person(page_slug="alex")
    response = client.get(typed)
    assert response.status_code == 301
    assert response["Location"] == canonical


def test_a_reserved_word_keeps_djangos_own_slash_handling(client):
    assert client.get("/admin").status_code == 301
    assert client.get("/admin")["Location"] == "/admin/"
