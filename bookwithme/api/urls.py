"""The JSON API at /api/v1/: OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from typing import Any

from ninja import NinjaAPI

from bookwithme.api import calendars, organizer, public, webhooks
from bookwithme.api.errors import HANDLERS
from bookwithme.api.schemas import TIME_ZONE_MARK
from bookwithme.directory.models import available_time_zones


def _refer_to_time_zones(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get(TIME_ZONE_MARK):
            return {"$ref": "#/components/schemas/TimeZone"}
        return {k: _refer_to_time_zones(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_refer_to_time_zones(v) for v in node]
    return node


SERVER_REFUSALS = {
    "414": {"description": "The request line is over 4,094 bytes (answered by the web server)."},
    "431": {"description": "A header line is over 32 KiB (answered by the web server)."},
}


class API(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        # The time zone names every `TimeZone` field refers to, listed once.
        schema = super().get_openapi_schema(**kwargs)
        for key in ("paths", "components"):
            schema[key] = _refer_to_time_zones(schema.get(key, {}))
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        # Answered by the web server in front (`bookwithme serve`'s gunicorn), before the API
        # sees the request, as a small HTML page: any route may get them (docs/api.md).
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.setdefault("responses", {}).update(SERVER_REFUSALS)
        schemas["TimeZone"] = {
            "type": "string",
            "title": "TimeZone",
            "description": "An IANA time zone name.",
            "enum": sorted(available_time_zones()),
        }
        return schema


api = API(
    title="bookwithme",
    version="1",
    description="Personal booking pages: the organizer, public and manage APIs.",
    urls_namespace="api",
)
for exception, handler in HANDLERS:
    api.add_exception_handler(exception, handler)
api.add_router("", organizer.router)
api.add_router("", calendars.router)
api.add_router("", webhooks.router)
api.add_router("", public.router)

urlpatterns = api.urls[0]
