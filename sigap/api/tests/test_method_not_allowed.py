"""A method a path lacks gets the API's JSON error format, with the methods it does take."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("delete", "/api/v1/complaints", {"GET", "POST"}),
        ("put", "/api/v1/me", {"GET"}),
        ("patch", "/api/v1/agencies", {"GET"}),
        ("get", "/api/v1/complaints/SKA-7K3M-9QX4/forward", {"POST"}),
    ],
)
def test_a_wrong_method_is_a_json_405(token_for, processor, method, path, allowed):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(processor)}")
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "method_not_allowed" and method.upper() in body["message"]
    assert {m.strip() for m in response["Allow"].split(",")} == allowed


def test_the_message_follows_the_language(token_for, processor):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(processor)}")
    english = client.delete("/api/v1/complaints", headers={"Accept-Language": "en"}).json()["message"]
    assert "not allowed" in english
    indonesian = client.delete("/api/v1/complaints").json()["message"]
    assert "tidak diizinkan" in indonesian


def test_allowed_methods_still_work(token_for, processor):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(processor)}")
    assert client.get("/api/v1/me").status_code == 200
