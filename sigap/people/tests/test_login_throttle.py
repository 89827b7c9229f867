"""Password guessing at /masuk/ is slowed to a few tries per quarter hour, per name and address."""

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from django.test import Client, override_settings

from sigap.cases.models import Event

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 2, 5, 0, 7, tzinfo=timezone.utc)  # a Monday, 12:00 WIB; 7 s into a window


def attempt(client, username, password, ip="203.0.113.5"):
    return client.post("/masuk/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def test_five_wrong_passwords_lock_the_name_at_that_address_with_a_clear_indonesian_message(client, clock, processor):
    for _ in range(4):
        assert attempt(client, "operator", "salah").status_code == 200
    fifth = attempt(client, "operator", "salah")
    assert fifth.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in fifth.text and "15 menit" in fifth.text
    assert fifth["Retry-After"] == str(900 - 7)
    # Locked means locked: the right password gets the same answer, so guessing on tells nothing.
    right = attempt(client, "operator", "pw-operator")
    assert right.status_code == 429 and "_auth_user_id" not in client.session


def test_the_lock_is_written_to_the_audit_log_once(client, clock, processor):
    for _ in range(8):
        attempt(client, "operator", "salah")
    events = list(Event.objects.filter(kind="login_locked"))
    assert len(events) == 1
    assert events[0].actor == processor
    assert events[0].data == {"username": "operator", "address": "203.0.113.5", "wait_seconds": 893}


def test_an_unknown_name_is_counted_and_logged_without_an_actor(client, clock, db):
    for _ in range(5):
        attempt(client, "tidak-ada", "salah")
    event = Event.objects.get(kind="login_locked")
    assert event.actor is None and event.data["username"] == "tidak-ada"


def test_the_wait_ends_with_the_window(client, clock, processor):
    for _ in range(5):
        attempt(client, "operator", "salah")
    clock.shift(timedelta(minutes=14))
    response = attempt(client, "operator", "pw-operator")
    assert response.status_code == 429 and "tunggu 53 detik" in response.text
    clock.shift(timedelta(minutes=1))
    response = attempt(client, "operator", "pw-operator")
    assert response.status_code == 302 and response.url == "/"


def test_another_address_is_not_locked_out_by_someone_guessing_elsewhere(client, clock, processor):
    for _ in range(6):
        attempt(client, "operator", "salah", ip="198.51.100.66")
    response = attempt(Client(), "operator", "pw-operator", ip="203.0.113.5")
    assert response.status_code == 302


def test_the_name_is_counted_whatever_its_case(client, clock, processor):
    for name in ["operator", "OPERATOR", "Operator", "oPerator", "operatoR"]:
        attempt(client, name, "salah")
    assert attempt(client, "operator", "pw-operator").status_code == 429


@override_settings(SIGAP_LOGIN_IP_RATE_LIMIT="6/900")
def test_one_address_trying_many_names_is_stopped_too(client, clock, processor, reviewer):
    for name in ["a", "b", "c", "d", "e", "f"]:
        attempt(client, name, "sandi123")
    assert attempt(client, "penelaah", "pw-penelaah").status_code == 429
    assert attempt(Client(), "penelaah", "pw-penelaah", ip="192.0.2.1").status_code == 302


@override_settings(SIGAP_PROXY_COUNT=1)
def test_behind_the_proxy_the_client_address_is_counted_not_the_proxy(client, clock, processor):
    for _ in range(5):
        client.post("/masuk/", {"username": "operator", "password": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.66")
    response = Client().post(
        "/masuk/", {"username": "operator", "password": "pw-operator"}, HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert response.status_code == 302


def test_the_english_page_says_it_in_english(client, clock, processor):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        response = attempt(client, "operator", "wrong")
    assert "Too many failed attempts to log in" in response.text and "15 minutes" in response.text


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "operator"},
        {"password": "x"},
        {"username": "o" * 5000, "password": "x"},
        {"username": "operator", "password": "x" * 100_000},
        {"username": "\x00operator", "password": "x"},
        {"username": ["a", "b"], "password": "x"},
    ],
    ids=["empty", "no-password", "no-name", "huge-name", "huge-password", "nul", "repeated"],
)
def test_malformed_logins_get_the_form_back_not_an_error(client, clock, processor, data):
    response = client.post("/masuk/", data)
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_the_open311_api_key_cannot_be_guessed_either(client, clock, db):
    # Open311's api_key goes through the API's token check: 20 bad keys per address, then 429.
    codes = [
        client.post("/open311/v2/requests.json", {"api_key": f"sgp_guess{i}", "service_code": "x"}).status_code
        for i in range(22)
    ]
    assert codes[:20] == [403] * 20 and codes[20:] == [429, 429]
