"""Helpers for the desk-side triage tests (sigap/triage/tests/test_desk_*.py): a city account,
messages as the worker stores them, and a stand-in model whose confidence a test chooses."""

import itertools
from datetime import datetime, timezone

import pytest

from sigap.cases.models import Message
from sigap.platforms.models import Account
from sigap.triage import decide
from sigap.triage.classifier import LABELS, TriageResult

POSTED = datetime(2026, 11, 3, 7, 0, tzinfo=timezone.utc)  # 14:00 WIB, a Tuesday
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def model_dir(tmp_path, settings):
    """Each test starts on the shipped model and the database's keyword rules."""
    settings.SIGAP_MODEL_DIR = tmp_path / "models"
    settings.SIGAP_TRIAGE_THRESHOLD = 0.5
    return settings.SIGAP_MODEL_DIR


@pytest.fixture
def account(db):
    return Account.objects.create(platform="instagram", external_id="17841400000000001", name="Lapor Mas Wali")


def message(account=None, text="", *, author="6200000000000001", thread="", platform="instagram", kind="comment", **extra):
    n = next(_ids)
    return Message.objects.create(
        platform=platform,
        account=account,
        external_id=f"m{n}",
        kind=kind,
        thread_id=thread,
        author_id=author,
        author_handle=extra.pop("handle", "warga.solo"),
        author_name=extra.pop("name", "Warga Solo"),
        text=text,
        permalink=f"https://www.instagram.com/p/x/c/{n}/",
        posted_at=extra.pop("posted_at", POSTED),
        **extra,
    )


class StubModel:
    """Says what the test wants, with the confidence the test wants."""

    info: dict = {}

    def __init__(self, label: str, confidence: float):
        self.label, self.confidence = label, confidence

    def classify(self, text):
        rest = (1 - self.confidence) / 3
        scores = {name: (self.confidence if name == self.label else rest) for name in LABELS}
        return TriageResult(self.label, self.confidence, scores)


@pytest.fixture
def model_says(monkeypatch):
    def say(label: str, confidence: float):
        monkeypatch.setattr(decide, "triage_model", lambda: StubModel(label, confidence))

    return say
