"""Bearer-token authentication, with the per-client limits checked before anything is read."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from sigap.api.errors import ApiError
from sigap.api.models import ApiToken
from sigap.ops import ratelimit


def check_rate(request, scope: str, setting: str) -> None:
    rate = ratelimit.Rate.parse(setting)
    wait = ratelimit.hit(scope, ratelimit.client_ip(request), rate)
    if wait:
        raise ApiError(429, "rate_limited", _("Too many requests; try again in %(n)s seconds.") % {"n": wait}, retry_after=wait)


def check_body_size(request, limit: int) -> None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        raise ApiError(400, "malformed", _("The Content-Length header is not a number.")) from None
    if length > limit:
        raise ApiError(413, "too_large", _("The request body is too large (at most %(n)s bytes).") % {"n": limit})


def token_from_request(request, raw: str) -> ApiToken:
    """The token's owner, or 401; failed attempts count toward a stricter per-client limit."""
    ip = ratelimit.client_ip(request)
    failures = ratelimit.Rate.parse(settings.SIGAP_AUTH_FAILURE_RATE_LIMIT)
    wait = ratelimit.peek("auth-fail", ip, failures)
    if wait:
        message = _("Too many failed attempts; try again in %(n)s seconds.") % {"n": wait}
        raise ApiError(429, "rate_limited", message, retry_after=wait)
    token = ApiToken.authenticate(raw)
    if token is None:
        ratelimit.hit("auth-fail", ip, failures)
        raise ApiError(401, "invalid_token", _("The API token is not valid, or has been revoked."))
    return token


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>. The request then acts as the token's user."""

    def __call__(self, request):
        check_rate(request, "api", settings.SIGAP_API_RATE_LIMIT)
        scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise ApiError(401, "unauthorized", _("Send the API token as “Authorization: Bearer <token>”."))
        token = token_from_request(request, raw.strip())
        check_body_size(request, settings.SIGAP_API_MAX_BODY_BYTES)
        request.user = token.user
        request.api_token = token
        return token

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        raise NotImplementedError
