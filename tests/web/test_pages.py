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
from dom import attribute, dom, has_class, one, text
from makers import NOW, make_link, make_person
from pytest_django.asserts import assertContains, assertNotContains

from bookwithme.booking import services
from bookwithme.booking.models import Link

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"
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


def page_strings(page) -> dict:
    """The texts the page hands its scripts."""
    return json.loads(one(page, "//script[@id='web-strings'][@type='application/json']").text)


def keys_used_by(*scripts: str) -> set[str]:
    return {
        key
        for name in scripts
        for key in re.findall(r"strings\.(\w+)", (STATIC / name).read_text())
    }


def main_text(response) -> str:
    """What the page says in its <main>."""
    return text(one(dom(response), "//main"))


def facts(page) -> dict[str, str]:
    """The manage page's facts about the booking: {"When": ..., "With": ..., ...}."""
    terms = page.xpath("//dl[@class='facts']/dt")
    return {text(dt): text(dt.getnext()) for dt in terms}


# --- the organizer's page ------------------------------------------------------------------


def test_person_page_shows_the_organizer_and_the_public_types_as_cards(client):
    owner = alex()
    # Joined at a fixed address, or met in person: no link generated.
    fixed = {"online_meeting": False, "location": {"kind": "online", "value": "https://x.test/a"}}
    make_type(owner, slug="intro", title="Intro call", description="A quick first call.", **fixed)
    make_type(
        owner,
        slug="review",
        title="Project review",
        duration_minutes=45,
        location={"kind": "in_person", "value": "1 Main Street"},
    )
    make_type(owner, slug="video", title="Video chat", online_meeting=True)
    make_type(owner, slug="secret", title="Secret plan", visibility="private")
    retired = make_type(owner, slug="old", title="Old offer")
    retired.deleted_at = timezone.now()
    retired.save()
    make_type(make_person(page_slug="sam", name="Sam"), slug="other", title="Sam's call")

    response = client.get("/alex")

    assert response.status_code == 200
    page = dom(response)
    assertContains(response, "<h1>Alex Martin</h1>", html=True)
    assert text(one(page, f"//span[{has_class('avatar')}]")) == "AM"  # the initials avatar
    links = page.xpath("//a[@class='card type-card']")
    assert sorted(card.get("href") for card in links) == [
        "/alex/intro",
        "/alex/review",
        "/alex/video",
    ]
    cards = {card.get("href"): text(card) for card in links}
    assert "30 minutes" in cards["/alex/intro"] and "45 minutes" in cards["/alex/review"]
    assert "A quick first call." in cards["/alex/intro"]
    assert "Online" in cards["/alex/video"]
    assert "Online meeting link included" in cards["/alex/video"]
    assert text(page.body).count("Online meeting link included") == 1
    for hidden in ("Secret plan", "/alex/secret", "Old offer", "Sam&#x27;s call"):
        assertNotContains(response, hidden)


def test_person_page_shortens_long_descriptions(client):
    make_type(alex(), description="word " * 200)

    response = client.get("/alex")

    excerpt = text(one(dom(response), f"//p[{has_class('excerpt')}]"))
    assert excerpt.startswith("word " * 20)
    assert excerpt.endswith("…")
    assertNotContains(response, "word " * 60)


def test_person_page_says_so_when_there_is_nothing_to_book(client):
    alex()

    response = client.get("/alex")

    assert response.status_code == 200
    assert "nothing to book" in main_text(response)


def test_person_page_escapes_the_organizer_name_type_titles_and_descriptions(client):
    make_type(alex(name=SCRIPT), title=f"Call {SCRIPT}", description=SCRIPT)

    response = client.get("/alex")

    # Never as markup; as text, where each is shown (which it could not be unless escaped).
    assertNotContains(response, "<script>alert")
    page = dom(response)
    # <title>, heading, card title, description
    shown = ["//title", "//h1", f"//*[{has_class('type-title')}]", f"//p[{has_class('excerpt')}]"]
    for where in shown:
        assert SCRIPT in text(one(page, where)), where


def test_person_page_is_found_case_insensitively_and_works_anonymously(client):
    make_type(alex())

    assert client.get("/Alex").status_code == 200


def test_person_page_of_an_unknown_slug_is_not_found(client):
    alex()

    response = client.get("/nobody")

    assert response.status_code == 404
    assert text(one(dom(response), "//h1")) == "Page not found"
    assertNotContains(response, "Alex", status_code=404)


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
    assert "not available" in main_text(page)
    assert "not taking bookings" in main_text(page)
    assertNotContains(type_page, "Intro call", status_code=404)


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
    page = dom(response)
    assertContains(response, '<h1 id="type-title">Intro call</h1>', html=True)
    organizer = one(page, f"//a[{has_class('organizer-name')}]")
    assert (text(organizer), organizer.get("href")) == ("Alex Martin", "/alex")
    about = text(one(page, "//section[@aria-labelledby='type-title']"))
    assert "30 minutes" in about
    assert "Phone" in about
    assertNotContains(response, "+33 1 23 45 67 89")  # told once booked, as the public API does
    assertContains(response, "First line<br>Second line", html=True)
    assert attribute(page, "data-slots-url") == "/api/v1/pages/alex/intro/slots"
    assert attribute(page, "data-book-url") == "/api/v1/pages/alex/intro/bookings"
    assert attribute(page, "data-horizon-days") == "30"
    assert attribute(page, "data-fallback-zone") == "Europe/Paris"
    assertContains(response, '<script type="module" src="/static/web/book.js"></script>', html=True)
    assert page.xpath("//meta[@name='robots']") == []


def test_meeting_type_page_hands_its_scripts_every_text_they_show(client):
    make_type(alex())

    strings = page_strings(dom(client.get("/alex/intro")))

    assert keys_used_by("picker.js", "book.js") <= set(strings)
    assert strings["first_day"] == 0  # Sunday in English


def test_meeting_type_page_labels_every_input_of_the_form(client):
    questions = [
        {"id": "topic", "label": "What about?", "kind": "long_text", "required": False},
        {"id": "phone", "label": "Your phone", "kind": "phone", "required": True},
        {"id": "company", "label": "Company", "kind": "text", "required": False},
    ]
    make_type(alex(), questions=questions)

    page = dom(client.get("/alex/intro"))

    for input_id in ("book-name", "book-email", "book-notes", "book-q-topic", "book-q-phone"):
        one(page, f"//label[@for='{input_id}']")
        control = one(page, f"//*[@id='{input_id}']")
        assert f"{input_id}-errors" in control.get("aria-describedby", "").split(), input_id
        one(page, f"//*[@id='{input_id}-errors']")
    topic, phone, company = (
        one(page, f"//*[@id='book-q-{q}']") for q in ("topic", "phone", "company")
    )
    assert (topic.tag, topic.get("name")) == ("textarea", "answers.topic")
    assert (phone.tag, phone.get("type"), phone.get("name")) == ("input", "tel", "answers.phone")
    assert "required" in phone.attrib
    assert (company.tag, company.get("type"), company.get("name")) == (
        "input",
        "text",
        "answers.company",
    )
    assert "required" not in company.attrib
    email = one(page, "//*[@id='book-email']")
    assert email.get("aria-describedby") == "book-email-help book-email-errors"
    assert text(one(page, "//label[@for='book-q-topic']")).startswith("What about?")
    assert text(one(page, "//label[@for='book-q-phone']")).startswith("Your phone")


def test_meeting_type_page_escapes_title_description_questions_and_organizer(client):
    questions = [{"id": "q", "label": SCRIPT, "kind": "text", "required": False}]
    make_type(alex(name=SCRIPT), title=SCRIPT, description=SCRIPT, questions=questions)

    response = client.get("/alex/intro")

    assertNotContains(response, "<script>alert")
    page = dom(response)
    assert text(one(page, "//title")).count(SCRIPT) == 2  # the type's and the organizer's
    shown = ["//h1", f"//*[{has_class('organizer-name')}]", f"//*[{has_class('description')}]"]
    for where in [*shown, "//label[@for='book-q-q']"]:
        assert SCRIPT in text(one(page, where)), where


@pytest.mark.parametrize("fields", [{"visibility": "private"}, {"deleted": True}])
def test_private_or_retired_type_has_no_page(client, fields):
    mt = make_type(alex(), title="Hidden call", visibility=fields.get("visibility", "public"))
    if fields.get("deleted"):
        mt.deleted_at = timezone.now()
        mt.save()

    response = client.get("/alex/intro")

    assertNotContains(response, "Hidden call", status_code=404)


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
    page = dom(response)
    assertContains(response, '<h1 id="type-title">Consulting</h1>', html=True)
    assert text(one(page, f"//*[{has_class('organizer-name')}]")) == "Alex Martin"
    assertNotContains(response, 'href="/alex"')
    assertNotContains(response, "Intro call")
    assert attribute(page, "data-slots-url") == f"/api/v1/links/{token}/slots"
    assert attribute(page, "data-book-url") == f"/api/v1/links/{token}/bookings"
    assertContains(response, '<script type="module" src="/static/web/book.js"></script>', html=True)
    assert keys_used_by("picker.js", "book.js") <= set(page_strings(page))
    assertContains(response, '<meta name="robots" content="noindex">', html=True)
    assert "no-cache" in response["Cache-Control"]


def test_expired_link_is_gone_with_a_friendly_page(client):
    mt = make_type(alex(), title="Consulting")
    link, token = services.create_link(mt)
    link.expires_at = NOW - timedelta(minutes=1)
    link.save()

    response = client.get(f"/l/{token}")

    assert response.status_code == 410
    said = main_text(response)
    assert "This link has expired." in said
    assert "ask the person who sent it to you for a new link" in said.lower()
    assert attribute(dom(response), "data-refused") == "link_expired"
    assertNotContains(response, "Consulting", status_code=410)


def test_used_single_use_link_is_gone_with_a_friendly_page(client):
    mt = make_type(alex(), title="Consulting")
    token = make_link(mt, single_use=True)
    Link.objects.update(used_at=NOW)

    response = client.get(f"/l/{token}")

    assert response.status_code == 410
    said = main_text(response)
    assert "already been used" in said
    assert "confirmation email" in said
    assertNotContains(response, "Consulting", status_code=410)


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
        assertNotContains(response, "Consulting", status_code=404)
        assertNotContains(response, "Retired", status_code=404)


def test_link_to_a_switched_off_page_is_not_available(client):
    mt = make_type(alex(page_published=False), title="Consulting", visibility="private")
    token = make_link(mt)

    response = client.get(f"/l/{token}")

    assert response.status_code == 404
    assert "not available" in main_text(response)
    assertNotContains(response, "Consulting", status_code=404)


def test_link_page_escapes_the_type_and_organizer(client):
    mt = make_type(alex(name=SCRIPT), title=SCRIPT, description=SCRIPT, visibility="private")
    token = make_link(mt)

    response = client.get(f"/l/{token}")

    assertNotContains(response, "<script>alert")
    page = dom(response)
    assert text(one(page, "//title")).count(SCRIPT) == 2  # the type's and the organizer's
    for where in (
        "//h1",
        f"//*[{has_class('organizer-name')}]",
        f"//*[{has_class('description')}]",
    ):
        assert SCRIPT in text(one(page, where)), where


# --- managing a booking --------------------------------------------------------------------


def test_manage_page_shows_the_booking_in_the_attendees_zone(client):
    mt = make_type(alex(), title="Intro call")
    _, token = book(mt)

    response = client.get(f"/manage/{token}")

    assert response.status_code == 200
    page = dom(response)
    assertContains(
        response, '<h1 id="manage-title" class="manage-title">Intro call</h1>', html=True
    )
    assert text(one(page, f"//*[{has_class('organizer-name')}]")) == "Alex Martin"
    # 09:00 in Paris is 03:00 in New York.
    # Written by bookwithme.formats, as the picker writes it (CLDR's full date, short time).
    assert [(time.get("datetime"), text(time)) for time in page.xpath("//time")] == [
        ("2026-06-01T03:00:00-04:00", "Monday, June 1, 2026, 3:00 AM \N{EN DASH} 3:30 AM"),
    ]
    assert "New York (Eastern Time)" in facts(page)["When"]  # the zone by name, as the picker
    assertNotContains(response, "09:00")
    badge = one(page, "//*[@data-status]")
    assert (badge.get("class"), text(badge)) == ("badge confirmed", "Confirmed")
    assert facts(page)["Booked by"] == "Sam Doe sam@example.org"
    assertNotContains(response, "You&#x27;re booked")
    assertNotContains(response, "You're booked")
    assert "no-cache" in response["Cache-Control"]
    assertContains(response, '<meta name="robots" content="noindex">', html=True)


def test_manage_page_hands_its_scripts_the_api_and_their_texts(client):
    _, token = book(make_type(alex(), horizon_days=21))

    response = client.get(f"/manage/{token}")

    page = dom(response)
    one(page, f"//a[@href='/api/v1/manage/{token}/ics']")
    assert attribute(page, "data-slots-url") == f"/api/v1/manage/{token}/slots"
    assert attribute(page, "data-reschedule-url") == f"/api/v1/manage/{token}/reschedule"
    assert attribute(page, "data-cancel-url") == f"/api/v1/manage/{token}/cancel"
    assert attribute(page, "data-horizon-days") == "21"
    assert attribute(page, "data-fallback-zone") == "America/New_York"
    opens = sorted(button.get("data-opens") for button in page.xpath("//*[@data-opens]"))
    assert opens == ["cancel", "reschedule"]
    assertContains(
        response, '<script type="module" src="/static/web/manage.js"></script>', html=True
    )
    assert keys_used_by("picker.js", "manage.js") <= set(page_strings(page))


def test_manage_page_offers_its_own_link_to_copy(client, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"
    _, token = book(make_type(alex()))

    page = dom(client.get(f"/manage/{token}"))

    link = one(page, "//input[@id='manage-link']")
    assert link.get("value") == f"https://book.example.org/manage/{token}"
    one(page, "//*[@data-copy='#manage-link']")


def test_manage_page_confirms_a_fresh_booking(client):
    _, token = book(make_type(alex()))

    response = client.get(f"/manage/{token}?booked=1")

    assertContains(response, """<h1 id="confirmation">You're booked</h1>""", html=True)
    page = dom(response)
    assert "sam@example.org" in text(one(page, "//*[@id='confirmation']/.."))
    assert page.xpath("//h1/@id") == ["confirmation"]  # the confirmation is the page's one h1
    one(page, "//h2[@id='manage-title']")


def test_manage_page_says_a_booking_was_moved(client):
    _, token = book(make_type(alex()))

    response = client.get(f"/manage/{token}?moved=1")

    assert "Your booking has been moved" in main_text(response)


def test_manage_page_of_a_cancelled_booking_says_so_and_offers_no_actions(client):
    mt = make_type(alex(), online_meeting=True)
    booking, token = book(mt)
    assert booking.meeting_url
    services.cancel(booking, by="organizer", reason=f"Sorry {SCRIPT}")

    for path in (f"/manage/{token}", f"/manage/{token}?booked=1", f"/manage/{token}?moved=1"):
        response = client.get(path)
        assert response.status_code == 200
        said = main_text(response)
        assert "This booking is cancelled" in said
        assert "The organizer cancelled this meeting." in said
        assert f"Sorry {SCRIPT}" in said  # as text: escaped
        assertNotContains(response, "<script>alert")
        badge = one(dom(response), "//*[@data-status]")
        assert (badge.get("class"), text(badge)) == ("badge cancelled", "Cancelled")
        assertNotContains(response, "re booked")
        assertNotContains(response, "has been moved")
        for action in ("data-opens", "/ics", "/reschedule", "/cancel", "manage.js", "data-copy"):
            assertNotContains(response, action, msg_prefix=action)
        assertNotContains(response, booking.meeting_url)


def test_manage_page_links_the_meeting_only_while_confirmed_and_only_on_the_web(client):
    mt = make_type(alex(), online_meeting=True)
    booking, token = book(mt)
    booking.meeting_url = "https://meet.example.org/room-1"
    booking.save()

    one(dom(client.get(f"/manage/{token}")), "//a[@href='https://meet.example.org/room-1']")

    booking.meeting_url = "javascript:alert(1)"
    booking.save()
    assertNotContains(client.get(f"/manage/{token}"), "javascript:")


def test_manage_page_shows_the_place_and_the_answers(client):
    questions = [
        {"id": "topic", "label": "What about?", "kind": "long_text", "required": False},
        {"id": "phone", "label": "Your phone", "kind": "phone", "required": False},
    ]
    mt = make_type(
        alex(), questions=questions, location={"kind": "in_person", "value": "1 Main Street"}
    )
    _, token = book(mt, notes="See you\nsoon", answers={"topic": "Plans\nand more"})

    response = client.get(f"/manage/{token}")

    told = facts(dom(response))
    assert "In person" in told["Where"] and "1 Main Street" in told["Where"]
    assertContains(response, "<dt>Notes</dt>", html=True)
    assertContains(response, "<dd>See you<br>soon</dd>", html=True)
    assertContains(response, "<dt>What about?</dt>", html=True)
    assertContains(response, "<dd>Plans<br>and more</dd>", html=True)
    assertNotContains(response, "Your phone")  # not answered


def test_manage_page_escapes_everything_the_attendee_and_organizer_wrote(client):
    questions = [{"id": "q", "label": SCRIPT, "kind": "long_text", "required": False}]
    mt = make_type(alex(name=SCRIPT), title=SCRIPT, questions=questions)
    _, token = book(mt, name=f"Sam {SCRIPT}", notes=SCRIPT, answers={"q": SCRIPT})

    response = client.get(f"/manage/{token}?booked=1")

    assertNotContains(response, "<script>alert")
    page = dom(response)
    assert text(one(page, "//title")).count(SCRIPT) == 2  # the type's and the organizer's
    for where in ("//*[@id='manage-title']", f"//*[{has_class('organizer-name')}]"):
        assert text(one(page, where)) == SCRIPT, where
    told = facts(page)
    assert told["With"] == SCRIPT
    assert told["Booked by"].startswith(f"Sam {SCRIPT}")
    assert told["Notes"] == SCRIPT
    assert told[SCRIPT] == SCRIPT  # the question, and its answer


def test_manage_page_still_cancels_when_the_page_is_switched_off(client):
    owner = alex()
    _, token = book(make_type(owner))
    owner.page_published = False
    owner.save()

    response = client.get(f"/manage/{token}")

    assert response.status_code == 200
    assert dom(response).xpath("//@data-opens") == ["cancel"]
    assertNotContains(response, 'data-opens="reschedule"')
    assertNotContains(response, "/reschedule")


def test_manage_page_of_a_wrong_token_is_not_found(client):
    book(make_type(alex()))

    for token in ("not-a-token", "x" * 300):
        response = client.get(f"/manage/{token}")
        assertNotContains(response, "Sam Doe", status_code=404)


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
        english = dom(client.get(path))
        french = dom(client.get(path, HTTP_ACCEPT_LANGUAGE="fr"))
        assert english.get("lang") == "en", path
        assert french.get("lang") == "fr", path


def test_the_calendar_starts_the_week_as_the_language_does(client):
    make_type(alex())

    english = page_strings(dom(client.get("/alex/intro")))
    french = page_strings(dom(client.get("/alex/intro", HTTP_ACCEPT_LANGUAGE="fr")))

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


@pytest.mark.parametrize(
    ("language", "said"), [("en", "30 to 60 minutes"), ("fr", "De 30 à 60 minutes")]
)
def test_a_type_of_several_lengths_says_from_how_short_to_how_long(client, language, said):
    owner = alex()
    make_type(owner, title="Review", slug="review", durations_minutes=[60, 30, 45])
    for path in ("/alex", "/alex/review"):
        assertContains(client.get(path, HTTP_ACCEPT_LANGUAGE=language), said)
    # The card says the span, not the default length alone.
    assertNotContains(client.get("/alex", HTTP_ACCEPT_LANGUAGE=language), "30 minutes")
