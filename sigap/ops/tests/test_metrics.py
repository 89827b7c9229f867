"""/metrics in the Prometheus text format, for a scraper with the token or for staff."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sigap.cases.models import Reply, Status
from sigap.ops import heartbeat

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db

SAMPLE = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?\d+(\.\d+)?$')


@pytest.fixture
def scrape(client, settings):
    settings.SIGAP_METRICS_TOKEN = "scrape-secret"

    def get():
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=0.0.4")
        return response.content.decode()

    return get


def value(text, metric, /, **labels):
    label_text = ",".join(f'{k}="{v}"' for k, v in labels.items())
    line = f"{metric}{{{label_text}}}" if labels else metric
    for row in text.splitlines():
        if row.startswith(line + " "):
            return float(row.split()[-1])
    raise AssertionError(f"{line} not in metrics")


def test_every_line_is_valid_exposition_format(scrape, make_complaint):
    make_complaint()
    for line in scrape().splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or SAMPLE.match(line), line


def test_complaints_steps_and_outbox_are_counted(scrape, make_complaint, walk_to, travel_tuesday):
    make_complaint()
    walk_to(make_complaint(), Status.FORWARDED)
    Reply.objects.create(kind="auto", platform="x", text="a", status=Reply.Status.FAILED)
    Reply.objects.create(kind="auto", platform="x", text="b", status=Reply.Status.PENDING, attempts=2)
    travel_tuesday.shift(timedelta(hours=2))  # step 4's 60 minutes are over
    text = scrape()
    assert value(text, "sigap_complaints", status="received") == 1
    assert value(text, "sigap_complaints", status="forwarded") == 1
    assert value(text, "sigap_complaints", status="closed") == 0
    assert value(text, "sigap_steps_open", step=3) == 1
    assert value(text, "sigap_steps_open", step=4) == 1
    assert value(text, "sigap_steps_overdue", step=4) == 1
    assert value(text, "sigap_replies", status="pending") == 1
    assert value(text, "sigap_reply_failures") == 1
    assert value(text, "sigap_replies_retrying") == 1


def test_webhook_deliveries_are_counted(scrape):
    from sigap.platforms.models import Delivery

    Delivery.objects.create(endpoint="meta", body=b"{}")
    Delivery.objects.create(endpoint="meta", body=b"?", status=Delivery.Status.UNREADABLE)
    text = scrape()
    assert value(text, "sigap_webhook_deliveries", status="pending") == 1
    assert value(text, "sigap_webhook_deliveries", status="unreadable") == 1


def test_the_workers_last_beat_is_exported(scrape, travel_tuesday):
    heartbeat._last_written.clear()
    heartbeat.beat("worker")
    travel_tuesday.shift(timedelta(seconds=30))
    text = scrape()
    assert value(text, "sigap_worker_beat_age_seconds", name="worker") == 30
    assert value(text, "sigap_worker_last_beat_timestamp_seconds", name="worker") == int(TUESDAY.timestamp())


@pytest.fixture
def travel_tuesday():
    with time_machine.travel(TUESDAY, tick=False) as t:
        yield t


def test_without_the_token_it_is_401(client, settings):
    settings.SIGAP_METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_no_token_configured_means_no_anonymous_scrape(client, settings):
    settings.SIGAP_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_staff_may_look_and_other_users_may_not(as_user, admin_user, liaison_dishub):
    assert as_user(admin_user).get("/metrics").status_code == 200
    assert as_user(liaison_dishub).get("/metrics").status_code == 401
