"""Approval and several lengths in the organizer app: the type form's fields, and the bookings
waiting for approval shown first on the dashboard and the bookings list, with their buttons."""

from datetime import timedelta

import pytest
from dom import dom, one, text
from makers import NOW, make_person, make_type
from test_app_meeting_types import posted

from bookwithme.booking import services
from bookwithme.booking.models import Booking, MeetingType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

START = NOW + timedelta(hours=4)


@pytest.fixture
def alex():
    return make_person(name="Alex Martin", page_slug="alex")


@pytest.fixture
def waiting(alex):
    mt = make_type(alex, title="Vetted call", slug="vetted", requires_approval=True)
    attendee = services.Attendee("Zoé Durand", "zoe@example.org", "Europe/Paris")
    return services.book(mt, START, attendee).booking


def test_the_type_form_sets_lengths_and_approval(signed_in, alex):
    data = posted(durations_minutes="15, 30, 60", requires_approval="on")
    data["approval_timeout_hours"] = "12"
    response = signed_in.post("/app/types/new", data)
    assert response.status_code == 302, response.content[:2000]
    mt = MeetingType.objects.get(owner=alex)
    assert mt.durations_minutes == [15, 30, 60]
    assert mt.requires_approval and mt.approval_timeout_hours == 12
    page = dom(signed_in.get(f"/app/types/{mt.pk}/"))
    assert one(page, "//input[@name='durations_minutes']").get("value") == "15, 30, 60"
    assert one(page, "//input[@name='requires_approval']").get("checked") is not None


def test_lengths_without_the_duration_are_refused_in_the_form(signed_in, alex):
    response = signed_in.post("/app/types/new", posted(durations_minutes="15, 30"))
    assert response.status_code == 200
    error = one(dom(response), "//*[@id='id_durations_minutes_error']")
    assert "duration above" in text(error)
    assert not MeetingType.objects.exists()


@pytest.mark.parametrize("path", ["/app/", "/app/bookings"])
def test_waiting_bookings_come_first_with_their_buttons(signed_in, waiting, path):
    page = dom(signed_in.get(path))
    section = one(page, "//section[@id='pending']")
    assert "Zoé Durand" in text(one(section, f".//li[@id='pending-{waiting.pk}']"))
    one(section, ".//button[@data-approve]")
    one(section, ".//button[@data-decline]")
    # Above every other card of the page's list.
    cards = page.xpath("//main//section")
    assert cards.index(section) <= 1


def test_nothing_is_shown_when_nothing_waits(signed_in, alex):
    assert not dom(signed_in.get("/app/")).xpath("//section[@id='pending']")


def test_approving_from_the_list(signed_in, waiting):
    response = signed_in.post(
        f"/app/bookings/{waiting.pk}/approve", {"next": "/app/bookings"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/app/bookings"
    assert "is approved" in text(dom(response))
    assert Booking.objects.get(pk=waiting.pk).status == Booking.Status.CONFIRMED
    assert not dom(response).xpath("//section[@id='pending']")


def test_declining_with_a_reason_from_the_dashboard(signed_in, waiting):
    response = signed_in.post(
        f"/app/bookings/{waiting.pk}/decline", {"next": "/app/", "reason": "Away."}
    )
    assert response.status_code == 302 and response["Location"] == "/app/"
    declined = Booking.objects.get(pk=waiting.pk)
    assert declined.status == Booking.Status.DECLINED and declined.cancel_reason == "Away."


def test_a_decided_booking_says_so_and_another_site_is_never_the_way_back(signed_in, waiting):
    signed_in.post(f"/app/bookings/{waiting.pk}/approve")
    response = signed_in.post(
        f"/app/bookings/{waiting.pk}/decline", {"next": "https://evil.example/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/app/"
    assert "not waiting for approval" in text(dom(response))
    assert Booking.objects.get(pk=waiting.pk).status == Booking.Status.CONFIRMED


def test_another_persons_booking_is_not_found(client, waiting):
    client.force_login(make_person())
    assert client.post(f"/app/bookings/{waiting.pk}/approve").status_code == 404
    assert Booking.objects.get(pk=waiting.pk).is_pending
