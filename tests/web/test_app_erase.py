"""The organizer app's "Erase the attendee's data" on a booking that is over or cancelled."""

from datetime import timedelta

import pytest
from dom import dom, text
from makers import NOW, ended, make_person, make_type

from bookwithme.booking import services
from bookwithme.directory.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def alex():
    return make_person(name="Alex Martin", page_slug="alex", time_zone="Europe/Paris")


def erase_buttons(client, tab):
    page = dom(client.get(f"/app/bookings?tab={tab}"))
    return [b.get("id") for b in page.xpath("//button[starts-with(@id, 'erase-')]")]


def test_a_past_booking_offers_erasing_and_erasing_keeps_its_time(signed_in, alex):
    past = ended(make_type(alex), NOW - timedelta(days=1))
    assert erase_buttons(signed_in, "past") == [f"erase-{past.pk}"]

    response = signed_in.post(f"/app/bookings/{past.pk}/erase?tab=past", follow=True)

    assert response.redirect_chain[-1][0] == "/app/bookings?tab=past"
    page = dom(response)
    assert "The data of Zoé Durand on this booking is erased" in text(page)
    (row,) = page.xpath("//li[@class='booking']")
    assert "(erased)" in text(row)
    assert "zoe@example.org" not in response.content.decode()
    assert not row.xpath(".//a[starts-with(@href, 'mailto:')]")
    assert erase_buttons(signed_in, "past") == []  # nothing left to erase
    assert AuditEntry.objects.filter(setting="privacy erase booking", actor=alex.email).exists()


def test_an_upcoming_booking_offers_cancelling_not_erasing(signed_in, alex):
    attendee = services.Attendee("Zoé", "zoe@example.org", "UTC")
    upcoming = services.book(make_type(alex), NOW + timedelta(hours=4), attendee).booking
    assert erase_buttons(signed_in, "upcoming") == []

    response = signed_in.post(f"/app/bookings/{upcoming.pk}/erase", follow=True)

    assert "Cancel it first, then erase it." in text(dom(response))
    upcoming.refresh_from_db()
    assert upcoming.attendee_email == "zoe@example.org"


def test_someone_elses_booking_is_not_found(signed_in, alex):
    theirs = ended(make_type(make_person()), NOW - timedelta(days=1))
    assert signed_in.post(f"/app/bookings/{theirs.pk}/erase").status_code == 404
    theirs.refresh_from_db()
    assert theirs.attendee_email == "zoe@example.org"
