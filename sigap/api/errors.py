"""Every API error is JSON {"code": "...", "message": "..."} with the right status, never a 500 page.

Messages are in the client's language (Accept-Language; Indonesian by default).
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from sigap.cases.actions import ActionError
from sigap.ops.middleware import unavailable

log = logging.getLogger(__name__)

ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 413, 429})


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None, **extra) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after, self.extra = status, code, message, retry_after, extra


def error_response(api, request: HttpRequest, status: int, code: str, message: str, **extra) -> HttpResponse:
    response = api.create_response(request, {"code": code, "message": message, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="sigap"'
    return response


def _field_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("string_too_short", "too_short"):
        if ctx.get("min_length") == 1:
            return _("This field cannot be empty.")
        return _("At least %(n)s characters.") % {"n": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("At most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind == "too_long":
        return _("At most %(n)s items.") % {"n": ctx.get("max_length")}
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return _("Must be a whole number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Must be true or false.")
    if kind.startswith("datetime") or kind.startswith("timezone"):
        return _("Must be a date and time, e.g. 2026-11-03T14:00:00+07:00.")
    if kind in ("enum", "literal_error"):
        return _("Must be one of: %(values)s.") % {"values": ctx.get("expected", "")}
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(n)s.") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("Must be a JSON object.")
    if kind == "list_type":
        return _("Must be a list.")
    if kind in ("string_type", "string_pattern_mismatch", "string_unicode"):
        return _("Must be text.") if kind != "string_pattern_mismatch" else _("Has the wrong form.")
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", ""))
    return str(error.get("msg", _("Not valid.")))


def _field_name(loc) -> str:
    parts = [str(p) for p in loc]
    # ninja puts the source first ("body", "query", "path") and, for bodies, the parameter name.
    if parts and parts[0] == "body" and len(parts) > 2:
        parts = parts[2:]
    elif parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_details(errors: list[dict]) -> list[dict]:
    return [{"field": _field_name(e.get("loc", ())), "message": _field_message(e)} for e in errors]


def install(api) -> None:
    def on_api_error(request, exc: ApiError):
        response = error_response(api, request, exc.status, exc.code, exc.message, **exc.extra)
        if exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return response

    def on_validation(request, exc: ValidationError):
        details = validation_details(exc.errors)
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
        return error_response(
            api, request, 400, "invalid", _("The request is not valid: %(details)s") % {"details": summary}, errors=details
        )

    def on_authentication(request, exc: AuthenticationError):
        return error_response(api, request, 401, "unauthorized", _("Send the API token as “Authorization: Bearer <token>”."))

    def on_http_error(request, exc: HttpError):
        if exc.status_code == 400:
            # ninja's only 400 of its own: a body that is not JSON.
            return error_response(api, request, 400, "malformed", _("The request body is not valid JSON."))
        return error_response(api, request, exc.status_code, "error", str(exc))

    def on_not_found(request, exc):
        return error_response(api, request, 404, "not_found", _("Not found."))

    def on_forbidden(request, exc):
        return error_response(api, request, 403, "forbidden", _("You may not do this."))

    def on_wrong_state(request, exc: ActionError):
        return error_response(api, request, 409, "wrong_state", str(exc))

    def on_too_big(request, exc):
        return error_response(api, request, 413, "too_large", _("The request body is too large."))

    def on_database_away(request, exc):
        # Not a bug: the database is restarting or locked. 503 + Retry-After, and the client retries.
        log.warning("API: database unavailable on %s %s: %s", request.method, request.path, exc)
        return unavailable(request)

    def on_anything(request, exc):
        log.exception("API error on %s %s", request.method, request.path)
        return error_response(api, request, 500, "server_error", _("Something went wrong on our side."))

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(ActionError, on_wrong_state)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(OperationalError, on_database_away)
    api.add_exception_handler(InterfaceError, on_database_away)
    api.add_exception_handler(Exception, on_anything)
