"""Signing in to the organizer app, signing out, and the guard on every page."""

import pytest
from django.test import Client
from makers import make_person, make_type

from bookwithme.calendars.models import Connection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PASSWORD = "correct horse battery"


@pytest.fixture
def alex():
    person = make_person(email="alex@example.org")
    person.set_password(PASSWORD)
    person.save()
    return person


def test_the_sign_in_page_asks_for_email_and_password(client):
    response = client.get("/app/login")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="email" name="username"' in html and 'id="id_username"' in html
    assert 'type="password" name="password"' in html
    assert 'name="robots" content="noindex' in html


def test_the_right_password_lands_on_the_dashboard(client, alex):
    response = client.post("/app/login", {"username": alex.email, "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/app/"
    assert client.get("/app/").status_code == 200


def test_the_email_is_found_whatever_its_case(client, alex):
    response = client.post("/app/login", {"username": " Alex@Example.ORG", "password": PASSWORD})

    assert response.status_code == 302


def test_a_wrong_password_shows_an_error(client, alex):
    response = client.post("/app/login", {"username": alex.email, "password": "nope"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "This email and password do not match an account." in html
    assert "Please enter a correct" not in html
    assert client.get("/app/").status_code == 302  # still signed out


def test_sign_in_goes_back_to_the_page_asked_for(client, alex):
    first = client.get("/app/calendar")
    assert first["Location"] == "/app/login?next=/app/calendar"

    response = client.post(
        "/app/login?next=/app/calendar",
        {"username": alex.email, "password": PASSWORD, "next": "/app/calendar"},
    )

    assert response["Location"] == "/app/calendar"


def test_sign_in_never_sends_elsewhere(client, alex):
    response = client.post(
        "/app/login",
        {"username": alex.email, "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == "/app/"


def test_a_signed_in_person_skips_the_sign_in_page(client, alex):
    client.force_login(alex)

    assert client.get("/app/login")["Location"] == "/app/"


def test_sign_out_is_a_post_and_ends_the_session(client, alex):
    client.force_login(alex)

    assert client.get("/app/logout").status_code == 405
    response = client.post("/app/logout")

    assert response.status_code == 302 and response["Location"] == "/app/login"
    assert client.get("/app/").status_code == 302


def test_sign_in_refuses_a_post_without_its_csrf_token(alex):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/app/login", {"username": alex.email, "password": PASSWORD})

    assert response.status_code == 403


def every_page(person):
    mt = make_type(person)
    link_id = mt.links.create(token_hash="x" * 64).pk
    connection_id = Connection.objects.create(
        owner=person, kind="caldav", url="https://x.example/"
    ).pk
    return [
        ("get", "/app/"),
        ("post", "/app/bookings/1/cancel"),
        ("get", "/app/types/"),
        ("get", "/app/types/new"),
        ("post", "/app/types/new"),
        ("get", f"/app/types/{mt.pk}/"),
        ("post", f"/app/types/{mt.pk}/"),
        ("get", f"/app/types/{mt.pk}/delete"),
        ("post", f"/app/types/{mt.pk}/delete"),
        ("get", f"/app/types/{mt.pk}/links"),
        ("post", f"/app/types/{mt.pk}/links"),
        ("post", f"/app/links/{link_id}/revoke"),
        ("get", "/app/availability"),
        ("post", "/app/availability"),
        ("get", "/app/calendar"),
        ("post", "/app/calendar/add"),
        ("post", "/app/calendar/import"),
        ("post", "/app/calendar/1/delete"),
        ("get", "/app/calendars/"),
        ("post", "/app/calendars/caldav"),
        ("post", "/app/calendars/feed"),
        ("get", f"/app/calendars/{connection_id}/choose"),
        ("post", f"/app/calendars/{connection_id}/choose"),
        ("post", f"/app/calendars/{connection_id}/sync"),
        ("get", f"/app/calendars/{connection_id}/remove"),
        ("post", f"/app/calendars/{connection_id}/remove"),
        ("get", "/app/profile"),
        ("post", "/app/profile"),
    ]


def test_every_page_sends_the_anonymous_to_sign_in(client, alex):
    for method, path in every_page(alex):
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/app/login?next="), path


def test_every_page_is_kept_out_of_caches(client, alex):
    client.force_login(alex)

    for method, path in every_page(alex):
        if method == "get":
            assert "no-cache" in client.get(path)["Cache-Control"], path


def test_the_nav_marks_the_current_page(client, alex):
    client.force_login(alex)

    for path, name in [
        ("/app/", "Dashboard"),
        ("/app/types/", "Meeting types"),
        ("/app/availability", "Availability"),
        ("/app/calendar", "Calendar"),
        ("/app/calendars/", "Calendar"),  # the calendar's second tab
        ("/app/profile", "Profile"),
    ]:
        nav = client.get(path).content.decode().split('<nav class="app-nav"')[1]
        nav = nav.split("</nav>")[0]
        assert nav.count('aria-current="page"') == 1, path
        assert f'aria-current="page">{name}</a>' in nav, path


def test_the_calendars_tabs_mark_the_current_one(client, alex):
    client.force_login(alex)

    for path, name in [
        ("/app/calendar", "Busy blocks"),
        ("/app/calendars/", "Connected calendars"),
    ]:
        tabs = client.get(path).content.decode().split('<nav class="tabs"')[1].split("</nav>")[0]
        assert tabs.count('aria-current="page"') == 1, path
        assert f'aria-current="page">{name}</a>' in tabs, path


def test_every_page_renders_in_french(client, alex):
    client.force_login(alex)

    for method, path in every_page(alex):
        if method == "get":
            response = client.get(path, headers={"accept-language": "fr"})
            assert response.status_code == 200, path
            assert '<html lang="fr">' in response.content.decode(), path


# --- guessing passwords --------------------------------------------------------------------


def wrong(client, email="alex@example.org"):
    return client.post("/app/login", {"username": email, "password": "guess"})


def test_five_wrong_passwords_pause_signing_in_even_with_the_right_one(client, alex):
    for _ in range(5):
        assert wrong(client).status_code == 200

    response = client.post("/app/login", {"username": alex.email, "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert client.get("/app/").status_code == 302  # not signed in


def test_the_pause_ends_after_a_quarter_of_an_hour(client, alex, frozen):
    for _ in range(5):
        wrong(client)
    frozen.shift(15 * 60 + 1)

    response = client.post("/app/login", {"username": alex.email, "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/app/"


def test_the_right_password_clears_the_count(client, alex):
    for _ in range(4):
        wrong(client)
    client.post("/app/login", {"username": alex.email, "password": PASSWORD})
    client.post("/app/logout")

    for _ in range(4):
        assert wrong(client).status_code == 200
    response = client.post("/app/login", {"username": alex.email, "password": PASSWORD})
    assert response.status_code == 302


def test_one_email_paused_leaves_the_others_alone(client, alex):
    other = make_person(email="sam@example.org")
    other.set_password(PASSWORD)
    other.save()
    for _ in range(5):
        wrong(client)

    response = client.post("/app/login", {"username": "sam@example.org", "password": PASSWORD})

    assert response.status_code == 302


def test_one_address_trying_many_emails_is_paused_too(client, alex, monkeypatch):
    from bookwithme.web.app import throttle

    monkeypatch.setattr(throttle, "PER_ADDRESS", 3)
    for n in range(3):
        wrong(client, f"someone{n}@example.org")

    response = client.post("/app/login", {"username": alex.email, "password": PASSWORD})

    assert response.status_code == 429


def test_an_empty_sign_in_form_asks_in_plain_words(client):
    response = client.post("/app/login", {"username": "", "password": ""})

    html = response.content.decode()
    assert "Enter your email address." in html and "Enter your password." in html
    assert "This field is required." not in html
