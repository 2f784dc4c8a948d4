from django.contrib import admin
from django.urls import include, path

from bookwithme.api.urls import api
from bookwithme.privacy import admin as privacy_admin
from bookwithme.web import feeds as web_feeds
from bookwithme.web import views as web_views
from bookwithme.web.app import auth as app_auth
from bookwithme.web.app import invite
from bookwithme.web.app.forms import AdminSignInForm

# The admin signs in with the app's sign-in throttle: one count for both doors.
admin.site.login_form = AdminSignInForm
# Its home page links to the privacy requests page as well.
admin.site.index_template = "web/admin/index.html"

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("readyz", web_views.readyz, name="readyz"),
    path("metrics", web_views.metrics, name="metrics"),
    # Before the admin's own routes: its sign-in page, answering 429 while paused.
    path("admin/login/", app_auth.admin_sign_in),
    # An organization's privacy requests: export or erase an address (bookwithme/privacy/).
    path("admin/privacy/", admin.site.admin_view(privacy_admin.requests), name="admin_privacy"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Where an invited person sets their password (`bookwithme user create --invite`).
    path("app/set-password/done", invite.set_password_done, name="set_password_done"),
    path("app/set-password/<uidb64>/<token>", invite.set_password, name="set_password"),
    path("app/", include("bookwithme.web.app.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("freebusy/<slug:page_slug>.ics", web_feeds.freebusy, name="freebusy"),
    path("feeds/<str:token>.ics", web_feeds.bookings, name="bookings-feed"),
    path("", include("bookwithme.web.urls")),
]
