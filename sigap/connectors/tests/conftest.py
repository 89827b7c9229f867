"""Fakes for the other side of a connector: a second Sigap, a plain GeoReport server, a webhook receiver.

No network: every call goes through httpx.MockTransport, set as sigap.connectors.remote.CLIENT.
"""

import json
from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine
from django.test import Client

from sigap.connectors import remote
from sigap.connectors.models import Connector

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 10, 0, tzinfo=WIB)


@pytest.fixture(autouse=True)
def travel():
    with time_machine.travel(TUESDAY, tick=False) as t:
        yield t


@pytest.fixture
def transport(monkeypatch):
    """Route the connectors' calls to `handler(request) -> httpx.Response`; every request is kept."""

    class Recorder:
        def __init__(self) -> None:
            self.requests: list[httpx.Request] = []
            self.handler = lambda request: httpx.Response(200, json=[])

        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return self.handler(request)

        def use(self, handler) -> "Recorder":
            self.handler = handler
            return self

    recorder = Recorder()
    monkeypatch.setattr(remote, "CLIENT", httpx.Client(transport=httpx.MockTransport(recorder)))
    return recorder


def django_handler(request: httpx.Request) -> httpx.Response:
    """This Sigap's own Open311 endpoint, called through Django's test client: the "second Sigap"."""
    client = Client(REMOTE_ADDR="10.9.8.7")
    path = request.url.raw_path.decode()
    body = request.content
    response = client.generic(
        request.method, path, data=body, content_type=request.headers.get("content-type", "application/octet-stream")
    )
    return httpx.Response(response.status_code, headers={"Content-Type": response["Content-Type"]}, content=response.content)


@pytest.fixture
def category(db):
    from sigap.agencies.models import Category

    return Category.objects.filter(active=True, usual_agency__code="DISHUB").order_by("pk").first()


@pytest.fixture
def ulas_key(db, monkeypatch, agencies):
    """An api_key on the other Sigap: the token of its own intake user, as `sigap token create` makes."""
    from sigap.api.models import ApiToken
    from sigap.people.models import Role, User

    intake = User.objects.create_user(username="ulas-intake", role=Role.PROCESSOR)
    raw = ApiToken.issue(user=intake, name="Sigap Kota A")[1]
    monkeypatch.setenv("SIGAP_TEST_ULAS_KEY", raw)
    return raw


@pytest.fixture
def open311_connector(db, ulas_key):
    def make(**fields) -> Connector:
        defaults = {
            "name": "ULAS",
            "kind": Connector.Kind.OPEN311,
            "url": "http://ulas.test/open311/v2",
            "secret_env": "SIGAP_TEST_ULAS_KEY",
        }
        defaults.update(fields)
        return Connector.objects.create(**defaults)

    return make


@pytest.fixture
def webhook_connector(db, monkeypatch):
    monkeypatch.setenv("SIGAP_TEST_HOOK_SECRET", "hook-secret-0123456789")

    def make(**fields) -> Connector:
        defaults = {
            "name": "Dasbor Kota",
            "kind": Connector.Kind.WEBHOOK,
            "url": "https://dasbor.test/hooks/sigap",
            "secret_env": "SIGAP_TEST_HOOK_SECRET",
        }
        defaults.update(fields)
        return Connector.objects.create(**defaults)

    return make


class FakeGeoReport:
    """A plain GeoReport v2 server, per the spec: a token first, ids later, no updates extension."""

    def __init__(self) -> None:
        self.requests: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}
        self.posted: list[dict] = []
        self.assign_ids = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        path = url.path.removeprefix("/georeport/v2/")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if request.method == "POST" and path == "requests.json":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            if form.get("api_key") != "georeport-key":
                return httpx.Response(403, json=[{"code": 403, "description": "Invalid api_key"}])
            self.posted.append(form)
            token = f"tok-{len(self.posted)}"
            self.tokens[token] = ""
            return httpx.Response(200, json=[{"token": token, "service_notice": "Thank you", "account_id": None}])
        if path.startswith("tokens/"):
            token = path.removeprefix("tokens/").removesuffix(".json")
            if token not in self.tokens:
                return httpx.Response(404, json=[{"code": 404, "description": "token not found"}])
            if self.assign_ids and not self.tokens[token]:
                number = str(638343 + len(self.requests) + 1)
                self.tokens[token] = number
                self.requests[number] = {"service_request_id": number, "status": "open", "status_notes": None}
            if not self.tokens[token]:
                return httpx.Response(404, json=[{"code": 404, "description": "not yet"}])
            return httpx.Response(200, json=[{"service_request_id": int(self.tokens[token]), "token": token}])
        if path == "requests.json":
            ids = query.get("service_request_id", "").split(",")
            return httpx.Response(200, json=[self.requests[i] for i in ids if i in self.requests])
        return httpx.Response(404, json=[{"code": 404, "description": "Not found"}])

    def close(self, number: str, notes: str | None) -> None:
        self.requests[number].update(status="closed", status_notes=notes, updated_datetime="2026-11-03T11:00:00+07:00")


@pytest.fixture
def georeport(monkeypatch):
    monkeypatch.setenv("SIGAP_TEST_GEOREPORT_KEY", "georeport-key")
    return FakeGeoReport()


def form_of(request: httpx.Request) -> dict:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def json_of(request: httpx.Request):
    return json.loads(request.content)
