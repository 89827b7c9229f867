"""X API v2: CRC, signed activity deliveries, mentions polling, replies and DMs (platform-apis §5)."""

import json

import httpx
import pytest
import time_machine

from sigap.platforms.base import PlatformError, from_iso, hmac_sha256_base64
from sigap.platforms.tests.helpers import Recorder, assert_items, at, fixture, fixture_names, reply
from sigap.platforms.x import X

CITY = "1500000000000000001"
SECRET = "test-consumer-secret"  # §5.2 test vectors
VECTOR_BODY = b'{"for_user_id":"1500000000000000001","tweet_create_events":[]}'
VECTOR_SIGNATURE = "sha256=uWcdt/LAlBKR8Y2PBw20sqI5v2vpqJOJDXxJjS52pD0="

EXPECTED = {
    "mention": [
        dict(
            platform="x",
            account_id=CITY,
            external_id="2090000000000000123",
            kind="mention",
            thread_id="2090000000000000123",
            author_id="1600000000000000042",
            author_handle="warga_laweyan",
            author_name="Warga Laweyan",
            text="@PemkotSolo jalan berlubang di Jl. Adi Sucipto dekat bandara, bahaya",
            permalink="https://x.com/warga_laweyan/status/2090000000000000123",
            posted_at=from_iso("2026-09-10T03:21:00Z"),
            parent_id="",
        )
    ],
    "reply": [
        dict(
            kind="reply",
            external_id="2090000000000000124",
            thread_id="2090000000000000100",
            parent_id="2090000000000000100",
        )
    ],
    "mention_edited": [dict(kind="edit", external_id="2090000000000000130", parent_id="2090000000000000123")],
    "dm_received": [
        dict(
            kind="dm",
            external_id="2090000000000000777",
            account_id=CITY,
            thread_id="1600000000000000042",
            author_id="1600000000000000042",
            author_handle="warga_laweyan",
            text="Selamat pagi, mau tanya soal izin keramaian",
            posted_at=at(1790004000.123),
            permalink="",
        )
    ],
    "chat_received": [],  # encrypted XChat: unreadable (§5.3)
    "legacy_tweet_create": [
        dict(
            kind="mention",
            external_id="2090000000000000200",
            author_handle="rudi_jebres",
            text=(
                "@PemkotSolo lampu jalan di Jl. Kolonel Sutarto mati total, gelap sekali kalau malam hari, "
                "mohon segera diperbaiki sebelum ada kecelakaan"
            ),
            posted_at=at(1789960860),
        )
    ],  # the retweet in the same delivery is skipped
}


@pytest.mark.parametrize("name", fixture_names("x"))
def test_it_reads_the_captured_payload(name):
    assert_items(X(account_id=CITY).parse(fixture("x", name)), EXPECTED[name])


def test_it_answers_the_crc_check_with_the_reference_token():
    answer = X(account_id=CITY, secret=SECRET).handshake({"crc_token": "ZmFrZS1jcmMtdG9rZW4"})
    assert answer == (
        200,
        "application/json",
        json.dumps({"response_token": "sha256=gwmYR9BFl5S3D3End0R2F7fav+GflJonouV4IdgZJcA="}),
    )


def test_it_leaves_a_get_without_crc_token_alone():
    assert X(account_id=CITY, secret=SECRET).handshake({}) is None


def test_it_accepts_the_reference_signature_vector():
    assert X(account_id=CITY, secret=SECRET).verify({"x-twitter-webhooks-signature": VECTOR_SIGNATURE}, VECTOR_BODY)


def test_it_rejects_a_forged_signature():
    platform = X(account_id=CITY, secret=SECRET)
    assert not platform.verify({"x-twitter-webhooks-signature": "sha256=" + "A" * 43 + "="}, VECTOR_BODY)
    assert not platform.verify({"x-twitter-webhooks-signature": VECTOR_SIGNATURE}, VECTOR_BODY + b" ")
    assert not platform.verify({}, VECTOR_BODY)
    assert not X(account_id=CITY).verify({"x-twitter-webhooks-signature": VECTOR_SIGNATURE}, VECTOR_BODY)


def test_it_reads_an_empty_delivery_as_nothing():
    assert X(account_id=CITY).parse(VECTOR_BODY) == []


def test_it_refuses_bytes_that_are_not_json():
    with pytest.raises(ValueError):
        X(account_id=CITY).parse(b"{'data': }")


def test_it_ignores_unknown_event_types():
    body = json.dumps({"data": {"event_type": "profile.update.bio", "filter": {"user_id": CITY}, "payload": {}}})
    assert X(account_id=CITY).parse(body.encode()) == []


def test_it_verifies_and_reads_a_one_megabyte_delivery():
    payload = json.loads(fixture("x", "mention"))
    payload["data"]["payload"]["text"] = "jalan rusak " * 90_000
    body = json.dumps(payload).encode()
    platform = X(account_id=CITY, secret=SECRET)

    assert len(body) > 1_000_000
    assert platform.verify({"x-twitter-webhooks-signature": "sha256=" + hmac_sha256_base64(SECRET, body)}, body)
    assert len(platform.parse(body)[0].text) == len("jalan rusak ") * 90_000


# Polling (§5.4)

PAGE_1 = {
    "data": [
        {
            "id": "2090000000000000125",
            "text": "@PemkotSolo pohon tumbang di Jl. Dr. Moewardi",
            "author_id": "1600000000000000050",
            "created_at": "2026-09-10T04:00:00.000Z",
            "conversation_id": "2090000000000000125",
            "edit_history_tweet_ids": ["2090000000000000125"],
        },
        {
            "id": "2090000000000000124",
            "text": "@PemkotSolo sudah seminggu belum ada petugas datang",
            "author_id": "1600000000000000042",
            "created_at": "2026-09-10T03:50:00.000Z",
            "conversation_id": "2090000000000000100",
            "in_reply_to_user_id": CITY,
            "referenced_tweets": [{"type": "replied_to", "id": "2090000000000000100"}],
            "edit_history_tweet_ids": ["2090000000000000124"],
        },
    ],
    "includes": {
        "users": [
            {"id": "1600000000000000050", "name": "Tono", "username": "tono_pasarkliwon"},
            {"id": "1600000000000000042", "name": "Warga Laweyan", "username": "warga_laweyan"},
        ]
    },
    "meta": {
        "newest_id": "2090000000000000125",
        "oldest_id": "2090000000000000124",
        "result_count": 2,
        "next_token": "7140dibdnow9c7btw4b0tk0s4hzvjfv1ozwxbmrzu6pe0",
    },
}
PAGE_2 = {
    "data": [
        {
            "id": "2090000000000000123",
            "text": "@PemkotSolo jalan berlubang …",
            "author_id": "1600000000000000042",
            "created_at": "2026-09-10T03:21:00.000Z",
            "conversation_id": "2090000000000000123",
            "edit_history_post_ids": ["2090000000000000123"],
        }
    ],
    "includes": {"users": [{"id": "1600000000000000042", "name": "Warga Laweyan", "username": "warga_laweyan"}]},
    "meta": {"newest_id": "2090000000000000123", "oldest_id": "2090000000000000123", "result_count": 1},
}


def poller(*responses):
    recorder = Recorder(*responses)
    return X(account_id=CITY, token="user-token", client=recorder.client), recorder


def test_it_polls_mentions_since_the_cursor_through_every_page():
    platform, recorder = poller(reply(200, PAGE_1), reply(200, PAGE_2))
    items, cursor = platform.poll("2090000000000000122")

    assert [(i.external_id, i.kind, i.author_handle) for i in items] == [
        ("2090000000000000125", "mention", "tono_pasarkliwon"),
        ("2090000000000000124", "reply", "warga_laweyan"),
        ("2090000000000000123", "mention", "warga_laweyan"),
    ]
    assert cursor == "2090000000000000125"
    first, second = recorder.requests
    assert first.url.path == f"/2/users/{CITY}/mentions"
    assert first.url.params["since_id"] == "2090000000000000122"
    assert first.url.params["max_results"] == "100"
    assert first.url.params["expansions"] == "author_id"
    assert "conversation_id" in first.url.params["tweet.fields"]
    assert second.url.params["pagination_token"] == "7140dibdnow9c7btw4b0tk0s4hzvjfv1ozwxbmrzu6pe0"
    assert first.headers["Authorization"] == "Bearer user-token"


def test_it_reads_only_the_newest_page_on_the_first_poll():
    platform, recorder = poller(reply(200, PAGE_1))
    items, cursor = platform.poll(None)
    assert len(recorder.requests) == 1
    assert "since_id" not in recorder.last.url.params
    assert (len(items), cursor) == (2, "2090000000000000125")


def test_it_keeps_the_cursor_when_there_is_nothing_new():
    platform, _ = poller(reply(200, {"meta": {"result_count": 0}}))
    assert platform.poll("2090000000000000125") == ([], "2090000000000000125")


# Replies (§5.5, §5.6)


def test_it_replies_to_the_post_that_summoned_the_city():
    created = {"data": {"id": "2090000000000000999", "text": "…", "edit_history_tweet_ids": ["2090000000000000999"]}}
    platform, recorder = poller(httpx.Response(201, json=created))
    mention = X(account_id=CITY).parse(fixture("x", "mention"))[0]
    sent = platform.send(platform.reply_for(mention, "Terima kasih laporannya. Sudah kami teruskan ke DPUPR."))

    assert (sent.external_id, sent.permalink) == (
        "2090000000000000999",
        "https://x.com/i/web/status/2090000000000000999",
    )
    assert str(recorder.last.url) == "https://api.x.com/2/tweets"
    assert recorder.sent_json() == {
        "text": "Terima kasih laporannya. Sudah kami teruskan ke DPUPR.",
        "reply": {"in_reply_to_tweet_id": "2090000000000000123"},
    }


def test_it_answers_a_dm_by_dm():
    created = {"data": {"dm_conversation_id": f"{CITY}-1600000000000000042", "dm_event_id": "2090000000000001000"}}
    platform, recorder = poller(httpx.Response(201, json=created))
    dm = X(account_id=CITY).parse(fixture("x", "dm_received"))[0]
    sent = platform.send(platform.reply_for(dm, "Silakan datang ke MPP"))

    assert sent.external_id == "2090000000000001000"
    assert recorder.last.url.path == "/2/dm_conversations/with/1600000000000000042/messages"
    assert recorder.sent_json() == {"text": "Silakan datang ke MPP"}


@time_machine.travel(1790000000, tick=False)
def test_it_waits_for_the_rate_limit_window_to_reset():
    platform, _ = poller(
        httpx.Response(
            429,
            json={"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
            headers={"x-rate-limit-limit": "300", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "1790000420"},
        )
    )
    with pytest.raises(PlatformError) as raised:
        platform.poll("1")
    assert not raised.value.permanent
    assert raised.value.retry_after == 420


def test_it_honours_retry_after_on_a_429_when_given():
    platform, _ = poller(httpx.Response(429, headers={"Retry-After": "15"}))
    with pytest.raises(PlatformError) as raised:
        platform.poll("1")
    assert (raised.value.permanent, raised.value.retry_after) == (False, 15)


def test_it_explains_the_summoned_only_rule_when_a_reply_is_refused():
    problem = {
        "title": "Forbidden",
        "detail": "Reply to this conversation is not allowed because you have not been mentioned "
        "or otherwise engaged by the author of the post you are replying to.",  # invented: §5.1 [U]
        "type": "about:blank",
        "status": 403,
    }
    platform, _ = poller(httpx.Response(403, json=problem))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(X(account_id=CITY).parse(fixture("x", "mention"))[0], "Halo"))
    assert raised.value.permanent
    assert "only to posts whose author mentioned or quoted the city" in raised.value.message


def test_it_stops_when_the_usage_cap_is_reached():
    problem = {
        "title": "UsageCapExceeded",
        "detail": "Usage cap exceeded: Monthly product cap",
        "type": "https://api.x.com/2/problems/usage-capped",
    }
    platform, _ = poller(httpx.Response(429, json=problem))
    with pytest.raises(PlatformError) as raised:
        platform.poll("1")
    assert raised.value.permanent
    assert raised.value.code == "usage-capped"


def test_it_retries_a_server_error():
    platform, _ = poller(httpx.Response(503, text="Service Unavailable"))
    with pytest.raises(PlatformError) as raised:
        platform.poll("1")
    assert not raised.value.permanent


def test_it_does_not_resend_a_reply_whose_outcome_is_unknown():
    platform, _ = poller(httpx.ReadTimeout("timed out"))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(X(account_id=CITY).parse(fixture("x", "mention"))[0], "Halo"))
    assert raised.value.permanent
    assert raised.value.code == "unknown_outcome"


def test_it_retries_when_x_could_not_be_reached():
    platform, _ = poller(httpx.ConnectError("connection refused"))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(X(account_id=CITY).parse(fixture("x", "mention"))[0], "Halo"))
    assert not raised.value.permanent


# Length (§5.6)


def test_it_counts_urls_as_23_and_emoji_as_2():
    platform = X(account_id=CITY)
    assert platform.measure("lapor") == 5
    assert platform.measure("https://sigap.surakarta.go.id/lacak/SKA-7K3M-9QX4") == 23
    assert platform.measure("\U0001f621") == 2
    assert platform.measure("道路") == 4


def test_it_numbers_the_parts_of_a_long_answer_and_never_adds_a_link():
    text = "Terima kasih atas laporannya, petugas DPUPR akan menambal jalan minggu ini. " * 8
    parts = X(account_id=CITY).split(text, "https://sigap.surakarta.go.id/lacak/SKA-7K3M-9QX4")

    assert len(parts) == 3
    assert [part[:6] for part in parts] == ["(1/3) ", "(2/3) ", "(3/3) "]
    assert all(X(account_id=CITY).measure(part) <= 280 for part in parts)
    assert not any("https://" in part for part in parts)


def test_it_fits_a_reply_of_exactly_280_weighted_characters_in_one_post():
    assert X(account_id=CITY).split("a" * 278 + "\U0001f621") == ["a" * 278 + "\U0001f621"]
