"""Working hours: each weekday's intervals and date overrides, in one's own time zone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bookwithme.booking.models import WorkingHours
from bookwithme.web.app.auth import signed_in
from bookwithme.web.app.editors import hours_editor, read_hours


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        hours = read_hours(request.POST)
        try:
            WorkingHours.replace(request.user, hours["weekly"], hours["overrides"])
        except ValidationError as e:
            error = " ".join(e.messages)
        else:
            messages.success(request, _("Your working hours are saved."))
            return redirect("app:availability")
    else:
        own = WorkingHours.of(request.user)
        hours = {"weekly": own.weekly, "overrides": own.overrides}
    return render(
        request, "web/app/availability.html", {"editor": hours_editor(hours), "error": error}
    )
