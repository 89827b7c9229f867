"""Logging in and out, the language switch, and pages closed to visitors."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["home", "complaints", "receive", "overdue", "notifications", "recaps", "recap-create"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_login_page_is_in_indonesian_with_a_language_switch(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Masuk ke Sigap" in response.text
    assert reverse("set_language") in response.text


def test_it_logs_in_and_out(client, processor):
    response = client.post(reverse("login"), {"username": "operator", "password": "pw-operator"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_it_refuses_a_wrong_password_in_indonesian(client, processor):
    response = client.post(reverse("login"), {"username": "operator", "password": "salah"})
    assert response.status_code == 200
    assert "nama pengguna dan sandi yang benar" in response.text.lower()


def test_the_login_form_enforces_csrf_for_real_clients(processor):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "operator", "password": "pw-operator"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_language_switch_turns_pages_english_and_back(as_user, processor):
    client = as_user(processor)
    assert "Antrean" in client.get(reverse("home")).text
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("complaints")})
    assert response.status_code == 302 and response.url == reverse("complaints")
    page = client.get(reverse("home")).text
    assert "Queues" in page and 'lang="en"' in page
    client.post(reverse("set_language"), {"language": "id", "next": "/"})
    assert "Antrean" in client.get(reverse("home")).text


def test_a_logged_in_user_skips_the_login_page(as_user, processor):
    response = as_user(processor).get(reverse("login"))
    assert response.status_code == 302 and response.url == reverse("home")


def test_unknown_addresses_get_a_styled_404(as_user, processor):
    response = as_user(processor).get("/tidak-ada/")
    assert response.status_code == 404
    assert "Tidak ditemukan" in response.text


def test_the_menu_shows_admin_settings_only_to_staff(as_user, processor, admin_user):
    assert reverse("admin:index") not in as_user(processor).get(reverse("home")).text
    assert reverse("admin:index") in as_user(admin_user).get(reverse("home")).text
