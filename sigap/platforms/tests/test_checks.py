import pytest
from django.test import override_settings

from sigap.platforms.checks import platform_secrets
from sigap.platforms.models import Account

pytestmark = pytest.mark.django_db
NO_SECRETS = {f: {"secret": "", "verify_token": "", "api_url": ""} for f in ("meta", "x", "tiktok", "telegram", "youtube")}


def ids(problems):
    return sorted(p.id for p in problems)


def test_a_webhook_account_without_its_app_secret_is_reported(monkeypatch):
    monkeypatch.setenv("IG", "token")
    Account.objects.create(platform="instagram", external_id="1", name="IG", token_env="IG")
    with override_settings(SIGAP_PLATFORMS=NO_SECRETS):
        assert ids(platform_secrets(None)) == ["sigap.W001", "sigap.W004"]


def test_an_account_whose_token_cannot_be_read_is_reported(tmp_path):
    Account.objects.create(platform="youtube", external_id="UC", name="YT", token_file=str(tmp_path / "gone"), poll_interval=300)
    with override_settings(SIGAP_PLATFORMS=NO_SECRETS):
        assert ids(platform_secrets(None)) == ["sigap.W002"]


def test_a_complete_configuration_passes(monkeypatch):
    monkeypatch.setenv("TG", "token")
    Account.objects.create(platform="telegram", external_id="bot", name="Bot", token_env="TG")
    ok = {**NO_SECRETS, "telegram": {"secret": "s3cret", "api_url": ""}}
    with override_settings(SIGAP_PLATFORMS=ok):
        assert platform_secrets(None) == []
