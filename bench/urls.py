"""Baselines measured under the same server in the same run as the endpoints they are compared with."""

from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from sigap.platforms.models import Delivery


@csrf_exempt
def noop(request):
    return JsonResponse({"ok": True})


@csrf_exempt
def insert_one_row(request):
    # The least a durable webhook endpoint can do: read the body, insert it, answer.
    Delivery.objects.create(endpoint="baseline", body=request.body)
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/noop", noop),
    path("bench/insert", insert_one_row),
    path("", include("sigap.urls")),
]
