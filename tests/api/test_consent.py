"""Consent to the privacy notice (`MeetingType.ask_consent`): a type that asks it is booked only
with `"consent": true`, which the booking keeps as `consent_at`; the public API says whether a
type asks it and where the organization's notice is; the organizer sets it and reads it."""

import json

import pytest
from apicheck import API, assert_error, ok
from makers import NOW, auth, make_link, make_token, make_type

from bookwithme.booking.models import Booking

START = "2026-06-01T10:00:00+02:00"


@pytest.fixture
def asks(alex):
    return make_type(alex, slug="asks", ask_consent=True)


@pytest.fixture
def plain(alex):
    return make_type(alex, slug="plain")


def book(client, path="/pages/alex/asks/bookings", headers=None, **extra):
    body = {
        "start": START,
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
        **extra,
    }
    return client.post(
        API + path, json.dumps(body), content_type="application/json", **(headers or {})
    )


def notice(alex, **fields):
    org = alex.organization
    for name, value in fields.items():
        setattr(org, name, value)
    org.save()


# --- booking -------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [{}, {"consent": False}], ids=["missing", "false"])
def test_a_type_that_asks_consent_refuses_a_booking_without_it(client, asks, sent):
    body = assert_error(book(client, **sent), 422, "validation")
    assert body["fields"] == {"consent": ["Agree to the privacy notice to book."]}
    assert not Booking.objects.exists()


@pytest.mark.parametrize("value", ["yes", 1, None, "true"])
def test_consent_is_true_or_false_nothing_else(client, asks, value):
    body = assert_error(book(client, consent=value), 422, "validation")
    assert "consent" in body["fields"], body
    assert not Booking.objects.exists()


def test_the_refusal_is_said_in_the_visitors_language(client, asks):
    body = assert_error(book(client, headers={"HTTP_ACCEPT_LANGUAGE": "fr"}), 422, "validation")
    assert body["fields"]["consent"] == ["Acceptez la politique de confidentialité pour réserver."]


def test_other_refusals_come_with_the_consents(client, asks):
    body = assert_error(book(client, email="nope"), 422, "validation")
    assert set(body["fields"]) == {"email", "consent"}


def test_a_booking_with_consent_keeps_when_it_was_given(client, asks):
    booked = ok(book(client, consent=True), 201)
    assert Booking.objects.get(pk=booked["id"]).consent_at == NOW


def test_a_type_that_does_not_ask_books_without_consent(client, plain):
    booked = ok(book(client, "/pages/alex/plain/bookings"), 201)
    assert Booking.objects.get(pk=booked["id"]).consent_at is None


def test_consent_sent_to_a_type_that_does_not_ask_is_not_recorded(client, plain):
    booked = ok(book(client, "/pages/alex/plain/bookings", consent=True), 201)
    assert Booking.objects.get(pk=booked["id"]).consent_at is None


def test_a_private_link_of_a_type_that_asks_needs_it_too(client, alex):
    token = make_link(make_type(alex, slug="secret", visibility="private", ask_consent=True))
    path = f"/links/{token}/bookings"
    assert_error(book(client, path), 422, "validation")
    booked = ok(book(client, path, consent=True), 201)
    assert Booking.objects.get(pk=booked["id"]).consent_at == NOW


def test_a_repeat_with_the_same_key_returns_the_same_booking(client, asks):
    body = {
        "start": START,
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
        "consent": True,
    }

    def send():
        return client.post(
            f"{API}/pages/alex/asks/bookings",
            json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="k-1",
        )

    first = ok(send(), 201)
    assert ok(send(), 201)["id"] == first["id"]
    assert Booking.objects.count() == 1


# --- what a visitor reads ------------------------------------------------------------------


def test_the_public_type_says_whether_it_asks_consent(client, asks, plain):
    assert ok(client.get(f"{API}/pages/alex/asks"))["ask_consent"] is True
    listed = ok(client.get(f"{API}/pages/alex"))["meeting_types"]
    assert {t["slug"]: t["ask_consent"] for t in listed} == {"asks": True, "plain": False}


def test_the_owner_names_the_organizations_own_notice(client, alex, asks):
    notice(alex, privacy_notice_url="https://acme.test/privacy", privacy_notice_text="Ours")
    owner = ok(client.get(f"{API}/pages/alex/asks"))["owner"]
    assert owner["privacy_notice_url"] == "https://acme.test/privacy"


def test_the_owner_names_the_notice_page_when_there_is_only_a_text(client, alex, asks):
    notice(alex, privacy_notice_text="We keep what you type.")
    owner = ok(client.get(f"{API}/pages/alex"))["owner"]
    assert owner["privacy_notice_url"] == "http://127.0.0.1:8000/alex/-/privacy"


def test_the_owner_names_no_notice_without_one(client, alex, asks):
    assert ok(client.get(f"{API}/pages/alex/asks"))["owner"]["privacy_notice_url"] is None


def test_a_private_link_names_the_notice_too(client, alex):
    notice(alex, privacy_notice_url="https://acme.test/privacy")
    token = make_link(make_type(alex, slug="secret", visibility="private", ask_consent=True))
    body = ok(client.get(f"{API}/links/{token}"))
    assert body["owner"]["privacy_notice_url"] == "https://acme.test/privacy"
    assert body["meeting_type"]["ask_consent"] is True


# --- the organizer -------------------------------------------------------------------------


def call(client, method, path, token, body=None):
    return getattr(client, method)(
        API + path,
        json.dumps(body) if body is not None else None,
        content_type="application/json",
        **auth(token),
    )


def test_the_organizer_turns_consent_on_and_off(client, alex):
    token = make_token(alex)
    created = ok(
        call(client, "post", "/meeting-types", token, {"title": "Chat", "duration_minutes": 30}),
        201,
    )
    assert created["ask_consent"] is False
    changed = ok(
        call(client, "patch", f"/meeting-types/{created['id']}", token, {"ask_consent": True})
    )
    assert changed["ask_consent"] is True
    assert ok(call(client, "get", f"/meeting-types/{created['id']}", token))["ask_consent"] is True


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_ask_consent_is_a_boolean(client, alex, value):
    token = make_token(alex)
    mt = make_type(alex)
    body = assert_error(
        call(client, "patch", f"/meeting-types/{mt.pk}", token, {"ask_consent": value}),
        422,
        "validation",
    )
    assert "ask_consent" in body["fields"], body


def test_the_organizer_reads_when_consent_was_given(client, alex, asks, plain):
    with_consent = ok(book(client, consent=True), 201)
    without = ok(book(client, "/pages/alex/plain/bookings", start="2026-06-01T11:00:00+02:00"), 201)
    listed = ok(call(client, "get", "/bookings", make_token(alex)))
    consent = {b["id"]: b["consent_at"] for b in listed}
    assert consent == {with_consent["id"]: "2026-06-01T06:00:00Z", without["id"]: None}
