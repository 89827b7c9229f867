"""`sigap check --deploy`: silent with production settings, failing clearly for what is unsafe."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from sigap.platforms.checks import production_settings
from sigap.platforms.models import Account

ROOT = Path(__file__).resolve().parents[3]
STRONG_KEY = "q3Vf9xL2mR8sT1wY6zB4nC7dE0gH5jK2pA9uX3vW8yZ1bN6mQ4"


def sigap_check(tmp: str, **env) -> subprocess.CompletedProcess:
    """`sigap check --deploy` as an operator runs it: settings from the environment alone."""
    key_file = Path(tmp) / "secret_key"
    key_file.write_text(STRONG_KEY + "\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SIGAP_", "DJANGO_"))}
    clean.update(
        SIGAP_SECRET_KEY_FILE=str(key_file),
        SIGAP_ALLOWED_HOSTS="sigap.surakarta.go.id",
        SIGAP_CSRF_TRUSTED_ORIGINS="https://sigap.surakarta.go.id",
        SIGAP_DATABASE_URL=f"sqlite:///{tmp}/empty.sqlite3",
        SIGAP_VAR_DIR=tmp,
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "sigap", "check", "--deploy"], cwd=ROOT, env=clean, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def tmp():
    with tempfile.TemporaryDirectory(prefix="sigap-check-") as path:
        yield path


def test_production_settings_pass(tmp):
    result = sigap_check(tmp)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_on_fails_naming_the_variable(tmp):
    result = sigap_check(tmp, SIGAP_DEBUG="1")
    assert result.returncode == 1
    assert "(sigap.E001) SIGAP_DEBUG is on" in result.stderr




def test_plain_http_without_hsts_fails_on_django_s_own_warnings(tmp):
    result = sigap_check(tmp, SIGAP_HTTPS="0")
    assert result.returncode == 1
    assert "security.W004" in result.stderr and "security.W012" in result.stderr


# In-process, on the test database: what needs rows (a connected platform) or other settings.
PRODUCTION = dict(
    DEBUG=False,
    SECRET_KEY=STRONG_KEY,
    SECURE_SSL_REDIRECT=True,
    ALLOWED_HOSTS=["sigap.surakarta.go.id"],
)
NO_SECRETS = {f: {"secret": "", "verify_token": "", "api_url": ""} for f in ("meta", "x", "tiktok", "telegram", "youtube")}


def test_a_published_secret_key_fails(tmp):
    result = sigap_check(tmp, SIGAP_SECRET_KEY_FILE="", SIGAP_SECRET_KEY="test-only-secret-key-not-for-production-0123456789")
    assert result.returncode == 1
    assert "(sigap.E002)" in result.stderr and "SIGAP_SECRET_KEY_FILE" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["", "short", "a" * 60, "django-insecure-" + STRONG_KEY, "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"],
    ids=["empty", "short", "one-character", "django-generated", "the-benchmark-key"],
)
def test_a_weak_secret_key_is_an_error(key):
    with override_settings(**{**PRODUCTION, "SECRET_KEY": key}):
        assert [p.id for p in production_settings(None)] == ["sigap.E002"]


@pytest.mark.django_db
def test_a_platform_enabled_without_its_secret_fails_the_deploy_check(monkeypatch):
    monkeypatch.setenv("IG_TOKEN", "token")
    with override_settings(**PRODUCTION, SIGAP_PLATFORMS=NO_SECRETS):
        call_command("check", "--deploy")  # nothing connected yet: passes
        Account.objects.create(platform="instagram", external_id="1", name="IG", token_env="IG_TOKEN")
        with pytest.raises(SystemCheckError, match=r"sigap\.W001.*SIGAP_META_APP_SECRET"):
            call_command("check", "--deploy")
        # Without --deploy, and with an explicit --fail-level, it is Django's command as usual.
        call_command("check")
        call_command("check", "--deploy", "--fail-level", "ERROR")


@pytest.mark.django_db
def test_admin_two_step_verification_off_and_a_looping_proxy_are_reported():
    with override_settings(**PRODUCTION, SIGAP_ADMIN_2FA=False, SIGAP_PROXY_COUNT=1, SECURE_PROXY_SSL_HEADER=None):
        assert sorted(p.id for p in production_settings(None)) == ["sigap.W005", "sigap.W006"]
    with override_settings(**PRODUCTION, SIGAP_LOGIN_RATE_LIMIT="many"):
        assert [p.id for p in production_settings(None)] == ["sigap.E003"]
