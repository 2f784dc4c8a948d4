"""English and French: Accept-Language decides, the switcher overrides it and is remembered."""

import pytest
from dom import dom, one, text
from makers import make_person, make_type
from pytest_django.asserts import assertNotContains

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    person = make_person(name="Alex Martin", page_slug="alex")
    make_type(person, title="Intro call", slug="intro")
    return "/alex"


def test_the_browser_language_picks_french(client, page):
    response = client.get(page, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")

    html = dom(response)
    assert html.get("lang") == "fr"
    assert "Choisissez" in text(one(html, "//main"))
    assertNotContains(response, "Choose a meeting")


def test_an_unknown_language_falls_back_to_english(client, page):
    html = dom(client.get(page, HTTP_ACCEPT_LANGUAGE="de-DE"))

    assert html.get("lang") == "en"
    assert "Choose a meeting" in text(one(html, "//main"))


def test_the_switcher_remembers_a_choice_over_the_browsers(client, page):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": page})

    assert response.status_code == 302
    assert response["Location"] == page
    assert dom(client.get(page, HTTP_ACCEPT_LANGUAGE="en-US")).get("lang") == "fr"


def test_the_switcher_offers_each_language_in_its_own_name(client, page):
    html = dom(client.get(page, HTTP_ACCEPT_LANGUAGE="fr"))

    switcher = one(html, "//form[@action='/i18n/setlang/']")
    offered = [
        (button.get("value"), button.get("lang"), text(button))
        for button in switcher.xpath(".//button[@name='language']")
    ]
    assert offered == [("en", "en", "English"), ("fr", "fr", "Français")]


def test_the_switcher_needs_its_csrf_token(page):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert strict.post("/i18n/setlang/", {"language": "fr", "next": page}).status_code == 403


def test_the_switcher_never_sends_anyone_to_another_site(client, page):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "https://evil.example/"})

    assert response["Location"] == "/"
