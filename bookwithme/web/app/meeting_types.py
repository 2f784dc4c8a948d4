"""Meeting types: the list, a new one, changing one, retiring one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from bookwithme.booking import addresses
from bookwithme.booking import meeting_types as types
from bookwithme.booking.models import CHOICE_KINDS, MeetingType, WorkingHours
from bookwithme.web.app.auth import SignedInRequest, signed_in
from bookwithme.web.app.editors import QUESTION_KINDS, hours_editor, question_rows
from bookwithme.web.app.forms import MeetingTypeForm

# A new type starts from the model's defaults, with a half-hour meeting.
NEW_DURATION = 30


def own_type(request: SignedInRequest, type_id: int) -> MeetingType:
    return get_object_or_404(
        MeetingType.objects.live().select_related("owner"), pk=type_id, owner=request.user
    )


@signed_in
@require_safe
def index(request: SignedInRequest) -> HttpResponse:
    owned = MeetingType.objects.live().filter(owner=request.user).select_related("owner")
    rows = [(mt, addresses.type_url(mt)) for mt in owned.order_by("created_at", "pk")]
    return render(request, "web/app/types.html", {"rows": rows})


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def new(request: SignedInRequest) -> HttpResponse:
    # Online, with a generated link: a new type's attendees know how to join.
    new_type = MeetingType(owner=request.user, duration_minutes=NEW_DURATION, online_meeting=True)
    return _edit(request, new_type)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: SignedInRequest, type_id: int) -> HttpResponse:
    return _edit(request, own_type(request, type_id))


def _edit(request: SignedInRequest, mt: MeetingType) -> HttpResponse:
    creating, heading = mt.pk is None, mt.title
    form = MeetingTypeForm(request.POST if request.method == "POST" else None, instance=mt)
    if form.is_valid():
        try:
            types.save(mt, form.changes())
        except ValidationError as e:
            form.refuse(e)
        else:
            done = _("“%(title)s” is created.") if creating else _("“%(title)s” is saved.")
            messages.success(request, done % {"title": mt.title})
            return redirect("app:types")
    hours = form["hours"].value()
    if hours is None:  # the custom editor starts from one's working hours
        own = WorkingHours.of(request.user)
        hours = {"weekly": own.weekly, "overrides": own.overrides}
    context = {
        "form": form,
        "meeting_type": mt,
        "creating": creating,
        "heading": heading,
        "editor": hours_editor(hours),
        "questions": question_rows(form["questions"].value()),
        "question_kinds": QUESTION_KINDS,
        "choice_kinds": "|".join(CHOICE_KINDS),  # the kinds whose options the row shows
        "choice_kind_list": CHOICE_KINDS,
    }
    return render(request, "web/app/type_form.html", context)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: SignedInRequest, type_id: int) -> HttpResponse:
    mt = own_type(request, type_id)
    if request.method == "POST":
        types.delete(mt)
        messages.success(request, _("“%(title)s” is deleted.") % {"title": mt.title})
        return redirect("app:types")
    return render(request, "web/app/type_delete.html", {"meeting_type": mt})
