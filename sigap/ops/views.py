"""/healthz for load balancers and monitors, /metrics for Prometheus."""

import hmac
import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sigap.ops import heartbeat, metrics
from sigap.ops.middleware import RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers; the workers' last beats are reported.

    A stale worker does not fail the check by default (the web side still serves); add
    `?require=worker` to make it count, e.g. for the worker's own systemd watchdog.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        workers = heartbeat.status()
    except DatabaseError:
        log.exception("healthz: database unreachable")
        response = JsonResponse({"status": "error", "database": "unreachable", "workers": []}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    stale = not workers or any(w["stale"] for w in workers)
    body = {
        "status": "ok",
        "database": "ok",
        "time": timezone.now().isoformat(),
        "workers": workers,
        "worker": "stale" if stale else "ok",
    }
    if request.GET.get("require") == "worker" and stale:
        body["status"] = "error"
        return JsonResponse(body, status=503)
    return JsonResponse(body)


def _metrics_allowed(request: HttpRequest) -> bool:
    token = settings.SIGAP_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_active and (user.is_staff or user.is_admin))


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        response = HttpResponse("forbidden\n", status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    try:
        text = metrics.render()
    except DatabaseError:
        log.exception("metrics: database unreachable")
        response = HttpResponse("# database unreachable\nsigap_up 0\n", status=503, content_type=metrics.CONTENT_TYPE)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(text, content_type=metrics.CONTENT_TYPE)
