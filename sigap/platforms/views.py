"""Webhook endpoints: verify the signature over the raw bytes, store them, answer 200.

Nothing else happens in the request: the worker reads stored deliveries (sigap.platforms.intake).
A forged request gets 403 and leaves no trace; a body the database could not take gets 503 so
that the platform delivers it again.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sigap.platforms.connect import build
from sigap.platforms.models import Delivery
from sigap.platforms.registry import WEBHOOK_GROUPS

log = logging.getLogger(__name__)

# The adapter that knows each endpoint's handshake and signature (Meta's four products share theirs).
VERIFIERS = {group: names[0] for group, names in WEBHOOK_GROUPS.items()}


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
def webhook(request: HttpRequest, endpoint: str) -> HttpResponse:
    platform = build(VERIFIERS[endpoint])
    if request.method == "GET":
        answer = platform.handshake(request.GET)
        if answer is None:
            return _error(400, "not a subscription handshake")
        status, content_type, body = answer
        return HttpResponse(body, status=status, content_type=content_type)
    if request.method != "POST":
        return _error(405, "use POST")
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.SIGAP_MAX_WEBHOOK_BYTES:
        return _error(413, f"body larger than {settings.SIGAP_MAX_WEBHOOK_BYTES} bytes")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "body too large")
    if not platform.verify(request.headers, body):
        return _error(403, "signature does not match")
    try:
        Delivery.objects.create(endpoint=endpoint, body=body)
    except DatabaseError:
        log.exception("could not store a %s delivery", endpoint)
        response = _error(503, "temporarily unavailable; deliver again")
        response["Retry-After"] = "30"
        return response
    return JsonResponse({"ok": True})
