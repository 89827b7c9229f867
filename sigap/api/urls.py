from functools import wraps

from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from sigap.api.views import api


def not_found(request, rest=""):
    # Paths the API does not have still answer in the API's error format.
    return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)


def json_not_allowed(view):
    """ninja answers a method a path lacks with a plain-text 405; the API answers in its own error format."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        allowed = response["Allow"]
        message = _("%(method)s is not allowed here; use %(allowed)s.") % {"method": request.method[:20], "allowed": allowed}
        json = JsonResponse({"code": "method_not_allowed", "message": message}, status=405)
        json["Allow"] = allowed
        return json

    return wrapped


# Not unpacked into module names: include() would read an `app_name` here as this module's own.
_api_urls = api.urls
for _pattern in _api_urls[0]:
    _pattern.callback = json_not_allowed(_pattern.callback)

urlpatterns = [
    path("", _api_urls),
    re_path(r"^(?P<rest>.*)$", not_found),
]
