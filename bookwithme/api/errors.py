"""The API's error shape on every 4xx: `{"error", "message"}` plus `"fields"`.

Exceptions raised by the booking and calendar layers, ninja's own validation and parse errors,
and Django's 404/405 for unknown routes all leave in this one shape. Field errors from any
layer are Django's ValidationError, keyed by the model's field names: `on_field_errors` is
where they become the API's, and where the few names the API says otherwise are mapped.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from bookwithme.api.schemas import API_NAMES
from bookwithme.booking.errors import BookingError
from bookwithme.calendars.ical import IcalError

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "rate_limited",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        self.status, self.code, self.message, self.fields = status, code, message, fields
        super().__init__(message)


def error_response(
    status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> JsonResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status)


def _field_name(loc: tuple | list) -> str:
    # ninja locates errors as ("body", "payload", "name") or ("query", "from"): drop the
    # request part and the parameter's own name, keep what the client wrote.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "form"}:
        parts = parts[1:]
        if parts and parts[0] in {"payload", "data", "body", "filters", "params"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "This field is required."
    if kind == "timezone_aware":
        return "Give the time with its UTC offset, e.g. 2026-05-04T09:00:00+02:00."
    message = str(error.get("msg", "Invalid value."))
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = tuple(error.get("loc", ()))
        if (error.get("ctx") or {}).get("field"):  # a whole-body check naming its field
            loc = (*loc, error["ctx"]["field"])
        fields.setdefault(_field_name(loc), []).append(_validation_message(error))
    return error_response(422, "validation", "Some fields are not valid.", fields)


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return error_response(401, "unauthorized", "A valid API token is required.")
    message = str(exc)
    if message == "Cannot parse request body" or message.startswith("Cannot parse request body"):
        message = "The request body is not valid JSON."
    return error_response(exc.status_code, STATUS_CODES.get(exc.status_code, "error"), message)


def on_refusal(request: HttpRequest, exc: BookingError | ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message, getattr(exc, "fields", None))


def on_ical_error(request: HttpRequest, exc: IcalError) -> HttpResponse:
    return error_response(422, "validation", str(exc), {"body": [str(exc)]})


def on_field_errors(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for name, errors in exc.update_error_dict({}).items():
        name = "body" if name == NON_FIELD_ERRORS else API_NAMES.get(name, name)
        fields.setdefault(name, []).extend(DjangoValidationError(errors).messages)
    message = getattr(exc, "summary", "Some fields are not valid.")
    return error_response(422, "validation", message, fields)


def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", "Not found.")


# Each handler takes the exceptions of its own pair (hence Any for them here).
HANDLERS: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
    (ValidationError, on_validation_error),
    (HttpError, on_http_error),
    (BookingError, on_refusal),
    (ApiError, on_refusal),
    (IcalError, on_ical_error),
    (DjangoValidationError, on_field_errors),
    (Http404, on_404),
]


class ErrorShapeMiddleware:
    """Gives Django's own 4xx answers under /api/ (unknown route, wrong method) the shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and 400 <= response.status_code < 500
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            messages = {
                404: "There is no such API route.",
                405: f"{request.method} is not allowed here.",
                403: "Forbidden.",
            }
            shaped = error_response(
                status, STATUS_CODES.get(status, "error"), messages.get(status, "Bad request.")
            )
            if status == 405 and response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
