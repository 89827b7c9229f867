from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from sigap.cases.models import Complaint
from sigap.platforms import polling
from sigap.platforms.base import Inbound, PlatformError
from sigap.platforms.models import Account, PollCursor

NOW = datetime(2026, 11, 3, 7, 0, tzinfo=timezone.utc)
pytestmark = pytest.mark.django_db


class FakeYouTube:
    def __init__(self, outcomes):
        self.outcomes = outcomes
        self.seen = []

    def poll(self, since):
        self.seen.append(since)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def comment(n):
    return Inbound(
        platform="youtube", account_id="UC1", external_id=f"c{n}", kind="comment", thread_id=f"video{n}",
        author_id=f"user{n}", author_name="Warga", text="Jalan di depan balai kota berlubang sudah sebulan, tolong segera diperbaiki", posted_at=NOW,
    )


@pytest.fixture
def account():
    return Account.objects.create(platform="youtube", external_id="UC1", name="Pemkot", poll_interval=300)


def test_it_polls_an_account_when_due_and_keeps_the_cursor(account, monkeypatch):
    fake = FakeYouTube([([comment(1), comment(2)], "page-2"), ([comment(2)], "page-3")])
    monkeypatch.setattr(polling, "adapter_for", lambda a: fake)
    with time_machine.travel(NOW, tick=False):
        assert polling.poll_one_account() is True
        assert polling.poll_one_account() is False  # not due again for 300 s
    with time_machine.travel(NOW + timedelta(seconds=301), tick=False):
        assert polling.poll_one_account() is True
    assert fake.seen == [None, "page-2"]
    assert PollCursor.objects.get().cursor == "page-3"
    assert Complaint.objects.count() == 2  # the repeated comment made nothing new


def test_a_quota_error_waits_and_keeps_the_old_cursor(account, monkeypatch):
    fake = FakeYouTube([PlatformError("quota exceeded", retry_after=3600)])
    monkeypatch.setattr(polling, "adapter_for", lambda a: fake)
    with time_machine.travel(NOW, tick=False):
        polling.poll_one_account()
    cursor = PollCursor.objects.get()
    assert cursor.cursor == "" and cursor.last_error == "quota exceeded"
    assert cursor.next_poll_at == NOW + timedelta(seconds=3600)
