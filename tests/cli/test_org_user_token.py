import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from liveserver import cli, server_env

from bookwithme.booking.models import WorkingHours, default_weekly
from bookwithme.directory.models import ApiToken, Organization, Person
from bookwithme.tokens import hash_token

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def make_org(domain: str = "acme.test", name: str = "Acme") -> Organization:
    return Organization.objects.create(name=name, domain=domain)


def make_person(email: str = "alex@acme.test", **fields) -> Person:
    fields.setdefault("organization", make_org())
    return Person.objects.create_user(email, "a long password", **fields)


# org create


def test_org_create_lowercases_the_domain_and_says_what_it_made():
    out, err = run("org", "create", "Acme Inc", "--domain", "ACME.Test.")

    org = Organization.objects.get()
    assert (org.name, org.domain) == ("Acme Inc", "acme.test")
    assert out.splitlines() == ["Created organization Acme Inc (acme.test)."]
    assert err == ""


def test_org_create_refuses_a_domain_already_taken_whatever_its_case():
    make_org("acme.test")

    with pytest.raises(CommandError, match=r"acme\.test already exists"):
        run("org", "create", "Other", "--domain", "Acme.TEST")

    assert Organization.objects.count() == 1


@pytest.mark.parametrize("domain", ["not a domain", "-acme.test", "acme..test", "localhost", ""])
def test_org_create_refuses_a_domain_that_is_not_a_hostname(domain):
    with pytest.raises(CommandError, match="not a valid domain name"):
        run("org", "create", "Acme", f"--domain={domain}")

    assert not Organization.objects.exists()


@pytest.mark.parametrize("name", ["   ", "Acme\nInc", "x" * 201])
def test_org_create_refuses_a_blank_multiline_or_overlong_name(name):
    with pytest.raises(CommandError, match="organization's name"):
        run("org", "create", name, "--domain", "acme.test")

    assert not Organization.objects.exists()


def test_org_without_an_action_is_refused():
    with pytest.raises(CommandError, match="ACTION"):
        run("org")


# user create


def test_user_create_makes_a_person_with_a_page_hours_and_a_printed_password():
    org = make_org()

    out, _ = run(
        "user", "create", "Alex.Martin@ACME.test", "--org", "acme.test",
        "--name", "Alex Martin", "--time-zone", "Europe/Paris",
    )  # fmt: skip

    person = Person.objects.get()
    assert person.email == "alex.martin@acme.test"
    assert (person.name, person.organization, person.time_zone) == (
        "Alex Martin",
        org,
        "Europe/Paris",
    )
    assert person.page_slug == "alex-martin"
    assert not person.is_staff
    assert WorkingHours.objects.get(person=person).weekly == default_weekly()
    lines = out.splitlines()
    assert lines[0].endswith("page http://127.0.0.1:8000/alex-martin.")
    assert lines[1].startswith("password: ")
    assert person.check_password(lines[1].removeprefix("password: "))


def test_user_create_without_a_zone_is_in_utc():
    make_org()

    run("user", "create", "jo@acme.test", "--org", "acme.test")

    assert Person.objects.get().time_zone == "UTC"


def test_user_create_derives_the_page_from_the_email_when_there_is_no_name():
    make_org()

    run("user", "create", "jo.smith@acme.test", "--org", "acme.test")

    assert Person.objects.get().page_slug == "josmith"


def test_user_create_falls_back_to_the_email_when_the_name_has_no_slug():
    make_org()

    run("user", "create", "li@acme.test", "--org", "acme.test", "--name", "李")

    assert Person.objects.get(email="li@acme.test").page_slug == "li"


def test_user_create_numbers_a_page_address_already_taken():
    make_org()

    for email in ("a@acme.test", "b@acme.test", "c@acme.test"):
        run("user", "create", email, "--org", "acme.test", "--name", "Alex")

    slugs = list(Person.objects.order_by("pk").values_list("page_slug", flat=True))
    assert slugs == ["alex", "alex-2", "alex-3"]


@pytest.mark.parametrize(
    ("name", "slug"), [("Admin", "admin-2"), ("Manage", "manage-2"), ("L", "l-2")]
)
def test_user_create_never_takes_a_reserved_page_address(name, slug):
    make_org()

    run("user", "create", "x@acme.test", "--org", "acme.test", "--name", name)

    assert Person.objects.get().page_slug == slug


def test_user_create_admin_flag_makes_staff():
    make_org()

    run("user", "create", "boss@acme.test", "--org", "acme.test", "--admin")

    assert Person.objects.get().is_staff


def test_user_create_with_a_password_uses_it_and_does_not_print_it():
    make_org()

    out, _ = run(
        "user", "create", "jo@acme.test", "--org", "acme.test", "--password", "s3cret-enough"
    )

    assert Person.objects.get().check_password("s3cret-enough")
    assert "s3cret-enough" not in out
    assert "password:" not in out


def test_user_create_accepts_no_licence():
    make_org()

    run("user", "create", "jo@acme.test", "--org", "acme.test", "--no-licence")

    assert Person.objects.filter(email="jo@acme.test").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jo@acme.test", "--org", "nowhere.test"], "No organization has the domain nowhere.test"),
        (["ALEX@acme.test", "--org", "acme.test"], "alex@acme.test already exists"),
        (["jo@acme.test", "--org", "acme.test", "--time-zone", "Mars/Olympus"], "time zone"),
        (["jo@acme.test", "--org", "acme.test", "--time-zone", "europe/paris"], "time zone"),
        (["not-an-email", "--org", "acme.test"], "not a valid email"),
        (["jo@acme.test", "--org", "acme.test", "--name", "Jo\nJo"], "line breaks"),
        (["jo@acme.test", "--org", "acme.test", "--password", "short"], "password is refused"),
    ],
)
def test_user_create_refusals_change_nothing(args, message):
    make_person("alex@acme.test")

    with pytest.raises(CommandError, match=message):
        run("user", "create", *args)

    assert list(Person.objects.values_list("email", flat=True)) == ["alex@acme.test"]
    assert not WorkingHours.objects.exists()


# token create


def test_token_create_prints_the_token_alone_and_stores_only_its_hash():
    person = make_person("alex@acme.test")

    out, err = run("token", "create", "Alex@acme.test")

    token = out.removesuffix("\n")
    assert "\n" not in token and token.startswith("bwm_") and len(token) > 40
    assert err == ""
    api_token = ApiToken.objects.get()
    assert (api_token.person, api_token.app) == (person, "PersonalBookings")
    assert api_token.token_hash == hash_token(token)
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    assert api_token.token_hash in dump.getvalue()
    assert token not in dump.getvalue()


def test_token_create_names_the_app():
    make_person("alex@acme.test")

    run("token", "create", "alex@acme.test", "--app", "Zapier")

    assert ApiToken.objects.get().app == "Zapier"


def test_token_create_makes_a_new_token_each_time():
    make_person("alex@acme.test")

    first, _ = run("token", "create", "alex@acme.test")
    second, _ = run("token", "create", "alex@acme.test")

    assert first != second
    assert ApiToken.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@acme.test"], "Nobody has the email nobody@acme.test"),
        (["not an email"], "not a valid email"),
        (["gone@acme.test"], "disabled"),
        (["alex@acme.test", "--app", ""], "app name"),
    ],
)
def test_token_create_refusals_make_no_token(args, message):
    person = make_person("alex@acme.test")
    Person.objects.create_user("gone@acme.test", organization=person.organization, is_active=False)

    with pytest.raises(CommandError, match=message):
        run("token", "create", *args)

    assert not ApiToken.objects.exists()


# the real command line


def test_a_refused_command_exits_non_zero_with_one_line_on_stderr(tmp_path):
    env = server_env(tmp_path)

    def bookwithme(*args: str) -> subprocess.CompletedProcess:
        return cli(env, *args)

    assert bookwithme("migrate", "--no-input", "-v", "0").returncode == 0
    assert bookwithme("org", "create", "Acme", "--domain", "acme.test").returncode == 0

    again = bookwithme("org", "create", "Acme", "--domain", "acme.test")

    assert again.returncode != 0
    assert again.stdout == ""
    assert len(again.stderr.splitlines()) == 1
    assert "acme.test already exists" in again.stderr
