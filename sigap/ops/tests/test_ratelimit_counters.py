"""The rate limiter's counter table: one upsert a hit, exact under concurrency, pruned by the worker."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sigap.cases.management.commands import worker
from sigap.cases.models import Status
from sigap.ops import ratelimit
from sigap.ops.models import RateCounter

# 14:00:10 UTC: ten seconds into a one-minute window, and into a ten-minute one.
START = datetime(2026, 11, 3, 14, 0, 10, tzinfo=ZoneInfo("UTC"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def awake(monkeypatch):
    """prune_expired rests after finding nothing; each test starts with it awake."""
    monkeypatch.setattr(ratelimit, "_next_prune", 0.0)


def counts() -> list[int]:
    return sorted(RateCounter.objects.values_list("count", flat=True))


def test_hits_in_one_window_add_up_in_one_row_per_client(clock):
    rate = ratelimit.Rate.parse("10/60")
    for _ in range(3):
        ratelimit.hit("track", "203.0.113.7", rate)
    ratelimit.hit("track", "198.51.100.2", rate)
    ratelimit.hit("open311", "203.0.113.7", rate)
    assert counts() == [1, 1, 3]


def test_a_hit_is_one_statement_and_a_peek_one_select(clock, django_assert_num_queries):
    rate = ratelimit.Rate.parse("10/60")
    with django_assert_num_queries(1):
        ratelimit.hit("track", "203.0.113.7", rate)  # a new row
    with django_assert_num_queries(1):
        ratelimit.hit("track", "203.0.113.7", rate)  # an existing one
    with django_assert_num_queries(1) as peeked:
        ratelimit.peek("track", "203.0.113.7", rate)
    assert peeked.captured_queries[0]["sql"].startswith("SELECT")


def test_a_cost_counts_as_that_many_requests(clock):
    rate = ratelimit.Rate.parse("5/60")
    assert ratelimit.hit("api", "203.0.113.7", rate, cost=3) == 0
    assert ratelimit.hit("api", "203.0.113.7", rate, cost=2) == 0  # 5: at the limit, still allowed
    assert ratelimit.hit("api", "203.0.113.7", rate, cost=3) == 50  # 8: over it until 14:01:00
    assert counts() == [8]


def test_a_new_window_counts_from_zero_in_a_new_row(clock):
    rate = ratelimit.Rate.parse("2/600")
    assert [ratelimit.hit("track", "203.0.113.7", rate) for _ in range(3)] == [0, 0, 590]
    clock.shift(timedelta(seconds=589))
    assert ratelimit.hit("track", "203.0.113.7", rate) == 1  # the last second of the window
    clock.shift(timedelta(seconds=1))
    assert ratelimit.hit("track", "203.0.113.7", rate) == 0
    assert counts() == [1, 4]


def test_a_peek_does_not_count(clock):
    rate = ratelimit.Rate.parse("2/60")
    assert [ratelimit.peek("login", "budi", rate) for _ in range(5)] == [0] * 5
    assert not RateCounter.objects.exists()
    ratelimit.hit("login", "budi", rate)
    assert ratelimit.peek("login", "budi", rate) == 0
    ratelimit.hit("login", "budi", rate)
    assert ratelimit.peek("login", "budi", rate) == 50  # at the limit: the next try would be refused
    assert counts() == [2]


def test_two_rates_in_one_scope_keep_their_own_counters(clock):
    clock.move_to(datetime(2026, 11, 3, 14, 0, 0, tzinfo=ZoneInfo("UTC")))  # both windows start now
    ratelimit.hit("track", "203.0.113.7", ratelimit.Rate.parse("5/60"))
    ratelimit.hit("track", "203.0.113.7", ratelimit.Rate.parse("5/600"))
    assert counts() == [1, 1]


def test_pruning_deletes_only_counters_whose_window_has_ended(clock):
    short, long = ratelimit.Rate.parse("5/60"), ratelimit.Rate.parse("5/600")
    ratelimit.hit("login", "budi", short)
    ratelimit.hit("login-ip", "203.0.113.7", long)
    clock.shift(timedelta(seconds=50))  # 14:01:00, the end of the one-minute window
    ratelimit.hit("login", "budi", short)  # the next window's row
    assert ratelimit.prune_expired() is False  # a window that ends now is not yet "expired"
    ratelimit._next_prune = 0.0
    clock.shift(timedelta(seconds=1))
    assert ratelimit.prune_expired() is True
    assert sorted(RateCounter.objects.values_list("expires_at", flat=True)) == [
        datetime(2026, 11, 3, 14, 2, tzinfo=ZoneInfo("UTC")),
        datetime(2026, 11, 3, 14, 10, tzinfo=ZoneInfo("UTC")),
    ]
    assert ratelimit.prune_expired() is False


def test_pruning_works_in_bounded_batches_then_rests(clock, monkeypatch):
    monkeypatch.setattr(ratelimit, "PRUNE_BATCH", 2)
    rate = ratelimit.Rate.parse("5/60")
    for n in range(3):
        ratelimit.hit("track", f"198.51.100.{n}", rate)
    clock.shift(timedelta(minutes=1))
    assert [ratelimit.prune_expired() for _ in range(3)] == [True, True, False]
    assert not RateCounter.objects.exists()
    ratelimit.hit("track", "198.51.100.9", rate)
    clock.shift(timedelta(minutes=1))
    assert ratelimit.prune_expired() is False  # resting: nothing looked at for PRUNE_IDLE_SECONDS
    assert RateCounter.objects.count() == 1


def test_the_worker_prunes_the_counters():
    assert ratelimit.prune_expired in worker.JOBS


def test_the_table_holds_no_client_address_or_username(clock):
    rate = ratelimit.Rate.parse("5/60")
    ratelimit.hit("track", "203.0.113.7", rate)
    ratelimit.hit("login", "budi|203.0.113.7", rate)
    ratelimit.hit("login-ip", "2001:db8::1", rate)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(RateCounter._meta.db_table)}")
        stored = repr(cursor.fetchall())
    for secret in ("203.0.113.7", "budi", "2001:db8::1", "db8"):
        assert secret not in stored


def test_a_public_lookup_spends_one_statement_on_the_limiter(client, make_complaint, walk_to):
    complaint = walk_to(make_complaint(), Status.POSTED)
    url = reverse("track-detail", args=[complaint.tracking_number])
    client.get(url)  # the first lookup makes the row; the second updates it
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    limiter = [q["sql"] for q in queries.captured_queries if RateCounter._meta.db_table in q["sql"]]
    assert len(limiter) == 1 and limiter[0].startswith("INSERT")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time: nothing to race")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep the migrations' data for later tests
def test_concurrent_hits_from_several_connections_are_all_counted():
    threads, hits, limit = 8, 40, 250
    rate = ratelimit.Rate(limit, 3600)
    start = threading.Barrier(threads)
    refused, errors = [], []

    def client_process():
        try:
            start.wait()
            refused.extend(w for w in (ratelimit.hit("api", "203.0.113.7", rate) for _ in range(hits)) if w)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    # Frozen so that the hour cannot turn during the test; every thread sees the same window.
    with time_machine.travel(START, tick=False):
        running = [threading.Thread(target=client_process) for _ in range(threads)]
        for thread in running:
            thread.start()
        for thread in running:
            thread.join()
    assert errors == []
    assert counts() == [threads * hits]
    # Each hit saw its own count: exactly those past the limit were refused.
    assert len(refused) == threads * hits - limit


def test_the_counters_stay_out_of_the_write_ahead_log_on_postgresql(db):
    """A counter lost in a crash only restarts a window; waiting for the log cost every request."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's table persistence")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'ops_ratecounter'")
        assert cursor.fetchone() == ("u",)
