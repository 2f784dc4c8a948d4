"""One's profile: name, time zone, page address, whether the page is published, language;
and one's password."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from bookwithme.booking import addresses
from bookwithme.directory.models import update_profile
from bookwithme.web.app.auth import SignedInRequest, signed_in
from bookwithme.web.app.forms import PasswordForm, ProfileForm


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: SignedInRequest) -> HttpResponse:
    person = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                update_profile(person, form.changes())
            except ValidationError as e:
                person.refresh_from_db()  # the page around the form shows what is stored
                form.refuse(e)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("app:profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_from(person))
    return _show(request, form, PasswordForm(person))


def _show(request, form, password_form, status=200) -> HttpResponse:
    person = request.user
    return render(
        request,
        "web/app/profile.html",
        {
            "form": form,
            "password_form": password_form,
            "page_url": addresses.page_url(person),
            "email": person.email,
        },
        status=status,
    )


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@signed_in
@require_POST
def password(request: SignedInRequest) -> HttpResponse:
    """Change one's own password; this browser stays signed in, other sessions end."""
    form = PasswordForm(request.user, request.POST)
    if form.is_valid():
        update_session_auth_hash(request, form.save())
        messages.success(request, _("Your password is changed."))
        return redirect("app:profile")
    profile_form = ProfileForm(initial=ProfileForm.initial_from(request.user))
    return _show(request, profile_form, form)
