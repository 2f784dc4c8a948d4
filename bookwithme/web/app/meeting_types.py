"""Meeting types: the list, a new one, changing one, retiring one."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from bookwithme.booking import addresses
from bookwithme.booking import meeting_types as types
from bookwithme.booking.errors import Invalid
from bookwithme.booking.models import MeetingType, WorkingHours
from bookwithme.web.app.auth import signed_in
from bookwithme.web.app.editors import (
    QUESTION_KINDS,
    hours_editor,
    question_rows,
    read_hours,
    read_questions,
)
from bookwithme.web.app.forms import MeetingTypeForm

# A new type starts from the model's defaults, with a half-hour meeting.
NEW_DURATION = 30


def own_type(request: HttpRequest, type_id: int) -> MeetingType:
    return get_object_or_404(
        MeetingType.objects.live().select_related("owner"), pk=type_id, owner=request.user
    )


@signed_in
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    owned = MeetingType.objects.live().filter(owner=request.user).select_related("owner")
    rows = [(mt, addresses.type_url(mt)) for mt in owned.order_by("created_at", "pk")]
    return render(request, "web/app/types.html", {"rows": rows})


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    return _edit(request, MeetingType(owner=request.user, duration_minutes=NEW_DURATION))


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, type_id: int) -> HttpResponse:
    return _edit(request, own_type(request, type_id))


def _edit(request: HttpRequest, mt: MeetingType) -> HttpResponse:
    creating, heading = mt.pk is None, mt.title
    if request.method == "POST":
        form = MeetingTypeForm(request.POST)
        hours, questions = read_hours(request.POST), read_questions(request.POST)
        if form.is_valid():
            try:
                types.apply_changes(mt, form.api_data(hours, questions))
            except Invalid as e:
                form.refuse(e.fields)
            else:
                done = _("“%(title)s” is created.") if creating else _("“%(title)s” is saved.")
                messages.success(request, done % {"title": mt.title})
                return redirect("app:types")
    else:
        fields = types.api_fields(mt)
        form = MeetingTypeForm(initial=MeetingTypeForm.initial_from(fields))
        questions = fields["questions"]
        hours = fields["hours"]
        if hours == "working_hours":  # the custom editor starts from one's working hours
            own = WorkingHours.of(request.user)
            hours = {"weekly": own.weekly, "overrides": own.overrides}
    context = {
        "form": form,
        "meeting_type": mt,
        "creating": creating,
        "heading": heading,
        "editor": hours_editor(hours),
        "questions": question_rows(questions),
        "question_errors": form.question_errors,
        "question_kinds": QUESTION_KINDS,
    }
    return render(request, "web/app/type_form.html", context)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HttpRequest, type_id: int) -> HttpResponse:
    mt = own_type(request, type_id)
    if request.method == "POST":
        types.delete(mt)
        messages.success(request, _("“%(title)s” is deleted.") % {"title": mt.title})
        return redirect("app:types")
    return render(request, "web/app/type_delete.html", {"meeting_type": mt})
