"""The organizer's bookings: tabs, search, details, history, moving, cancelling, CSV export."""

import csv
import io
from datetime import datetime

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from dom import dom, text
from makers import make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.errors import Invalid
from bookwithme.booking.models import Booking
from bookwithme.notify.models import OutboxMessage
from bookwithme.web.app import bookings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"
FAN_OUT = "bookwithme.notify.tasks.fan_out"


def book(mt, start: str, name: str = "Sam Doe", email: str = "sam@example.org", **extra):
    attendee = services.Attendee(name=name, email=email, time_zone="America/New_York", **extra)
    return services.book(mt, datetime.fromisoformat(start), attendee).booking


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


@pytest.fixture
def alex():
    return make_person(name="Alex Martin", page_slug="alex", time_zone="Europe/Paris")


@pytest.fixture
def mixed(alex, frozen):
    """One booking of each kind, the clock then moved to Tuesday noon in Paris."""
    mt = make_type(alex)
    made = {
        "past": book(mt, "2026-06-01T09:00:00+02:00", name="Pat Past", email="pat@example.org"),
        "soon": book(mt, "2026-06-03T10:00:00+02:00", name="Una Soon", email="una@example.org"),
        "later": book(mt, "2026-06-04T10:00:00+02:00", name="Lee Later", email="lee@corp.example"),
        "cancelled": book(mt, "2026-06-05T10:00:00+02:00", name="Cy Gone", email="cy@example.org"),
    }
    services.cancel(made["cancelled"], by=Booking.CancelledBy.ATTENDEE, reason="Ill")
    book(make_type(make_person()), "2026-06-03T11:00:00+02:00", name="Somebody Elses")
    frozen.move_to(at("2026-06-02T12:00:00+02:00"))
    return made


def shown(client, query: str = "") -> list[str]:
    """The attendees' names listed, in order."""
    page = dom(client.get(f"/app/bookings{query}"))
    return [
        text(li.xpath(".//div[@class='booking-what']/p[1]")[0]).split(" with ")[1].split(" ·")[0]
        for li in page.xpath("//li[@class='booking']")
    ]


def test_each_tab_lists_its_own_bookings_in_its_order(signed_in, mixed):
    assert shown(signed_in) == ["Una Soon", "Lee Later"]
    assert shown(signed_in, "?tab=upcoming") == ["Una Soon", "Lee Later"]
    assert shown(signed_in, "?tab=past") == ["Pat Past"]
    assert shown(signed_in, "?tab=cancelled") == ["Cy Gone"]


def test_an_unknown_tab_shows_the_upcoming_ones(signed_in, mixed):
    assert shown(signed_in, "?tab=nonsense") == ["Una Soon", "Lee Later"]


def test_search_finds_by_name_or_email_within_the_tab(signed_in, mixed):
    assert shown(signed_in, "?q=una") == ["Una Soon"]
    assert shown(signed_in, "?q=CORP.example") == ["Lee Later"]
    assert shown(signed_in, "?tab=cancelled&q=cy") == ["Cy Gone"]
    assert shown(signed_in, "?tab=past&q=una") == []
    html = signed_in.get("/app/bookings?q=nobody").content.decode()
    assert "No booking matches “nobody”." in html


def test_the_search_is_kept_across_the_tabs_and_the_export(signed_in, mixed):
    page = dom(signed_in.get("/app/bookings?q=una"))

    assert page.xpath("//a[@id='tab-past']/@href") == ["?tab=past&q=una"]
    assert page.xpath("//a[@id='export-csv']/@href") == [
        "/app/bookings/export.csv?tab=upcoming&q=una"
    ]
    assert page.xpath("//input[@id='booking-q']/@value") == ["una"]


def test_a_booking_shows_its_answers_place_link_and_history(signed_in, alex, frozen):
    mt = make_type(
        alex,
        location={"kind": "in_person", "value": "12 rue de la Paix, Paris"},
        questions=[{"id": "topic", "label": "Topic"}],
    )
    booking = book(mt, "2026-06-02T09:00:00+02:00", notes="Bring the plan", answers={"topic": "Q3"})
    frozen.move_to(at("2026-06-01T10:00:00+02:00"))
    services.reschedule(booking, at("2026-06-03T09:00:00+02:00"))

    page = dom(signed_in.get("/app/bookings"))

    [item] = page.xpath(f"//li[@id='booking-{booking.pk}']")
    facts = dict(
        zip(
            [text(dt) for dt in item.xpath(".//dt")],
            [text(dd) for dd in item.xpath(".//dd")],
            strict=True,
        )
    )
    assert facts["Where"] == "In person: 12 rue de la Paix, Paris"
    assert facts["Topic"] == "Q3" and facts["Notes"] == "Bring the plan"
    history = [text(li) for li in item.xpath(".//details[@class='history small']//li")]
    assert history[0].startswith("Booked · Monday, June 1, 2026, 8:00 AM")
    assert history[1] == "Moved to this time · Monday, June 1, 2026, 10:00 AM"
    assert "Wednesday, June 3, 2026" in text(item)


def test_a_cancelled_booking_says_who_cancelled_and_why(signed_in, mixed):
    page = dom(signed_in.get("/app/bookings?tab=cancelled"))

    [item] = page.xpath("//li[@class='booking']")
    assert "Reason for cancelling" in text(item) and "Ill" in text(item)
    history = [text(li) for li in item.xpath(".//details[@class='history small']//li")]
    assert history[-1].startswith("Cancelled by the attendee")
    # Nothing to move or cancel any more; only its attendee's data to erase.
    assert not item.xpath(".//a[starts-with(@id, 'move-')]")
    assert [f.get("action") for f in item.xpath(".//form")] == [
        f"/app/bookings/{mixed['cancelled'].pk}/erase?tab=cancelled&page=1"
    ]


def test_past_bookings_cannot_be_moved_or_cancelled_from_the_list(signed_in, mixed):
    page = dom(signed_in.get("/app/bookings?tab=past"))

    assert not page.xpath("//a[starts-with(@id, 'move-')]")
    assert not page.xpath("//details[@class='cancel']")


def test_the_list_is_paginated_and_keeps_the_tab_and_search(signed_in, alex, monkeypatch):
    monkeypatch.setattr(bookings, "PER_PAGE", 2)
    mt = make_type(alex)
    for day in (2, 3, 4):
        book(mt, f"2026-06-0{day}T10:00:00+02:00", name=f"Ann {day}")

    assert shown(signed_in, "?q=ann") == ["Ann 2", "Ann 3"]
    assert shown(signed_in, "?q=ann&page=2") == ["Ann 4"]
    page = dom(signed_in.get("/app/bookings?q=ann"))
    assert page.xpath("//nav[@class='pages']/a[@rel='next']/@href") == [
        "?tab=upcoming&q=ann&page=2"
    ]


def test_listing_takes_few_queries_whatever_the_number_of_bookings(
    signed_in, alex, django_assert_max_num_queries
):
    mt = make_type(alex)
    for day in range(2, 6):
        for hour in (9, 10, 11, 14, 15, 16):
            book(mt, f"2026-06-0{day}T{hour:02}:00:00+02:00")

    with django_assert_max_num_queries(8):
        signed_in.get("/app/bookings")


def test_booking_details_are_escaped(signed_in, alex):
    book(make_type(alex, title=SCRIPT), "2026-06-02T09:00:00+02:00", notes=SCRIPT, name=SCRIPT)

    html = signed_in.get(f"/app/bookings?q={SCRIPT}").content.decode()

    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3


def test_anonymous_people_are_sent_to_sign_in(client):
    for url in ("/app/bookings", "/app/bookings/export.csv", "/app/bookings/1/move"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/app/login")


# --- cancelling ---------------------------------------------------------------------------


def run_fan_outs() -> None:
    """What a worker does first after a booking change: the change's outbox rows."""
    for result in DBTaskResult.objects.filter(task_path=FAN_OUT, status="READY"):
        result.claim("test")
        result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        result.set_successful(None)


def test_the_organizer_cancels_a_booking_and_the_attendee_is_told(signed_in, alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")

    response = signed_in.post(
        f"/app/bookings/{booking.pk}/cancel?tab=upcoming&q=sam",
        {f"cancel-{booking.pk}-reason": "I am ill"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/app/bookings?tab=upcoming&q=sam"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert (booking.cancelled_by, booking.cancel_reason) == ("organizer", "I am ill")
    run_fan_outs()
    told = OutboxMessage.objects.get(booking=booking, kind="cancelled", recipient="attendee")
    assert told.to_email == "sam@example.org"
    html = signed_in.get(response["Location"]).content.decode()
    assert "Your booking with Sam Doe is cancelled" in html
    assert shown(signed_in, "?tab=cancelled") == ["Sam Doe"]


def test_a_cancelled_booking_frees_its_time(signed_in, alex):
    mt = make_type(alex)
    booking = book(mt, "2026-06-02T09:00:00+02:00")

    signed_in.post(f"/app/bookings/{booking.pk}/cancel")

    assert book(mt, "2026-06-02T09:00:00+02:00", name="Next One").is_active


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
    assert expected in html and 'aria-invalid="true"' in html
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_someone_elses_booking_cannot_be_cancelled_or_moved(signed_in):
    booking = book(make_type(make_person()), "2026-06-02T09:00:00+02:00")

    assert signed_in.post(f"/app/bookings/{booking.pk}/cancel").status_code == 404
    assert signed_in.get(f"/app/bookings/{booking.pk}/move").status_code == 404
    moved = signed_in.post(
        f"/app/bookings/{booking.pk}/move", {"start": "2026-06-02T10:00:00+02:00"}
    )
    assert moved.status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.sequence == 0


def test_cancelling_needs_the_csrf_token(alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alex)

    assert client.post(f"/app/bookings/{booking.pk}/cancel").status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


# --- moving -------------------------------------------------------------------------------


def test_the_move_page_offers_the_types_free_times_of_a_week(signed_in, alex):
    mt = make_type(alex)
    booking = book(mt, "2026-06-02T09:00:00+02:00")
    book(mt, "2026-06-02T10:00:00+02:00", name="Other Person")

    page = dom(signed_in.get(f"/app/bookings/{booking.pk}/move?day=2026-06-02"))

    starts = page.xpath("//input[@name='start']/@value")
    assert "2026-06-02T09:30:00+02:00" in starts
    assert "2026-06-02T09:00:00+02:00" not in starts  # where it is now
    assert "2026-06-02T10:00:00+02:00" not in starts  # someone else's
    assert "2026-06-08T09:00:00+02:00" in starts  # the next Monday, the 7th day shown
    assert "2026-06-09T09:00:00+02:00" not in starts
    assert len(page.xpath("//h3[@class='move-day-name']")) == bookings.MOVE_DAYS


def test_the_move_page_never_shows_days_gone_by(signed_in, alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")

    page = dom(signed_in.get(f"/app/bookings/{booking.pk}/move?day=2020-01-01"))

    assert text(page.xpath("//h3[@class='move-day-name']")[0]) == "Monday, June 1, 2026"


def test_the_organizer_moves_a_booking_and_the_attendee_is_told_as_for_their_own_move(
    signed_in, alex
):
    mt = make_type(alex)
    mine = book(mt, "2026-06-02T09:00:00+02:00")
    theirs = book(mt, "2026-06-02T11:00:00+02:00", name="Their Own")
    run_fan_outs()

    response = signed_in.post(
        f"/app/bookings/{mine.pk}/move",
        {"start": "2026-06-03T14:00:00+02:00", "back": "/app/bookings?tab=upcoming&q=sam"},
    )
    services.reschedule(theirs, at("2026-06-03T15:00:00+02:00"))  # as the manage page does
    run_fan_outs()

    assert response.status_code == 302
    assert response["Location"] == "/app/bookings?tab=upcoming&q=sam"
    mine.refresh_from_db()
    assert mine.start == at("2026-06-03T14:00:00+02:00") and mine.sequence == 1
    sent = {
        (m.booking_id, m.recipient): m for m in OutboxMessage.objects.filter(kind="rescheduled")
    }
    assert set(sent) == {(b.pk, r) for b in (mine, theirs) for r in ("attendee", "organizer")}
    assert sent[(mine.pk, "attendee")].to_email == "sam@example.org"
    assert sent[(mine.pk, "attendee")].previous_start == at("2026-06-02T09:00:00+02:00")
    html = signed_in.get(response["Location"]).content.decode()
    assert "Your booking with Sam Doe is moved; they are told by email." in html


def test_a_move_frees_the_old_time_and_takes_the_new_one(signed_in, alex):
    mt = make_type(alex)
    booking = book(mt, "2026-06-02T09:00:00+02:00")

    signed_in.post(f"/app/bookings/{booking.pk}/move", {"start": "2026-06-02T14:00:00+02:00"})

    assert book(mt, "2026-06-02T09:00:00+02:00", name="Takes The Old").is_active
    with pytest.raises(services.SlotUnavailable):
        book(mt, "2026-06-02T14:00:00+02:00", name="Wants The New")


def test_a_move_onto_a_taken_time_is_refused(signed_in, alex):
    mt = make_type(alex)
    booking = book(mt, "2026-06-02T09:00:00+02:00")
    book(mt, "2026-06-02T14:00:00+02:00", name="Got There First")

    response = signed_in.post(
        f"/app/bookings/{booking.pk}/move", {"start": "2026-06-02T14:00:00+02:00"}
    )

    assert response.status_code == 200
    page = dom(response)
    assert text(page.xpath("//ul[@id='id_start_error']")[0]) == (
        "That time is no longer free. Pick another one."
    )
    booking.refresh_from_db()
    assert booking.start == at("2026-06-02T09:00:00+02:00") and booking.sequence == 0


def test_a_move_without_a_time_asks_for_one(signed_in, alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")

    response = signed_in.post(f"/app/bookings/{booking.pk}/move", {"start": ""})

    assert response.status_code == 200
    assert "Pick a new time." in response.content.decode()
    assert "This field is required." not in response.content.decode()


def test_a_cancelled_booking_cannot_be_moved(signed_in, alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")
    services.cancel(booking, by=Booking.CancelledBy.ATTENDEE)

    response = signed_in.post(
        f"/app/bookings/{booking.pk}/move", {"start": "2026-06-02T14:00:00+02:00"}
    )

    assert response.status_code == 200
    assert "This booking is cancelled; it cannot be moved." in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == at("2026-06-02T09:00:00+02:00")


def test_moving_goes_back_only_to_the_bookings_list(signed_in, alex):
    booking = book(make_type(alex), "2026-06-02T09:00:00+02:00")

    response = signed_in.post(
        f"/app/bookings/{booking.pk}/move",
        {"start": "2026-06-02T14:00:00+02:00", "back": "https://evil.example/app/bookings?"},
    )

    assert response["Location"] == "/app/bookings"


# --- export -------------------------------------------------------------------------------


def exported(client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/app/bookings/export.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_the_export_holds_the_tab_and_search_shown(signed_in, mixed):
    assert [r["Name"] for r in exported(signed_in)] == ["Una Soon", "Lee Later"]
    assert [r["Name"] for r in exported(signed_in, "?q=lee")] == ["Lee Later"]
    assert [r["Name"] for r in exported(signed_in, "?tab=past")] == ["Pat Past"]
    [cancelled] = exported(signed_in, "?tab=cancelled")
    assert (cancelled["Name"], cancelled["Booking status"]) == ("Cy Gone", "Cancelled")
    assert cancelled["Cancellation reason"] == "Ill" and cancelled["Cancelled at"]
    response = signed_in.get("/app/bookings/export.csv?tab=past")
    assert response["Content-Disposition"] == 'attachment; filename="bookings-past.csv"'


def test_the_export_has_every_detail_in_the_organizers_time(signed_in, alex):
    mt = make_type(
        alex,
        title="Site visit",
        location={"kind": "in_person", "value": "12 rue de la Paix"},
        questions=[{"id": "topic", "label": "Topic"}, {"id": "size", "label": "Size"}],
    )
    book(
        mt, "2026-06-02T09:00:00+02:00", notes="Two\nlines", answers={"topic": "Roof", "size": "L"}
    )

    [row] = exported(signed_in)

    assert row["Start"] == "2026-06-02 09:00" and row["End"] == "2026-06-02 09:30"
    assert row["Time zone"] == "Europe/Paris" and row["Meeting type"] == "Site visit"
    assert (row["Name"], row["Email"], row["Booking status"]) == (
        "Sam Doe",
        "sam@example.org",
        "Confirmed",
    )
    assert row["Location"] == "In person: 12 rue de la Paix"
    assert row["Notes"] == "Two\nlines" and row["Answers"] == "Topic: Roof\nSize: L"
    assert row["Booked at"] == "2026-06-01 08:00"


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_the_export_defuses_cells_a_spreadsheet_would_run(signed_in, alex, start):
    mt = make_type(alex, questions=[{"id": "topic", "label": "Topic"}])
    formula = f'{start}HYPERLINK("https://evil.example")'
    book(mt, "2026-06-02T09:00:00+02:00", name=formula, notes=formula, answers={"topic": "x"})

    [row] = exported(signed_in)

    assert row["Name"] == f"'{formula}" and row["Notes"] == f"'{formula}"


def test_cells_are_defused_only_when_they_start_with_a_formula_sign():
    assert bookings.cell("=1+1") == "'=1+1"
    assert bookings.cell("\t=1") == "'\t=1"
    assert bookings.cell("a=1") == "a=1"
    assert bookings.cell("2026-06-02 09:00") == "2026-06-02 09:00"
    assert bookings.cell(None) == ""


def test_the_export_holds_only_ones_own_bookings(signed_in, alex):
    book(make_type(make_person()), "2026-06-02T09:00:00+02:00", name="Somebody Elses")

    assert exported(signed_in) == []


def test_a_large_export_is_streamed_in_few_queries(signed_in, alex, django_assert_max_num_queries):
    mt = make_type(alex)
    for day in range(2, 6):
        for hour in (9, 10, 11, 14, 15, 16):
            book(mt, f"2026-06-0{day}T{hour:02}:00:00+02:00")

    with django_assert_max_num_queries(6):
        rows = exported(signed_in)

    assert len(rows) == 24


def test_the_export_says_when_consent_was_given_in_the_organizers_time(signed_in, alex):
    asks = make_type(alex, title="Asks", slug="asks", ask_consent=True)
    book(asks, "2026-06-01T09:00:00+02:00", name="Con Sent", consent=True)
    book(make_type(alex, title="Plain", slug="plain"), "2026-06-01T11:00:00+02:00")
    rows = {r["Name"]: r for r in exported(signed_in)}
    # Booked at the frozen moment, 08:00 in Paris.
    assert rows["Con Sent"]["Consent given at"] == "2026-06-01 08:00"
    assert rows["Sam Doe"]["Consent given at"] == ""
