"""CalDAV servers, through the `caldav` package: finding a principal's calendars, reading a
calendar's tag, listing its events' etags in a span, fetching events.

Every request goes through the fenced client (`bookwithme.outbound`, swapped in for the
client's own niquests session): checked addresses, a deadline on each whole exchange, a size
cap. Every failure leaves as a `remote.Unreachable` (try again later) or a `remote.Refused`
(stop and tell the owner). The write-back of bookings opens its client with
`client_for(connection)` and writes with `put_event` and `delete_event`.
"""

import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urljoin, urlsplit

from caldav.collection import Calendar
from caldav.davclient import DAVClient
from caldav.lib import error as dav_error
from django.utils.translation import gettext as _
from lxml import etree

from bookwithme import outbound
from bookwithme.calendars.remote import Refused, RemoteError, Unreachable, from_outbound
from bookwithme.tokens import SecretUnreadable

logger = logging.getLogger(__name__)

TIMEOUT = 30  # seconds for each whole exchange (request, answer, redirects) during a sync
CHECK_TIMEOUT = 10  # ... while an organizer waits for "test connection"
CHECK_TOTAL = 20  # seconds for all of that test's requests: below gunicorn's 30 s worker timeout
MAX_BYTES = 50 * 1024 * 1024  # one answer: a batch of up to FETCH_BATCH events, attachments too
FETCH_BATCH = 200  # events per calendar-multiget

DAV, CALDAV, CS = "DAV:", "urn:ietf:params:xml:ns:caldav", "http://calendarserver.org/ns/"
_NS = {"d": DAV, "c": CALDAV, "cs": CS}
# What caldav picked after a server's 401 challenge, kept so later syncs send it at once.
_SCHEMES = {"HTTPBasicAuth": "basic", "HTTPDigestAuth": "digest", "HTTPBearerAuth": "bearer"}


class ServerFailed(Unreachable):
    """The server answered with a 5xx status."""


@dataclass(frozen=True)
class FoundCalendar:
    url: str
    name: str


def open_client(
    url: str,
    username: str = "",
    password: str = "",
    *,
    auth_scheme: str = "",
    timeout: int = TIMEOUT,
) -> DAVClient:
    """A client for a server; with no `auth_scheme` the server's challenge chooses one.

    Its requests go through the fenced session (`outbound`); caldav makes none before this.
    """
    client = DAVClient(
        url=url,
        username=username or None,
        password=password if username else None,
        auth_type=auth_scheme or None,
        timeout=timeout,
        enable_rfc6764=False,  # the address is given; no DNS discovery from a request
    )
    client.session.close()
    client.session = outbound.session(max_bytes=MAX_BYTES)
    return client


def client_for(connection, *, timeout: int = TIMEOUT) -> DAVClient:
    """A client for a stored CalDAV connection, its password decrypted.

    Raises `Refused` when the password cannot be decrypted (SECRET_KEY changed).
    """
    try:
        password = connection.password()
    except SecretUnreadable:
        raise Refused(
            _("The stored password cannot be read (the secret key changed): connect again."),
            field="password",
        ) from None
    return open_client(
        connection.url,
        connection.username,
        password,
        auth_scheme=connection.auth_scheme,
        timeout=timeout,
    )


def write_calendar(connection, client: DAVClient | None = None) -> Calendar | None:
    """The calendar bookings are written into (None when the connection has none), through
    `client` (pass one from `client_for` to close it when done)."""
    if not connection.write_to:
        return None
    return (client or client_for(connection)).calendar(url=connection.write_to)


def auth_scheme_of(client: DAVClient) -> str:
    """The authentication scheme a client ended up using ("" when none was asked for)."""
    return _SCHEMES.get(type(client.auth).__name__, "") if client.auth else ""


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """caldav's and the network's exceptions, as `RemoteError`s."""
    try:
        yield
    except RemoteError:
        raise
    except outbound.OutboundError as e:
        raise from_outbound(e) from None
    except dav_error.AuthorizationError as e:
        if e.status == 403:
            raise Refused(
                _("The server does not let this account read the calendar."), field="username"
            ) from None
        raise Refused(
            _("The server refused this username or password."), field="password"
        ) from None
    except dav_error.NotFoundError:
        raise Refused(_("Nothing was found at this address.")) from None
    except dav_error.RateLimitError:
        raise Unreachable(_("The server asked to slow down.")) from None
    except dav_error.DAVError:
        raise Refused(_("No CalDAV server answers at this address.")) from None
    except OSError:  # the fenced session says OutboundError; anything else on the way too
        raise Unreachable(_("The server could not be reached.")) from None
    except etree.XMLSyntaxError:
        raise Unreachable(_("The server's answer is not valid XML.")) from None


def discover(client: DAVClient) -> list[FoundCalendar]:
    """The calendars under the principal of the client's address (a server, a principal or a
    calendar address all lead there)."""
    found = []
    try:
        with _translated():
            for calendar in client.principal().calendars():
                url = str(calendar.url)
                name = str(calendar.get_display_name() or "") or _name(url)
                found.append(FoundCalendar(url, name[:200]))
    except RemoteError:
        raise
    except Exception as e:  # caldav meeting a server it cannot make sense of
        logger.warning(
            "no CalDAV calendars found on %s (%s)", client.url.hostname, type(e).__name__
        )
        raise Refused(_("No CalDAV server answers at this address.")) from None
    return found


def same_url(a: str, b: str) -> bool:
    """Two addresses of one collection (case of the host, default port, escaping, last /)."""
    x, y = urlsplit(a), urlsplit(b)
    return (
        x.scheme.lower() == y.scheme.lower()
        and (x.hostname or "") == (y.hostname or "")
        and _port(x) == _port(y)
        and unquote(x.path).rstrip("/") == unquote(y.path).rstrip("/")
    )


def _port(parts) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None


def href_key(href: str) -> str:
    """One spelling of a resource's href, whatever escaping the server used this time."""
    return unquote(urlsplit(href.strip()).path)


def _check(response, what: str) -> etree._Element:
    status = response.status
    if status == 207:
        if response.tree is None:
            raise Unreachable(_("The server's answer is not valid XML."))
        return response.tree
    if status in (404, 410):
        raise Refused(_("The calendar %(what)s no longer exists on the server.") % {"what": what})
    if status in (401, 403):
        raise Refused(_("The server refused this username or password."), field="password")
    raise (ServerFailed if status >= 500 else Unreachable)(
        _("The server answered %(status)s to a request for %(what)s.")
        % {"status": status, "what": what}
    )


def _responses(tree: etree._Element) -> Iterator[tuple[str, dict[str, etree._Element]]]:
    """(href, {property tag: element}) of each response, properties with status 200 only."""
    for response in tree.iterfind("d:response", _NS):
        href = response.findtext("d:href", namespaces=_NS)
        if not href:
            continue
        props: dict[str, etree._Element] = {}
        for propstat in response.iterfind("d:propstat", _NS):
            status = propstat.findtext("d:status", default="", namespaces=_NS)
            if " 200 " not in f"{status} ":
                continue
            for prop in propstat.iterfind("d:prop/*", _NS):
                props[prop.tag] = prop
        yield href, props


def _name(calendar_url: str) -> str:
    return unquote(urlsplit(calendar_url).path.rstrip("/").rsplit("/", 1)[-1]) or "/"


def _propfind_one(client, url: str, prop: etree._Element) -> str:
    body = etree.Element(f"{{{DAV}}}propfind", nsmap={"d": DAV, "cs": CS})
    etree.SubElement(body, f"{{{DAV}}}prop").append(prop)
    with _translated():
        response = client.propfind(url, etree.tostring(body).decode(), depth=0)
    for _href, props in _responses(_check(response, _name(url))):
        value = props.get(prop.tag)
        if value is not None and (value.text or "").strip():
            return value.text.strip()
    return ""


def collection_tag(client: DAVClient, url: str) -> str:
    """The calendar's tag (getctag, else its sync-token): it changes whenever an event does.
    Empty when the server has neither; then every sync lists the etags."""
    tag = _propfind_one(client, url, etree.Element(f"{{{CS}}}getctag"))
    return tag or _propfind_one(client, url, etree.Element(f"{{{DAV}}}sync-token"))


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _etags(response, url: str) -> dict[str, tuple[str, str]]:
    found = {}
    for href, props in _responses(_check(response, _name(url))):
        etag = props.get(f"{{{DAV}}}getetag")
        key = href_key(href)
        if etag is not None and key.rstrip("/") != href_key(url).rstrip("/"):
            found[key] = (href, (etag.text or "").strip())
    return found


def etags_between(
    client: DAVClient, url: str, start: datetime, end: datetime
) -> dict[str, tuple[str, str]]:
    """{href key: (href as sent, etag)} of the calendar's events that overlap [start, end)
    (the server applies recurrences): a calendar-query REPORT asking for etags only.

    A server that fails that query (some do, on one event they cannot read themselves) is
    asked for every resource's etag instead (PROPFIND); the parsing then sorts them out.
    """
    query = etree.Element(f"{{{CALDAV}}}calendar-query", nsmap={"d": DAV, "c": CALDAV})
    etree.SubElement(etree.SubElement(query, f"{{{DAV}}}prop"), f"{{{DAV}}}getetag")
    calendar = etree.SubElement(
        etree.SubElement(query, f"{{{CALDAV}}}filter"), f"{{{CALDAV}}}comp-filter", name="VCALENDAR"
    )
    event = etree.SubElement(calendar, f"{{{CALDAV}}}comp-filter", name="VEVENT")
    etree.SubElement(event, f"{{{CALDAV}}}time-range", start=_utc(start), end=_utc(end))
    with _translated():
        response = client.report(url, etree.tostring(query).decode(), depth=1)
    try:
        return _etags(response, url)
    except ServerFailed:
        body = etree.Element(f"{{{DAV}}}propfind", nsmap={"d": DAV})
        etree.SubElement(etree.SubElement(body, f"{{{DAV}}}prop"), f"{{{DAV}}}getetag")
        with _translated():
            response = client.propfind(url, etree.tostring(body).decode(), depth=1)
        return _etags(response, url)


def fetch(client: DAVClient, url: str, hrefs: list[str]) -> dict[str, tuple[str, str]]:
    """{href key: (etag, iCalendar text)} of the asked events, by calendar-multiget REPORTs.
    An event deleted in the meantime is simply missing."""
    found: dict[str, tuple[str, str]] = {}
    for i in range(0, len(hrefs), FETCH_BATCH):
        query = etree.Element(f"{{{CALDAV}}}calendar-multiget", nsmap={"d": DAV, "c": CALDAV})
        prop = etree.SubElement(query, f"{{{DAV}}}prop")
        etree.SubElement(prop, f"{{{DAV}}}getetag")
        etree.SubElement(prop, f"{{{CALDAV}}}calendar-data")
        for href in hrefs[i : i + FETCH_BATCH]:
            etree.SubElement(query, f"{{{DAV}}}href").text = href
        with _translated():
            response = client.report(url, etree.tostring(query).decode(), depth=1)
        for href, props in _responses(_check(response, _name(url))):
            data = props.get(f"{{{CALDAV}}}calendar-data")
            etag = props.get(f"{{{DAV}}}getetag")
            if data is not None and data.text:
                tag = (etag.text or "").strip() if etag is not None else ""
                found[href_key(href)] = (tag, data.text)
    return found


# --- writing events (the write-back of bookings) --------------------------------------------

_NOT_A_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def resource_url(calendar_url: str, uid: str) -> str:
    """Where the event with `uid` is written in a calendar: a name made from the UID alone, so
    that a write repeated after a timeout replaces the first instead of adding a second."""
    return f"{calendar_url.rstrip('/')}/{_NOT_A_NAME.sub('-', uid)[:200]}.ics"


class UidTaken(Refused):
    """The calendar already holds an event with this UID at another address (CalDAV's
    `no-uid-conflict`): the organizer's mail client put the emailed invitation there."""


def _write_refusal(status: int, preconditions: list[str], what: str) -> RemoteError:
    if f"{{{CALDAV}}}no-uid-conflict" in preconditions:
        return UidTaken(_("The calendar already holds this meeting at another address."))
    if status == 401:
        return Refused(_("The server refused this username or password."), field="password")
    if status == 403:
        return Refused(
            _("The server does not let this account write into the calendar."), field="write_to"
        )
    if status in (404, 409, 410):  # 409: the collection to write into is gone (RFC 4918)
        return Refused(
            _("The calendar %(what)s no longer exists on the server.") % {"what": what},
            field="write_to",
        )
    if status >= 500 or status in (408, 425, 429):
        return (ServerFailed if status >= 500 else Unreachable)(
            _("The server answered %(status)s to a request for %(what)s.")
            % {"status": status, "what": what}
        )
    return Refused(
        _("The server refused the event (HTTP %(status)s).") % {"status": status},
        field="write_to",
    )


@contextlib.contextmanager
def _writing(what: str) -> Iterator[None]:
    """Like `_translated`, but a refusal may carry a CalDAV precondition that says why."""
    with _translated():
        try:
            yield
        except dav_error.DAVError as e:  # caldav raises for 401 and 403 itself
            status = getattr(e, "status", None)
            if not isinstance(status, int):
                raise
            raise _write_refusal(status, getattr(e, "preconditions", []), what) from None


def _preconditions(response) -> list[str]:
    return dav_error.parse_preconditions(getattr(response, "_raw", None) or None)


def put_event(client: DAVClient, url: str, ics: bytes) -> str:
    """Write the calendar object `ics` at `url`, creating or replacing it; its new etag (empty
    when the server gives none)."""
    what = _name(url.rsplit("/", 1)[0])
    headers = {"Content-Type": "text/calendar; charset=utf-8"}
    with _writing(what):
        response = client.put(url, ics.decode(), headers)
    if response.status not in (200, 201, 204):
        raise _write_refusal(response.status, _preconditions(response), what)
    return (response.headers.get("ETag") or "")[:500]


def delete_event(client: DAVClient, url: str) -> None:
    """Remove the resource at `url`; one already gone counts as removed."""
    what = _name(url.rsplit("/", 1)[0])
    with _writing(what):
        response = client.delete(url)
    if response.status in (200, 202, 204, 404, 410):
        return
    raise _write_refusal(response.status, _preconditions(response), what)


def find_uid(client: DAVClient, calendar_url: str, uid: str) -> str:
    """The href of the event with `uid` in the calendar ("" when there is none): a
    calendar-query REPORT on the UID property."""
    query = etree.Element(f"{{{CALDAV}}}calendar-query", nsmap={"d": DAV, "c": CALDAV})
    etree.SubElement(etree.SubElement(query, f"{{{DAV}}}prop"), f"{{{DAV}}}getetag")
    calendar = etree.SubElement(
        etree.SubElement(query, f"{{{CALDAV}}}filter"), f"{{{CALDAV}}}comp-filter", name="VCALENDAR"
    )
    event = etree.SubElement(calendar, f"{{{CALDAV}}}comp-filter", name="VEVENT")
    prop = etree.SubElement(event, f"{{{CALDAV}}}prop-filter", name="UID")
    match = etree.SubElement(prop, f"{{{CALDAV}}}text-match", collation="i;octet")
    match.text = uid
    with _translated():
        response = client.report(calendar_url, etree.tostring(query).decode(), depth=1)
    for href, _etag in _etags(response, calendar_url).values():
        return urljoin(calendar_url, href)
    return ""
