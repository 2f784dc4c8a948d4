"""One's profile in the organizer app, with the API's messages."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from dom import dom, text
from makers import make_person

from bookwithme.directory.models import Person, update_profile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def alex():
    return make_person(name="Alex Martin", page_slug="alex", time_zone="Europe/Paris")


def posted(**changes) -> dict:
    data = {
        "name": "Alex Martin",
        "time_zone": "Europe/Paris",
        "page_slug": "alex",
        "page_published": "on",
        "language": "en",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def api_message(field: str, **changes) -> str:
    person = make_person()
    with pytest.raises(ValidationError) as refused:
        update_profile(person, changes)
    return refused.value.message_dict[field][0]


def test_the_profile_shows_the_current_values(signed_in, alex):
    html = signed_in.get("/app/profile").content.decode()

    assert 'name="name" value="Alex Martin"' in html
    assert '<option value="Europe/Paris" selected>Paris (Central European Time)</option>' in html
    assert '<option value="America/New_York">New York (Eastern Time)</option>' in html
    assert 'name="page_slug" value="alex"' in html
    assert 'name="page_published" id="id_page_published" checked' in html
    assert '<option value="en" selected>English</option>' in html
    assert alex.email in html


def test_saving_changes_every_field(signed_in, alex):
    response = signed_in.post(
        "/app/profile",
        posted(
            name="  Alex M.  ",
            time_zone="America/New_York",
            page_slug="Alex-M",
            page_published=None,
            language="fr",
        ),
    )

    assert response.status_code == 302 and response["Location"] == "/app/profile"
    alex.refresh_from_db()
    assert (alex.name, alex.time_zone, alex.page_slug) == ("Alex M.", "America/New_York", "alex-m")
    assert (alex.page_published, alex.language) == (False, "fr")
    assert "Your profile is saved." in signed_in.get("/app/profile").content.decode()


def test_a_blank_page_address_means_no_page(signed_in, alex):
    signed_in.post("/app/profile", posted(page_slug=""))

    alex.refresh_from_db()
    assert alex.page_slug is None


@pytest.mark.parametrize(
    ("changes", "field", "api"),
    [
        ({"page_slug": "admin"}, "page_slug", {"page_slug": "admin"}),
        ({"time_zone": "Mars/Olympus"}, "time_zone", {"time_zone": "Mars/Olympus"}),
        ({"name": "Two\nlines"}, "name", {"name": "Two\nlines"}),
        ({"language": "de"}, "language", {"language": "de"}),
    ],
)
def test_bad_input_shows_the_apis_message(signed_in, alex, changes, field, api):
    expected = api_message(field, **api)

    response = signed_in.post("/app/profile", posted(**changes))

    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert expected in html
    assert f'id="id_{field}_error"' in html
    stored = Person.objects.get(pk=alex.pk)
    assert (stored.page_slug, stored.time_zone, stored.name) == (
        "alex",
        "Europe/Paris",
        "Alex Martin",
    )


def test_a_page_address_someone_else_has_is_refused_in_plain_words(signed_in, alex):
    make_person(page_slug="sam")

    response = signed_in.post("/app/profile", posted(page_slug="sam"))

    assert response.status_code == 200
    error = dom(response).xpath("//ul[@id='id_page_slug_error']")[0]
    assert text(error) == "This is already taken; choose another."
    alex.refresh_from_db()
    assert alex.page_slug == "alex"


def test_a_malformed_page_address_is_refused_without_jargon(signed_in, alex):
    response = signed_in.post("/app/profile", posted(page_slug="not a slug"))

    page = dom(response)
    error = page.xpath("//ul[@id='id_page_slug_error']")[0]
    assert text(error) == "Use only letters without accents, digits and dashes."
    assert "slug" not in text(page.body).lower()
    alex.refresh_from_db()
    assert alex.page_slug == "alex"


def test_the_page_address_field_says_what_it_is(signed_in):
    page = dom(signed_in.get("/app/profile"))

    assert text(page.xpath("//label[@for='id_page_slug']")[0]) == "Address of your page"
    assert "slug" not in text(page.body).lower()


def test_a_failed_save_keeps_the_input_but_not_the_change(signed_in, alex):
    response = signed_in.post("/app/profile", posted(name="New name", time_zone="Mars/Olympus"))

    html = response.content.decode()
    assert 'name="name" value="New name"' in html
    # The page around the form still works in the stored zone.
    assert response.status_code == 200
    alex.refresh_from_db()
    assert alex.name == "Alex Martin"


def test_the_profile_needs_the_csrf_token(alex):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alex)

    assert client.post("/app/profile", posted(name="Changed")).status_code == 403
    alex.refresh_from_db()
    assert alex.name == "Alex Martin"


def test_the_name_is_escaped(client):
    person = make_person(name=SCRIPT)
    client.force_login(person)

    for path in ("/app/profile", "/app/"):
        html = client.get(path).content.decode()
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the password --------------------------------------------------------------------------

NEW = "a new and longer passphrase"


def change(client, old, new=NEW, again=None):
    return client.post(
        "/app/profile/password",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_changing_the_password_keeps_this_browser_signed_in(signed_in, alex):
    alex.set_password("the old passphrase")
    alex.save()
    signed_in.force_login(alex)

    response = change(signed_in, "the old passphrase")

    assert response.status_code == 302 and response["Location"] == "/app/profile"
    alex.refresh_from_db()
    assert alex.check_password(NEW)
    assert signed_in.get("/app/").status_code == 200  # still signed in here


def test_a_wrong_current_password_changes_nothing(signed_in, alex):
    alex.set_password("the old passphrase")
    alex.save()
    signed_in.force_login(alex)

    response = change(signed_in, "not it")

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    alex.refresh_from_db()
    assert alex.check_password("the old passphrase")


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("short", None, "too short"),
        ("password123", None, "too common"),
        (NEW, "something else entirely", "The two password fields didn"),
    ],
)
def test_a_weak_or_mistyped_new_password_is_refused(signed_in, alex, new, again, message):
    alex.set_password("the old passphrase")
    alex.save()
    signed_in.force_login(alex)

    response = change(signed_in, "the old passphrase", new, again)

    assert response.status_code == 200
    assert message in response.content.decode()
    alex.refresh_from_db()
    assert alex.check_password("the old passphrase")


def test_changing_the_password_needs_a_sign_in_and_its_csrf_token(alex):
    assert Client().post("/app/profile/password", {}).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alex)
    assert strict.post("/app/profile/password", {}).status_code == 403
    assert strict.get("/app/profile/password").status_code == 405


def test_the_password_form_does_not_take_the_focus_from_the_page(signed_in):
    html = signed_in.get("/app/profile").content.decode()

    assert 'name="old_password"' in html
    assert "autofocus" not in html
