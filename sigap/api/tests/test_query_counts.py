"""Reading and entering a complaint through the API cost a fixed number of queries.

However many rounds, answers and events a complaint has, or links a new one brings, the count
stays the same: an N+1 fails here. The rate limiter's storage is left out of the count
(sigap.ops.ratelimit has its own tests); the token's look-up is counted.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigap.agencies.models import Category, Kelurahan
from sigap.cases import actions
from sigap.cases.models import Attachment, Complaint, Status

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

# The token (with its user), the complaint, its steps, its answers, its events.
READ_ONE = 5
# The token, the Idempotency-Key, the category, agency and kelurahan; the complaint, its message,
# its links, its tracking number (in a savepoint, 3), steps 2 and 3, the event, the connectors'
# check, the routing's suggestion (the categories and agencies it names are remembered per process),
# the key; then the complaint read back as READ_ONE does; and the view's transaction (a savepoint
# inside the test's, 2).
CREATE_ONE = 22

pytestmark = pytest.mark.django_db

NEW = {
    "platform": "instagram",
    "text": "Jalan berlubang di Jl. Ahmad Yani dekat Manahan, banyak motor jatuh.",
    "posted_at": "2026-11-03T13:30:00+07:00",
    "permalink": "https://www.instagram.com/p/Cabc/",
    "handle": "warga_manahan",
    "name": "Warga Manahan",
}


@pytest.fixture(autouse=True)
def no_rate_limits(monkeypatch):
    from sigap.api import auth

    monkeypatch.setattr(auth, "check_rate", lambda request, scope, setting: None)
    monkeypatch.setattr(auth.ratelimit, "peek", lambda *args, **kwargs: 0)


@pytest.fixture(autouse=True)
def tuesday():
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def answered(make_complaint, walk_to, processor, reviewer):
    """A posted complaint reopened and answered again `rounds - 1` times."""

    def make(rounds: int) -> Complaint:
        with time_machine.travel(TUESDAY - timedelta(days=7), tick=False) as clock:
            complaint = walk_to(make_complaint(posted_at=TUESDAY - timedelta(days=7, minutes=10)), Status.POSTED)
            for i in range(rounds - 1):
                clock.shift(timedelta(hours=1))
                actions.complaint_reopen(complaint=complaint, by=processor, reason=f"Belum beres ({i})")
                actions.complaint_answer(complaint=complaint, by=reviewer, text=f"Kami cek ({i}).")
                actions.answer_return(complaint=complaint, by=reviewer, reason="Kurang jelas")
                actions.complaint_answer(complaint=complaint, by=reviewer, text=f"Sudah diperbaiki ({i}).")
                actions.answer_approve(complaint=complaint, by=reviewer)
                actions.complaint_post_answer(complaint=complaint, by=processor, link=f"https://instagram.com/p/{i}")
        complaint.refresh_from_db()
        return complaint

    return make


def queries(call) -> tuple[int, object]:
    """The number of queries of `call()`, and its response."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return len(captured), response


def full(links: int, key: str) -> tuple[dict, dict]:
    body = {
        **NEW,
        "category": Category.objects.filter(active=True, usual_agency__isnull=False).first().pk,
        "agency": "DISHUB",
        "kelurahan": Kelurahan.objects.first().pk,
        "links": [f"https://example.test/foto/{i}.jpg" for i in range(links)],
    }
    return body, {"Idempotency-Key": key}


class TestReadOne:
    def test_a_long_history_costs_no_more_queries_than_a_short_one(self, client_for, processor, answered):
        client = client_for(processor)
        short, long = answered(1), answered(6)
        client.get("/me")  # the token's "last used" is written at most once a minute: a steady client's count
        n_short, response = queries(lambda: client.get(f"/complaints/{short.tracking_number}"))
        n_long, response = queries(lambda: client.get(f"/complaints/{long.tracking_number}"))
        assert response.status_code == 200 and len(response.json()["events"]) > 30
        assert n_long == n_short

    @pytest.mark.parametrize("person", ["processor", "liaison_dishub"])
    @pytest.mark.parametrize("by", ["id", "tracking_number"])
    def test_a_complaint_is_read_in_a_fixed_number_of_queries(
        self, client_for, answered, request, person, by, django_assert_max_num_queries
    ):
        client = client_for(request.getfixturevalue(person))
        complaint = answered(6)
        client.get("/me")
        with django_assert_max_num_queries(READ_ONE):
            response = client.get(f"/complaints/{getattr(complaint, 'pk' if by == 'id' else by)}")
        assert response.status_code == 200

    def test_the_open_step_is_the_one_the_steps_show(self, client_for, processor, make_complaint):
        body = client_for(processor).get(f"/complaints/{make_complaint().pk}").json()
        assert body["open_step"]["number"] == 3
        assert body["open_step"] == next(s for s in body["steps"] if s["completed_at"] is None)


class TestCreate:
    def test_the_number_of_links_changes_nothing(self, client_for, processor):
        client = client_for(processor)
        client.post("/complaints", json={**NEW, "text": "Sampah menumpuk di pasar."})  # a steady client, warm memos
        one = queries(lambda: client.post("/complaints", json=full(1, "a")[0], headers=full(1, "a")[1]))
        ten = queries(lambda: client.post("/complaints", json=full(10, "b")[0], headers=full(10, "b")[1]))
        assert (one[1].status_code, ten[1].status_code) == (201, 201)
        assert ten[0] == one[0]
        assert Attachment.objects.filter(complaint_id=ten[1].json()["id"]).count() == 10

    def test_a_complaint_with_everything_is_entered_in_a_fixed_number_of_queries(
        self, client_for, processor, django_assert_max_num_queries
    ):
        client = client_for(processor)
        client.post("/complaints", json={**NEW, "text": "Sampah menumpuk di pasar."})  # warm the per-process memos
        body, headers = full(10, "ulas-1")
        with django_assert_max_num_queries(CREATE_ONE):
            response = client.post("/complaints", json=body, headers=headers)
        assert response.status_code == 201
        created = response.json()
        assert [s["number"] for s in created["steps"]] == [2, 3] and created["open_step"]["number"] == 3
        assert created["steps"][0]["completed_at"] is not None and created["steps"][0]["on_time"] is True
        assert [e["kind"] for e in created["events"]] == ["received"]

    def test_the_same_key_again_reads_the_complaint_once(self, client_for, processor, django_assert_max_num_queries):
        client = client_for(processor)
        body, headers = full(2, "ulas-2")
        first = client.post("/complaints", json=body, headers=headers)
        # The token, the key, then the complaint as READ_ONE reads it.
        with django_assert_max_num_queries(READ_ONE + 1):
            again = client.post("/complaints", json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
