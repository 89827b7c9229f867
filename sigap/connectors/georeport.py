"""A thin Open311 GeoReport v2 client (http://wiki.open311.org/GeoReport_v2), JSON format.

It speaks to any GeoReport v2 server, Sigap's own /open311/v2/ included: POST requests.json
(form-encoded, with the api_key), GET tokens/<token>.json for servers that answer a POST with a
token first, GET requests.json?service_request_id=a,b,c, and mySociety's service-request-updates
extension (GET servicerequestupdates.json?start_date=…) where the server has it.

Everything a server answers is untrusted: ids are checked, texts are cleaned and bounded, and
anything unreadable raises ConnectorError(malformed=True) with a message for the staff.
"""

from datetime import datetime
from urllib.parse import quote

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from sigap.connectors import remote
from sigap.connectors.remote import ConnectorError, clean_text

MAX_ID = 100


def clean_id(value) -> str:
    """A service_request_id or token as we store it; "" when missing or not a plausible id."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    text = str(value).strip()
    if not text or len(text) > MAX_ID or not text.isprintable():
        return ""
    return text


def parse_time(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = parse_datetime(value.strip().replace(" ", "+"))
    except ValueError:
        return None
    if moment is None:
        return None
    return timezone.make_aware(moment, timezone.get_default_timezone()) if timezone.is_naive(moment) else moment


def _items(response, root: str) -> list[dict]:
    """The JSON list a GeoReport call answers (some servers wrap it in an object named after the root)."""
    try:
        data = response.json()
    except ValueError:
        raise ConnectorError(
            _("The answer is not JSON (HTTP %(status)s).") % {"status": response.status_code}, malformed=True
        ) from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = data[root] if isinstance(data.get(root), list) else lists[0] if len(lists) == 1 else data
    if not isinstance(data, list):
        raise ConnectorError(_("The answer is not a GeoReport list."), malformed=True)
    return [item for item in data if isinstance(item, dict)]


class Client:
    def __init__(self, connector) -> None:
        self.connector = connector
        self.base = connector.url.rstrip("/")

    def _params(self, **params) -> dict:
        if self.connector.jurisdiction_id:
            params["jurisdiction_id"] = self.connector.jurisdiction_id
        return params

    def _get(self, path: str, root: str, **params) -> list[dict]:
        response = remote.call(self.connector, "GET", f"{self.base}/{path}", params=self._params(**params))
        return _items(response, root)

    def post_request(self, fields: dict) -> tuple[str, str]:
        """File one service request; (service_request_id, token), at least one of them non-empty."""
        data = self._params(**fields)
        key = self.connector.secret()
        if key:
            data["api_key"] = key
        response = remote.call(self.connector, "POST", f"{self.base}/requests.json", data=data)
        items = _items(response, "service_requests")
        if not items:
            raise ConnectorError(_("The answer lists no service request."), malformed=True)
        remote_id, token = clean_id(items[0].get("service_request_id")), clean_id(items[0].get("token"))
        if not remote_id and not token:
            raise ConnectorError(_("The answer has neither a service_request_id nor a token."), malformed=True)
        return remote_id, token

    def resolve_token(self, token: str) -> str:
        """The service_request_id a token has become; "" while the server has not assigned one."""
        try:
            items = self._get(f"tokens/{quote(token, safe='')}.json", "service_requests")
        except ConnectorError as exc:
            if exc.status == 404:
                return ""  # the spec: the request may not have been created yet
            raise
        return clean_id(items[0].get("service_request_id")) if items else ""

    def requests(self, ids: list[str]) -> list[dict]:
        return self._get("requests.json", "service_requests", service_request_id=",".join(ids))

    def updates(self, since: datetime) -> list[dict]:
        start = timezone.localtime(since).replace(microsecond=0).isoformat()
        return self._get("servicerequestupdates.json", "service_request_updates", start_date=start)

    def services(self) -> list[dict]:
        return self._get("services.json", "services")


def text_of(item: dict, key: str, limit: int = 4000) -> str:
    return clean_text(item.get(key), limit)
