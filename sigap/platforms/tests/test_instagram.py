"""Instagram: comments, @mentions and DMs in; public replies, private replies and DMs out (platform-apis §2)."""

import pytest

from sigap.platforms.base import PlatformError
from sigap.platforms.instagram import Instagram
from sigap.platforms.tests.helpers import Recorder, assert_items, at, fixture, fixture_names, reply

IG = "17841400000000001"
GRAPH = "https://graph.facebook.com/v25.0"

EXPECTED = {
    "comment": [
        dict(
            platform="instagram",
            account_id=IG,
            external_id="18050000000000001",
            kind="comment",
            thread_id="18070000000000001",
            author_id="6200000000000001",
            author_handle="warga.solo",
            text="Min, lampu PJU di depan SD Negeri 12 mati sudah seminggu \U0001f621",
            posted_at=at(1790001234),
            parent_id="",
        )
    ],
    "comment_reply": [dict(external_id="18050000000000002", kind="reply", parent_id="18050000000000000")],
    "live_comment": [dict(external_id="18050000000000003", kind="comment", thread_id="18070000000000009")],
    "comment_by_city": [],  # our own reply, echoed back
    "mention": [
        dict(external_id="18050000000000099", kind="mention", thread_id="18070000000000077", author_id="", text="")
    ],
    "mention_in_caption": [dict(external_id="18070000000000078", kind="mention", thread_id="18070000000000078")],
    "dm": [
        dict(
            external_id="aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx",
            kind="dm",
            account_id=IG,
            thread_id="6200000000000002",
            author_id="6200000000000002",
            text="Selamat siang, saya mau lapor sampah menumpuk di Pasar Gede",
            posted_at=at(1790001400.001),
            parent_id="aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjAwMDAwMDAwMDAwMDAwMDAx",
            media=[
                {"type": "image", "url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1790001&signature=abc"}
            ],
        )
    ],
    "dm_echo": [],
    "dm_deleted": [
        dict(
            external_id="aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx:deleted",
            kind="delete",
            parent_id="aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx",
        )
    ],
    "dm_post_share": [
        dict(
            kind="dm",
            text="",
            media=[{"type": "ig_post", "url": "https://www.instagram.com/p/Cxyz123/", "id": "18070000000000555"}],
        )
    ],
    "messaging_seen": [],
    "unknown_field": [],
}


@pytest.mark.parametrize("name", fixture_names("instagram"))
def test_it_reads_the_captured_payload(name):
    assert_items(Instagram(account_id=IG).parse(fixture("instagram", name)), EXPECTED[name])


def test_it_keeps_each_items_own_part_of_the_payload():
    item = Instagram(account_id=IG).parse(fixture("instagram", "comment"))[0]
    assert item.raw["field"] == "comments"
    assert item.raw["value"]["id"] == "18050000000000001"


def item(name: str):
    return Instagram(account_id=IG).parse(fixture("instagram", name))[0]


def sender(*responses):
    recorder = Recorder(*responses)
    return Instagram(account_id=IG, token="ig-token", client=recorder.client), recorder


def test_it_replies_publicly_under_a_comment():
    platform, recorder = sender(reply(200, {"id": "18050000000000500"}))
    sent = platform.send(platform.reply_for(item("comment"), "Terima kasih, sudah kami teruskan."))

    assert sent.external_id == "18050000000000500"
    assert recorder.last.method == "POST"
    assert recorder.last.url.path == "/v25.0/18050000000000001/replies"
    assert recorder.last.url.params["message"] == "Terima kasih, sudah kami teruskan."


def test_it_answers_a_reply_under_its_top_level_comment():
    platform, recorder = sender(reply(200, {"id": "1"}))
    platform.send(platform.reply_for(item("comment_reply"), "Siap"))
    assert recorder.last.url.path == "/v25.0/18050000000000000/replies"


def test_it_answers_a_live_video_comment_privately():
    platform, recorder = sender(reply(200, {"recipient_id": "6200000000000004", "message_id": "aWdf_live"}))
    platform.send(platform.reply_for(item("live_comment"), "Terima kasih, Mas Andi"))
    assert recorder.sent_json()["recipient"] == {"comment_id": "18050000000000003"}


def test_it_replies_privately_to_a_commenter():
    platform, recorder = sender(reply(200, {"recipient_id": "6200000000000001", "message_id": "aWdf_mid"}))
    sent = platform.send(platform.reply_for(item("comment"), "Mohon kirim alamat lengkap", private=True))

    assert sent.external_id == "aWdf_mid"
    assert str(recorder.last.url) == f"{GRAPH}/{IG}/messages"
    assert recorder.sent_json() == {
        "recipient": {"comment_id": "18050000000000001"},
        "message": {"text": "Mohon kirim alamat lengkap"},
    }


def test_it_answers_a_dm_by_dm():
    platform, recorder = sender(reply(200, {"recipient_id": "6200000000000002", "message_id": "aWdf_mid2"}))
    platform.send(platform.reply_for(item("dm"), "Baik, kami cek"))

    assert str(recorder.last.url) == f"{GRAPH}/{IG}/messages"
    assert recorder.sent_json() == {"recipient": {"id": "6200000000000002"}, "message": {"text": "Baik, kami cek"}}


def test_it_replies_under_a_comment_that_mentioned_the_city():
    platform, recorder = sender(reply(200, {"id": "17900000000000001"}))
    platform.send(platform.reply_for(item("mention"), "Terima kasih"))

    assert recorder.last.url.path == f"/v25.0/{IG}/mentions"
    assert dict(recorder.last.url.params) == {
        "media_id": "18070000000000077",
        "comment_id": "18050000000000099",
        "message": "Terima kasih",
    }


def test_it_replies_to_a_caption_mention_without_a_comment_id():
    platform, recorder = sender(reply(200, {"id": "17900000000000002"}))
    platform.send(platform.reply_for(item("mention_in_caption"), "Terima kasih"))
    assert dict(recorder.last.url.params) == {"media_id": "18070000000000078", "message": "Terima kasih"}


def test_it_fetches_the_words_of_a_mention():
    found = {
        "mentioned_comment": {
            "text": "@pemkot.surakarta got mampet di Jl. Yos Sudarso",
            "timestamp": "2026-09-10T03:00:00+0000",
            "from": {"id": "6200000000000009", "username": "yudi.serengan"},
            "id": "18050000000000099",
        },
        "id": IG,
    }
    platform, recorder = sender(reply(200, found))
    mention = platform.fetch_mention(item("mention"))

    assert recorder.last.url.params["fields"] == (
        "mentioned_comment.comment_id(18050000000000099){text,timestamp,from,media}"
    )
    assert mention.text == "@pemkot.surakarta got mampet di Jl. Yos Sudarso"
    assert (mention.author_id, mention.author_handle) == ("6200000000000009", "yudi.serengan")
    assert mention.posted_at.isoformat() == "2026-09-10T03:00:00+00:00"


def test_it_fetches_the_caption_of_a_caption_mention():
    found = {
        "mentioned_media": {
            "caption": "Banjir lagi @pemkot.surakarta",
            "permalink": "https://www.instagram.com/p/Cabc/",
        }
    }
    platform, recorder = sender(reply(200, found))
    mention = platform.fetch_mention(item("mention_in_caption"))

    assert recorder.last.url.params["fields"].startswith("mentioned_media.media_id(18070000000000078)")
    assert (mention.text, mention.permalink) == ("Banjir lagi @pemkot.surakarta", "https://www.instagram.com/p/Cabc/")


def test_it_says_in_plain_words_that_the_private_reply_window_has_closed():
    error = {
        "error": {"message": "This message is sent outside of allowed window.", "code": 10, "error_subcode": 2534022}
    }
    platform, _ = sender(reply(400, error))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("comment"), "Halo", private=True))
    assert raised.value.permanent
    assert "reply window has closed" in raised.value.message


def test_it_counts_bytes_against_the_1000_limit():
    platform = Instagram(account_id=IG)
    assert platform.split("é" * 500) == ["é" * 500]  # 1,000 bytes
    assert len(platform.split("é" * 501)) == 2


def test_it_numbers_the_parts_of_a_long_public_reply():
    parts = Instagram(account_id=IG).split("kata " * 300)
    assert [part[:6] for part in parts] == ["(1/2) ", "(2/2) "]
    assert all(len(part.encode()) <= 1000 for part in parts)


def test_it_shortens_a_long_private_reply_and_links_to_the_rest():
    platform = Instagram(account_id=IG)
    private = platform.reply_for(item("comment"), "", private=True)
    parts = platform.split("kata " * 300, "https://sigap.surakarta.go.id/lacak/SKA-7K3M-9QX4", private)

    assert len(parts) == 1
    assert parts[0].endswith("… https://sigap.surakarta.go.id/lacak/SKA-7K3M-9QX4")
    assert len(parts[0].encode()) <= 1000
