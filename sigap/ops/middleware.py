"""503, not 500, while the database is away (restarting, failing over, locked for too long).

A lost connection is not a bug: the request is answered "Service Unavailable" with Retry-After,
so browsers, API clients and platforms try again, and a webhook whose body could not be stored
is delivered again by its platform. The next request connects afresh (Django drops a connection
that failed). Other database errors (a bad query) stay 500s: they are bugs.
"""

import sys
from xml.sax.saxutils import escape

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

DATABASE_AWAY = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
MACHINE_PREFIXES = ("/api/", "/webhooks/", "/healthz", "/metrics")


def unavailable(request: HttpRequest) -> HttpResponse:
    """The answer while the database is away, in the form the caller reads."""
    message = _("Sigap cannot reach its database right now. Please try again in a moment.")
    path = request.path
    if path.startswith("/open311/"):
        if path.endswith(".xml"):
            body = (
                '<?xml version="1.0" encoding="utf-8"?><errors><error><code>503</code>'
                f"<description>{escape(message)}</description></error></errors>"
            )
            response = HttpResponse(body, status=503, content_type="text/xml; charset=utf-8")
        else:
            response = JsonResponse([{"code": 503, "description": message}], status=503, safe=False)
    elif path.startswith(MACHINE_PREFIXES) or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"code": "unavailable", "message": message}, status=503)
    else:
        # Plain HTML without templates or context processors: those may want the database too.
        title = _("Temporarily unavailable")
        body = (
            f'<!doctype html><html lang="{escape(getattr(request, "LANGUAGE_CODE", "id"))}"><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)} · Sigap</title>'
            f"<body style=\"font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem\">"
            f"<h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>"
        )
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """First in MIDDLEWARE: turns a lost database anywhere in the request into 503 + Retry-After."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A middleware (sessions, authentication) that lost the database has been turned into a 500
        # by Django before it reaches here; the signal below marked the request when that was why.
        if response.status_code == 500 and getattr(request, "_sigap_database_away", False):
            return unavailable(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_AWAY):
            return unavailable(request)
        return None


def _note_database_away(sender, request=None, **kwargs) -> None:
    # Sent by Django for every uncaught exception, with it still being handled.
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_AWAY):
        request._sigap_database_away = True


got_request_exception.connect(_note_database_away, dispatch_uid="sigap.ops.database_away")
