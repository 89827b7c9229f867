"""How `sigap run` and `sigap demo` connect Sigap to the fake."""

import pytest
from sigap.cases.management.commands.demo import Command as DemoCommand
from sigap.cases.management.commands.run import _local
from sigap.fakeplatform import wiring
from sigap.fakeplatform.accounts import CITY_ACCOUNTS, TOKEN_ENV
from sigap.fakeplatform.server import Config
from sigap.platforms.models import Account


def test_every_platform_url_secret_and_token_points_at_the_fake():
    env = wiring.fake_environment("127.0.0.1:8001")
    assert env["SIGAP_META_GRAPH_URL"] == "http://127.0.0.1:8001/meta/v25.0"
    assert env["SIGAP_YOUTUBE_API_URL"] == "http://127.0.0.1:8001/youtube/v3"
    assert set(wiring.SECRET_NAMES) | set(TOKEN_ENV.values()) <= set(env)
    assert env["SIGAP_META_APP_SECRET"] != wiring.fake_environment("127.0.0.1:8001")["SIGAP_META_APP_SECRET"]


def test_secret_files_in_the_environment_cannot_override_the_fake_secrets():
    merged = wiring.apply(
        {"SIGAP_META_APP_SECRET_FILE": "/run/secrets/meta", "PATH": "/bin"}, {"SIGAP_META_APP_SECRET": "fake"}
    )
    assert merged == {"PATH": "/bin", "SIGAP_META_APP_SECRET": "fake"}


def test_the_fake_reads_the_same_variables_as_sigap():
    env = wiring.fake_environment("127.0.0.1:8001")
    config = Config.from_env(env)
    assert config.secrets["meta_app_secret"] == env["SIGAP_META_APP_SECRET"]
    assert config.tokens["whatsapp"] == env[TOKEN_ENV["whatsapp"]]
    assert Config.from_env({}).tokens["x"] == "demo-x-token"  # standalone: fixed demo values


@pytest.mark.parametrize(
    "addr, local",
    [("127.0.0.1:8000", "127.0.0.1:8000"), ("0.0.0.0:8000", "127.0.0.1:8000"), ("8000", "127.0.0.1:8000")],
)
def test_the_fake_delivers_to_a_reachable_address(addr, local):
    assert _local(addr) == local


@pytest.mark.django_db
def test_demo_connects_one_account_per_platform_and_can_run_twice():
    # Only the accounts step of `sigap demo`: the rest of the demo data is other apps' business.
    DemoCommand()._accounts()
    DemoCommand()._accounts()
    accounts = {a.platform: a for a in Account.objects.all()}
    assert {p: a.external_id for p, a in accounts.items()} == {p: a["id"] for p, a in CITY_ACCOUNTS.items()}
    assert accounts["youtube"].poll_interval > 0 and accounts["x"].poll_interval == 0
    assert accounts["telegram"].token_env == TOKEN_ENV["telegram"]
