"""Whatever a client sends, the answer is JSON with a 4xx status and nothing is half-written."""

import pytest
from django.test import Client

from sigap.cases.models import Complaint, Event

pytestmark = pytest.mark.django_db

GOOD = {"platform": "instagram", "text": "Lampu mati di Jl. Slamet Riyadi.", "posted_at": "2026-01-05T10:00:00+07:00"}


@pytest.fixture
def http(token_for, processor):
    """Django's own test client: the whole stack, middleware and URL routing included."""
    token = token_for(processor)

    def call(method, path, body=b"", content_type="application/json", **headers):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        return getattr(client, method)(path, data=body, content_type=content_type, **headers)

    return call


def nothing_written():
    return not Complaint.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize(
    "body, code",
    [
        (b"{not json", "malformed"),
        (b"\xff\xfe\x00garbage", "malformed"),
        (b"[1, 2, 3]", "invalid"),
        (b'"just a string"', "invalid"),
        (b"[" * 5000 + b"]" * 5000, "malformed"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(http, body, code):
    response = http("post", "/api/v1/complaints", body)
    assert response.status_code == 400 and response.json()["code"] == code
    assert nothing_written()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"platform": "myspace"}, "platform"),
        ({"text": ""}, "text"),
        ({"text": 42}, "text"),
        ({"text": "x" * 10001}, "text"),
        ({"text": "nul\x00byte"}, "text"),
        ({"posted_at": "yesterday"}, "posted_at"),
        ({"posted_at": "9999-12-31T23:59:59+14:00"}, "posted_at"),
        ({"category": 2**70}, "category"),
        ({"category": "1; DROP TABLE"}, "category"),
        ({"permalink": "javascript:alert(1)"}, "permalink"),
        ({"confidential": "maybe"}, "confidential"),
        ({"links": ["https://a.test/x"] * 11}, "links"),
        ({"shoe_size": 43}, "shoe_size"),
    ],
)
def test_a_wrong_field_is_a_400_naming_the_field(http, change, field):
    import json

    response = http("post", "/api/v1/complaints", json.dumps({**GOOD, **change}))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and field in [e["field"] for e in body["errors"]]
    assert nothing_written()


def test_a_missing_field_is_named(http):
    response = http("post", "/api/v1/complaints", b'{"text": "lampu mati"}')
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["platform"]  # named, with a message in the client's language


def test_an_oversized_body_is_a_413_before_it_is_read(http, settings):
    settings.SIGAP_API_MAX_BODY_BYTES = 1000
    response = http("post", "/api/v1/complaints", b'{"text": "' + b"a" * 2000 + b'"}')
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert nothing_written()


def test_a_body_over_djangos_own_limit_is_a_413_too(http, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = http("post", "/api/v1/complaints", b'{"text": "' + b"a" * 200 + b'"}')
    assert response.status_code == 413


def test_messages_follow_accept_language(http):
    indonesian = http("post", "/api/v1/complaints", b"{", HTTP_ACCEPT_LANGUAGE="id")
    english = http("post", "/api/v1/complaints", b"{", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "The request body is not valid JSON."
    assert indonesian.json()["message"] != english.json()["message"]


def test_an_unknown_api_path_is_a_json_404(http):
    response = http("get", "/api/v1/nothing/here")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_huge_id_in_the_path_is_a_404_not_a_crash(http):
    assert http("get", "/api/v1/complaints/99999999999999999999999").status_code == 404
    assert http("get", "/api/v1/categories/99999999999999999999999").status_code == 400


def test_a_tracking_number_with_a_wrong_check_character_is_a_404(http, make_complaint):
    number = make_complaint().tracking_number
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert http("get", f"/api/v1/complaints/{wrong}").status_code == 404


def test_a_duplicate_create_with_the_same_key_writes_one_complaint(http):
    import json

    for _ in range(3):
        http("post", "/api/v1/complaints", json.dumps(GOOD), HTTP_IDEMPOTENCY_KEY="retry-1")
    assert Complaint.objects.count() == 1


def test_the_api_needs_no_csrf_token(token_for, processor):
    import json

    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token_for(processor)}")
    response = client.post("/api/v1/complaints", data=json.dumps(GOOD), content_type="application/json")
    assert response.status_code == 201


def test_the_openapi_document_and_docs_are_served(client):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200 and document.json()["openapi"].startswith("3.")
    assert "/api/v1/complaints/{ref}/forward" in document.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()
