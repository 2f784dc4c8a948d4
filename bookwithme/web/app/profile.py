"""One's profile: name, time zone, page address, whether the page is published, language."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bookwithme.booking import addresses
from bookwithme.directory.models import update_profile
from bookwithme.web.app.auth import signed_in
from bookwithme.web.app.forms import ProfileForm


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    person = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                update_profile(person, form.changes())
            except ValidationError as e:
                person.refresh_from_db()  # the page around the form shows what is stored
                form.refuse(e.message_dict)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("app:profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_from(person))
    return render(
        request,
        "web/app/profile.html",
        {"form": form, "page_url": addresses.page_url(person), "email": person.email},
    )
