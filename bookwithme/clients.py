"""Where a request comes from, for every per-address limit (bookings, sign-ins, token look-ups).

Behind a reverse proxy every request arrives from the proxy's address; the proxy names the
real client in `X-Forwarded-For`. That header is believed only from the proxies listed in
BOOKWITHME_TRUSTED_PROXIES: anyone else could write any address there and escape the limits.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# What a proxy tells about the request: only a trusted proxy may say it.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


@lru_cache(maxsize=8)
def _networks(listed: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n) for n in listed)


def parse_address(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def listed_in(address: Address | None, listed: list[str]) -> bool:
    """Whether `address` is in one of the `listed` networks (a setting's addresses)."""
    return address is not None and any(address in n for n in _networks(tuple(listed)))


def is_trusted_proxy(address: str) -> bool:
    return listed_in(parse_address(address), settings.BOOKWITHME_TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """The client's address: the direct peer's, unless the peer is a trusted proxy.

    Then `X-Forwarded-For` is read from the right, where each proxy appended the address it
    saw: the first address that is not itself a trusted proxy is the client. Left of it,
    anything may have been written by the client, so it is never read.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if not is_trusted_proxy(address):
        return address
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        parsed = parse_address(hop)
        if parsed is None:
            break  # not an address: the last trusted proxy is all that is known for sure
        address = str(parsed)
        if not is_trusted_proxy(address):
            break
    return address


class ForwardedHeadersMiddleware:
    """Drops the X-Forwarded-* headers of requests that do not come from a trusted proxy.

    First in the chain, so that nothing after it (SECURE_PROXY_SSL_HEADER in Django's
    SecurityMiddleware, `client_address`) can be told a scheme or an address by a client.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
