"""The page an approve or decline link opens: it asks, and only a POST from it decides (mail
scanners open links too); a link altered, expired or used after a decision is refused."""

from datetime import timedelta

import pytest
from django.test import Client
from dom import dom, one, text
from makers import NOW, make_person, make_type

from bookwithme.booking import approval, services
from bookwithme.booking.models import Booking

pytestmark = pytest.mark.usefixtures("frozen")

START = NOW + timedelta(hours=4)


@pytest.fixture
def booking(db):
    alex = make_person(name="Alex Martin", page_slug="alex")
    mt = make_type(alex, title="Vetted call", slug="vetted", requires_approval=True)
    attendee = services.Attendee("Zoé Durand", "zoe@example.org", "Europe/Paris", notes="Hi")
    return services.book(mt, START, attendee).booking


def url(booking, action):
    return f"/approval/{action}/{approval.link_token(booking, action)}"


@pytest.mark.parametrize("action", ["approve", "decline"])
def test_opening_a_link_only_asks(client, booking, action):
    response = client.get(url(booking, action))
    assert response.status_code == 200
    page = dom(response)
    assert "Zoé Durand" in text(one(page, "//dl"))
    one(page, "//form[@method='post']//button[@data-decide]")
    assert Booking.objects.get(pk=booking.pk).is_pending
    assert response["Cache-Control"].startswith("max-age=0")


def test_approving_from_the_page(client, booking):
    response = client.post(url(booking, "approve"))
    assert response.status_code == 200
    assert "Booking approved" in text(one(dom(response), "//*[@data-status-head]"))
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_declining_from_the_page_with_a_reason(client, booking):
    response = client.post(url(booking, "decline"), {"reason": "Away, sorry."})
    assert response.status_code == 200
    declined = Booking.objects.get(pk=booking.pk)
    assert declined.status == Booking.Status.DECLINED
    assert declined.cancel_reason == "Away, sorry."


def test_a_decision_needs_the_pages_csrf_token(booking):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(booking, "approve")).status_code == 403
    assert Booking.objects.get(pk=booking.pk).is_pending


def test_a_link_used_after_a_decision_is_refused(client, booking):
    approve, decline = url(booking, "approve"), url(booking, "decline")
    client.post(approve)
    for link in (approve, decline):
        response = client.get(link)
        assert response.status_code == 410
        one(dom(response), "//*[@data-refused='decided']")
        assert client.post(link).status_code == 410
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_an_altered_link_is_refused(client, booking):
    link = url(booking, "approve")
    response = client.post(link[:-3] + "abc")
    assert response.status_code == 404
    one(dom(response), "//*[@data-refused='invalid']")
    # A decline link does not approve.
    token = approval.link_token(booking, "decline")
    assert client.post(f"/approval/approve/{token}").status_code == 404
    assert client.get(f"/approval/delete/{token}").status_code == 404
    assert Booking.objects.get(pk=booking.pk).is_pending


def test_an_expired_link_is_refused(client, booking, frozen):
    link = url(booking, "approve")
    frozen.move_to(START)  # the deadline: its start comes before the 24 hours
    response = client.post(link)
    assert response.status_code == 410
    one(dom(response), "//*[@data-refused='expired']")
    assert Booking.objects.get(pk=booking.pk).is_pending  # the sweep declines it


def test_the_page_speaks_french(client, booking):
    client.cookies["django_language"] = "fr"
    page = dom(client.get(url(booking, "approve"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert page.get("lang") == "fr"
    assert "Accepter" in text(one(page, "//button[@data-decide]"))


# --- the attendee's manage page meanwhile


def manage(client, booking, query=""):
    return dom(client.get(f"/manage/{booking.manage_token()}{query}"))


def test_the_manage_page_says_it_waits_and_offers_only_to_cancel(client, booking):
    page = manage(client, booking, "?booked=1")
    head = text(one(page, "//*[@data-status-head]"))
    assert "Waiting for Alex Martin's approval" in head
    assert "You're booked" not in text(page)
    one(page, "//button[@data-opens='cancel']")
    one(page, "//section[@id='cancel']")
    assert not page.xpath("//*[@data-opens='reschedule'] | //section[@id='reschedule']")
    assert not page.xpath("//*[@data-ics]")


def test_the_manage_page_of_a_declined_request_says_so_with_the_reason(client, booking):
    approval.decline(booking, reason="Away that day.")
    page = manage(client, booking)
    head = text(one(page, "//*[@data-status-head]"))
    assert "This booking request was declined" in head and "Away that day." in head
    assert one(page, "//a[@data-book-again]").get("href") == "/alex/vetted"
    assert not page.xpath("//*[@data-opens]")
