"""A fake platform on a free local port, with the reference's test secrets, and Sigap wired to it."""

import httpx
import pytest

from sigap.fakeplatform.server import Config, FakePlatform
from sigap.fakeplatform.world import PLATFORMS
from sigap.platforms.connect import build

# The secrets the reference's test vectors use (platform-apis §1.2, §5.2, §7.1).
SECRETS = {
    "meta_app_secret": "test-app-secret",
    "meta_verify_token": "kota-solo-verify",
    "x_consumer_secret": "test-consumer-secret",
    "tiktok_app_secret": "test-tiktok-app-secret",
    "telegram_secret_token": "test-telegram-secret",
}
TOKENS = {platform: f"test-{platform}-token" for platform in PLATFORMS}


class Recorder:
    """Stands in for Sigap's webhook endpoints: keeps every delivery, answers with the given statuses."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.requests: list[httpx.Request] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.statuses.pop(0) if self.statuses else 200, json={"ok": True})


def make_fake(*, deliver_to: str = "", poll=frozenset(), client=None, seed: int = 7) -> FakePlatform:
    config = Config(
        tokens=dict(TOKENS),
        secrets=dict(SECRETS),
        deliver_to=deliver_to,
        poll=frozenset(poll),
        seed=seed,
        citizens=False,
        retry_delays=(1.0, 2.0, 4.0),
    )
    return FakePlatform(config, client=client).start(ticker=False)


@pytest.fixture
def fake():
    """A fake that pushes nowhere: for API tests."""
    fake = make_fake()
    yield fake
    fake.stop()


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def pushing_fake(recorder):
    """A fake whose webhooks land in `recorder` instead of a Sigap server."""
    fake = make_fake(deliver_to="http://sigap.test", client=recorder.client)
    yield fake
    fake.stop()


@pytest.fixture
def sigap_wired(fake, settings):
    """Sigap's settings pointing at `fake`; returns a builder of adapters for the city accounts."""
    settings.SIGAP_PLATFORMS = fake.sigap_platforms()

    def adapter(platform: str):
        account = fake.config.accounts[platform]
        return build(platform, account_id=account["id"], token=fake.config.tokens[platform])

    return adapter


@pytest.fixture
def api(fake):
    """An HTTP client for the fake."""
    with httpx.Client(base_url=fake.url) as client:
        yield client
