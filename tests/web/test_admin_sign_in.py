"""The admin's sign-in shares the app's throttle: per email and per client address, with one
count for both doors, and 429 while paused."""

import pytest
from makers import make_person

from bookwithme.directory.models import Person
from bookwithme.web.app import throttle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PASSWORD = "correct horse battery"
EMAIL = "root@example.org"
ADMIN_LOGIN = "/admin/login/"
APP_LOGIN = "/app/login"


@pytest.fixture
def root():
    person = make_person(email=EMAIL)
    person.set_password(PASSWORD)
    person.save()
    Person.objects.filter(pk=person.pk).update(is_staff=True, is_superuser=True)
    return person


def admin_sign_in(client, password, email=EMAIL, **extra):
    return client.post(
        ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"}, **extra
    )


def app_sign_in(client, password, email=EMAIL, **extra):
    return client.post(APP_LOGIN, {"username": email, "password": password}, **extra)


def test_the_right_admin_password_still_signs_in(client, root):
    response = admin_sign_in(client, PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_admin_brute_force_is_answered_429_and_the_right_password_refused(client, root):
    for _ in range(throttle.PER_EMAIL):
        assert admin_sign_in(client, "guess").status_code == 200

    refused = admin_sign_in(client, "guess")
    right = admin_sign_in(client, PASSWORD)

    assert refused.status_code == 429
    assert right.status_code == 429
    assert "Too many failed sign-ins" in right.content.decode()
    assert 'id="login-form"' in right.content.decode()  # the admin's own page
    assert client.get("/admin/").status_code == 302  # still signed out


def test_forty_wrong_admin_passwords_leave_the_right_one_refused(client, root):
    for _ in range(40):
        admin_sign_in(client, "guess")

    assert admin_sign_in(client, PASSWORD).status_code == 429


def test_wrong_passwords_at_the_app_pause_the_admin_too(client, root):
    for _ in range(throttle.PER_EMAIL):
        app_sign_in(client, "guess")

    assert admin_sign_in(client, PASSWORD).status_code == 429


def test_wrong_passwords_at_the_admin_pause_the_app_too(client, root):
    for _ in range(throttle.PER_EMAIL - 2):
        admin_sign_in(client, "guess")
    for _ in range(2):
        app_sign_in(client, "guess")

    assert app_sign_in(client, PASSWORD).status_code == 429
    assert admin_sign_in(client, PASSWORD).status_code == 429


def test_one_address_trying_many_emails_at_both_doors_is_paused(client, root, monkeypatch):
    monkeypatch.setattr(throttle, "PER_ADDRESS", 4)
    for n in range(2):
        admin_sign_in(client, "guess", email=f"someone{n}@example.org")
        app_sign_in(client, "guess", email=f"other{n}@example.org")

    assert admin_sign_in(client, PASSWORD).status_code == 429


def test_the_address_count_follows_the_client_behind_a_trusted_proxy(
    client, root, settings, monkeypatch
):
    settings.BOOKWITHME_TRUSTED_PROXIES = ["10.0.0.0/8"]
    monkeypatch.setattr(throttle, "PER_ADDRESS", 3)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(3):
        admin_sign_in(
            client, "guess", email=f"x{n}@example.org", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy
        )

    paused = admin_sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
    other = admin_sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)

    assert paused.status_code == 429
    assert other.status_code == 302


def test_a_spoofed_forwarded_for_does_not_escape_the_address_count(
    client, root, settings, monkeypatch
):
    settings.BOOKWITHME_TRUSTED_PROXIES = ["10.0.0.0/8"]
    monkeypatch.setattr(throttle, "PER_ADDRESS", 3)
    for n in range(3):
        admin_sign_in(
            client, "guess", email=f"x{n}@example.org", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        )

    spoofed = admin_sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")

    assert spoofed.status_code == 429
