"""Tokens: shown once, stored hashed, sent as a bearer token, refused when forged or revoked."""

import pytest
from django.core.management import call_command
from ninja.testing import TestClient

from sigap.api.models import ApiToken, digest
from sigap.api.views import api

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_digest(processor):
    token, raw = ApiToken.issue(user=processor, name="ULAS")
    assert raw.startswith("sgp_") and len(raw) > 40
    assert token.digest == digest(raw) and raw not in (token.digest, token.prefix)
    assert ApiToken.authenticate(raw) == token


def test_the_command_prints_a_working_token_once(processor, capsys):
    call_command("token", "create", "operator", "--name", "ULAS integration")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.authenticate(raw)
    assert token.user == processor and token.name == "ULAS integration"
    call_command("token", "list")
    listing = capsys.readouterr().out
    assert "ULAS integration" in listing and raw not in listing


def test_the_command_refuses_an_unknown_user(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("token", "create", "nobody")


def test_a_request_without_a_token_is_401_in_json(anonymous_client):
    response = anonymous_client.get("/complaints")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_forged_token_is_401(db):
    client = TestClient(api, headers={"Authorization": "Bearer sgp_forged-token-that-was-never-issued"})
    response = client.get("/complaints")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert response.json()["message"].startswith("Token API tidak sah")  # Indonesian by default


def test_a_revoked_token_is_401(processor):
    token, raw = ApiToken.issue(user=processor, name="old")
    call_command("token", "revoke", str(token.pk))
    response = TestClient(api, headers={"Authorization": f"Bearer {raw}"}).get("/complaints")
    assert response.status_code == 401


def test_the_token_of_a_deactivated_user_is_401(processor, token_for):
    raw = token_for(processor)
    processor.is_active = False
    processor.save()
    response = TestClient(api, headers={"Authorization": f"Bearer {raw}"}).get("/complaints")
    assert response.status_code == 401


def test_a_basic_auth_header_is_not_a_token(processor):
    response = TestClient(api, headers={"Authorization": "Basic b3BlcmF0b3I6cHc="}).get("/complaints")
    assert response.status_code == 401


def test_repeated_bad_tokens_are_rate_limited(db, settings):
    settings.SIGAP_AUTH_FAILURE_RATE_LIMIT = "3/600"
    client = TestClient(api, headers={"Authorization": "Bearer sgp_guess"})
    codes = [client.get("/complaints").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    response = client.get("/complaints")
    assert response.json()["code"] == "rate_limited" and int(response["Retry-After"]) > 0


def test_me_says_who_the_token_acts_as(client_for, liaison_dishub):
    response = client_for(liaison_dishub).get("/me")
    assert response.status_code == 200
    assert response.json()["role"] == "liaison" and response.json()["agency"]["code"] == "DISHUB"
