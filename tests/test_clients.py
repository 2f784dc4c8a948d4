"""The client's address behind a reverse proxy: X-Forwarded-For only from trusted proxies."""

import pytest
from django.test import RequestFactory

from bookwithme.clients import ForwardedHeadersMiddleware, client_address

PROXY = "10.0.0.2"


@pytest.fixture
def proxied(settings):
    """A site behind proxies in 10.0.0.0/8 and at ::1."""
    settings.BOOKWITHME_TRUSTED_PROXIES = ["10.0.0.0/8", "::1/128"]


def request(peer: str, forwarded: str | None = None, **meta):
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", REMOTE_ADDR=peer, **meta)


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.BOOKWITHME_TRUSTED_PROXIES = []

    assert client_address(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@pytest.mark.usefixtures("proxied")
def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored():
    assert client_address(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@pytest.mark.usefixtures("proxied")
def test_a_trusted_proxy_names_the_client():
    assert client_address(request(PROXY, "198.51.100.1")) == "198.51.100.1"


@pytest.mark.usefixtures("proxied")
def test_the_right_most_address_that_is_no_proxy_is_the_client():
    # The client wrote 192.0.2.66 itself; its real address was appended by the first proxy,
    # then the second proxy appended the first one's.
    forwarded = "192.0.2.66, 198.51.100.1, 10.0.0.9"

    assert client_address(request(PROXY, forwarded)) == "198.51.100.1"


@pytest.mark.usefixtures("proxied")
def test_a_forwarded_value_that_is_no_address_stops_at_the_last_trusted_proxy():
    assert client_address(request(PROXY, "198.51.100.1, not-an-address")) == PROXY
    assert client_address(request(PROXY, "")) == PROXY


@pytest.mark.usefixtures("proxied")
def test_ipv6_proxies_and_clients_are_read_too():
    assert client_address(request("::1", "2001:db8::1")) == "2001:db8::1"


@pytest.mark.usefixtures("proxied")
def test_the_middleware_drops_forwarded_headers_from_untrusted_peers():
    seen = {}
    middleware = ForwardedHeadersMiddleware(lambda r: seen.update(r.META))
    headers = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "evil.example"}

    middleware(request("203.0.113.7", "198.51.100.1", **headers))
    assert not {"HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST"} & set(
        seen
    )

    middleware(request(PROXY, "198.51.100.1", **headers))
    assert seen["HTTP_X_FORWARDED_PROTO"] == "https"
    assert seen["HTTP_X_FORWARDED_FOR"] == "198.51.100.1"
