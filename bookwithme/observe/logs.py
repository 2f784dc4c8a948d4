"""Request logs: a request id, one access line per request, and JSON lines on demand.

`RequestMiddleware` gives each request an id (the client's or proxy's `X-Request-ID` when it
looks like one, else a fresh one), echoes it in the response's `X-Request-ID`, times the request
and writes one line to the `bookwithme.access` logger: method, route, status, duration and id.
The route is the URL pattern the request matched (`/manage/<str:token>`), never its path: paths
hold private-link, manage and feed tokens. No query string, address or attendee data is logged.

`JsonFormatter` (`LOG_FORMAT=json`) writes each record as one JSON object on one line;
`PathsAsRoutes`, a filter on the handler, rewrites Django's own request warnings ("Not Found:
/manage/<token>") to name the route instead of the path; `NoClientAddresses` does the same for
gunicorn's own lines, which name the client's address and the raw request line of a request it
refuses.
"""

import json
import logging
import re
import secrets
import time
from contextvars import ContextVar
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from bookwithme.observe import metrics

access = logging.getLogger("bookwithme.access")

# A request id as proxies and tracers write them (UUIDs, hex, base64url), nothing longer.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Answered every few seconds to probes and scrapers: logged at DEBUG while they succeed.
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Where the id is kept on the request, for what Django logs after the middleware has returned.
REQUEST_ID_KEY = "bookwithme.request_id"


def current_request_id() -> str | None:
    """The id of the request this thread is answering, if any."""
    return _request_id.get()


def request_id_for(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    if SANE_REQUEST_ID.fullmatch(given):
        return given
    return secrets.token_hex(16)


def route_of(request: HttpRequest) -> str:
    """The URL pattern the request matched, `static` for static files, else `unmatched`."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "/" + match.route
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"  # whitenoise answers before any URL is resolved
    return "unmatched"


class RequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_for(request)
        request.META[REQUEST_ID_KEY] = request_id
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            route = route_of(request)
            method = request.method or ""
            status = response.status_code
            response["X-Request-ID"] = request_id
            metrics.request_done(route, method, status, seconds)
            duration_ms = round(seconds * 1000, 1)
            level = logging.DEBUG if route in PROBES and status < 400 else logging.INFO
            access.log(
                level,
                "%s %s %s %.1f ms id=%s",
                method,
                route,
                status,
                duration_ms,
                request_id,
                extra={
                    "request_id": request_id,
                    "route": route,
                    "method": method,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            _request_id.reset(token)


class PathsAsRoutes(logging.Filter):
    """Django logs a request's path with each 4xx and 5xx ("Not Found: /manage/<token>"):
    the path, and the query string, are replaced by the route. As Django does so once the
    middleware has returned, the request's id is taken from the request."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            message = record.getMessage()
            route = route_of(request)
            for raw in (request.get_full_path(), request.path):
                if len(raw) > 1:
                    message = message.replace(raw, route)
            record.msg, record.args = message, ()
            if not hasattr(record, "request_id") and REQUEST_ID_KEY in request.META:
                record.request_id = request.META[REQUEST_ID_KEY]
        return True


# gunicorn's refusals of requests it cannot parse: "Invalid request from ip=203.0.113.5: Invalid
# HTTP request line: 'GET /manage/<token> ...'"; the reason is kept up to what the client sent.
_INVALID_REQUEST = re.compile(r"Invalid request from ip=\S*: (?P<reason>[^'\"]*)", re.DOTALL)


class NoClientAddresses(logging.Filter):
    """gunicorn's error log (`bookwithme serve` puts it on this filter) without the client's
    address or request path: a request it refuses is logged with its reason only, an
    application error with the method only (the path may hold a token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in ("Error handling request %s %s", "Error handling request %s"):
            args = record.args if isinstance(record.args, tuple) else ()
            method = args[0] if len(args) == 2 else "-"  # (method, uri) or (uri,)
            record.msg, record.args = "Error handling request %s (path not logged)", (method,)
            return True
        message = record.getMessage()
        invalid = _INVALID_REQUEST.match(message)
        if invalid:
            reason = invalid["reason"].rstrip(" :") or "unreadable"
            record.msg, record.args = "Invalid request refused: %s", (reason,)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC), level, logger, message; the request id while
    a request is answered; for access lines route, method, status and duration_ms too."""

    FIELDS = ("route", "method", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for field in self.FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
