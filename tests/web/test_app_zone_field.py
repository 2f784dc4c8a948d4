"""The organizer's time zone field: the visitors' list of zones by name (old names shown as
their current one), any IANA zone still accepted, anything else refused with the usual message."""

import json
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from dom import dom, text
from makers import make_person, make_type

from bookwithme.booking import services
from bookwithme.directory.models import Person, validate_time_zone
from bookwithme.web import zones

pytestmark = pytest.mark.django_db


@pytest.fixture
def alex():
    return make_person(name="Alex Martin", page_slug="alex", time_zone="Europe/Kiev")


def posted(zone: str) -> dict:
    return {"name": "Alex Martin", "time_zone": zone, "page_slug": "alex", "language": "en"}


def zone_select(response):
    return dom(response).xpath("//select[@name='time_zone']")[0]


def test_the_field_offers_the_current_zones_by_name_an_old_one_shown_as_its_current(signed_in):
    select = zone_select(signed_in.get("/app/profile"))

    options = {o.get("value"): text(o) for o in select.xpath("option")}
    assert select.xpath("option[@selected]/@value") == ["Europe/Kyiv"]
    assert options["America/Toronto"] == "Toronto (Eastern Time)"
    assert options["Europe/Kyiv"] == "Kyiv (Eastern European Time)"
    assert "Europe/Kiev" not in options and "Asia/Calcutta" not in options
    assert set(options) == set(zones.current_zones())


def test_the_page_carries_the_searchable_list_and_its_texts(signed_in):
    page = dom(signed_in.get("/app/profile"))

    listed = json.loads(page.xpath("//script[@id='web-zones']")[0].text)
    assert {"America/Toronto", "Europe/Kyiv"} <= {row[0] for row in listed["zones"]}
    texts = json.loads(page.xpath("//script[@id='id_time_zone-strings']")[0].text)
    assert texts["no_zone"] == "No time zone matches. Try a city or a country."
    combo = page.xpath("//input[@role='combobox']")[0]
    assert combo.get("aria-controls") == "id_time_zone-list"
    assert page.xpath("//script[@src='/static/web/zonefield.js']")


@pytest.mark.parametrize("zone", ["Europe/Kiev", "US/Eastern", "Etc/GMT+5", "America/Toronto"])
def test_any_iana_zone_is_accepted_and_stays_offered(signed_in, alex, zone):
    response = signed_in.post("/app/profile", posted(zone))

    assert response.status_code == 302
    alex.refresh_from_db()
    assert alex.time_zone == zone
    shown = zone_select(signed_in.get("/app/profile")).xpath("option[@selected]/@value")
    assert shown == [zones.current_name(zone)]  # old names as their current one


@pytest.mark.parametrize("zone", ["Mars/Olympus", "europe/paris", "Europe/Kyiv/Old"])
def test_anything_else_is_refused_with_the_usual_message(signed_in, alex, zone):
    with pytest.raises(ValidationError) as refused:
        validate_time_zone(zone)
    expected = refused.value.messages[0]

    response = signed_in.post("/app/profile", posted(zone))

    assert response.status_code == 200
    page = dom(response)
    assert text(page.xpath("//ul[@id='id_time_zone_error']")[0]) == expected
    # The refused value is still what the field shows, not a zone picked in its place.
    assert zone_select(response).xpath("option[@selected]/@value") == [zone]
    assert Person.objects.get(pk=alex.pk).time_zone == "Europe/Kiev"


def test_labels_name_zones_as_the_picker_does():
    assert zones.label("America/Toronto", "en") == "Toronto (Eastern Time)"
    assert zones.label("America/Montreal", "en") == "Toronto (Eastern Time)"
    assert zones.label("Asia/Calcutta", "en") == zones.label("Asia/Kolkata", "en")
    assert zones.label("Europe/Paris", "fr") == "Paris (heure d\u2019Europe centrale)"
    assert zones.label("Etc/GMT+5", "en") == "Etc/GMT+5"


def test_the_manage_page_names_the_attendees_zone_and_keeps_the_id_as_a_tooltip(client, frozen):
    owner = make_person(page_slug="camille", weekly={"mon": [["09:00", "17:00"]]})
    meeting_type = make_type(owner, slug="intro")
    attendee = services.Attendee("Dominique", "dominique@example.org", "America/Montreal")
    booked = services.book(meeting_type, datetime(2026, 6, 1, 9, 0, tzinfo=UTC), attendee)

    page = dom(client.get(f"/manage/{booked.manage_token}", HTTP_ACCEPT_LANGUAGE="fr"))

    named = page.xpath("//*[@data-zone-name]")[0]
    assert text(named) == "Toronto (heure de l\u2019Est nord-américain)"
    assert named.get("title") == "America/Toronto"
