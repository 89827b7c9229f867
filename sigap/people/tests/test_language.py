import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_pages_are_indonesian_even_for_an_english_browser(client):
    page = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200 and page["Content-Language"] == "id"


def test_the_language_switch_chooses_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/masuk/")["Content-Language"] == "en"


def test_a_forged_language_cookie_falls_back_to_indonesian(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx<script>"
    assert client.get("/masuk/")["Content-Language"] == "id"


def test_the_api_follows_accept_language(client):
    response = client.get("/api/v1/complaints", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401 and response["Content-Language"] == "en"
