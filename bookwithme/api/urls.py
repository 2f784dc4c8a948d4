"""The JSON API at /api/v1/: OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from ninja import NinjaAPI

from bookwithme.api import calendars, organizer, public
from bookwithme.api.errors import HANDLERS

api = NinjaAPI(
    title="bookwithme",
    version="1",
    description="Personal booking pages: the organizer, public and manage APIs.",
    urls_namespace="api",
)
for exception, handler in HANDLERS:
    api.add_exception_handler(exception, handler)
api.add_router("", organizer.router)
api.add_router("", calendars.router)
api.add_router("", public.router)

urlpatterns = api.urls[0]
