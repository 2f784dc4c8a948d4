"""The organizer's bookings: upcoming, past and cancelled, searched, exported, moved,
cancelled, and their attendee's data erased once over (privacy.erasure, as the API's erase).

Moving and cancelling go through `services.reschedule` and `services.cancel`, the very calls
the attendee's own manage page makes, so the attendee is told by the same emails.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookwithme.booking import services
from bookwithme.booking.availability import Days, offer
from bookwithme.booking.errors import BookingCancelled, BookingUpcoming, SlotUnavailable
from bookwithme.booking.models import Booking, BookingQuerySet
from bookwithme.privacy import erasure
from bookwithme.web.app.auth import SignedInRequest, signed_in
from bookwithme.web.app.forms import CancelForm, MoveForm

PER_PAGE = 25
MOVE_DAYS = 7  # the days of free times shown at once when moving a booking
TABS = {
    "upcoming": gettext_lazy("Upcoming"),
    "past": gettext_lazy("Past"),
    "cancelled": gettext_lazy("Cancelled"),
}


def listed(person, tab: str, query: str = "", now: datetime | None = None) -> BookingQuerySet:
    """The person's bookings under a tab, searched by the attendee's name or email: upcoming
    soonest first, past and cancelled latest first."""
    now = now or timezone.now()
    bookings = Booking.objects.filter(owner=person)
    if tab == "cancelled":
        bookings = bookings.filter(status=Booking.Status.CANCELLED).order_by("-start", "-pk")
    elif tab == "past":
        bookings = bookings.confirmed().filter(end__lte=now).order_by("-start", "-pk")
    else:
        bookings = bookings.confirmed().filter(end__gt=now).order_by("start", "pk")
    query = query.strip()
    if query:
        bookings = bookings.filter(
            Q(attendee_name__icontains=query) | Q(attendee_email__icontains=query)
        )
    return bookings.select_related("meeting_type", "link")


def _tab(request) -> str:
    tab = request.GET.get("tab", "")
    return tab if tab in TABS else "upcoming"


def _query(request) -> str:
    return request.GET.get("q", "")[:200].strip()


@dataclass(frozen=True)
class Event:
    """One line of a booking's history."""

    what: str
    at: datetime | None = None


def history(booking: Booking) -> list[Event]:
    """What happened to the booking, from what is stored: when it was made (and through which
    link), how often it was moved (each move and the cancellation raise `sequence`; only the
    latest change's time is kept) and its cancellation."""
    events = [Event(_("Booked"), booking.created_at)]
    if booking.link_id and booking.link is not None:
        label = booking.link.label or _("a private link")
        events[0] = Event(_("Booked through %(link)s") % {"link": label}, booking.created_at)
    cancelled = not booking.is_active
    moves = booking.sequence - (1 if cancelled else 0)
    if moves > 0:
        last_move = None if cancelled else booking.updated_at
        if moves == 1:
            events.append(Event(_("Moved to this time"), last_move))
        else:
            events.append(Event(_("Moved %(count)d times") % {"count": moves}, last_move))
    if cancelled:
        who = (
            _("by you")
            if booking.cancelled_by == Booking.CancelledBy.ORGANIZER
            else _("by the attendee")
        )
        events.append(Event(_("Cancelled %(who)s") % {"who": who}, booking.cancelled_at))
    return events


def _cancel_prefix(booking_id: int) -> str:
    return f"cancel-{booking_id}"


def _show(request: SignedInRequest, refused: CancelForm | None = None) -> HttpResponse:
    person, tab, query = request.user, _tab(request), _query(request)
    now = timezone.now()
    page = Paginator(listed(person, tab, query, now), PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for booking in page.object_list:
        form = None
        if booking.is_active and booking.end > now:
            prefix = _cancel_prefix(booking.pk)
            mine = refused is not None and refused.prefix == prefix
            form = refused if mine else CancelForm(prefix=prefix)
        # Over or cancelled, and not erased yet: its attendee's data may be erased now.
        erasable = not booking.is_erased and (
            booking.status not in Booking.HOLDING or booking.end <= now
        )
        rows.append((booking, history(booking), form, erasable))
    searched = {"q": query} if query else {}
    shown = {"tab": tab, **searched, "page": page.number}
    context = {
        "current": "bookings",
        "tab": tab,
        "tabs": [(key, label, urlencode({"tab": key, **searched})) for key, label in TABS.items()],
        "query": query,
        "page": page,
        "rows": rows,
        "shown": urlencode(shown),  # the list as it is: where a change comes back to
        "back": _list_url(shown),
        "export_url": f"{reverse('app:bookings_export')}?{urlencode({'tab': tab, **searched})}",
    }
    return render(request, "web/app/bookings.html", context)


@signed_in
@require_safe
def index(request: SignedInRequest) -> HttpResponse:
    return _show(request)


def _list_url(params) -> str:
    """The list under a tab, search and page: only those, so no other address is made."""
    kept = {key: params[key] for key in ("tab", "q", "page") if params.get(key)}
    return f"{reverse('app:bookings')}?{urlencode(kept)}" if kept else reverse("app:bookings")


def _back(value: str) -> str:
    """Where to go after moving: the list the person came from, if it is this app's list."""
    return value if value.startswith(reverse("app:bookings") + "?") else reverse("app:bookings")


@signed_in
@require_POST
def cancel(request: SignedInRequest, booking_id: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=booking_id, owner=request.user)
    form = CancelForm(request.POST, prefix=_cancel_prefix(booking.pk))
    if form.is_valid():
        try:
            services.cancel(
                booking, by=Booking.CancelledBy.ORGANIZER, reason=form.cleaned_data["reason"]
            )
        except ValidationError as e:
            form.refuse(e)
        else:
            messages.success(
                request,
                _("Your booking with %(name)s is cancelled; they are told by email.")
                % {"name": booking.attendee_name},
            )
            return redirect(_list_url(request.GET))
    return _show(request, refused=form)


@signed_in
@require_POST
def erase(request: SignedInRequest, booking_id: int) -> HttpResponse:
    """Erase the attendee's data of a booking that is over or cancelled (privacy.erasure)."""
    booking = get_object_or_404(Booking, pk=booking_id, owner=request.user)
    name = booking.attendee_name
    try:
        erasure.erase_booking(booking, actor=request.user.email)
    except BookingUpcoming as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _("The data of %(name)s on this booking is erased; its time stays in your history.")
            % {"name": name},
        )
    return redirect(_list_url(request.GET))


# --- moving ---------------------------------------------------------------------------------


def _first_day(request, booking: Booking, tz: ZoneInfo) -> date:
    today = timezone.now().astimezone(tz).date()
    try:
        asked = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        asked = max(booking.start.astimezone(tz).date(), today)
    return max(asked, today)


def _free_days(booking: Booking, first: date, tz: ZoneInfo) -> list[tuple[date, list[datetime]]]:
    """The type's free starts of the days shown, the booking's own time counting as free."""
    last = first + timedelta(days=MOVE_DAYS - 1)
    days = Days(first, last, tz)
    # A move keeps the booking's length.
    found = offer(booking.meeting_type, days, ignoring=booking, length=booking.length_minutes)
    by_day: dict[date, list[datetime]] = {first + timedelta(days=n): [] for n in range(MOVE_DAYS)}
    for start in found.starts:
        if start != booking.start:
            by_day.setdefault(start.date(), []).append(start)
    return list(by_day.items())


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def move(request: SignedInRequest, booking_id: int) -> HttpResponse:
    booking = get_object_or_404(
        Booking.objects.select_related("meeting_type__owner"), pk=booking_id, owner=request.user
    )
    tz = ZoneInfo(request.user.time_zone)
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule(booking, form.cleaned_data["start"])
        except SlotUnavailable:
            form.add_error("start", _("That time is no longer free. Pick another one."))
        except BookingCancelled:
            form.add_error(None, _("This booking is cancelled; it cannot be moved."))
        else:
            messages.success(
                request,
                _("Your booking with %(name)s is moved; they are told by email.")
                % {"name": booking.attendee_name},
            )
            return redirect(_back(request.POST.get("back", "")))
    first = _first_day(request, booking, tz)
    context = {
        "current": "bookings",
        "booking": booking,
        "form": form,
        "first": first,
        "days": _free_days(booking, first, tz) if booking.is_active else [],
        "earlier": first - timedelta(days=MOVE_DAYS),
        "later": first + timedelta(days=MOVE_DAYS),
        "can_go_back": first > timezone.now().astimezone(tz).date(),
        "back": _back(request.POST.get("back") or request.GET.get("back", "")),
    }
    return render(request, "web/app/booking_move.html", context)


# --- export ---------------------------------------------------------------------------------

CSV_COLUMNS = [
    gettext_lazy("Start"),
    gettext_lazy("End"),
    gettext_lazy("Time zone"),
    gettext_lazy("Meeting type"),
    gettext_lazy("Name"),
    gettext_lazy("Email"),
    gettext_lazy("Booking status"),
    gettext_lazy("Location"),
    gettext_lazy("Meeting link"),
    gettext_lazy("Notes"),
    gettext_lazy("Answers"),
    gettext_lazy("Booked at"),
    gettext_lazy("Cancelled at"),
    gettext_lazy("Cancellation reason"),
    # When the attendee agreed to the privacy notice (types that ask consent).
    gettext_lazy("Consent given at"),
]
# A cell a spreadsheet would read as a formula (CSV injection): shown as text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def location_of(booking: Booking) -> str:
    mt = booking.meeting_type
    kind = str(mt.get_location_kind_display())
    return f"{kind}: {mt.location_value}" if mt.location_value else kind


def _csv_row(booking: Booking, tz: ZoneInfo) -> list[str]:
    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    answers = "\n".join(f"{label}: {answer}" for label, answer in booking.labelled_answers())
    row = [
        when(booking.start),
        when(booking.end),
        tz.key,
        booking.meeting_type.title,
        booking.attendee_name,
        booking.attendee_email,
        booking.get_status_display(),
        location_of(booking),
        booking.meeting_url,
        booking.notes,
        answers,
        when(booking.created_at),
        when(booking.cancelled_at),
        booking.cancel_reason,
        when(booking.consent_at),
    ]
    return [cell(value) for value in row]


class _Line:
    """A file-like object that hands back what csv.writer writes, one row at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(bookings: BookingQuerySet, tz: ZoneInfo) -> Iterator[str]:
    """The bookings as CSV, streamed: thousands of rows never sit in memory at once."""
    writer = csv.writer(_Line())
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    yield writer.writerow([str(column) for column in CSV_COLUMNS])
    for booking in bookings.iterator(chunk_size=500):
        yield writer.writerow(_csv_row(booking, tz))


@signed_in
@require_safe
def export(request: SignedInRequest) -> StreamingHttpResponse:
    """The tab and search shown, as a CSV file."""
    tab = _tab(request)
    tz = ZoneInfo(request.user.time_zone)
    bookings = listed(request.user, tab, _query(request))
    response = StreamingHttpResponse(csv_lines(bookings, tz), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="bookings-{tab}.csv"'
    return response
