from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import RequestFactory

from sigap.ops import ratelimit

pytestmark = pytest.mark.django_db


def test_a_fixed_window_allows_the_limit_then_refuses_until_it_ends():
    rate = ratelimit.Rate.parse("2/60")
    with time_machine.travel(datetime(2026, 11, 3, 14, 0, 10, tzinfo=ZoneInfo("UTC")), tick=False) as t:
        assert [ratelimit.hit("t", "1.2.3.4", rate) for _ in range(3)] == [0, 0, 50]
        assert ratelimit.hit("t", "5.6.7.8", rate) == 0
        t.shift(timedelta(seconds=50))
        assert ratelimit.hit("t", "1.2.3.4", rate) == 0


def test_behind_a_proxy_the_forwarded_address_counts(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1")
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.SIGAP_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7")
    assert ratelimit.client_ip(request) == "203.0.113.7"


def test_no_address_is_stored_in_the_counter_keys():
    key = ratelimit._key("track", "203.0.113.7", ratelimit.Rate(30, 600), 0)
    assert "203.0.113.7" not in key
