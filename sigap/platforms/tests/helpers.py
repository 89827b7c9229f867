"""Shared by the adapter tests: captured payloads, and an HTTP transport that records what was sent."""

import json
from datetime import datetime, timezone
from pathlib import Path

import httpx

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / f"{name}.json").read_bytes()


def fixture_names(platform: str) -> list[str]:
    return sorted(path.stem for path in (FIXTURES / platform).glob("*.json"))


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def assert_items(items: list, expected: list[dict]) -> None:
    """Each item has the fields its expectation names (and no more items than expected)."""
    got = [{key: getattr(item, key) for key in want} for item, want in zip(items, expected, strict=False)]
    assert got == expected
    assert len(items) == len(expected)


class Recorder:
    """An httpx transport answering with the given responses in turn, keeping every request."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def sent_json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index].content)


def reply(status: int = 200, body: dict | None = None, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {}, headers=headers)
