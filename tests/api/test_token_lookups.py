"""Guessing secret tokens: after too many unknown ones, an address gets 429 `rate_limited` on
every token look-up (private links, manage links, bookings feeds) for a while; known tokens
never count, and other addresses are not held up."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from apicheck import API, assert_error
from makers import make_link, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.access import LOOKUP_WINDOW_SECONDS
from bookwithme.booking.feeds import rotate_bookings_feed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

LIMIT = 3
GUESSER = "203.0.113.66"
SOMEONE_ELSE = "198.51.100.7"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.BOOKWITHME_TOKEN_LOOKUP_LIMIT = LIMIT


@pytest.fixture
def tokens():
    """A private link, a manage token and a bookings feed's token that all exist."""
    alex = make_person(page_slug="alex")
    mt = make_type(alex, slug="intro")
    booked = services.book(
        mt,
        datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
        services.Attendee(name="Sam", email="sam@example.org", time_zone="UTC"),
    )
    feed = urlsplit(rotate_bookings_feed(alex)).path.removeprefix("/feeds/").removesuffix(".ics")
    return {"link": make_link(mt), "manage": booked.manage_token, "feed": feed}


# Each kind of look-up: (its address for a token, whether it answers JSON).
ROUTES = {
    "api link": (API + "/links/{}", True),
    "api link slots": (API + "/links/{}/slots", True),
    "api manage": (API + "/manage/{}", True),
    "api manage ics": (API + "/manage/{}/ics", True),
    "link page": ("/l/{}", False),
    "manage page": ("/manage/{}", False),
    "bookings feed": ("/feeds/{}.ics", False),
}
KIND = {
    "api link": "link",
    "api link slots": "link",
    "api manage": "manage",
    "api manage ics": "manage",
    "link page": "link",
    "manage page": "manage",
    "bookings feed": "feed",
}


def get(client, route, token, address=GUESSER):
    return client.get(ROUTES[route][0].format(token), REMOTE_ADDR=address)


def guess(client, route, times=LIMIT, address=GUESSER):
    for n in range(times):
        assert get(client, route, f"wrong-token-{n}", address).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_too_many_unknown_tokens_answer_429_even_for_a_right_one(client, tokens, route):
    guess(client, route)

    response = get(client, route, tokens[KIND[route]])

    assert response.status_code == 429
    if ROUTES[route][1]:
        assert_error(response, 429, "rate_limited")
    else:
        assert response["Content-Type"].startswith("text/html")
        assert 'data-refused="rate_limited"' in response.content.decode()


@pytest.mark.parametrize("route", ROUTES)
def test_a_valid_token_still_works_for_another_address(client, tokens, route):
    guess(client, route)

    assert get(client, route, tokens[KIND[route]], SOMEONE_ELSE).status_code == 200


def test_misses_on_every_kind_of_token_add_up(client, tokens):
    guess(client, "api link", 1)
    guess(client, "manage page", 1)
    guess(client, "bookings feed", 1)

    assert get(client, "api manage", tokens["manage"]).status_code == 429


def test_found_tokens_never_count(client, tokens):
    for _ in range(LIMIT * 3):
        assert get(client, "api manage", tokens["manage"]).status_code == 200
    guess(client, "api manage", LIMIT - 1)

    assert get(client, "api link", tokens["link"]).status_code == 200


def test_an_expired_link_is_found_and_does_not_count(client, tokens, frozen):
    frozen.shift(91 * 24 * 3600)  # past the link's 90 days
    for _ in range(LIMIT * 2):
        assert get(client, "api link", tokens["link"]).status_code == 410

    assert get(client, "api manage", tokens["manage"]).status_code == 200


def test_the_pause_ends_with_the_window(client, tokens, frozen):
    guess(client, "api link")
    frozen.shift(LOOKUP_WINDOW_SECONDS + 1)

    assert get(client, "api link", tokens["link"]).status_code == 200


def test_the_default_limit_is_30_unknown_tokens(client, tokens, settings):
    settings.BOOKWITHME_TOKEN_LOOKUP_LIMIT = 30
    guess(client, "api manage", 29)
    assert get(client, "api manage", tokens["manage"]).status_code == 200

    guess(client, "api manage", 1)
    assert get(client, "api manage", tokens["manage"]).status_code == 429


def test_zero_switches_the_limit_off(client, tokens, settings):
    settings.BOOKWITHME_TOKEN_LOOKUP_LIMIT = 0
    guess(client, "api manage", LIMIT * 2)

    assert get(client, "api manage", tokens["manage"]).status_code == 200


def test_behind_a_trusted_proxy_each_client_counts_on_its_own(client, tokens, settings):
    settings.BOOKWITHME_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = "10.0.0.2"
    for n in range(LIMIT):
        client.get(f"{API}/links/wrong-{n}", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=GUESSER)

    paused = client.get(
        f"{API}/links/{tokens['link']}", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=GUESSER
    )
    other = client.get(
        f"{API}/links/{tokens['link']}", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=SOMEONE_ELSE
    )

    assert paused.status_code == 429 and other.status_code == 200
