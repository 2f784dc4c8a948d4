"""Fetching an ICS feed: one GET with a time limit, a size limit and conditional headers.

Only http and https (a `webcal://` address is read as `https://`), redirects included. The
address is never logged or put in an error: a feed's URL often carries its secret.
"""

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.utils.translation import gettext as _

from bookwithme.calendars.ical import MAX_ICS_BYTES
from bookwithme.calendars.remote import Refused, Unreachable, network_reason

TIMEOUT = 30  # seconds for the whole download during a sync
CHECK_TIMEOUT = 10  # ... while an organizer waits for "test connection"
MAX_BYTES = MAX_ICS_BYTES
_CHUNK = 64 * 1024
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


def _opener() -> urllib.request.OpenerDirector:
    # Not build_opener(): it would also follow file:, ftp: and data: addresses.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),  # any other scheme: "unknown url type"
    ):
        opener.add_handler(handler)
    return opener


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
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """The feed's body, or `Fetched(None)` when the server answers 304 Not Modified.

    `timeout` bounds the whole download, not only each read: a server that trickles bytes is
    cut off too. A body over `max_bytes` is refused without being read to its end.
    """
    # Only http(s) is opened: `_opener` has no handler for any other scheme.
    request = urllib.request.Request(feed_url(url), method="GET")  # noqa: S310
    request.add_header("User-Agent", USER_AGENT)
    request.add_header("Accept", "text/calendar, */*;q=0.5")
    if etag:
        request.add_header("If-None-Match", etag)
    if last_modified:
        request.add_header("If-Modified-Since", last_modified)
    deadline = time.monotonic() + timeout
    try:
        with _opener().open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise _too_large(max_bytes)
            chunks, size = [], 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(max_bytes)
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
            return Fetched(
                b"".join(chunks),
                response.headers.get("ETag", "")[:500],
                response.headers.get("Last-Modified", "")[:100],
            )
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 304:
            return Fetched(None, etag, last_modified)
        raise _refusal(e.code) from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, str) and "unknown url type" in e.reason:
            raise Refused(_("A feed address starts with https:// or http://.")) from None
        raise Unreachable(network_reason(e, timeout)) from None
    except (OSError, ValueError, http.client.HTTPException) as e:  # timeouts, resets, garbage
        raise Unreachable(network_reason(e, timeout)) from None
