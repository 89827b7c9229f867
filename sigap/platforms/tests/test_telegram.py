"""Telegram bot: secret-token webhooks, getUpdates, sendMessage (platform-apis §8)."""

import json

import httpx
import pytest

from sigap.platforms.base import PlatformError
from sigap.platforms.telegram import Telegram
from sigap.platforms.tests.helpers import Recorder, assert_items, at, fixture, fixture_names, reply

BOT = "7000000001"
SECRET = "s3cr3t-from-setWebhook"

EXPECTED = {
    "message": [
        dict(
            platform="telegram",
            account_id=BOT,
            external_id="5012345678:4021",
            kind="dm",
            thread_id="5012345678",
            author_id="5012345678",
            author_handle="dewi_slo",
            author_name="Dewi",
            text="Mau lapor PJU mati di Jl. Veteran",
            permalink="",  # private chats have no link
            posted_at=at(1790005000),
            parent_id="",
        )
    ],
    "location": [dict(external_id="5012345678:4022", text="", location={"latitude": -7.5755, "longitude": 110.8243})],
    "photo": [
        dict(
            text="Ini tiang lampunya, sudah miring",
            parent_id="5012345678:4021",
            media=[{"type": "image", "id": "AgACAgUAAxkBAAIBlarge"}],
        )
    ],
    "edited_message": [
        dict(
            kind="edit",
            external_id="5012345678:4021:edited:1790005100",
            parent_id="5012345678:4021",
            text="Mau lapor PJU mati di Jl. Veteran dekat Gapura Gading",
        )
    ],
    "group_message": [
        dict(
            kind="comment",
            external_id="-1001234567890:77",
            thread_id="-1001234567890",
            author_name="Agus Priyanto",
            permalink="https://t.me/wargasolopeduli/77",
        )
    ],
    "callback_query": [],
}


@pytest.mark.parametrize("name", fixture_names("telegram"))
def test_it_reads_the_captured_payload(name):
    assert_items(Telegram(account_id=BOT).parse(fixture("telegram", name)), EXPECTED[name])


def test_it_accepts_the_secret_token_header():
    platform = Telegram(account_id=BOT, secret=SECRET)
    assert platform.verify({"X-Telegram-Bot-Api-Secret-Token": SECRET}, b"{}")
    assert platform.verify({"x-telegram-bot-api-secret-token": SECRET}, b"{}")


def test_it_rejects_a_forged_or_missing_secret_token():
    platform = Telegram(account_id=BOT, secret=SECRET)
    assert not platform.verify({"X-Telegram-Bot-Api-Secret-Token": "guess"}, b"{}")
    assert not platform.verify({}, b"{}")
    assert not Telegram(account_id=BOT).verify({"X-Telegram-Bot-Api-Secret-Token": ""}, b"{}")


def test_it_refuses_bytes_that_are_not_an_update():
    with pytest.raises(ValueError):
        Telegram(account_id=BOT).parse(b"\xff\xfe not json")
    with pytest.raises(ValueError):
        Telegram(account_id=BOT).parse(b'{"message": {"text": "no update_id"}}')


def test_it_ignores_updates_from_other_bots():
    update = json.loads(fixture("telegram", "message"))
    update["message"]["from"]["is_bot"] = True
    assert Telegram(account_id=BOT).parse(json.dumps(update).encode()) == []


def test_it_reads_a_one_megabyte_update():
    update = json.loads(fixture("telegram", "message"))
    update["message"]["text"] = "lampu mati " * 100_000
    body = json.dumps(update).encode()
    assert len(body) > 1_000_000
    assert Telegram(account_id=BOT).parse(body)[0].text.startswith("lampu mati")


def client(*responses):
    recorder = Recorder(*responses)
    return Telegram(account_id=BOT, token=f"{BOT}:AAHtoken", client=recorder.client), recorder


def test_it_polls_updates_from_the_offset_and_moves_it_past_the_last_one():
    updates = {"ok": True, "result": [json.loads(fixture("telegram", n)) for n in ("message", "location")]}
    platform, recorder = client(reply(200, updates))
    items, cursor = platform.poll("881234567")

    assert [item.external_id for item in items] == ["5012345678:4021", "5012345678:4022"]
    assert cursor == "881234569"
    assert recorder.last.url.path == f"/bot{BOT}:AAHtoken/getUpdates"
    assert recorder.last.url.params["offset"] == "881234567"
    assert "Authorization" not in recorder.last.headers


def test_it_keeps_the_offset_when_there_are_no_updates():
    platform, _ = client(reply(200, {"ok": True, "result": []}))
    assert platform.poll("881234570") == ([], "881234570")


def test_it_answers_in_the_chat_quoting_the_message():
    sent_message = {"message_id": 4030, "date": 1790005300, "chat": {"id": 5012345678, "type": "private"}, "text": "…"}
    platform, recorder = client(reply(200, {"ok": True, "result": sent_message}))
    message = Telegram(account_id=BOT).parse(fixture("telegram", "message"))[0]
    sent = platform.send(platform.reply_for(message, "Terima kasih, laporan diteruskan ke DPUPR"))

    assert sent.external_id == "5012345678:4030"
    assert str(recorder.last.url) == f"https://api.telegram.org/bot{BOT}:AAHtoken/sendMessage"
    assert recorder.sent_json() == {
        "chat_id": 5012345678,
        "text": "Terima kasih, laporan diteruskan ke DPUPR",
        "reply_parameters": {"message_id": 4021},
    }


def test_it_answers_an_edit_in_reply_to_the_original_message():
    platform, recorder = client(reply(200, {"ok": True, "result": {"message_id": 1, "chat": {"id": 5012345678}}}))
    edit = Telegram(account_id=BOT).parse(fixture("telegram", "edited_message"))[0]
    platform.send(platform.reply_for(edit, "Baik"))
    assert recorder.sent_json()["reply_parameters"] == {"message_id": 4021}


def test_it_waits_as_long_as_telegram_says_when_flooded():
    body = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    platform, _ = client(reply(429, body))
    with pytest.raises(PlatformError) as raised:
        platform.poll(None)
    assert (raised.value.permanent, raised.value.retry_after) == (False, 7)


@pytest.mark.parametrize(
    "status, description, plain",
    [
        (403, "Forbidden: bot was blocked by the user", "blocked the city's Telegram bot"),
        (400, "Bad Request: message to be replied not found", "message was deleted"),
        (400, "Bad Request: chat not found", "chat no longer exists"),
    ],
)
def test_it_says_in_plain_words_why_a_reply_cannot_be_sent(status, description, plain):
    platform, _ = client(reply(status, {"ok": False, "error_code": status, "description": description}))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(Telegram(account_id=BOT).parse(fixture("telegram", "message"))[0], "Halo"))
    assert raised.value.permanent
    assert plain in raised.value.message


def test_it_retries_a_server_error_and_stops_on_a_revoked_token():
    platform, _ = client(httpx.Response(502, text="Bad Gateway"))
    with pytest.raises(PlatformError) as raised:
        platform.poll(None)
    assert not raised.value.permanent
    platform, _ = client(reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}))
    with pytest.raises(PlatformError) as raised:
        platform.poll(None)
    assert raised.value.permanent


def test_it_numbers_the_parts_of_a_long_answer():
    parts = Telegram(account_id=BOT).split("Lampu jalan mati. " * 300)
    assert [part[:6] for part in parts] == ["(1/2) ", "(2/2) "]
    assert all(len(part) <= 4096 for part in parts)
