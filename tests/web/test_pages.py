"""The attendee's pages: the organizer's page, a meeting type, a private link, a booking.

What the browser does with them (picking, booking, moving, cancelling) goes through the JSON
API, tested in tests/api; here: what each page shows, to whom, with which status, and that it
hands its scripts what they need.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import makers
import pytest
from django.utils import timezone
from makers import NOW, make_link, make_person

from bookwithme.booking import services
from bookwithme.booking.models import Link

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
STATIC = Path(__file__).resolve().parents[2] / "bookwithme" / "web" / "static" / "web"
# Monday 2026-06-01, 09:00 in Paris (the organizer), 03:00 in New York (the attendee).
START = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


# The scripts of the attendee pages (the organizer app has its own beside them).
SCRIPTS = sorted(path.name for path in STATIC.glob("*.js"))


def make_type(owner, **fields):
    fields.setdefault("slug", "intro")
    return makers.make_type(owner, **fields)


def alex(**fields):
    person = make_person(page_slug="alex", name=fields.pop("name", "Alex Martin"))
    for name, value in fields.items():
        setattr(person, name, value)
    if fields:
        person.save()
    return person


def book(meeting_type, start=START, **fields):
    """A booking made the way the API makes it; returns (booking, manage token)."""
    attendee = {
        "name": "Sam Doe",
        "email": "sam@example.org",
        "time_zone": "America/New_York",
        **fields,
    }
    result = services.book(meeting_type, start, services.Attendee(**attendee))
    return result.booking, result.manage_token


def page_strings(html: str) -> dict:
    found = re.search(r'<script id="web-strings" type="application/json">(.*?)</script>', html)
    assert found, "the page hands its scripts their texts"
    return json.loads(found.group(1))


def keys_used_by(*scripts: str) -> set[str]:
    return {
        key
        for name in scripts
        for key in re.findall(r"strings\.(\w+)", (STATIC / name).read_text())
    }


def html_of(response) -> str:
    return response.content.decode()


# --- the organizer's page ------------------------------------------------------------------


def test_person_page_shows_the_organizer_and_the_public_types_as_cards(client):
    owner = alex()
    make_type(owner, slug="intro", title="Intro call", description="A quick first call.")
    make_type(owner, slug="review", title="Project review", duration_minutes=45)
    make_type(owner, slug="video", title="Video chat", online_meeting=True)
    make_type(owner, slug="secret", title="Secret plan", visibility="private")
    retired = make_type(owner, slug="old", title="Old offer")
    retired.deleted_at = timezone.now()
    retired.save()
    make_type(make_person(page_slug="sam", name="Sam"), slug="other", title="Sam's call")

    response = client.get("/alex")

    assert response.status_code == 200
    html = html_of(response)
    assert "<h1>Alex Martin</h1>" in html
    assert ">AM</span>" in html  # the initials avatar
    assert html.count('class="card type-card"') == 3
    assert 'href="/alex/intro"' in html and 'href="/alex/review"' in html
    assert "45 minutes" in html and "30 minutes" in html
    assert "A quick first call." in html
    assert "Online" in html
    assert html.count("Online meeting link included") == 1
    for hidden in ("Secret plan", "/alex/secret", "Old offer", "Sam&#x27;s call"):
        assert hidden not in html


def test_person_page_shortens_long_descriptions(client):
    make_type(alex(), description="word " * 200)

    html = html_of(client.get("/alex"))

    assert "word " * 20 in html
    assert "word " * 60 not in html
    assert "…" in html


def test_person_page_says_so_when_there_is_nothing_to_book(client):
    alex()

    response = client.get("/alex")

    assert response.status_code == 200
    assert "nothing to book" in html_of(response)


def test_person_page_escapes_the_organizer_name_type_titles_and_descriptions(client):
    make_type(alex(name=SCRIPT), title=f"Call {SCRIPT}", description=SCRIPT)

    html = html_of(client.get("/alex"))

    assert "<script>alert" not in html
    assert html.count(ESCAPED) >= 4  # <title>, heading, card title, description


def test_person_page_is_found_case_insensitively_and_works_anonymously(client):
    make_type(alex())

    assert client.get("/Alex").status_code == 200


def test_person_page_of_an_unknown_slug_is_not_found(client):
    alex()

    response = client.get("/nobody")

    assert response.status_code == 404
    assert "Page not found" in html_of(response)
    assert "Alex" not in html_of(response)


@pytest.mark.parametrize(
    "switched_off",
    [{"page_published": False}, {"has_licence": False}, {"is_active": False}],
    ids=["unpublished", "no-licence", "disabled"],
)
def test_a_switched_off_page_is_not_found_with_a_friendly_message(client, switched_off):
    make_type(alex(**switched_off), title="Intro call")

    page = client.get("/alex")
    type_page = client.get("/alex/intro")

    assert page.status_code == type_page.status_code == 404
    assert "not available" in html_of(page)
    assert "not taking bookings" in html_of(page)
    assert "Intro call" not in html_of(type_page)


def test_a_page_refused_by_the_organizations_sharing_policy_is_not_found(client):
    owner = alex()
    owner.organization.anonymous_sharing = "none"
    owner.organization.save()
    make_type(owner)

    assert client.get("/alex").status_code == 404
    assert client.get("/alex/intro").status_code == 404


def test_a_reserved_word_is_never_a_page(client):
    # Made behind the validators' back: the routes still refuse it.
    make_type(make_person(page_slug="admin", name="Impostor"))

    page = client.get("/admin")
    type_page = client.get("/admin/intro")

    assert (page.status_code, page["Location"]) == (301, "/admin/")  # APPEND_SLASH, to the admin
    assert type_page.status_code != 200


def test_pages_only_answer_reads(client):
    mt = make_type(alex())
    _, manage_token = book(mt)

    assert client.post("/alex").status_code == 405
    assert client.post("/alex/intro").status_code == 405
    assert client.post(f"/l/{make_link(mt)}").status_code == 405
    assert client.post(f"/manage/{manage_token}").status_code == 405


# --- a meeting type's page -----------------------------------------------------------------


def test_meeting_type_page_shows_the_type_and_hands_the_picker_its_api(client):
    make_type(
        alex(),
        title="Intro call",
        description="First line\nSecond line",
        location={"kind": "phone", "value": "+33 1 23 45 67 89"},
        horizon_days=30,
    )

    response = client.get("/alex/intro")

    assert response.status_code == 200
    html = html_of(response)
    assert '<h1 id="type-title">Intro call</h1>' in html
    assert "Alex Martin" in html and 'href="/alex"' in html
    assert "30 minutes" in html
    assert "Phone" in html
    assert "+33 1 23 45 67 89" not in html  # told once booked, as the public API does
    assert "First line<br>Second line" in html
    assert 'data-slots-url="/api/v1/pages/alex/intro/slots"' in html
    assert 'data-book-url="/api/v1/pages/alex/intro/bookings"' in html
    assert 'data-horizon-days="30"' in html
    assert 'data-fallback-zone="Europe/Paris"' in html
    assert '<script type="module" src="/static/web/book.js"></script>' in html
    assert 'name="robots"' not in html


def test_meeting_type_page_hands_its_scripts_every_text_they_show(client):
    make_type(alex())

    strings = page_strings(html_of(client.get("/alex/intro")))

    assert keys_used_by("picker.js", "book.js") <= set(strings)
    assert strings["first_day"] == 0  # Sunday in English


def test_meeting_type_page_labels_every_input_of_the_form(client):
    questions = [
        {"id": "topic", "label": "What about?", "kind": "long_text", "required": False},
        {"id": "phone", "label": "Your phone", "kind": "phone", "required": True},
        {"id": "company", "label": "Company", "kind": "text", "required": False},
    ]
    make_type(alex(), questions=questions)

    html = html_of(client.get("/alex/intro"))

    for input_id in ("book-name", "book-email", "book-notes", "book-q-topic", "book-q-phone"):
        assert f'for="{input_id}"' in html
        assert f'id="{input_id}"' in html
        assert f'aria-describedby="{input_id}-errors' in html or input_id == "book-email"
        assert f'id="{input_id}-errors"' in html
    assert re.search(r'<textarea id="book-q-topic" name="answers.topic"', html)
    assert re.search(r'<input type="tel" id="book-q-phone" name="answers.phone"[^>]*required', html)
    assert re.search(r'<input type="text" id="book-q-company" name="answers.company"', html)
    assert not re.search(r'id="book-q-company"[^>]*required', html)
    assert 'aria-describedby="book-email-help book-email-errors"' in html
    assert "What about?" in html and "Your phone" in html


def test_meeting_type_page_escapes_title_description_questions_and_organizer(client):
    questions = [{"id": "q", "label": SCRIPT, "kind": "text", "required": False}]
    make_type(alex(name=SCRIPT), title=SCRIPT, description=SCRIPT, questions=questions)

    html = html_of(client.get("/alex/intro"))

    assert "<script>alert" not in html
    assert html.count(ESCAPED) >= 5  # <title> (twice), heading, organizer, description, label


@pytest.mark.parametrize("fields", [{"visibility": "private"}, {"deleted": True}])
def test_private_or_retired_type_has_no_page(client, fields):
    mt = make_type(alex(), title="Hidden call", visibility=fields.get("visibility", "public"))
    if fields.get("deleted"):
        mt.deleted_at = timezone.now()
        mt.save()

    response = client.get("/alex/intro")

    assert response.status_code == 404
    assert "Hidden call" not in html_of(response)


def test_a_type_is_found_only_under_its_owner(client):
    alex()
    make_type(make_person(page_slug="sam", name="Sam"), slug="intro")

    assert client.get("/sam/intro").status_code == 200
    assert client.get("/alex/intro").status_code == 404
    assert client.get("/alex/nothing").status_code == 404


# --- private links -------------------------------------------------------------------------


def test_link_page_shows_only_its_type_and_is_kept_out_of_search_engines(client):
    owner = alex()
    mt = make_type(owner, slug="consulting", title="Consulting", visibility="private")
    make_type(owner, slug="intro", title="Intro call")
    token = make_link(mt)

    response = client.get(f"/l/{token}")

    assert response.status_code == 200
    html = html_of(response)
    assert '<h1 id="type-title">Consulting</h1>' in html
    assert "Alex Martin" in html
    assert 'href="/alex"' not in html and "Intro call" not in html
    assert f'data-slots-url="/api/v1/links/{token}/slots"' in html
    assert f'data-book-url="/api/v1/links/{token}/bookings"' in html
    assert "/static/web/book.js" in html
    assert keys_used_by("picker.js", "book.js") <= set(page_strings(html))
    assert '<meta name="robots" content="noindex">' in html
    assert "no-cache" in response["Cache-Control"]


def test_expired_link_is_gone_with_a_friendly_page(client):
    mt = make_type(alex(), title="Consulting")
    link, token = services.create_link(mt)
    link.expires_at = NOW - timedelta(minutes=1)
    link.save()

    response = client.get(f"/l/{token}")

    assert response.status_code == 410
    html = html_of(response)
    assert "This link has expired." in html
    assert "ask the person who sent it to you for a new link" in html.lower()
    assert 'data-refused="link_expired"' in html
    assert "Consulting" not in html


def test_used_single_use_link_is_gone_with_a_friendly_page(client):
    mt = make_type(alex(), title="Consulting")
    token = make_link(mt, single_use=True)
    Link.objects.update(used_at=NOW)

    response = client.get(f"/l/{token}")

    assert response.status_code == 410
    html = html_of(response)
    assert "already been used" in html
    assert "confirmation email" in html
    assert "Consulting" not in html


def test_used_link_that_is_not_single_use_still_works(client):
    token = make_link(make_type(alex()), single_use=False)
    Link.objects.update(used_at=NOW)

    assert client.get(f"/l/{token}").status_code == 200


def test_revoked_unknown_or_retired_links_are_not_found(client):
    owner = alex()
    revoked = make_link(make_type(owner, title="Consulting"))
    Link.objects.update(revoked_at=NOW)
    retired_type = make_type(owner, slug="retired", title="Retired")
    retired = make_link(retired_type)
    retired_type.deleted_at = NOW
    retired_type.save()

    for path in (f"/l/{revoked}", "/l/not-a-token", f"/l/{retired}", f"/l/{'x' * 300}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Consulting" not in html_of(response) and "Retired" not in html_of(response)


def test_link_to_a_switched_off_page_is_not_available(client):
    mt = make_type(alex(page_published=False), title="Consulting", visibility="private")
    token = make_link(mt)

    response = client.get(f"/l/{token}")

    assert response.status_code == 404
    assert "not available" in html_of(response)
    assert "Consulting" not in html_of(response)


def test_link_page_escapes_the_type_and_organizer(client):
    mt = make_type(alex(name=SCRIPT), title=SCRIPT, description=SCRIPT, visibility="private")
    token = make_link(mt)

    html = html_of(client.get(f"/l/{token}"))

    assert "<script>alert" not in html
    assert html.count(ESCAPED) >= 4


# --- managing a booking --------------------------------------------------------------------


def test_manage_page_shows_the_booking_in_the_attendees_zone(client):
    mt = make_type(alex(), title="Intro call")
    _, token = book(mt)

    response = client.get(f"/manage/{token}")

    assert response.status_code == 200
    html = html_of(response)
    assert '<h1 id="manage-title" class="manage-title">Intro call</h1>' in html
    assert "Alex Martin" in html
    assert "Monday 1 June 2026, 03:00" in html  # 09:00 in Paris is 03:00 in New York
    assert "03:30" in html
    assert "America/New York" in html
    assert 'datetime="2026-06-01T03:00:00-04:00"' in html
    assert "09:00" not in html
    assert "Confirmed" in html and 'class="badge confirmed"' in html
    assert "Sam Doe" in html and "sam@example.org" in html
    assert "You&#x27;re booked" not in html and "You're booked" not in html
    assert "no-cache" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in html


def test_manage_page_hands_its_scripts_the_api_and_their_texts(client):
    _, token = book(make_type(alex(), horizon_days=21))

    html = html_of(client.get(f"/manage/{token}"))

    assert f'href="/api/v1/manage/{token}/ics"' in html
    assert f'data-slots-url="/api/v1/manage/{token}/slots"' in html
    assert f'data-reschedule-url="/api/v1/manage/{token}/reschedule"' in html
    assert f'data-cancel-url="/api/v1/manage/{token}/cancel"' in html
    assert 'data-horizon-days="21"' in html
    assert 'data-fallback-zone="America/New_York"' in html
    assert 'data-opens="reschedule"' in html and 'data-opens="cancel"' in html
    assert '<script type="module" src="/static/web/manage.js"></script>' in html
    assert keys_used_by("picker.js", "manage.js") <= set(page_strings(html))


def test_manage_page_offers_its_own_link_to_copy(client, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"
    _, token = book(make_type(alex()))

    html = html_of(client.get(f"/manage/{token}"))

    assert f'value="https://book.example.org/manage/{token}"' in html
    assert 'id="manage-link"' in html and 'data-copy="#manage-link"' in html


def test_manage_page_confirms_a_fresh_booking(client):
    _, token = book(make_type(alex()))

    html = html_of(client.get(f"/manage/{token}?booked=1"))

    assert re.search(r'<h1 id="confirmation">You(&#x27;|\')re booked</h1>', html)
    assert "sam@example.org" in html
    assert '<h2 id="manage-title"' in html  # the confirmation is the page's one h1


def test_manage_page_says_a_booking_was_moved(client):
    _, token = book(make_type(alex()))

    html = html_of(client.get(f"/manage/{token}?moved=1"))

    assert "Your booking has been moved" in html


def test_manage_page_of_a_cancelled_booking_says_so_and_offers_no_actions(client):
    mt = make_type(alex(), online_meeting=True)
    booking, token = book(mt)
    assert booking.meeting_url
    services.cancel(booking, by="organizer", reason=f"Sorry {SCRIPT}")

    for path in (f"/manage/{token}", f"/manage/{token}?booked=1", f"/manage/{token}?moved=1"):
        response = client.get(path)
        assert response.status_code == 200
        html = html_of(response)
        assert "This booking is cancelled" in html
        assert "The organizer cancelled this meeting." in html
        assert f"Sorry {ESCAPED}" in html
        assert "Cancelled" in html and 'class="badge cancelled"' in html
        assert "re booked" not in html and "has been moved" not in html
        for action in ("data-opens", "/ics", "/reschedule", "/cancel", "manage.js", "data-copy"):
            assert action not in html, action
        assert booking.meeting_url not in html


def test_manage_page_links_the_meeting_only_while_confirmed_and_only_on_the_web(client):
    mt = make_type(alex(), online_meeting=True)
    booking, token = book(mt)
    booking.meeting_url = "https://meet.example.org/room-1"
    booking.save()

    html = html_of(client.get(f"/manage/{token}"))
    assert 'href="https://meet.example.org/room-1"' in html

    booking.meeting_url = "javascript:alert(1)"
    booking.save()
    html = html_of(client.get(f"/manage/{token}"))
    assert "javascript:" not in html


def test_manage_page_shows_the_place_and_the_answers(client):
    questions = [
        {"id": "topic", "label": "What about?", "kind": "long_text", "required": False},
        {"id": "phone", "label": "Your phone", "kind": "phone", "required": False},
    ]
    mt = make_type(
        alex(), questions=questions, location={"kind": "in_person", "value": "1 Main Street"}
    )
    _, token = book(mt, notes="See you\nsoon", answers={"topic": "Plans\nand more"})

    html = html_of(client.get(f"/manage/{token}"))

    assert "In person" in html and "1 Main Street" in html
    assert "See you<br>soon" in html
    assert "What about?" in html and "Plans<br>and more" in html
    assert "Your phone" not in html  # not answered


def test_manage_page_escapes_everything_the_attendee_and_organizer_wrote(client):
    questions = [{"id": "q", "label": SCRIPT, "kind": "long_text", "required": False}]
    mt = make_type(alex(name=SCRIPT), title=SCRIPT, questions=questions)
    _, token = book(mt, name=f"Sam {SCRIPT}", notes=SCRIPT, answers={"q": SCRIPT})

    html = html_of(client.get(f"/manage/{token}?booked=1"))

    assert "<script>alert" not in html
    # <title> (twice), heading, organizer (twice), name, notes, question label, answer
    assert html.count(ESCAPED) >= 8


def test_manage_page_still_cancels_when_the_page_is_switched_off(client):
    owner = alex()
    _, token = book(make_type(owner))
    owner.page_published = False
    owner.save()

    response = client.get(f"/manage/{token}")

    assert response.status_code == 200
    html = html_of(response)
    assert 'data-opens="cancel"' in html
    assert 'data-opens="reschedule"' not in html and "/reschedule" not in html


def test_manage_page_of_a_wrong_token_is_not_found(client):
    book(make_type(alex()))

    for token in ("not-a-token", "x" * 300):
        response = client.get(f"/manage/{token}")
        assert response.status_code == 404
        assert "Sam Doe" not in html_of(response)


# --- all of them ---------------------------------------------------------------------------


def every_page(client) -> list[str]:
    owner = alex()
    mt = make_type(owner)
    _, manage_token = book(mt)
    return ["/alex", "/alex/intro", f"/l/{make_link(mt)}", f"/manage/{manage_token}"]


def test_booking_pages_can_be_embedded_in_another_site(client):
    for path in every_page(client)[:3]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "X-Frame-Options" not in response.headers, path
        assert "frame-ancestors *" in response["Content-Security-Policy"], path


def test_the_manage_page_refuses_to_be_framed(client):
    response = client.get(every_page(client)[3])

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_refusals_can_be_embedded_too(client):
    assert "X-Frame-Options" not in client.get("/l/not-a-token").headers


def test_attendee_pages_speak_french_when_asked(client):
    for path in every_page(client):
        english = html_of(client.get(path))
        french = html_of(client.get(path, HTTP_ACCEPT_LANGUAGE="fr"))
        assert '<html lang="en">' in english, path
        assert '<html lang="fr">' in french, path


def test_the_calendar_starts_the_week_as_the_language_does(client):
    make_type(alex())

    english = page_strings(html_of(client.get("/alex/intro")))
    french = page_strings(html_of(client.get("/alex/intro", HTTP_ACCEPT_LANGUAGE="fr")))

    assert (english["first_day"], french["first_day"]) == (0, 1)


# --- the scripts ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_are_served_as_javascript_modules(client, name):
    response = client.get(f"/static/web/{name}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")


def test_scripts_import_only_each_other():
    for script in (STATIC / name for name in SCRIPTS):
        for imported in re.findall(r'from "([^"]+)"', script.read_text()):
            assert imported.startswith("./") and (STATIC / imported[2:]).exists(), imported


def test_scripts_never_write_html():
    for script in (STATIC / name for name in SCRIPTS):
        text = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
            assert sink not in text, f"{script.name} uses {sink}"
