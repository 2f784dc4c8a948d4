"""Connected calendars: CalDAV accounts and ICS feeds, how each last synced, connecting one
(tested once, with a short timeout), choosing its calendars, syncing now, removing one.

The same functions as the JSON API's (`calendars.connections`, `calendars.tasks`): the page
never reads a remote calendar itself, except for the one test when connecting.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookwithme.booking import feeds
from bookwithme.calendars import connections
from bookwithme.calendars.models import Connection, UnreadSummary
from bookwithme.web.app.auth import signed_in
from bookwithme.web.app.forms import AppForm, CalDavForm, ChooseCalendarsForm, FeedForm

# The part of a path shown at most: a longer one, or one with digits, may be a feed's secret.
SEGMENT_SHOWN = 20
MINUTE = timedelta(minutes=1)

# What was done, said on the list after it (`%(host)s`: the connection's).
SUBSCRIBED = gettext_lazy(
    "Subscribed to the feed on %(host)s. Your page offers no times until its first sync, "
    "within seconds while the task worker runs."
)
SYNC_QUEUED = gettext_lazy(
    "A sync of %(host)s is queued: it runs within seconds while the task worker runs. "
    "Reload this page to see how it went."
)
REMOVED = gettext_lazy("The calendar on %(host)s is removed; its times are free again.")


def shown_address(url: str) -> str:
    """Scheme, host and at most the first, word-like part of the path; never a query.

    A feed's address often holds its secret (`https://host/calendar/ical/.../private-x.ics`).
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "?", parts.port
    except ValueError:
        return "?"
    if ":" in host:
        host = f"[{host}]"
    if port:
        host = f"{host}:{port}"
    first, slash, rest = parts.path.lstrip("/").partition("/")
    if len(first) > SEGMENT_SHOWN or any(c.isdigit() for c in first):
        path = "…"
    else:
        path = first + slash + ("…" if rest else "?…" if parts.query else "")
    return f"{parts.scheme}://{host}/{path}"


@dataclass(frozen=True)
class Shown:
    """A connection as the list shows it."""

    connection: Connection
    address: str
    stale: bool
    checked: list[str]
    writes_into: str
    unread: UnreadSummary

    @classmethod
    def of(cls, connection: Connection, now: datetime) -> "Shown":
        names = {f["url"]: f["name"] for f in connection.found}
        return cls(
            connection,
            shown_address(connection.url),
            connection.is_stale(now),
            [c.name or names.get(c.url, "") for c in connection.checked.all()],
            names.get(connection.write_to, connection.write_to),
            connection.unread_summary(),
        )


def _own(request: HttpRequest, connection_id: int, **only) -> Connection:
    return get_object_or_404(Connection.objects.of(request.user), pk=connection_id, **only)


def _show(
    request: HttpRequest,
    caldav_form: CalDavForm | None = None,
    feed_form: FeedForm | None = None,
) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "web/app/connected_calendars.html",
        {
            "rows": [Shown.of(c, now) for c in Connection.objects.of(request.user)],
            # Relative times: under a minute away is "just now" and "due now".
            "now": now,
            "a_minute_ago": now - MINUTE,
            "in_a_minute": now + MINUTE,
            "caldav_form": caldav_form or CalDavForm(),
            "feed_form": feed_form or FeedForm(),
            "bookings_feed": feeds.bookings_feed_of(request.user),
        },
    )


def _to_list(request: HttpRequest, connection: Connection, done) -> HttpResponse:
    """Back to the list, saying what was done to the connection."""
    messages.success(request, done % {"host": connection.host})
    return redirect("app:calendars")


@signed_in
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _show(request)


def _connect(request: HttpRequest, form: AppForm, connect: Callable[..., Connection]):
    """The new connection, or None with the refusal's reasons under the form's fields."""
    if form.is_valid():
        try:
            return connect(request.user, **form.cleaned_data)
        except ValidationError as e:
            form.refuse(e)
    return None


@signed_in
@require_POST
@sensitive_post_parameters("password")
def connect_caldav(request: HttpRequest) -> HttpResponse:
    form = CalDavForm(request.POST)
    connection = _connect(request, form, connections.connect_caldav)
    if connection is None:
        return _show(request, caldav_form=form)
    count = len(connection.found)
    messages.success(
        request,
        ngettext(
            "Connected to %(host)s: %(count)d calendar found.",
            "Connected to %(host)s: %(count)d calendars found.",
            count,
        )
        % {"host": connection.host, "count": count},
    )
    return redirect("app:calendar_choose", connection_id=connection.pk)


@signed_in
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    form = FeedForm(request.POST)
    connection = _connect(request, form, connections.connect_feed)
    if connection is None:
        return _show(request, feed_form=form)
    return _to_list(request, connection, SUBSCRIBED)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def choose(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _own(request, connection_id, kind=Connection.Kind.CALDAV)
    if request.method == "POST":
        form = ChooseCalendarsForm(connection.found, request.POST)
        if form.is_valid():
            try:
                connections.choose(
                    connection,
                    check=form.cleaned_data["check"],
                    write_to=form.cleaned_data["write_to"] or None,
                )
            except ValidationError as e:
                form.refuse(e)
            else:
                messages.success(request, _("Your choice of calendars is saved."))
                return redirect("app:calendars")
    else:
        form = ChooseCalendarsForm(
            connection.found, initial=ChooseCalendarsForm.initial_from(connection)
        )
    return render(
        request,
        "web/app/calendar_choose.html",
        {"connection": connection, "address": shown_address(connection.url), "form": form},
    )


@signed_in
@require_POST
def sync_now(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _own(request, connection_id)
    connections.sync_now(connection)
    return _to_list(request, connection, SYNC_QUEUED)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def remove(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _own(request, connection_id)
    if request.method == "POST":
        connection.delete()
        return _to_list(request, connection, REMOVED)
    return render(
        request,
        "web/app/calendar_remove.html",
        {"connection": connection, "address": shown_address(connection.url)},
    )


# The bookings feed's new address travels like a new private link: shown once, then gone.
NEW_FEED = "new-feed"


@signed_in
@require_POST
def bookings_feed(request: HttpRequest) -> HttpResponse:
    """Make (or replace) the secret address of one's bookings feed, or switch it off."""
    if request.POST.get("action") == "stop":
        if feeds.stop_bookings_feed(request.user):
            messages.success(request, _("Your bookings feed is switched off; its address is dead."))
    else:
        messages.success(request, feeds.rotate_bookings_feed(request.user), extra_tags=NEW_FEED)
    return redirect("app:calendars")
