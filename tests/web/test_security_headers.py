"""Headers on every kind of page: a Content-Security-Policy everywhere (scripts and styles
from this site only), framing allowed on the booking pages only, HSTS and https over https."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dom import dom
from makers import make_link, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.feeds import rotate_bookings_feed
from bookwithme.directory.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PACKAGE = Path(__file__).resolve().parents[2] / "bookwithme"


@pytest.fixture
def site(client):
    """Alex's pages, a booking, and a staff member signed in to the app and the admin."""
    alex = make_person(page_slug="alex")
    mt = make_type(alex, slug="intro")
    booked = services.book(
        mt,
        datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
        services.Attendee(name="Sam", email="sam@example.org", time_zone="UTC"),
    )
    Person.objects.filter(pk=alex.pk).update(is_staff=True, is_superuser=True)
    return {
        "booking": ["/alex", "/alex/intro", f"/l/{make_link(mt)}", "/l/not-a-token", "/nobody"],
        "manage": f"/manage/{booked.manage_token}",
        "feed": rotate_bookings_feed(alex),
        "person": alex,
    }


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def not_framable(response, path):
    assert response["X-Frame-Options"] == "DENY", path
    assert policy(response)["frame-ancestors"] == ["'none'"], path


def strict_sources(response, path):
    found = policy(response)
    assert found["script-src"][0] == "'self'", path
    assert found["style-src"][0] == "'self'", path
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
    assert "'unsafe-eval'" not in response["Content-Security-Policy"], path


def test_booking_pages_are_embeddable_anywhere_by_default(client, site):
    for path in site["booking"]:
        response = client.get(path)
        assert "X-Frame-Options" not in response, path
        assert policy(response)["frame-ancestors"] == ["*"], path
        strict_sources(response, path)


def test_booking_pages_are_embeddable_only_where_listed(client, site, settings):
    settings.BOOKWITHME_FRAME_ANCESTORS = ["https://www.example.org", "*.example.net"]

    for path in site["booking"]:
        response = client.get(path)
        assert policy(response)["frame-ancestors"] == settings.BOOKWITHME_FRAME_ANCESTORS
        assert "X-Frame-Options" not in response, path


def test_x_frame_options_says_the_same_when_it_can(client, site, settings):
    settings.BOOKWITHME_FRAME_ANCESTORS = ["'self'"]
    assert client.get("/alex")["X-Frame-Options"] == "SAMEORIGIN"

    settings.BOOKWITHME_FRAME_ANCESTORS = ["'none'"]
    assert client.get("/alex")["X-Frame-Options"] == "DENY"


def test_the_manage_page_is_not_framable(client, site):
    response = client.get(site["manage"])

    assert response.status_code == 200
    not_framable(response, site["manage"])
    strict_sources(response, site["manage"])


def test_the_app_admin_and_api_docs_are_not_framable(client, site):
    for path in ["/app/login", "/admin/login/", "/api/v1/docs"]:
        response = client.get(path)
        assert response.status_code == 200, path
        not_framable(response, path)
        strict_sources(response, path)
    client.force_login(site["person"])
    for path in ["/app/", "/app/types/", "/admin/", "/admin/booking/booking/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        not_framable(response, path)
        strict_sources(response, path)


def test_every_other_answer_carries_the_policy_too(client, site):
    for path in ["/api/v1/pages/alex", "/api/v1/nowhere", "/healthz", site["feed"]]:
        response = client.get(path)
        not_framable(response, path)
        assert policy(response)["default-src"] == ["'self'"], path


def test_the_admin_scripts_carry_the_nonce_of_the_policy(client, site):
    # Django's admin marks its scripts and its few inline blocks with the request's nonce.
    client.force_login(site["person"])

    response = client.get("/admin/booking/booking/")
    nonces = set(dom(response).xpath("//script/@nonce"))

    assert len(nonces) == 1
    assert f"'nonce-{nonces.pop()}'" in policy(response)["script-src"]


def test_pages_that_use_no_nonce_send_none(client, site):
    assert policy(client.get("/alex"))["script-src"] == ["'self'"]


def test_no_template_has_inline_script_or_style():
    inline = re.compile(r"<style|\sstyle=|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+=", re.I)
    # Emails (notify) are no web pages: their inline styles are what mail clients read.
    pages = [p for p in PACKAGE.glob("*/templates/**/*.html") if "notify" not in p.parts]
    assert pages
    for path in pages:
        found = inline.search(path.read_text())
        assert not found, f"{path.relative_to(PACKAGE)}: {found.group(0)}"


def test_pages_render_no_inline_script_but_json_data(client, site):
    for path in [*site["booking"], site["manage"]]:
        page = dom(client.get(path))
        for script in page.xpath("//script"):
            inline = not script.get("src") and script.get("type") != "application/json"
            assert not inline, (path, dict(script.attrib))
        assert page.xpath("//@style | //style") == [], path


# --- over https -----------------------------------------------------------------------------

PROXY = "10.0.0.2"


@pytest.fixture
def https_site(settings):
    """Settings as settings.py makes them for an https base URL behind a proxy in 10/8."""
    settings.BOOKWITHME_BASE_URL = "https://testserver"
    settings.BOOKWITHME_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True


@pytest.mark.usefixtures("https_site")
def test_https_from_the_proxy_gets_hsts_and_secure_httponly_cookies(client):
    response = client.get("/app/login", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] and cookie["httponly"]


@pytest.mark.usefixtures("https_site")
def test_the_language_cookie_is_secure_and_httponly(client):
    response = client.post(
        "/i18n/setlang/",
        {"language": "fr", "next": "/alex"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_PROTO="https",
    )

    cookie = response.cookies["django_language"]
    assert cookie["secure"] and cookie["httponly"]


@pytest.mark.usefixtures("https_site")
def test_plain_http_is_redirected_to_https(client):
    response = client.get("/app/login", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="http")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/app/login"


@pytest.mark.usefixtures("https_site")
def test_a_client_cannot_claim_https_itself(client):
    response = client.get("/app/login", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301
    assert "Strict-Transport-Security" not in response


@pytest.mark.usefixtures("https_site")
def test_health_checks_over_plain_http_are_not_redirected(client):
    assert client.get("/healthz", REMOTE_ADDR="127.0.0.1").status_code == 200
