"""Two-step verification: set up with a QR code or key, a code after the password, recovery codes,
required for administrators, and `sigap user reset-2fa` for a lost phone."""

import re
from datetime import datetime, timedelta, timezone
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from sigap.cases.models import Event
from sigap.people.models import RecoveryCode, Role, User
from sigap.people.tests.authenticator import key_on_page, totp

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 2, 5, 0, 1, tzinfo=timezone.utc)
SETUP = "/akun/verifikasi-dua-langkah/"


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def password_step(client, username, password, **extra):
    return client.post("/masuk/", {"username": username, "password": password, **extra})


def test_the_setup_page_shows_a_qr_code_and_the_key_to_type(clock, as_user, processor):
    page = as_user(processor).get(SETUP)
    assert page.status_code == 200
    assert '<svg viewBox="' in page.text and "<title>Kode QR untuk aplikasi autentikator</title>" in page.text
    key = key_on_page(page.text)
    assert len(key.replace(" ", "")) == 32  # 160 bits in base32
    device = TOTPDevice.objects.get(user=processor)
    assert not device.confirmed and "issuer=Sigap%20Surakarta" in device.config_url
    # Coming back shows the same key: the app may already hold it.
    assert key_on_page(as_user(processor).get(SETUP).text) == key


def test_the_first_right_code_turns_it_on_and_shows_ten_recovery_codes_once(clock, enrolled, processor):
    key, codes = enrolled(processor)
    assert TOTPDevice.objects.get(user=processor).confirmed
    assert len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(user=processor).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in h or c in h for c in codes for h in stored)
    assert Event.objects.filter(kind="two_factor_enabled", actor=processor).count() == 1


def test_a_wrong_code_does_not_turn_it_on(clock, as_user, processor):
    client = as_user(processor)
    key = key_on_page(client.get(SETUP).text)
    wrong = str((int(totp(key)) + 1) % 1_000_000).zfill(6)
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 400 and "Kode itu salah" in response.text
    assert not TOTPDevice.objects.filter(user=processor, confirmed=True).exists()


def test_after_the_password_an_enrolled_person_must_give_the_code(clock, enrolled, processor):
    key, _codes = enrolled(processor)
    clock.shift(timedelta(seconds=30))
    client = Client()
    response = password_step(client, "operator", "pw-operator", next="/aduan/")
    assert response.status_code == 302 and response.url == "/masuk/kode/"
    # Not logged in yet: the password alone opens nothing.
    assert client.get("/").status_code == 302 and "_auth_user_id" not in client.session
    page = client.get("/masuk/kode/")
    assert page.status_code == 200 and "Verifikasi dua langkah" in page.text
    response = client.post("/masuk/kode/", {"code": totp(key)})
    assert response.status_code == 302 and response.url == "/aduan/"
    assert client.get("/").status_code == 200


def test_a_code_is_accepted_from_a_phone_half_a_minute_off(clock, enrolled, processor):
    key, _codes = enrolled(processor)
    clock.shift(timedelta(minutes=2))
    client = Client()
    password_step(client, "operator", "pw-operator")
    late_phone = totp(key, at=NOON.timestamp() + 120 - 30)
    assert client.post("/masuk/kode/", {"code": late_phone}).status_code == 302


def test_a_code_cannot_be_used_twice(clock, enrolled, processor):
    key, _codes = enrolled(processor)
    clock.shift(timedelta(seconds=30))
    code = totp(key)
    first, second = Client(), Client()
    password_step(first, "operator", "pw-operator")
    password_step(second, "operator", "pw-operator")
    assert first.post("/masuk/kode/", {"code": code}).status_code == 302
    replay = second.post("/masuk/kode/", {"code": code})
    assert replay.status_code == 400 and "_auth_user_id" not in second.session


def test_a_recovery_code_works_once(clock, enrolled, processor):
    _key, codes = enrolled(processor)
    client = Client()
    password_step(client, "operator", "pw-operator")
    response = client.post("/masuk/kode/", {"code": codes[3].upper().replace("-", " ")}, follow=True)
    assert response.status_code == 200 and "tersisa 9" in response.text
    assert Event.objects.filter(kind="recovery_code_used", actor=processor).count() == 1
    again = Client()
    password_step(again, "operator", "pw-operator")
    assert again.post("/masuk/kode/", {"code": codes[3]}).status_code == 400


def test_wrong_codes_are_throttled_and_logged(clock, enrolled, processor):
    key, codes = enrolled(processor)
    clock.shift(timedelta(seconds=30))
    client = Client()
    password_step(client, "operator", "pw-operator")
    for guess in ["000000", "111111", "222222", "333333"]:
        assert client.post("/masuk/kode/", {"code": guess}).status_code == 400
        clock.shift(timedelta(seconds=20))  # past django-otp's own back-off (1, 2, 4, 8 s)
    fifth = client.post("/masuk/kode/", {"code": "444444"})
    assert fifth.status_code == 429 and "Terlalu banyak percobaan masuk yang gagal" in fifth.text
    # Also from a fresh session with the right password, and even with a right recovery code.
    other = Client()
    password_step(other, "operator", "pw-operator")
    assert other.post("/masuk/kode/", {"code": codes[0]}).status_code == 429
    assert Event.objects.filter(kind="login_code_locked", actor=processor).count() == 1


def test_a_pending_login_expires_after_five_minutes(clock, enrolled, processor):
    key, _codes = enrolled(processor)
    client = Client()
    password_step(client, "operator", "pw-operator")
    clock.shift(timedelta(minutes=5, seconds=1))
    response = client.post("/masuk/kode/", {"code": totp(key)})
    assert response.status_code == 302 and response.url == "/masuk/"
    assert "_auth_user_id" not in client.session


def test_the_code_page_without_a_password_first_sends_you_to_log_in(client, db):
    response = client.post("/masuk/kode/", {"code": "123456"})
    assert response.status_code == 302 and response.url == "/masuk/"


@pytest.mark.parametrize("code", ["", "x" * 40, "12345", "abcdef", "\x00\x01", "１２３４５６"])
def test_malformed_codes_get_a_message_not_an_error(clock, enrolled, processor, code):
    enrolled(processor)
    client = Client()
    password_step(client, "operator", "pw-operator")
    response = client.post("/masuk/kode/", {"code": code})
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_the_next_address_cannot_lead_off_site(clock, enrolled, processor):
    key, _codes = enrolled(processor)
    clock.shift(timedelta(seconds=30))
    client = Client()
    password_step(client, "operator", "pw-operator", next="https://evil.example/")
    assert client.post("/masuk/kode/", {"code": totp(key)}).url == "/"


def test_an_administrator_must_set_it_up_before_any_staff_page(clock, as_user, db):
    boss = User.objects.create_user("kepala", password="pw", role=Role.ADMIN, is_staff=True)
    client = as_user(boss)
    for path in ["/", "/aduan/", "/admin/", "/rekap/", "/metrics"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(SETUP + "?next="), path
    page = client.get(SETUP)
    assert page.status_code == 200 and "Administrator wajib" in page.text
    # The public pages and logging out are not staff pages.
    assert client.get("/lacak/").status_code == 200
    client.post(SETUP, {"code": totp(key_on_page(page.text))})
    assert client.get("/").status_code == 200 and client.get("/admin/").status_code == 200


def test_a_superuser_with_another_role_must_set_it_up_too(clock, as_user, db):
    root = User.objects.create_superuser("root", "root@example.test", "pw", role=Role.PROCESSOR)
    assert as_user(root).get("/").status_code == 302


def test_other_staff_may_but_need_not_use_it(clock, as_user, processor, liaison_dishub):
    assert as_user(processor).get("/").status_code == 200
    assert as_user(liaison_dishub).get("/aduan/").status_code == 200


def test_a_person_may_turn_it_off_with_a_current_code(clock, enrolled, as_user, processor):
    key, _codes = enrolled(processor)
    clock.shift(timedelta(seconds=30))
    client = as_user(processor)
    assert client.post(SETUP, {"action": "disable", "code": "000000"}).status_code == 400
    clock.shift(timedelta(seconds=2))  # django-otp waits a second after a wrong code
    response = client.post(SETUP, {"action": "disable", "code": totp(key)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=processor).exists() and not RecoveryCode.objects.filter(user=processor).exists()
    assert Event.objects.filter(kind="two_factor_disabled", actor=processor).exists()


def test_an_administrator_cannot_turn_it_off(clock, enrolled, as_user, db):
    boss = User.objects.create_user("kepala", password="pw", role=Role.ADMIN, is_staff=True)
    key, _codes = enrolled(boss)
    clock.shift(timedelta(seconds=30))
    client = as_user(boss)
    assert "Nonaktifkan" not in client.get(SETUP).text
    assert client.post(SETUP, {"action": "disable", "code": totp(key)}).status_code == 403
    assert TOTPDevice.objects.filter(user=boss, confirmed=True).exists()


def test_new_recovery_codes_replace_the_old_ones(clock, enrolled, as_user, processor):
    key, old = enrolled(processor)
    clock.shift(timedelta(seconds=30))
    page = as_user(processor).post(SETUP, {"action": "codes", "code": totp(key)}).text
    new = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    client = Client()
    password_step(client, "operator", "pw-operator")
    assert client.post("/masuk/kode/", {"code": old[0]}).status_code == 400
    assert client.post("/masuk/kode/", {"code": new[0]}).status_code == 302


def test_an_unknown_action_is_refused(clock, enrolled, as_user, processor):
    key, _codes = enrolled(processor)
    clock.shift(timedelta(seconds=30))
    assert as_user(processor).post(SETUP, {"action": "steal", "code": totp(key)}).status_code == 400


def test_reset_2fa_removes_it_for_a_lost_phone(clock, enrolled, processor):
    enrolled(processor)
    out = StringIO()
    call_command("user", "reset-2fa", "operator", stdout=out)
    assert "removed" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=processor).exists() and not RecoveryCode.objects.filter(user=processor).exists()
    event = Event.objects.get(kind="two_factor_reset")
    assert event.actor is None and event.data["username"] == "operator"
    # The password alone works again.
    response = password_step(Client(), "operator", "pw-operator")
    assert response.status_code == 302 and response.url == "/"


def test_reset_2fa_says_so_when_there_is_nothing_or_nobody(db, processor):
    out = StringIO()
    call_command("user", "reset-2fa", "operator", stdout=out)
    assert "nothing to reset" in out.getvalue()
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("user", "reset-2fa", "nobody")


def test_the_admins_own_login_page_is_ours(client, as_user, processor):
    response = client.get("/admin/login/?next=/admin/sop/")
    assert response.status_code == 302 and response.url == "/masuk/?next=%2Fadmin%2Fsop%2F"
    # Logged in but not allowed into the admin: refused, not sent round in circles.
    assert as_user(processor).get("/admin/login/?next=/admin/").status_code == 403


def test_the_admin_lists_devices_without_their_secrets(as_user, admin_user):
    client = as_user(admin_user)
    page = client.get("/admin/otp_totp/totpdevice/")
    assert page.status_code == 200 and "test phone" in page.text
    device = TOTPDevice.objects.get(user=admin_user)
    detail = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").text
    assert device.key not in detail and "otpauth://" not in detail
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    users = client.get("/admin/people/user/")
    assert users.status_code == 200
