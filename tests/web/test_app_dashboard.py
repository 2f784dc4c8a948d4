"""The dashboard: one's page and its state, the next bookings, sharing links and snippets,
the time zone detected on the first sign-in."""

import html as html_lib
from datetime import datetime

import pytest
from dom import dom, text
from makers import make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.models import Booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"


def book(mt, start: str, name: str = "Sam Doe", **extra) -> Booking:
    attendee = services.Attendee(
        name=name, email="sam@example.org", time_zone="America/New_York", **extra
    )
    return services.book(mt, datetime.fromisoformat(start), attendee).booking


@pytest.fixture
def alex():
    return make_person(name="Alex Martin", page_slug="alex", time_zone="Europe/Paris")


def test_the_dashboard_shows_the_page_address_with_a_copy_button(signed_in, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"

    html = signed_in.get("/app/").content.decode()

    assert 'id="page-url" type="text" readonly value="https://book.example.org/alex"' in html
    assert 'data-copy="#page-url"' in html
    assert 'id="page-disabled"' not in html and 'id="page-unpublished"' not in html


def test_a_page_switched_off_by_the_access_rules_says_why(client):
    person = make_person(has_licence=False)
    client.force_login(person)

    html = client.get("/app/").content.decode()

    assert 'id="page-disabled"' in html
    assert "This person has no booking licence." in html


def test_an_unpublished_page_says_so(client, alex):
    alex.page_published = False
    alex.save()
    client.force_login(alex)

    html = client.get("/app/").content.decode()

    assert 'id="page-unpublished"' in html


def test_without_a_page_address_the_dashboard_points_to_the_profile(client, alex):
    alex.page_slug = None
    alex.save()
    client.force_login(alex)

    html = client.get("/app/").content.decode()

    assert 'id="page-missing"' in html and 'href="/app/profile"' in html
    assert 'id="page-url"' not in html and 'id="signature-snippet"' not in html


def test_the_snippets_link_to_the_page_and_are_shown_as_text(signed_in, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"

    html = signed_in.get("/app/").content.decode()

    signature = '<a href="https://book.example.org/alex">Book time with Alex Martin</a>'
    assert html_lib.escape(signature, quote=True) in html
    assert 'data-copy="#signature-snippet"' in html
    assert "&lt;a href=&quot;https://book.example.org/alex&quot; data-bookwithme=" in html
    assert 'data-copy="#embed-snippet"' in html


def test_the_snippets_escape_the_name_twice(client):
    person = make_person(name=SCRIPT)
    client.force_login(person)

    html = client.get("/app/").content.decode()

    assert "<script>alert" not in html
    # Escaped once inside the snippet's HTML, once more to show that HTML as text.
    assert "Book time with &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;" in html


def test_the_next_bookings_show_in_the_organizers_time_zone(signed_in, alex):
    mt = make_type(alex, title="Intro call")
    book(mt, "2026-06-02T09:00:00+02:00")

    html = signed_in.get("/app/").content.decode()

    assert "Tuesday, June 2, 2026" in html
    assert "9:00 AM \N{EN DASH} 9:30 AM" in html  # Paris time, not New York's 03:00
    assert "Intro call" in html and "Sam Doe" in html
    assert 'href="mailto:sam@example.org"' in html
    assert "Paris (Central European Time)" in html  # as the picker names it
    assert 'id="all-bookings"' in html and 'href="/app/bookings"' in html


def test_only_ones_own_confirmed_bookings_to_come_are_listed(signed_in, alex, frozen):
    mt = make_type(alex)
    book(mt, "2026-06-01T09:00:00+02:00", name="Earlier Person")
    cancelled = book(mt, "2026-06-02T10:00:00+02:00", name="Cancelled Person")
    services.cancel(cancelled, by=Booking.CancelledBy.ATTENDEE)
    book(mt, "2026-06-03T10:00:00+02:00", name="Coming Person")
    book(make_type(make_person()), "2026-06-03T11:00:00+02:00", name="Somebody Elses")
    frozen.move_to(datetime.fromisoformat("2026-06-01T12:00:00+02:00"))

    html = signed_in.get("/app/").content.decode()

    assert "Coming Person" in html
    for hidden in ("Earlier Person", "Cancelled Person", "Somebody Elses"):
        assert hidden not in html


def test_only_the_next_five_are_shown_with_a_way_to_all(signed_in, alex):
    mt = make_type(alex)
    for hour in range(9, 15):
        book(mt, f"2026-06-02T{hour:02}:00:00+02:00", name=f"Person {hour}")

    page = dom(signed_in.get("/app/"))

    assert len(page.xpath("//li[@class='booking']")) == 5
    assert "Person 14" not in text(page.body)
    assert page.xpath("//a[text()='See every upcoming booking']/@href") == ["/app/bookings"]


def test_no_bookings_says_so(signed_in):
    assert "Nothing booked yet." in signed_in.get("/app/").content.decode()


def test_booking_details_are_escaped(signed_in, alex):
    book(make_type(alex, title=SCRIPT), "2026-06-02T09:00:00+02:00", name=SCRIPT)

    html = signed_in.get("/app/").content.decode()

    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2


# --- sharing --------------------------------------------------------------------------------


def test_each_public_type_has_its_own_link_to_copy(signed_in, alex, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"
    intro = make_type(alex, title="Intro call", slug="intro")
    make_type(alex, title="Secret", slug="secret", visibility="private")

    page = dom(signed_in.get("/app/"))

    [field] = page.xpath(f"//input[@id='type-url-{intro.pk}']")
    assert field.get("value") == "https://book.example.org/alex/intro"
    [button] = page.xpath(f"//button[@data-copy='#type-url-{intro.pk}']")
    assert text(button) == "Copy link"
    assert page.xpath(f"//label[@for='type-url-{intro.pk}']")
    assert "book.example.org/alex/secret" not in text(page.body)
    assert "/alex/secret" not in signed_in.get("/app/").content.decode()


def test_the_signature_is_shown_rendered_and_copied_as_rich_text(signed_in, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"

    page = dom(signed_in.get("/app/"))

    [link] = page.xpath("//div[@id='signature-preview']/a")
    assert (link.get("href"), text(link)) == (
        "https://book.example.org/alex",
        "Book time with Alex Martin",
    )
    [button] = page.xpath("//button[@id='copy-signature']")
    assert button.get("data-copy-rich") == "#signature-snippet"
    assert (
        button.get("data-copy-text") == "Book time with Alex Martin: https://book.example.org/alex"
    )
    # The HTML itself is still there, folded away.
    assert page.xpath("//details[@class='signature-html']//textarea[@id='signature-snippet']")


# --- the time zone, detected on the first sign-in ----------------------------------------------


def sign_in(client, person, password):
    response = client.post("/app/login", {"username": person.email, "password": password})
    assert response.status_code == 302
    return response


@pytest.fixture
def newcomer():
    person = make_person(name="New Person", time_zone="UTC")
    person.set_password("a-password")
    person.last_login = None
    person.save()
    return person


def send_zone(client, zone="America/Toronto"):
    return client.post("/app/time-zone", {"time_zone": zone})


def test_the_first_sign_in_saves_the_browsers_zone_and_says_so(client, newcomer):
    sign_in(client, newcomer, "a-password")
    page = dom(client.get("/app/"))
    assert page.xpath("//form[@id='detect-zone']/@action") == ["/app/time-zone"]
    assert page.xpath("//script[contains(@src, 'zone.js')]")

    answer = send_zone(client).json()

    assert answer == {"saved": True, "time_zone": "America/Toronto"}
    newcomer.refresh_from_db()
    assert newcomer.time_zone == "America/Toronto"
    page = dom(client.get("/app/"))
    notice = page.xpath("//p[@id='zone-detected']")[0]
    assert "America/Toronto" in text(notice)
    assert notice.xpath(".//a/@href") == ["/app/profile"]
    assert not page.xpath("//form[@id='detect-zone']")
    # Told once.
    assert not dom(client.get("/app/")).xpath("//p[@id='zone-detected']")


def test_the_zone_is_sent_once(client, newcomer):
    sign_in(client, newcomer, "a-password")
    send_zone(client, "UTC")  # the browser says UTC: nothing to change, and nothing more asked

    assert send_zone(client).json() == {"saved": False}
    newcomer.refresh_from_db()
    assert newcomer.time_zone == "UTC"


def test_later_sign_ins_never_change_the_zone(client, newcomer):
    sign_in(client, newcomer, "a-password")
    client.post("/app/logout")
    sign_in(client, newcomer, "a-password")

    assert not dom(client.get("/app/")).xpath("//form[@id='detect-zone']")
    assert send_zone(client).json() == {"saved": False}
    newcomer.refresh_from_db()
    assert newcomer.time_zone == "UTC"


def test_a_zone_chosen_in_the_profile_is_never_replaced(client, newcomer):
    sign_in(client, newcomer, "a-password")
    client.post(
        "/app/profile",
        {"name": "New Person", "time_zone": "UTC", "page_slug": "", "language": "en"},
    )

    assert send_zone(client).json() == {"saved": False}
    newcomer.refresh_from_db()
    assert newcomer.time_zone == "UTC"


def test_someone_with_a_zone_of_their_own_is_not_asked(client):
    person = make_person(time_zone="Europe/Paris")
    person.set_password("a-password")
    person.last_login = None
    person.save()

    sign_in(client, person, "a-password")

    assert not dom(client.get("/app/")).xpath("//form[@id='detect-zone']")
    assert send_zone(client).json() == {"saved": False}
    person.refresh_from_db()
    assert person.time_zone == "Europe/Paris"


def test_an_unknown_zone_is_refused(client, newcomer):
    sign_in(client, newcomer, "a-password")

    response = send_zone(client, "Mars/Olympus")

    assert response.status_code == 400
    newcomer.refresh_from_db()
    assert newcomer.time_zone == "UTC"


def test_sending_a_zone_needs_signing_in_and_a_post(client, newcomer):
    assert send_zone(client).status_code == 302
    client.force_login(newcomer)
    assert client.get("/app/time-zone").status_code == 405
