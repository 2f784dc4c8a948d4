"""The public HTML pages; included last at the root, after `api/v1/`, `admin/` and `healthz`.

`l/` and `manage/` come before the page routes, whose slugs would otherwise take them. A page
slug never matches a reserved word, so `/admin` still falls through to APPEND_SLASH's redirect
to `/admin/` instead of becoming a missing page. The same addresses typed with a slash at the
end (`/alex/`) are sent to the canonical ones.
"""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import path, register_converter
from django.urls.converters import SlugConverter

from bookwithme.directory.models import RESERVED_SLUGS
from bookwithme.web import approval, branding, pages


class PageSlugConverter(SlugConverter):
    def to_python(self, value: str) -> str:
        if value.lower() in RESERVED_SLUGS:
            raise ValueError(value)  # no match: the URL resolver tries the next route
        return value


register_converter(PageSlugConverter, "page")

app_name = "web"


def without_slash(request: HttpRequest, **kwargs) -> HttpResponsePermanentRedirect:
    """`/alex/` -> `/alex`, the query string kept."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(request.path.rstrip("/") + (f"?{query}" if query else ""))


urlpatterns = [
    path("media/photos/<str:name>", branding.photo, name="photo"),
    path("media/theme/<str:color>.css", branding.theme, name="theme"),
    path("l/<str:token>", pages.link_page, name="link"),
    path("manage/<str:token>", pages.manage_page, name="manage"),
    path("approval/<str:action>/<str:token>", approval.decide, name="approval"),
    path("<page:page_slug>", pages.person_page, name="person"),
    path("<page:page_slug>/<slug:type_slug>", pages.meeting_type_page, name="meeting_type"),
    # Three segments, so no type's address can take it; the `-` marks the site's own routes
    # under a page, as GitLab's `/-/` does.
    path("<page:page_slug>/-/privacy", pages.privacy_notice, name="privacy_notice"),
    path("l/<str:token>/", without_slash),
    path("manage/<str:token>/", without_slash),
    path("<page:page_slug>/", without_slash),
    path("<page:page_slug>/<slug:type_slug>/", without_slash),
]
