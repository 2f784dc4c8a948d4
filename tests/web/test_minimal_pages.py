from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from bookwithme.booking.models import Booking, MeetingType
from bookwithme.booking.services import create_link
from bookwithme.directory.models import Organization, Person
from bookwithme.tokens import new_token

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def make_person(slug: str = "alex", name: str = "Alex Martin", **fields) -> Person:
    org, _ = Organization.objects.get_or_create(domain="acme.test", defaults={"name": "Acme"})
    fields.setdefault("has_licence", True)
    return Person.objects.create_user(
        f"{slug}@acme.test", None, name=name, page_slug=slug, organization=org, **fields
    )


def make_type(owner: Person, slug: str = "intro", **fields) -> MeetingType:
    fields.setdefault("title", "Intro call")
    fields.setdefault("duration_minutes", 30)
    return MeetingType.objects.create(owner=owner, slug=slug, **fields)


def make_booking(meeting_type: MeetingType, start: datetime, **fields) -> tuple[Booking, str]:
    token, token_hash = new_token()
    end = start + meeting_type.duration
    fields.setdefault("attendee_time_zone", "America/New_York")
    booking = Booking.objects.create(
        meeting_type=meeting_type,
        owner=meeting_type.owner,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        attendee_name="Sam Doe",
        attendee_email="sam@example.org",
        manage_token_hash=token_hash,
        **fields,
    )
    return booking, token


# the organizer's page


def test_person_page_lists_the_public_live_types(client):
    alex = make_person()
    make_type(alex, "intro", title="Intro call")
    make_type(alex, "review", title="Project review", duration_minutes=45)
    make_type(alex, "secret", title="Secret plan", visibility="private")
    make_type(alex, "old", title="Old offer", deleted_at=timezone.now())
    make_type(make_person("sam", "Sam"), "other", title="Sam's call")

    response = client.get("/alex")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alex Martin" in html
    assert 'href="/alex/intro"' in html and 'href="/alex/review"' in html
    assert "45 minutes" in html
    for hidden in ("Secret plan", "/alex/secret", "Old offer", "Sam&#x27;s call"):
        assert hidden not in html


def test_person_page_says_so_when_there_is_nothing_to_book(client):
    make_person()

    response = client.get("/alex")

    assert "nothing to book" in response.content.decode()


def test_person_page_escapes_the_organizer_name_and_type_titles(client):
    alex = make_person(name=SCRIPT)
    make_type(alex, title=f"Call {SCRIPT}")

    html = client.get("/alex").content.decode()

    assert "<script>" not in html
    assert html.count(ESCAPED) >= 3  # title, heading, meeting type


def test_person_page_of_an_unknown_slug_is_not_found(client):
    make_person()

    response = client.get("/nobody")

    assert response.status_code == 404
    assert "Alex" not in response.content.decode()


def test_unpublished_page_is_not_found_and_says_it_is_not_available(client):
    alex = make_person(page_published=False)
    make_type(alex)

    page = client.get("/alex")
    type_page = client.get("/alex/intro")

    assert page.status_code == type_page.status_code == 404
    assert "not available" in page.content.decode()
    assert "Intro call" not in type_page.content.decode()


def test_page_of_a_disabled_person_is_not_found(client):
    make_person(is_active=False)

    assert client.get("/alex").status_code == 404


def test_a_reserved_word_is_never_a_page(client):
    # Made behind the validators' back: the routes still refuse it.
    make_type(make_person("admin", "Impostor"))

    page = client.get("/admin")
    type_page = client.get("/admin/intro")

    assert (page.status_code, page["Location"]) == (301, "/admin/")  # APPEND_SLASH, to the admin
    assert type_page.status_code != 200  # the admin's own answer, not a meeting type


def test_pages_only_answer_reads(client):
    make_type(make_person())

    assert client.post("/alex").status_code == 405
    assert client.post("/alex/intro").status_code == 405


def test_page_language_follows_the_visitor(client):
    make_person()

    english = client.get("/alex").content.decode()
    french = client.get("/alex", headers={"accept-language": "fr"}).content.decode()

    assert '<html lang="en">' in english
    assert '<html lang="fr">' in french


# a meeting type's page


def test_meeting_type_page_shows_title_duration_description_and_the_api(client):
    make_type(make_person(), title="Intro call", description="First line\nSecond line")

    response = client.get("/alex/intro")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Intro call</h1>" in html
    assert "30 minutes" in html
    assert "First line<br>Second line" in html
    assert "/api/v1/pages/alex/intro/slots" in html


def test_meeting_type_page_escapes_title_and_description(client):
    make_type(make_person(), title=SCRIPT, description=SCRIPT)

    html = client.get("/alex/intro").content.decode()

    assert "<script>" not in html
    assert html.count(ESCAPED) >= 3  # <title>, heading, description


@pytest.mark.parametrize(
    "fields", [{"visibility": "private"}, {"deleted_at": datetime(2025, 1, 1, tzinfo=UTC)}]
)
def test_private_or_deleted_type_has_no_page(client, fields):
    make_type(make_person(), title="Hidden call", **fields)

    response = client.get("/alex/intro")

    assert response.status_code == 404
    assert "Hidden call" not in response.content.decode()


def test_a_type_is_found_only_under_its_owner(client):
    make_person()
    make_type(make_person("sam", "Sam"), "intro")

    assert client.get("/sam/intro").status_code == 200
    assert client.get("/alex/intro").status_code == 404
    assert client.get("/alex/nothing").status_code == 404


# private links


def test_link_page_shows_a_private_type(client):
    mt = make_type(make_person(), "consulting", title="Consulting", visibility="private")
    _, token = create_link(mt)

    response = client.get(f"/l/{token}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Consulting</h1>" in html
    assert f"/api/v1/links/{token}/slots" in html
    assert 'name="robots" content="noindex"' in html
    assert "no-cache" in response["Cache-Control"]


def test_expired_link_is_gone(client):
    mt = make_type(make_person(), title="Consulting")
    link, token = create_link(mt)
    link.expires_at = timezone.now() - timedelta(minutes=1)
    link.save()

    response = client.get(f"/l/{token}")

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "Consulting" not in response.content.decode()


def test_used_single_use_link_is_gone(client):
    mt = make_type(make_person())
    link, token = create_link(mt, single_use=True)
    link.used_at = timezone.now()
    link.save()

    response = client.get(f"/l/{token}")

    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_used_link_that_is_not_single_use_still_works(client):
    mt = make_type(make_person())
    link, token = create_link(mt, single_use=False)
    link.used_at = timezone.now()
    link.save()

    assert client.get(f"/l/{token}").status_code == 200


def test_revoked_link_is_not_found(client):
    mt = make_type(make_person(), title="Consulting")
    link, token = create_link(mt)
    link.revoked_at = timezone.now()
    link.save()

    response = client.get(f"/l/{token}")

    assert response.status_code == 404
    assert "Consulting" not in response.content.decode()


def test_unknown_link_is_not_found(client):
    make_type(make_person())

    assert client.get("/l/not-a-token").status_code == 404


def test_link_to_a_deleted_type_is_not_found(client):
    mt = make_type(make_person())
    _, token = create_link(mt)
    mt.deleted_at = timezone.now()
    mt.save()

    assert client.get(f"/l/{token}").status_code == 404


def test_link_to_an_unpublished_page_is_not_available(client):
    mt = make_type(make_person(page_published=False), title="Consulting", visibility="private")
    _, token = create_link(mt)

    response = client.get(f"/l/{token}")

    assert response.status_code == 404
    assert "not available" in response.content.decode()
    assert "Consulting" not in response.content.decode()


def test_link_page_escapes_the_type_and_organizer(client):
    mt = make_type(make_person(name=SCRIPT), title=SCRIPT, visibility="private")
    _, token = create_link(mt)

    html = client.get(f"/l/{token}").content.decode()

    assert "<script>" not in html
    assert html.count(ESCAPED) >= 3


# managing a booking


def test_manage_page_shows_the_booking_in_the_attendees_zone(client):
    mt = make_type(make_person(), title="Intro call")
    # 08:00 UTC is 04:00 in New York (EDT) and 10:00 in Paris.
    _, token = make_booking(mt, datetime(2026, 7, 6, 8, 0, tzinfo=UTC))

    response = client.get(f"/manage/{token}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Intro call" in html and "Alex Martin" in html
    assert "Monday 6 July 2026, 04:00" in html
    assert "04:30" in html
    assert "America/New_York" in html
    assert "08:00" not in html
    assert "Confirmed" in html
    assert "no-cache" in response["Cache-Control"]


def test_manage_page_shows_a_cancelled_booking_without_its_meeting_link(client):
    mt = make_type(make_person())
    _, token = make_booking(
        mt,
        datetime(2026, 7, 6, 8, 0, tzinfo=UTC),
        meeting_url="https://meet.example.org/room-1",
        status=Booking.Status.CANCELLED,
    )

    html = client.get(f"/manage/{token}").content.decode()

    assert "Cancelled" in html
    assert "meet.example.org" not in html


def test_manage_page_links_the_meeting_while_confirmed(client):
    mt = make_type(make_person())
    _, token = make_booking(
        mt, datetime(2026, 7, 6, 8, 0, tzinfo=UTC), meeting_url="https://meet.example.org/room-1"
    )

    html = client.get(f"/manage/{token}").content.decode()

    assert 'href="https://meet.example.org/room-1"' in html


def test_manage_page_escapes_the_type_title(client):
    mt = make_type(make_person(), title=SCRIPT)
    _, token = make_booking(mt, datetime(2026, 7, 6, 8, 0, tzinfo=UTC))

    html = client.get(f"/manage/{token}").content.decode()

    assert "<script>" not in html and ESCAPED in html


def test_manage_page_of_an_unknown_token_is_not_found(client):
    mt = make_type(make_person())
    make_booking(mt, datetime(2026, 7, 6, 8, 0, tzinfo=UTC))

    assert client.get("/manage/not-a-token").status_code == 404
