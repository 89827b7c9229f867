"""The single outbound HTTP wrapper."""

import httpx

from sigap.lib import http


def recording_client(seen: list) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_it_applies_a_default_timeout():
    seen = []
    http.request("GET", "https://api.example/ping", client=recording_client(seen))
    assert seen[0].extensions["timeout"] == http.TIMEOUT.as_dict()


def test_it_lets_the_caller_choose_a_timeout():
    seen = []
    http.request("GET", "https://api.example/ping", client=recording_client(seen), timeout=60)
    assert seen[0].extensions["timeout"]["read"] == 60


def test_it_names_sigap_as_the_user_agent_unless_told_otherwise():
    seen = []
    client = recording_client(seen)
    http.request("POST", "https://api.example/x", client=client, json={"a": 1}, headers={"Access-Token": "t"})
    http.request("GET", "https://api.example/y", client=client, headers={"User-Agent": "custom"})
    assert seen[0].headers["User-Agent"] == http.USER_AGENT
    assert seen[0].headers["Access-Token"] == "t"
    assert seen[0].content == b'{"a":1}'
    assert seen[1].headers["User-Agent"] == "custom"


def test_it_returns_error_responses_instead_of_raising():
    def handler(request):
        return httpx.Response(503)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    assert http.request("GET", "https://api.example/z", client=client).status_code == 503


def test_it_reuses_one_shared_client_when_none_is_given(monkeypatch):
    monkeypatch.setattr(http, "_shared", None)
    assert http._shared_client() is http._shared_client()
