"""Fetching an ICS feed: one GET through the fenced client (`bookwithme.outbound`: checked
addresses, one deadline for the whole exchange, a size cap) with conditional headers.

Only http and https (a `webcal://` address is read as `https://`), redirects included. The
address is never logged or put in an error: a feed's URL often carries its secret.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.utils.translation import gettext as _

from bookwithme import outbound
from bookwithme.calendars.ical import MAX_ICS_BYTES
from bookwithme.calendars.remote import Refused, Unreachable, from_outbound

TIMEOUT = 30  # seconds for the whole exchange during a sync
CHECK_TIMEOUT = 10  # ... while an organizer waits for "test connection"
MAX_BYTES = MAX_ICS_BYTES
USER_AGENT = "bookwithme (calendar feed reader)"


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since the validators given
    etag: str = ""
    last_modified: str = ""


def feed_url(url: str) -> str:
    """The address to GET: `webcal://` and `webcals://` are feeds over https."""
    parts = urlsplit(url)
    if parts.scheme.lower() in {"webcal", "webcals"}:
        return urlunsplit(parts._replace(scheme="https"))
    return url


def _refusal(status: int) -> Refused | Unreachable:
    said = {"status": status}
    if status in (401, 403):
        return Refused(_("The feed refused access (HTTP %(status)s).") % said)
    if status in (404, 410):
        return Refused(_("There is no feed at this address (HTTP %(status)s).") % said)
    return Unreachable(_("The feed's server answered HTTP %(status)s.") % said)


def _too_large(max_bytes: int) -> Refused:
    return Refused(
        _("The feed is larger than %(size)s MB.") % {"size": round(max_bytes / 1024 / 1024, 1)}
    )


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> Fetched:
    """The feed's body, or `Fetched(None)` when the server answers 304 Not Modified.

    `timeout` (default `TIMEOUT`) bounds the whole exchange, not only each read: a server that
    trickles bytes is cut off too. A body over `max_bytes` (default `MAX_BYTES`) is refused
    without being read to its end.
    """
    timeout = TIMEOUT if timeout is None else timeout
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    address = feed_url(url)
    if urlsplit(address).scheme.lower() not in outbound.SCHEMES:
        raise Refused(_("A feed address starts with https:// or http://."))
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        response = outbound.get(address, headers=headers, timeout=timeout, max_bytes=max_bytes)
    except outbound.TooLarge:
        raise _too_large(max_bytes) from None
    except outbound.OutboundError as e:
        raise from_outbound(e) from None
    status = response.status_code or 0  # None only on a response not yet answered
    if status == 304:
        return Fetched(None, etag, last_modified)
    if not 200 <= status < 300:
        raise _refusal(status)
    return Fetched(
        response.content or b"",
        (response.headers.get("ETag") or "")[:500],
        (response.headers.get("Last-Modified") or "")[:100],
    )
