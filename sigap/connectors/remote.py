"""Calling a connector's server: timeouts, a cap on what we read, and telling "retry" from "give up".

Every call goes through sigap.lib.http.request. The URLs are set by an administrator, not by
citizens, so private addresses are allowed (a city's own complaint system usually is one).
"""

import json
import re
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.lib import http

# A GeoReport answer for a thousand requests is a few hundred kilobytes; past this, something is wrong.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
# A job claimed longer ago than this was interrupted (the worker died): another worker may take it.
# Well above the longest timeout a connector may have (120 s).
LEASE = timedelta(minutes=5)
# 30 s, 1, 2, 4 … minutes, then hourly: about 12 hours of trying before a person is asked.
MAX_ATTEMPTS = 16
MAX_WAIT = 3600

# Tests put an httpx.Client with a MockTransport here; None uses the shared client.
CLIENT: httpx.Client | None = None

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ConnectorError(Exception):
    """A call that did not work. `permanent`: retrying the same thing cannot help."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: int | None = None,
        status: int | None = None,
        malformed: bool = False,
        too_large: bool = False,
    ) -> None:
        super().__init__(message)
        self.message, self.permanent, self.retry_after = message, permanent, retry_after
        self.status, self.malformed, self.too_large = status, malformed, too_large


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), MAX_WAIT))


def clean_text(value, limit: int = 4000) -> str:
    """Text from another server, safe to store (PostgreSQL refuses NUL) and of bounded length."""
    if value is None or isinstance(value, dict | list):
        return ""
    return _CONTROL.sub("", str(value)).strip()[:limit]


def call(connector, method: str, url: str, *, max_bytes: int = MAX_RESPONSE_BYTES, **kwargs) -> httpx.Response:
    """One request to the connector's server; a 2xx response, or ConnectorError."""
    timeout = httpx.Timeout(float(connector.timeout), connect=min(5.0, float(connector.timeout)))
    try:
        response = http.request(method, url, client=CLIENT, max_bytes=max_bytes, timeout=timeout, **kwargs)
    except http.ResponseTooLarge as exc:
        message = _("The answer was larger than %(n)s bytes and was not read.") % {"n": exc.max_bytes}
        if 200 <= exc.status_code < 300:
            # Accepted, but what it says (the id of what was filed) is lost: unreadable, like bad JSON.
            raise ConnectorError(message, status=exc.status_code, too_large=True, malformed=True) from None
        raise ConnectorError(
            f"HTTP {exc.status_code}: {message}", permanent=not _temporary(exc.status_code), status=exc.status_code, too_large=True
        ) from None
    except httpx.TimeoutException:
        raise ConnectorError(_("No answer within %(n)s seconds.") % {"n": connector.timeout}) from None
    except httpx.HTTPError as exc:
        raise ConnectorError(_("Could not connect: %(error)s") % {"error": clean_text(exc, 150) or type(exc).__name__}) from None
    check(response)
    return response


def check(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    detail = describe(response)
    detail = f": {detail}" if detail else ""
    if _temporary(status):
        raise ConnectorError(
            _("HTTP %(status)s%(detail)s (will retry)") % {"status": status, "detail": detail},
            retry_after=retry_after(response),
            status=status,
        )
    # Other 4xx (and redirects, which are never followed): the same request would be refused again.
    raise ConnectorError(_("Refused with HTTP %(status)s%(detail)s") % {"status": status, "detail": detail}, permanent=True, status=status)


def _temporary(status: int) -> bool:
    return status in (408, 429) or status >= 500


def describe(response: httpx.Response) -> str:
    """The server's own words about an error: GeoReport's [{"code", "description"}], or a JSON message."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return clean_text(response.text, 120) if "html" not in response.headers.get("content-type", "") else ""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if isinstance(data, dict):
        return clean_text(data.get("description") or data.get("message") or data.get("error") or "", 150)
    return ""


def retry_after(response: httpx.Response) -> int | None:
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return min(int(raw), MAX_WAIT)
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, min(int((moment - timezone.now()).total_seconds()), MAX_WAIT))
