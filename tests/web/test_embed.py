"""The booking pages' embed mode (`?embed=1`) and the dashboard's "Add to your website"."""

import html as html_lib
from datetime import UTC, datetime

import pytest
from dom import dom, has_class, one, text
from makers import make_link, make_person, make_type

from bookwithme.booking import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"
# A Monday morning in Paris, inside the default working hours, after the frozen "now".
START = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
def alex():
    person = make_person(name="Alex Martin", page_slug="alex")
    make_type(person, slug="intro")
    return person


def booking_pages(alex) -> list[str]:
    return ["/alex", "/alex/intro", f"/l/{make_link(alex.meeting_types.get())}"]


def test_embed_mode_has_no_header_and_no_footer(client, alex):
    for path in booking_pages(alex):
        response = client.get(f"{path}?embed=1")
        page = dom(response)

        assert response.status_code == 200, path
        assert not page.xpath("//header[contains(@class, 'topbar')]"), path
        assert not page.xpath("//footer"), path
        assert not page.xpath(f"//*[{has_class('brand')}]"), path
        assert "embedded" in page.xpath("//body/@class")[0].split(), path
        # It tells the framing page its height.
        assert page.xpath("//script[@src='/static/web/embedded.js']"), path
        # The person is still shown, in the page.
        assert "Alex Martin" in text(one(page, "//main")), path


def test_embed_mode_can_be_framed_as_the_booking_pages_can(client, alex):
    for path in booking_pages(alex):
        response = client.get(f"{path}?embed=1")
        assert "X-Frame-Options" not in response.headers, path
        assert "frame-ancestors *" in response["Content-Security-Policy"], path


def test_without_embed_mode_the_pages_have_their_bar_and_footer(client, alex):
    for path in booking_pages(alex):
        page = dom(client.get(path))
        assert page.xpath("//header[contains(@class, 'topbar')]//form[@class='language']"), path
        assert "Powered by bookwithme" in text(one(page, "//footer")), path
        assert not page.xpath("//script[@src='/static/web/embedded.js']"), path


def test_links_inside_an_embedded_page_stay_embedded(client, alex):
    person_page = dom(client.get("/alex?embed=1"))
    type_page = dom(client.get("/alex/intro?embed=1"))

    assert one(person_page, f"//a[{has_class('type-card')}]").get("href") == "/alex/intro?embed=1"
    assert one(type_page, "//a[@class='organizer-name']").get("href") == "/alex?embed=1"
    assert one(dom(client.get("/alex")), f"//a[{has_class('type-card')}]").get("href") == (
        "/alex/intro"
    )


def test_the_manage_page_has_no_embed_mode(client, alex):
    attendee = services.Attendee("Sam Doe", "sam@example.org", "UTC")
    token = services.book(alex.meeting_types.get(), START, attendee).manage_token

    response = client.get(f"/manage/{token}?embed=1")

    assert response["X-Frame-Options"] == "DENY"
    assert not dom(response).xpath("//script[@src='/static/web/embedded.js']")


# --- "Add to your website" on the dashboard ------------------------------------------------


def test_the_dashboard_gives_three_snippets_using_the_embed_script(client, alex, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"
    client.force_login(alex)

    page = dom(client.get("/app/"))
    section = one(page, "//section[@id='add-to-website']")

    assert text(one(section, ".//h2")) == "Add to your website"
    for textarea_id, variant in [
        ("embed-snippet", "inline"),
        ("embed-popup-snippet", "popup"),
        ("embed-float-snippet", "float"),
    ]:
        snippet = one(section, f".//textarea[@id='{textarea_id}']").text
        assert f'<a href="https://book.example.org/alex" data-bookwithme="{variant}">' in snippet
        assert '<script src="https://book.example.org/static/web/embed.js" defer>' in snippet
        assert one(section, f".//button[@data-copy='#{textarea_id}']") is not None


def test_the_snippets_escape_the_name(client):
    person = make_person(name=SCRIPT)
    client.force_login(person)

    html = client.get("/app/").content.decode()

    assert "<script>alert" not in html
    escaped_twice = html_lib.escape(html_lib.escape(SCRIPT))
    assert f"Book time with {escaped_twice}" in html


def test_no_snippets_without_a_page_address(client, alex):
    alex.page_slug = None
    alex.save()
    client.force_login(alex)

    assert not dom(client.get("/app/")).xpath("//section[@id='add-to-website']")


def test_the_embed_script_is_served_from_the_site(client):
    response = client.get("/static/web/embed.js")

    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"data-bookwithme" in body
