"""Shared by the reliability tests: the fake platform wired to Sigap in-process, a complaint from a
citizen's post, the example budget of the property-based tests, and the figures they report.

`SIGAP_HYPOTHESIS_PROFILE=thorough` runs the generated-input tests with thousands of examples each
instead of the quick default; the figures printed at the end of the run say how many were tried.
"""

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

from sigap.fakeplatform.accounts import TOKEN_ENV
from sigap.fakeplatform.tests.conftest import Recorder, make_fake

# Generated inputs per property test: the default keeps `make test` quick and the same on every run
# (a failure in CI can be replayed); "thorough" is a soak with thousands of fresh examples each.
PROFILES = {"default": 200, "thorough": 5000}
PROFILE_NAME = os.environ.get("SIGAP_HYPOTHESIS_PROFILE", "default")
EXAMPLES = PROFILES.get(PROFILE_NAME, PROFILES["default"])
PROFILE = settings(
    max_examples=EXAMPLES,
    derandomize=PROFILE_NAME != "thorough",
    deadline=None,  # database work: timings vary with the machine
    database=None,  # nothing written into the working tree
    # Fixtures are shared by the examples on purpose: each example runs in a savepoint rolled back after it.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Filled in by the tests, printed by pytest_terminal_summary: what the README's figures come from.
FIGURES: Counter = Counter()
NOTES: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if not FIGURES and not NOTES:
        return
    terminalreporter.section("reliability figures")
    for line in NOTES:
        terminalreporter.write_line(line)
    for key, value in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{key}: {value}")


@pytest.fixture
def webhooks():
    """What the fake platform sends to Sigap's webhook endpoints, kept to be replayed through the test client."""
    return Recorder()


@pytest.fixture
def fake_live(settings, monkeypatch, webhooks):
    """A fake platform on a local port, Sigap's adapters and tokens pointed at it, its webhooks recorded."""
    fake = make_fake(deliver_to="http://sigap.test", client=webhooks.client)
    settings.SIGAP_PLATFORMS = fake.sigap_platforms()
    settings.PUBLIC_URL = "https://sigap.test"
    for platform, name in TOKEN_ENV.items():
        monkeypatch.setenv(name, fake.config.tokens[platform])
    yield fake
    fake.stop()


@pytest.fixture
def connect(fake_live, db):
    """The city's account on a platform, connected in Sigap as `sigap account add` would."""
    from sigap.platforms.models import Account

    def connect(platform: str) -> Account:
        city = fake_live.config.accounts[platform]
        account, _ = Account.objects.get_or_create(
            platform=platform,
            external_id=city["id"],
            defaults={"name": city["name"], "handle": city["handle"], "token_env": TOKEN_ENV[platform]},
        )
        return account

    return connect


def deliver(request, client=None):
    """Replay one recorded webhook POST (bytes and signature headers as the platform sent them) into Sigap."""
    from django.test import Client

    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length", "content-type")}
    return (client or Client()).post(
        request.url.path, request.content, content_type=request.headers.get("content-type", ""), headers=headers
    )


@pytest.fixture
def citizen_complaint(fake_live, connect, webhooks):
    """A citizen posts on the fake; its signed webhook goes through Sigap's endpoint and the worker's intake.

    The complaint is opened whatever triage thinks of the words (the tests here are about the
    outbox, not the classifier); its acknowledgement is then in the outbox.
    """
    from sigap.cases import actions
    from sigap.cases.models import Message
    from sigap.platforms import intake

    people = Counter()

    def post(platform: str, kind: str, text: str, **options):
        connect("facebook" if platform == "messenger" else platform)
        people[platform] += 1
        person = fake_live.citizens.people[people[platform] % len(fake_live.citizens.people)]
        seen = len(webhooks.requests)
        item = fake_live.citizen_says(platform, kind, text, person=person, **options)
        for request in webhooks.requests[seen:]:
            assert deliver(request).status_code == 200
        while intake.process_one_delivery():
            pass
        message = Message.objects.get(platform=platform, external_id=item.id)
        complaint = message.complaint or actions.complaint_open_from_message(message=message)
        return item, complaint

    return post
