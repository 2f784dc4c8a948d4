"""Signing in with email and password, signing out, and the guard on every other page."""

from functools import wraps

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.views.decorators.cache import never_cache

from bookwithme.web.app.forms import SignInForm


class SignIn(auth_views.LoginView):
    template_name = "web/app/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(e.code == "throttled" for e in form.non_field_errors().as_data()):
            response.status_code = 429  # the contract's rate_limited
        return response


sign_in = SignIn.as_view()
sign_out = auth_views.LogoutView.as_view()


def signed_in(view):
    """Only for the signed-in; times are shown and read in the person's own time zone."""

    @wraps(view)
    def in_own_zone(request, *args, **kwargs):
        with timezone.override(request.user.time_zone):
            return view(request, *args, **kwargs)

    return never_cache(login_required(in_own_zone))
