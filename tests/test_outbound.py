"""The fenced client for every request leaving the server: the addresses it refuses however
they are written, checked before any connection and again after each redirect; one deadline
for the whole exchange, kept at the socket; a size cap; logs that name the host only.

Nothing here is ever sent beyond loopback: the refusals of other addresses are shown to
happen before any connection is attempted (`no_connections`).
"""

import logging
import socket
import threading
import time

import pytest
from hostile_servers import TRICKLE_EVERY
from liveserver import free_port, run_python, server_env

from bookwithme import outbound

UNSPECIFIED = "0.0.0.0"  # noqa: S104 - an address to refuse or connect to, never bound here
DEADLINE = 1.5  # seconds: longer than the tarpit's pause between two bytes
LATE = 1.0  # how far past the deadline a slow machine may still be


@pytest.fixture
def fenced(settings):
    """Private addresses refused, as in production (the test settings allow them)."""
    settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = False


def timed(call):
    started = time.monotonic()
    with pytest.raises(outbound.OutboundError) as raised:
        call()
    return raised.value, time.monotonic() - started


# --- which addresses --------------------------------------------------------------------


def test_private_addresses_are_refused_unless_the_environment_allows_them(tmp_path):
    env = server_env(tmp_path)  # the test servers' environment allows them
    read = "from django.conf import settings\nprint(settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES)"
    assert run_python({**env, "BOOKWITHME_ALLOW_PRIVATE_ADDRESSES": ""}, read).strip() == "False"
    assert run_python(env, read).strip() == "True"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 (RFC 6052)
        ("2002:7f00:1::1", "loopback"),  # 6to4
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%lo", "link-local"),
        ("100.64.0.1", "not global"),  # shared address space, carrier-grade NAT
        (UNSPECIFIED, "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "private"),  # documentation
        ("2001:db8::1", "private"),  # documentation
        ("198.18.0.1", "private"),  # benchmarking
    ],
)
def test_every_non_public_address_is_refused_with_its_reason(address, reason):
    assert outbound.forbidden_reason(address) == reason


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_public_addresses_are_allowed_wrapped_in_ipv6_too(address):
    assert outbound.forbidden_reason(address) is None


NUMERIC_LOOPBACKS = ["127.0.0.1", "localhost", "127.1", "2130706433", "0x7f000001", "017700000001"]


@pytest.mark.parametrize("host", [*NUMERIC_LOOPBACKS, "[::1]", "[::ffff:127.0.0.1]", UNSPECIFIED])
def test_loopback_however_written_is_refused_before_connecting(
    fenced, no_connections, hostile, host
):
    with pytest.raises(outbound.Forbidden):
        outbound.get(hostile.url("/", host=host.strip("[]")))
    assert no_connections == [] and hostile.hits == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://[fd00::1]:8080/",
        "http://127.0.0.1:5432/",
    ],
)
def test_other_forbidden_addresses_are_refused_before_connecting(fenced, no_connections, url):
    with pytest.raises(outbound.Forbidden):
        outbound.get(url)
    assert no_connections == []


def test_an_open_and_a_closed_port_are_refused_alike(fenced, hostile):
    open_port, _ = timed(lambda: outbound.get(hostile.url("/")))
    closed, _ = timed(lambda: outbound.get(f"http://127.0.0.1:{free_port()}/"))

    assert type(open_port) is type(closed) is outbound.Forbidden
    assert open_port.reason == closed.reason == "127.0.0.1 is loopback"
    assert hostile.hits == []


@pytest.mark.parametrize("host", [*NUMERIC_LOOPBACKS, "[::ffff:127.0.0.1]", UNSPECIFIED])
def test_with_private_addresses_allowed_loopback_is_reached_however_written(hostile, host):
    response = outbound.get(hostile.url("/feed.ics", host=host.strip("[]")))

    assert response.status_code == 200 and response.content.startswith(b"BEGIN:VCALENDAR")
    assert hostile.hits == ["/feed.ics"]


def test_with_private_addresses_allowed_ipv6_loopback_is_reached(hostile_v6):
    hostile_v6.hits.clear()
    assert outbound.get(hostile_v6.url("/feed.ics")).status_code == 200
    assert hostile_v6.hits == ["/feed.ics"]


@pytest.mark.parametrize("host", ["169.254.169.254", "10.0.0.1", "100.64.0.1", "224.0.0.1", "::1"])
def test_with_private_addresses_allowed_other_addresses_pass_the_check(host):
    # Only the check: nothing is sent there.
    assert [record[4][0] for record in outbound.resolve(host, 80)] == [host]


# --- redirects and schemes -------------------------------------------------------------------


def test_a_redirect_to_a_private_address_is_refused_and_never_followed(
    fenced, hostile_is_public, hostile, elsewhere
):
    to = elsewhere.url("/internal")

    error, _ = timed(lambda: outbound.get(hostile.url(f"/redirect?to={to}")))

    assert isinstance(error, outbound.Forbidden) and error.reason == "127.0.0.2 is loopback"
    assert len(hostile.hits) == 1 and elsewhere.hits == []


def test_the_same_redirect_is_followed_when_private_addresses_are_allowed(hostile, elsewhere):
    to = elsewhere.url("/internal")
    response = outbound.get(hostile.url(f"/redirect?to={to}"))
    assert response.status_code == 200 and elsewhere.hits == ["/internal"]


def test_redirects_are_capped(hostile):
    error, _ = timed(lambda: outbound.get(hostile.url("/loop")))
    assert isinstance(error, outbound.NetworkError)
    assert len(hostile.hits) == 1 + outbound.MAX_REDIRECTS


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/", "gopher://x/"])
def test_only_http_and_https_are_fetched_redirects_included(hostile, target):
    for url in (target, hostile.url(f"/redirect?to={target}")):
        with pytest.raises(outbound.Forbidden):
            outbound.get(url)


# --- the deadline -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/tarpit", "/tarpit-headers"])
def test_a_peer_trickling_a_byte_a_second_is_cut_off_at_the_deadline(hostile, path):
    assert TRICKLE_EVERY < DEADLINE  # a timeout per read alone would wait forever

    error, took = timed(lambda: outbound.get(hostile.url(path), timeout=DEADLINE))

    assert isinstance(error, outbound.NetworkError)
    assert DEADLINE - 0.1 < took < DEADLINE + LATE


def test_the_deadline_holds_over_tls_too(hostile_tls):
    with outbound.session() as session:
        ok = session.get(hostile_tls.url("/feed.ics"), verify=str(hostile_tls.ca), timeout=5)
        assert ok.status_code == 200  # the certificate is trusted: what follows is the tarpit

        error, took = timed(
            lambda: session.get(
                hostile_tls.url("/tarpit"), verify=str(hostile_tls.ca), timeout=DEADLINE
            )
        )

    assert isinstance(error, outbound.NetworkError)
    assert DEADLINE - 0.1 < took < DEADLINE + LATE


def test_a_certificate_that_is_not_trusted_is_a_network_error(hostile_tls):
    error, _ = timed(lambda: outbound.get(hostile_tls.url("/feed.ics")))
    assert isinstance(error, outbound.NetworkError) and "certificate" in error.reason


def test_an_enclosing_deadline_bounds_requests_with_longer_timeouts(hostile):
    with outbound.deadline(DEADLINE):
        error, took = timed(lambda: outbound.get(hostile.url("/tarpit"), timeout=60))
    assert isinstance(error, outbound.NetworkError)
    assert took < DEADLINE + LATE


def test_a_name_that_resolves_slowly_is_given_up_at_the_deadline(monkeypatch):
    # The system's resolver stands in for a DNS server that answers slowly on purpose: no
    # test may ask a real one.
    released = threading.Event()
    real = socket.getaddrinfo

    def slow(host, *args, **kwargs):
        if host == "slow.example":
            released.wait()
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    try:
        error, took = timed(lambda: outbound.get("http://slow.example/", timeout=DEADLINE))
    finally:
        released.set()

    assert isinstance(error, outbound.NetworkError) and "deadline" in error.reason
    assert DEADLINE - 0.1 < took < DEADLINE + LATE


# --- the size cap, the kinds of failure, the log ---------------------------------------------


def test_a_body_over_the_cap_is_refused_after_decompression_too(hostile):
    feed = outbound.get(hostile.url("/feed.ics"))
    with pytest.raises(outbound.TooLarge):
        outbound.get(hostile.url("/feed.ics"), max_bytes=len(feed.content) - 1)
    with pytest.raises(outbound.TooLarge):
        outbound.get(hostile.url("/inflating"), max_bytes=1024 * 1024)


def test_a_closed_port_and_a_port_that_speaks_no_http_are_network_errors(no_http):
    for url in (f"http://127.0.0.1:{free_port()}/", f"http://127.0.0.1:{no_http.port}/"):
        with pytest.raises(outbound.NetworkError):
            outbound.get(url)


def test_the_log_names_the_host_and_the_reason_never_the_path(settings, hostile, caplog):
    secret = "/feeds/s3cret-token.ics?key=hunter2"
    with caplog.at_level(logging.DEBUG):
        settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = False
        with pytest.raises(outbound.Forbidden):
            outbound.get(hostile.url(secret))
        settings.BOOKWITHME_ALLOW_PRIVATE_ADDRESSES = True
        with pytest.raises(outbound.NetworkError):
            outbound.get(f"http://localhost:{free_port()}{secret}", timeout=5)

    assert "127.0.0.1 is loopback" in caplog.text
    assert "outbound request to localhost failed" in caplog.text
    assert "s3cret" not in caplog.text and "hunter2" not in caplog.text
