"""The built-in calendar: busy blocks to come, adding one, importing a .ics file, deleting."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from bookwithme.calendars.events import add_event, import_ics
from bookwithme.calendars.ical import MAX_ICS_BYTES, IcalError
from bookwithme.calendars.models import SHOWN_EXAMPLES, Event
from bookwithme.web.app.auth import SignedInRequest, signed_in
from bookwithme.web.app.forms import EventForm, ImportForm, describe_rule

EVENTS_SHOWN = 200


def _show(
    request: SignedInRequest,
    add_form: EventForm | None = None,
    import_form: ImportForm | None = None,
) -> HttpResponse:
    now = timezone.now()
    events = (
        Event.objects.filter(owner=request.user)
        .exclude(rrule="", end__lte=now)  # over, like a finished series below
        .exclude(repeats_until__lte=now)
        .order_by("start", "pk")[:EVENTS_SHOWN]
    )
    return render(
        request,
        "web/app/calendar.html",
        {
            "rows": [(event, describe_rule(event.rrule)) for event in events],
            "add_form": add_form or EventForm(),
            "import_form": import_form or ImportForm(),
        },
    )


@signed_in
@require_safe
def calendar(request: SignedInRequest) -> HttpResponse:
    return _show(request)


@signed_in
@require_POST
def add(request: SignedInRequest) -> HttpResponse:
    form = EventForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            add_event(
                request.user,
                title=data["title"],
                start=data["start"],
                end=data["end"],
                busy=data["busy"],
                rrule=form.rule(),
            )
        except ValidationError as e:
            form.refuse(e)
        else:
            messages.success(request, _("The event is added to your calendar."))
            return redirect("app:calendar")
    return _show(request, add_form=form)


@signed_in
@require_POST
def import_file(request: SignedInRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            reading = import_ics(request.user, form.cleaned_data["file"].read(MAX_ICS_BYTES + 1))
        except IcalError as e:
            form.add_error("file", _("This file cannot be imported: %(why)s") % {"why": e})
        else:
            count = len(reading.events)
            messages.success(
                request,
                ngettext("%(count)d event imported.", "%(count)d events imported.", count)
                % {"count": count},
            )
            for skipped in reading.skipped[:SHOWN_EXAMPLES]:
                messages.warning(
                    request,
                    _("Not imported: %(uid)s (%(why)s).")
                    % {"uid": skipped.uid or _("an event without UID"), "why": skipped.reason},
                )
            if len(reading.skipped) > SHOWN_EXAMPLES:
                hidden = len(reading.skipped) - SHOWN_EXAMPLES
                messages.warning(
                    request,
                    ngettext(
                        "%(count)d more event not imported.",
                        "%(count)d more events not imported.",
                        hidden,
                    )
                    % {"count": hidden},
                )
            for warning in reading.warnings[:SHOWN_EXAMPLES]:
                messages.warning(request, warning)
            return redirect("app:calendar")
    return _show(request, import_form=form)


@signed_in
@require_POST
def delete(request: SignedInRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=event_id, owner=request.user)
    event.delete()
    messages.success(request, _("The event is deleted."))
    return redirect("app:calendar")
