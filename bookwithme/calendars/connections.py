"""Connecting an organizer's calendars: the input checked, the connection tested once, stored.

Testing on creation is the only time a request reaches a remote calendar (with a short
timeout); everything after is the sync tasks' work (`tasks`). A new connection counts as stale
until its first sync, so that no time is offered before its busy time is known.
"""

import re
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookwithme import outbound
from bookwithme.calendars import dav, icsfeed, sync, tasks
from bookwithme.calendars.dav import FoundCalendar
from bookwithme.calendars.errors import InputError
from bookwithme.calendars.models import CheckedCalendar, Connection
from bookwithme.calendars.remote import RemoteError
from bookwithme.directory.models import bump_availability

MAX_PER_OWNER = 20
MAX_URL = 2000
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


class ConnectError(InputError):
    default_message = gettext_lazy("The calendar could not be connected.")


def clean_url(value: str, field: str, *, feed: bool = False) -> str:
    """An http(s) address with a host and no credentials in it, or ConnectError."""
    value = (value or "").strip()
    if feed:
        value = icsfeed.feed_url(value)
    problem = None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts, problem = None, _("This is not a valid address.")
    if problem is None and parts is not None:
        if not value or len(value) > MAX_URL or _SPACE_OR_CONTROL.search(value):
            problem = _("Give an address of at most %(max)d characters, without spaces.") % {
                "max": MAX_URL
            }
        elif parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
            problem = _("Give an address starting with https:// (or http://).")
        elif parts.username is not None or parts.password is not None:
            problem = _("Give the username and password in their own fields, not in the address.")
    if problem:
        raise ConnectError({field: [problem]})
    return value


def _pick(found: list[FoundCalendar], urls: list[str], field: str) -> list[FoundCalendar]:
    picked, unknown = [], []
    for url in urls:
        match = next((f for f in found if dav.same_url(f.url, url)), None)
        if match is None:
            unknown.append(url)
        elif match not in picked:
            picked.append(match)
    if unknown:
        names = ", ".join(f"{f.name} ({f.url})" for f in found)
        raise ConnectError(
            {
                field: [
                    _("Not one of this account's calendars: %(urls)s. Found: %(found)s.")
                    % {"urls": ", ".join(u[:200] for u in unknown), "found": names}
                ]
            }
        )
    return picked


def _check_room(owner) -> None:
    if Connection.objects.filter(owner=owner).count() >= MAX_PER_OWNER:
        raise ConnectError(
            {"url": [_("At most %(max)d calendars can be connected.") % {"max": MAX_PER_OWNER}]}
        )


def connect_caldav(
    owner,
    *,
    url: str,
    username: str = "",
    password: str = "",
    check: list[str] | None = None,
    write_to: str | None = None,
) -> Connection:
    """Test the server, find its calendars and store the connection.

    `check` (default: every calendar found) and `write_to` must be calendars found there.
    """
    url = clean_url(url, "url")
    _check_room(owner)
    client = dav.open_client(url, username, password, timeout=dav.CHECK_TIMEOUT)
    try:
        # Each request within CHECK_TIMEOUT, and all of them within CHECK_TOTAL: a server
        # cannot keep the organizer (and a web worker) waiting a request at a time.
        with outbound.deadline(dav.CHECK_TOTAL):
            found = dav.discover(client)
    except RemoteError as e:
        raise ConnectError({e.field: [e.message]}) from None
    finally:
        client.close()
    if not found:
        raise ConnectError({"url": [_("No calendars were found for this account.")]})
    checked = found if check is None else _pick(found, check, "check")
    target = _pick(found, [write_to], "write_to")[0] if write_to else None
    with transaction.atomic():
        connection = Connection(
            owner=owner,
            kind=Connection.Kind.CALDAV,
            url=url,
            username=username,
            auth_scheme=dav.auth_scheme_of(client),
            write_to=target.url if target else "",
            found=[{"url": f.url, "name": f.name} for f in found],
            checks_busy=bool(checked),
            next_sync_at=timezone.now() if checked else None,
        )
        connection.set_password(password)
        connection.save()
        CheckedCalendar.objects.bulk_create(
            CheckedCalendar(connection=connection, url=f.url, name=f.name) for f in checked
        )
        if checked:
            tasks.start_schedule(connection)
        if target:
            transaction.on_commit(lambda: _announce_write_to(connection))
    return connection


def sync_now(connection: Connection) -> None:
    """The owner asks: read the connection again as soon as a worker can, and try again the
    writes of bookings into its calendar that were given up (say, after the server was down
    for a day)."""
    tasks.request_sync(connection.pk)
    # An event (notify retries the given-up writes): nothing is asked of its receivers.
    transaction.on_commit(lambda: sync.sync_asked.send(Connection, connection=connection))


def _announce_write_to(connection: Connection) -> None:
    """An event, on commit: bookings now go into this connection's calendar (notify writes the
    upcoming ones). Nothing is asked of its receivers."""
    sync.write_to_chosen.send(Connection, connection=connection)


def connect_feed(owner, *, url: str) -> Connection:
    """Test the feed (it must answer with an iCalendar document) and store the connection."""
    url = clean_url(url, "url", feed=True)
    _check_room(owner)
    try:
        body = icsfeed.fetch(url, timeout=icsfeed.CHECK_TIMEOUT).body or b""
    except RemoteError as e:
        raise ConnectError({"url": [e.message]}) from None
    if not body.lstrip(b"\xef\xbb\xbf \t\r\n").upper().startswith(b"BEGIN:VCALENDAR"):
        raise ConnectError({"url": [_("This address does not serve an iCalendar feed.")]})
    with transaction.atomic():
        connection = Connection.objects.create(
            owner=owner,
            kind=Connection.Kind.ICS,
            url=url,
            checks_busy=True,
            next_sync_at=timezone.now(),
        )
        CheckedCalendar.objects.create(
            connection=connection, url=url, name=urlsplit(url).hostname or ""
        )
        tasks.start_schedule(connection)
    return connection


def choose(connection: Connection, *, check: list[str] | None = None, write_to=...) -> Connection:
    """Change which of the found calendars are checked, and which one bookings go into.

    No remote call: the choice is among the calendars found when the connection was made. A
    newly checked calendar makes the connection stale until the sync that follows at once.
    """
    if connection.kind != Connection.Kind.CALDAV:
        raise ConnectError({"check": [_("An ICS feed has no calendars to choose from.")]})
    found = [FoundCalendar(f["url"], f["name"]) for f in connection.found]
    changed = []
    with transaction.atomic():
        if write_to is not ...:
            target = _pick(found, [write_to], "write_to")[0] if write_to else None
            if target and target.url != connection.write_to:
                transaction.on_commit(lambda: _announce_write_to(connection))
            connection.write_to = target.url if target else ""
            changed.append("write_to")
        if check is not None:
            picked = _pick(found, check, "check")
            current = {c.url: c for c in connection.checked.all()}
            gone = [c.pk for url, c in current.items() if url not in {f.url for f in picked}]
            added = [f for f in picked if f.url not in current]
            if gone:
                CheckedCalendar.objects.filter(pk__in=gone).delete()
                bump_availability(connection.owner_id)
            CheckedCalendar.objects.bulk_create(
                CheckedCalendar(connection=connection, url=f.url, name=f.name) for f in added
            )
            connection.checks_busy = bool(picked)
            changed.append("checks_busy")
            if added:
                connection.last_success_at = connection.synced_until = None
                changed += ["last_success_at", "synced_until"]
            if not picked:
                connection.next_sync_at = None
                changed.append("next_sync_at")
            elif connection.next_sync_at is None:
                connection.next_sync_at = timezone.now()
                changed.append("next_sync_at")
                tasks.start_schedule(connection)
            elif added:
                tasks.request_sync(connection.pk)
        connection.save(update_fields=changed)
    return connection
