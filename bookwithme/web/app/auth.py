"""Signing in with email and password, signing out, and the guard on every other page."""

from functools import wraps

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.cache import never_cache

from bookwithme.directory.models import Person
from bookwithme.web.app.forms import SignInForm, throttled

# In the session of one's first sign-in while one's zone is the default: the dashboard asks
# the browser for its zone once (`dashboard.detected_zone`).
DETECT_ZONE = "app:detect-zone"


class SignIn(auth_views.LoginView):
    template_name = "web/app/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        person = form.get_user()
        first = person.last_login is None and person.time_zone == "UTC"
        response = super().form_valid(form)  # signs in, which sets last_login
        if first:
            self.request.session[DETECT_ZONE] = True
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if throttled(form):
            response.status_code = 429  # the API's rate_limited
        return response


sign_in = SignIn.as_view()
sign_out = auth_views.LogoutView.as_view()


def admin_sign_in(request, extra_context=None):
    """`/admin/login/`: the admin's own page and form (`admin.site.login_form`, set to
    AdminSignInForm with the app's throttle in bookwithme/urls.py), with the same 429 while
    signing in is paused."""
    response = admin.site.login(request, extra_context)
    if throttled((getattr(response, "context_data", None) or {}).get("form")):
        response.status_code = 429
    return response


class SignedInRequest(HttpRequest):
    """The request of a view behind `signed_in`, for the type checker: its user has signed in,
    so is a `Person`, never anonymous."""

    user: Person


def signed_in(view):
    """Only for the signed-in; times are shown and read in the person's own time zone."""

    @wraps(view)
    def in_own_zone(request, *args, **kwargs):
        with timezone.override(request.user.time_zone):
            return view(request, *args, **kwargs)

    return never_cache(login_required(in_own_zone))
