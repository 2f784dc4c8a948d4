"""Invitations: a new person sets their own password from a link mailed to them
(`bookwithme user create --invite`), so no password travels in a terminal or a chat.

Django's password-reset machinery does the work: `default_token_generator` makes a token that
stops working once the password is set (it hashes the password and the last sign-in) or after
`PASSWORD_RESET_TIMEOUT`, and `PasswordResetConfirmView` checks it and takes the new password.
"""

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from bookwithme.booking.addresses import absolute
from bookwithme.directory.models import Person


def set_password_url(person: Person) -> str:
    """The absolute address where `person` sets their password, good once."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    return absolute(reverse("set_password", args=[uid, token]))


def invitation(person: Person) -> EmailMessage:
    """The invitation, in the person's language: the link, and where to sign in after."""
    days = max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))
    with translation.override(person.language):
        subject = _("Set your password for your booking page")
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": person.name or person.email},
                _(
                    "An account was made for you, with a booking page where people pick a time "
                    "to meet you. Set your password here (the link works once, for %(days)d "
                    "days):"
                )
                % {"days": days},
                set_password_url(person),
                _("Then sign in at %(url)s with %(email)s.")
                % {"url": absolute(reverse("app:login")), "email": person.email},
            ]
        )
    return EmailMessage(subject, body + "\n", to=[person.email])


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels without a colon, as in every app form
        super().__init__(*args, **kwargs)


class SetPassword(auth_views.PasswordResetConfirmView):
    """`/app/set-password/<uid>/<token>`: a new password, then a page that says so."""

    template_name = "web/app/set_password.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("set_password_done")


set_password = SetPassword.as_view()
set_password_done = auth_views.PasswordResetCompleteView.as_view(
    template_name="web/app/set_password_done.html"
)
