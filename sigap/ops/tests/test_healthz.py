"""/healthz: the database, and the worker's last heartbeat."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import OperationalError

from sigap.ops import heartbeat
from sigap.ops.models import Heartbeat

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def travel():
    heartbeat._last_written.clear()
    with time_machine.travel(NOW, tick=False) as t:
        yield t


def test_it_is_ok_with_the_worker_beating(client):
    heartbeat.beat("worker")
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["worker"] == "ok"
    assert body["workers"][0]["name"] == "worker" and body["workers"][0]["age_seconds"] == 0


def test_a_silent_worker_is_reported_stale_but_the_web_stays_up(client, travel):
    heartbeat.beat("worker")
    travel.shift(timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["worker"] == "stale"
    assert response.json()["workers"][0]["age_seconds"] == 300
    assert client.get("/healthz?require=worker").status_code == 503


def test_no_worker_ever_seen_is_stale(client):
    assert client.get("/healthz").json()["worker"] == "stale"


def test_it_is_503_when_the_database_is_down(client):
    with mock.patch("sigap.ops.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable", "workers": []}


def test_beat_writes_at_most_every_few_seconds(travel):
    assert heartbeat.beat("worker") is True
    assert heartbeat.beat("worker") is False
    travel.shift(timedelta(seconds=heartbeat.BEAT_EVERY + 1))
    # time.monotonic is not moved by time_machine; force stands in for the passing of time.
    assert heartbeat.beat("worker", force=True) is True
    assert Heartbeat.objects.get(name="worker").beat_at == NOW + timedelta(seconds=heartbeat.BEAT_EVERY + 1)


def test_healthz_is_never_cached(client):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
