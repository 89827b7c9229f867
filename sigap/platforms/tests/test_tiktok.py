"""TikTok API for Business: signed webhooks, DMs and comment replies (platform-apis §7)."""

import json

import httpx
import pytest
import time_machine

from sigap.platforms.base import PlatformError, hmac_sha256
from sigap.platforms.tests.helpers import Recorder, assert_items, at, fixture, fixture_names, reply
from sigap.platforms.tiktok import TikTok

BUSINESS = "-000Ab12Cd34Ef56Gh78"
SECRET = "test-tiktok-app-secret"  # §7.1 test vector
VECTOR_BODY = b'{"event":"im_receive_msg","user_openid":"-000TESTBIZ","content":"{}"}'
VECTOR_HEADER = "t=1790000000,s=26f6cd99aae48b1c464fad3c01b92fb739ed50e8aed036620cb25d7b576e67cd"
CONVERSATION = "0:1:7400000000000000001:7300000000000000002"

EXPECTED = {
    "im_receive_msg": [
        dict(
            platform="tiktok",
            account_id=BUSINESS,
            external_id="7410000000000000003",
            kind="dm",
            thread_id=CONVERSATION,
            author_id="-000Zz99Yy88Xx77",
            author_handle="warga_panggung",
            text="Min, lampu lalu lintas di Panggung mati",
            posted_at=at(1790004000.123),
            parent_id="",
        )
    ],
    "im_receive_image": [
        dict(
            external_id="7410000000000000004",
            text="",
            parent_id="7410000000000000003",
            media=[{"type": "image", "id": "v0f025gc0000image01"}],
        )
    ],
    "im_send_msg": [],  # our own message, echoed
    "im_mark_read_msg": [],
    "comment_insert": [
        dict(
            kind="comment",
            external_id="7400000000000000011",
            thread_id="7400000000000000010",
            account_id=BUSINESS,
            text="",  # the webhook carries ids only (§7.1 [U])
        )
    ],
    "comment_delete": [dict(kind="delete", external_id="7400000000000000011:deleted", parent_id="7400000000000000011")],
    "comment_hidden": [],
}


@pytest.mark.parametrize("name", fixture_names("tiktok"))
def test_it_reads_the_captured_payload(name):
    assert_items(TikTok(account_id=BUSINESS).parse(fixture("tiktok", name)), EXPECTED[name])


@time_machine.travel(1790000010, tick=False)
def test_it_accepts_the_reference_signature_vector():
    assert TikTok(account_id=BUSINESS, secret=SECRET).verify({"Tiktok-Signature": VECTOR_HEADER}, VECTOR_BODY)


@time_machine.travel(1790000010, tick=False)
def test_it_tolerates_spaces_in_the_signature_header():
    spaced = VECTOR_HEADER.replace(",", ", ")
    assert TikTok(account_id=BUSINESS, secret=SECRET).verify({"tiktok-signature": spaced}, VECTOR_BODY)


@time_machine.travel(1790000010, tick=False)
def test_it_rejects_a_forged_signature():
    platform = TikTok(account_id=BUSINESS, secret=SECRET)
    assert not platform.verify({"Tiktok-Signature": "t=1790000000,s=" + "0" * 64}, VECTOR_BODY)
    assert not platform.verify({"Tiktok-Signature": VECTOR_HEADER}, VECTOR_BODY.replace(b"{}", b"[]"))
    assert not platform.verify({"Tiktok-Signature": "s=26f6cd99"}, VECTOR_BODY)
    assert not platform.verify({}, VECTOR_BODY)
    assert not TikTok(account_id=BUSINESS).verify({"Tiktok-Signature": VECTOR_HEADER}, VECTOR_BODY)


@time_machine.travel(1790000000 + 301, tick=False)
def test_it_rejects_a_replayed_delivery_signed_too_long_ago():
    assert not TikTok(account_id=BUSINESS, secret=SECRET).verify({"Tiktok-Signature": VECTOR_HEADER}, VECTOR_BODY)


@time_machine.travel(1790000000, tick=False)
def test_it_verifies_and_reads_a_one_megabyte_delivery():
    content = json.loads(json.loads(fixture("tiktok", "im_receive_msg"))["content"])
    content["text"]["body"] = "lampu mati " * 100_000
    body = json.dumps({"event": "im_receive_msg", "user_openid": BUSINESS, "content": json.dumps(content)}).encode()
    signature = hmac_sha256(SECRET, b"1790000000." + body).hex()
    platform = TikTok(account_id=BUSINESS, secret=SECRET)

    assert len(body) > 1_000_000
    assert platform.verify({"Tiktok-Signature": f"t=1790000000,s={signature}"}, body)
    assert platform.parse(body)[0].text.startswith("lampu mati")


def test_it_refuses_bytes_that_are_not_a_tiktok_event():
    with pytest.raises(ValueError):
        TikTok(account_id=BUSINESS).parse(b"<xml/>")
    with pytest.raises(ValueError):
        TikTok(account_id=BUSINESS).parse(b'{"user_openid": "-000"}')
    with pytest.raises(ValueError):  # content is a JSON string inside JSON (§7.1)
        TikTok(account_id=BUSINESS).parse(b'{"event": "im_receive_msg", "content": "{not json"}')


def test_it_ignores_unknown_event_types():
    body = b'{"event": "im_receive_high_intent_comment", "user_openid": "-000", "content": "{}"}'
    assert TikTok(account_id=BUSINESS).parse(body) == []


def client(*responses):
    recorder = Recorder(*responses)
    return TikTok(account_id=BUSINESS, token="tt-token", client=recorder.client), recorder


def item(name: str):
    return TikTok(account_id=BUSINESS).parse(fixture("tiktok", name))[0]


def test_it_answers_a_dm_in_its_conversation():
    ok = {
        "code": 0,
        "message": "OK",
        "request_id": "2026091004000001",
        "data": {"message": {"message_id": "7410000000000000900"}},
    }
    platform, recorder = client(reply(200, ok))
    sent = platform.send(platform.reply_for(item("im_receive_msg"), "Sudah kami teruskan ke Dishub"))

    assert sent.external_id == "7410000000000000900"
    assert str(recorder.last.url) == "https://business-api.tiktok.com/open_api/v1.3/business/message/send/"
    assert recorder.last.headers["Access-Token"] == "tt-token"
    assert "Authorization" not in recorder.last.headers
    assert recorder.sent_json() == {
        "business_id": BUSINESS,
        "recipient_type": "CONVERSATION",
        "recipient": CONVERSATION,
        "message_type": "TEXT",
        "text": {"body": "Sudah kami teruskan ke Dishub"},
        "referenced_message_info": {"referenced_message_id": "7410000000000000003"},
    }


def test_it_replies_under_a_comment():
    ok = {"code": 0, "message": "OK", "request_id": "2026091004000002", "data": {"comment_id": "7400000000000000500"}}
    platform, recorder = client(reply(200, ok))
    sent = platform.send(platform.reply_for(item("comment_insert"), "Terima kasih"))

    assert sent.external_id == "7400000000000000500"
    assert str(recorder.last.url) == "https://business-api.tiktok.com/open_api/v1.3/business/comment/reply/create/"
    assert recorder.sent_json() == {
        "business_id": BUSINESS,
        "video_id": "7400000000000000010",
        "comment_id": "7400000000000000011",
        "text": "Terima kasih",
    }


def test_it_reads_a_failure_reported_with_http_200():
    platform, _ = client(reply(200, {"code": 40002, "message": "Invalid parameter", "request_id": "x", "data": {}}))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("im_receive_msg"), "Halo"))
    assert raised.value.permanent
    assert raised.value.code == "40002"
    assert "Invalid parameter" in raised.value.message


def test_it_retries_when_told_requests_are_too_frequent():
    platform, _ = client(reply(200, {"code": 40100, "message": "Requests made too frequently", "data": {}}))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("im_receive_msg"), "Halo"))
    assert not raised.value.permanent


def test_it_retries_a_server_error_and_a_429_with_retry_after():
    platform, _ = client(httpx.Response(500))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("im_receive_msg"), "Halo"))
    assert not raised.value.permanent
    platform, _ = client(httpx.Response(429, headers={"Retry-After": "60"}))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("im_receive_msg"), "Halo"))
    assert (raised.value.permanent, raised.value.retry_after) == (False, 60)


def test_it_never_resends_a_comment_reply_whose_outcome_is_unknown():
    platform, _ = client(httpx.ReadTimeout("timed out"))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("comment_insert"), "Halo"))
    assert raised.value.permanent
    assert "may have posted the reply" in raised.value.message


def test_it_shortens_a_comment_reply_to_150_characters_with_a_link():
    platform = TikTok(account_id=BUSINESS)
    comment = platform.reply_for(item("comment_insert"), "")
    parts = platform.split(
        "Lampu lalu lintas sudah diperbaiki Dishub. " * 10, "https://sigap.example/lacak/SKA-1", comment
    )
    assert len(parts) == 1 and len(parts[0]) <= 150
    assert parts[0].endswith("… https://sigap.example/lacak/SKA-1")


def test_it_numbers_the_parts_of_a_long_dm_at_950_characters():
    platform = TikTok(account_id=BUSINESS)
    dm = platform.reply_for(item("im_receive_msg"), "")
    parts = platform.split("Lampu lalu lintas sudah diperbaiki Dishub. " * 30, "https://sigap.example/lacak/SKA-1", dm)
    assert [part[:6] for part in parts] == ["(1/2) ", "(2/2) "]
    assert all(len(part) <= 950 for part in parts)
