"""The dashboard: one's page and its state, the bookings to come, cancelling one."""

import html as html_lib
from datetime import datetime

import pytest
from django.test import Client
from makers import make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.errors import Invalid
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
    assert "&lt;iframe src=&quot;https://book.example.org/alex&quot;" in html
    assert 'data-copy="#embed-snippet"' in html


def test_the_snippets_escape_the_name_twice(client):
    person = make_person(name=SCRIPT)
    client.force_login(person)

    html = client.get("/app/").content.decode()

    assert "<script>alert" not in html
    # Escaped once inside the snippet's HTML, once more to show that HTML as text.
    assert "Book time with &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;" in html


def test_upcoming_bookings_show_in_the_organizers_time_zone(signed_in, alex):
    mt = make_type(alex, title="Intro call", questions=[{"id": "topic", "label": "Topic"}])
    book(mt, "2026-06-02T09:00:00+02:00", notes="Bring the plan", answers={"topic": "Budget"})

    html = signed_in.get("/app/").content.decode()

    assert "Tuesday 2 June 2026" in html
    assert "09:00\N{EN DASH}09:30" in html  # Paris time, not New York's 03:00
    assert "Intro call" in html and "Sam Doe" in html
    assert 'href="mailto:sam@example.org"' in html
    assert "Bring the plan" in html
    assert "<dt>Topic</dt><dd>Budget</dd>" in html
    assert "Europe/Paris" in html


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


def test_no_bookings_says_so(signed_in):
    assert "Nothing booked yet." in signed_in.get("/app/").content.decode()


def test_the_organizer_cancels_a_booking_with_a_reason(signed_in, alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")

    response = signed_in.post(
        f"/app/bookings/{booking.pk}/cancel", {f"cancel-{booking.pk}-reason": "I am ill"}
    )

    assert response.status_code == 302 and response["Location"] == "/app/"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_by == Booking.CancelledBy.ORGANIZER
    assert booking.cancel_reason == "I am ill"
    html = signed_in.get("/app/").content.decode()
    assert "Your booking with Sam Doe is cancelled" in html
    assert f'id="booking-{booking.pk}"' not in html


def test_cancelling_without_a_reason_works_too(signed_in, alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")

    signed_in.post(f"/app/bookings/{booking.pk}/cancel")

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.cancel_reason == ""


def test_a_bad_reason_is_refused_with_the_services_message(signed_in, alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")
    with pytest.raises(Invalid) as refused:
        services.cancel(booking, by=Booking.CancelledBy.ORGANIZER, reason="a\x01b")
    expected = refused.value.message_dict["reason"][0]

    response = signed_in.post(
        f"/app/bookings/{booking.pk}/cancel", {f"cancel-{booking.pk}-reason": "a\x01b"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html
    assert 'aria-invalid="true"' in html
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_someone_elses_booking_cannot_be_cancelled(signed_in):
    booking = book(make_type(make_person()), "2026-06-02T09:00:00+02:00")

    response = signed_in.post(f"/app/bookings/{booking.pk}/cancel")

    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_cancelling_needs_the_csrf_token(alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alex)

    response = client.post(f"/app/bookings/{booking.pk}/cancel")

    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_booking_details_are_escaped(signed_in, alex):
    book(make_type(alex, title=SCRIPT), "2026-06-02T09:00:00+02:00", notes=SCRIPT)

    html = signed_in.get("/app/").content.decode()

    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2
