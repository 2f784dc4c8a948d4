"""One's profile: name, time zone, page address, whether the page is published, language,
accent colour; one's photo; and one's password."""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from bookwithme.booking import addresses
from bookwithme.directory import photos
from bookwithme.directory.models import update_profile
from bookwithme.web import branding
from bookwithme.web.app.auth import DETECT_ZONE, SignedInRequest, signed_in
from bookwithme.web.app.forms import AppForm, PasswordForm, ProfileForm
from bookwithme.web.pages import initials


class PhotoForm(AppForm):
    """The file only; `directory.photos` judges it (a picture, its size, its format)."""

    photo = forms.FileField(
        label=gettext_lazy("Photo"),
        help_text=gettext_lazy(
            "A JPEG, PNG or WebP picture of at most 5 MB. It is cropped to a square around its "
            "centre and shown small on your page."
        ),
        error_messages={
            "required": gettext_lazy("Choose a photo to upload."),
            "empty": gettext_lazy("This file is empty. Choose a photo to upload."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


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
                request.session.pop(DETECT_ZONE, None)  # a zone chosen: none to detect
                messages.success(request, _("Your profile is saved."))
                return redirect("app:profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_from(person))
    return _show(request, form, PasswordForm(person))


def _show(request, form, password_form, status=200, photo_form=None) -> HttpResponse:
    person = request.user
    return render(
        request,
        "web/app/profile.html",
        {
            "form": form,
            "password_form": password_form,
            "photo_form": photo_form or PhotoForm(),
            "page_url": addresses.page_url(person),
            "email": person.email,
            "photo_url": branding.photo_url(person),
            "theme_url": branding.theme_url(person),
            "initials": initials(person.name or person.email),
        },
        status=status,
    )


@signed_in
@require_POST
def photo(request: SignedInRequest) -> HttpResponse:
    """A new photo for one's page, in place of the one before."""
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["photo"]
        try:
            photos.replace(request.user, upload, upload.size)
        except ValidationError as e:
            form.refuse(e)
        else:
            messages.success(request, _("Your photo is saved."))
            return redirect("app:profile")
    profile_form = ProfileForm(initial=ProfileForm.initial_from(request.user))
    return _show(request, profile_form, PasswordForm(request.user), photo_form=form)


@signed_in
@require_POST
def remove_photo(request: SignedInRequest) -> HttpResponse:
    """Back to one's initials on one's page."""
    photos.remove(request.user)
    messages.success(request, _("Your photo is removed."))
    return redirect("app:profile")


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
