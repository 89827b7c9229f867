from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from sigap.api.views import api


def not_found(request, rest=""):
    # Paths the API does not have still answer in the API's error format.
    return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)


urlpatterns = [
    path("", api.urls),
    re_path(r"^(?P<rest>.*)$", not_found),
]
