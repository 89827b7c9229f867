"""What every adapter shares: reading untrusted JSON, splitting long answers, the HTTP call and its errors."""

from datetime import datetime, timezone
from unittest.mock import patch

import httpx
import pytest
import time_machine

from sigap.platforms.base import (
    OutboundReply,
    Platform,
    PlatformError,
    as_id,
    dig,
    from_iso,
    from_timestamp,
    retry_after,
)
from sigap.platforms.registry import PLATFORMS, get_platform_class
from sigap.platforms.tests.helpers import Recorder, reply


class Plain(Platform):
    name, label, max_text, default_api_url = "plain", "Plain", 40, "https://api.example/v1"


@pytest.mark.parametrize("name", PLATFORMS)
def test_every_platform_refuses_bytes_that_are_not_json(name):
    with pytest.raises(ValueError):
        get_platform_class(name)(account_id="1").parse(b'{"truncated": ')


@pytest.mark.parametrize("name", PLATFORMS)
def test_every_platform_refuses_json_that_is_not_an_object(name):
    with pytest.raises(ValueError):
        get_platform_class(name)(account_id="1").parse(b"[1, 2, 3]")


def test_it_reads_nested_json_without_trusting_its_shape():
    data = {"a": {"b": [{"c": "found"}]}, "s": "text"}
    assert dig(data, "a", "b", 0, "c") == "found"
    assert dig(data, "a", "b", 5, "c", default="") == ""
    assert dig(data, "s", "x", default="none") == "none"
    assert dig(None, "a") is None


def test_it_keeps_big_ids_exact_as_strings():
    assert as_id(2090000000000000123) == "2090000000000000123"
    assert as_id(True) == "" and as_id(1.5) == "" and as_id(None) == ""


def test_it_reads_the_platforms_time_formats_as_aware_utc():
    expected = datetime(2026, 9, 10, 3, 21, tzinfo=timezone.utc)
    assert from_iso("2026-09-10T03:21:00.000Z") == expected
    assert from_iso("2026-09-10T03:21:00+0000") == expected
    assert from_iso("2026-09-10T10:21:00+07:00") == expected
    assert from_timestamp("1789960860") == from_timestamp(1789960860000, ms=True)
    assert from_iso("yesterday") is None and from_timestamp("soon") is None


# split()


def test_it_leaves_a_short_answer_whole():
    assert Plain(account_id="1").split("  Sudah diperbaiki.  ") == ["Sudah diperbaiki."]


def test_it_cuts_between_words_and_keeps_line_breaks_inside_a_part():
    parts = Plain(account_id="1").split("Jalan sudah\ndiperbaiki oleh DPUPR pada hari Senin pagi kemarin ya")
    assert parts == ["(1/2) Jalan sudah\ndiperbaiki oleh DPUPR", "(2/2) pada hari Senin pagi kemarin ya"]
    assert all(len(part) <= 40 for part in parts)


def test_it_cuts_a_word_longer_than_a_part():
    parts = Plain(account_id="1").split("x" * 100)
    assert "".join(part.split(" ", 1)[1] for part in parts) == "x" * 100
    assert all(len(part) <= 40 for part in parts)


def test_it_widens_the_part_numbers_when_there_are_ten_or_more_parts():
    parts = Plain(account_id="1").split("kata " * 100)
    assert parts[0].startswith("(1/") and parts[-1].startswith(f"({len(parts)}/{len(parts)}) ")
    assert len(parts) >= 10
    assert all(len(part) <= 40 for part in parts)


def test_it_shortens_where_the_platform_cannot_thread_and_appends_the_link():
    class OneShot(Plain):
        threads = False

    shortened = OneShot(account_id="1").split("Jalan sudah diperbaiki oleh DPUPR pada hari Senin", "https://s.id/1")
    assert shortened == ["Jalan sudah diperbaiki… https://s.id/1"]
    assert OneShot(account_id="1").split("kata " * 20) == ["kata " * 7 + "kata…"]
    # A link that cannot fit is dropped rather than overflowing the limit.
    assert len(OneShot(account_id="1").split("kata " * 20, "https://example.com/" + "x" * 60)[0]) <= 40


# The HTTP call


def test_it_calls_through_the_single_http_wrapper():
    with patch("sigap.lib.http.request", autospec=True, return_value=reply(200, {"ok": 1})) as request:
        assert Plain(account_id="1", token="t")._call("GET", "https://api.example/v1/x") == {"ok": 1}
    assert request.call_args.args == ("GET", "https://api.example/v1/x")
    assert request.call_args.kwargs["headers"] == {"Authorization": "Bearer t"}


def test_it_quotes_ids_from_payloads_in_urls():
    assert Plain(account_id="1")._url("1/../2", "a?b") == "https://api.example/v1/1%2F..%2F2/a%3Fb"


def test_it_retries_when_the_platform_cannot_be_reached():
    platform = Plain(account_id="1", client=Recorder(httpx.ConnectTimeout("slow")).client)
    with pytest.raises(PlatformError) as raised:
        platform._call("POST", "https://api.example/v1/x", duplicate_is_harmless=False)
    assert not raised.value.permanent
    assert raised.value.code == "network"


def test_it_retries_a_lost_answer_where_a_duplicate_is_harmless():
    platform = Plain(account_id="1", client=Recorder(httpx.ReadTimeout("slow")).client)
    with pytest.raises(PlatformError) as raised:
        platform._call("POST", "https://api.example/v1/x")
    assert not raised.value.permanent


def test_it_treats_a_success_without_json_as_temporary():
    platform = Plain(account_id="1", client=Recorder(httpx.Response(200, text="<html>proxy</html>")).client)
    with pytest.raises(PlatformError) as raised:
        platform._call("GET", "https://api.example/v1/x")
    assert not raised.value.permanent


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_it_retries_server_errors(status):
    assert not Plain(account_id="1").classify_error(httpx.Response(status)).permanent


def test_it_retries_a_429_after_the_time_the_platform_asked_for():
    error = Plain(account_id="1").classify_error(httpx.Response(429, headers={"Retry-After": "120"}))
    assert (error.permanent, error.retry_after) == (False, 120)


@time_machine.travel(datetime(2026, 9, 10, 3, 0, tzinfo=timezone.utc), tick=False)
def test_it_reads_retry_after_given_as_a_date():
    response = httpx.Response(429, headers={"Retry-After": "Thu, 10 Sep 2026 03:02:00 GMT"})
    assert retry_after(response) == 120


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_it_does_not_retry_client_errors(status):
    assert Plain(account_id="1").classify_error(httpx.Response(status, text="no")).permanent


def test_a_platform_that_only_pushes_cannot_be_polled():
    with pytest.raises(NotImplementedError):
        Plain(account_id="1").poll(None)


def test_a_reply_to_a_dm_goes_to_its_author():
    class Item:
        kind, external_id, author_id, thread_id = "dm", "m1", "u1", "u1"

    assert Plain(account_id="1").reply_for(Item(), "Halo", private=True) == OutboundReply(
        text="Halo", in_reply_to="m1", recipient_id="u1", private=False, kind="dm", thread_id="u1"
    )
