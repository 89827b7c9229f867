"""Facebook Page feed (comments, visitor posts) and Messenger (platform-apis §3)."""

import pytest

from sigap.platforms.base import PlatformError
from sigap.platforms.facebook import Facebook, Messenger
from sigap.platforms.tests.helpers import Recorder, assert_items, at, fixture, fixture_names, reply

PAGE = "104000000000001"
POST = f"{PAGE}_122100000000000001"
GRAPH = "https://graph.facebook.com/v25.0"

FEED = {
    "comment": [
        dict(
            platform="facebook",
            account_id=PAGE,
            external_id="122100000000000001_900000000000001",
            kind="comment",
            thread_id=POST,
            author_id="7100000000000001",
            author_name="Budi Santoso",
            text="Drainase di Jl. Kapten Mulyadi mampet, tiap hujan banjir",
            permalink=f"https://www.facebook.com/{POST}",
            posted_at=at(1790001995),
            parent_id=POST,
        )
    ],
    "comment_reply": [
        dict(
            kind="reply",
            parent_id="122100000000000001_900000000000001",
            text="Betul, depan rumah saya juga. Café di ujung jalan kebanjiran",
        )
    ],
    "comment_without_from": [dict(kind="comment", author_id="", author_name="")],
    "comment_edited": [
        dict(
            kind="edit",
            external_id="122100000000000001_900000000000001:edited:1790002300",
            parent_id="122100000000000001_900000000000001",
            text="Drainase di Jl. Kapten Mulyadi mampet sejak Senin, tiap hujan banjir",
        )
    ],
    "comment_removed": [
        dict(
            kind="delete",
            external_id="122100000000000001_900000000000001:removed",
            parent_id="122100000000000001_900000000000001",
        )
    ],
    "comment_hidden": [],
    "visitor_post": [
        dict(
            kind="post",
            external_id=f"{PAGE}_122100000000000077",
            thread_id=f"{PAGE}_122100000000000077",
            author_name="Joko Widagdo",
            parent_id="",
        )
    ],
    "page_own_post": [],
    "reaction": [],
}

MESSENGER = {
    "message": [
        dict(
            platform="messenger",
            account_id=PAGE,
            external_id="m_Aa1Bb2Cc3Dd4Ee5Ff6",
            kind="dm",
            thread_id="25000000000000001",
            author_id="25000000000000001",
            text="Pak, pohon tumbang di depan Balai Kota",
            posted_at=at(1790002100.321),
        )
    ],
    "message_with_attachment": [
        dict(
            text="Ini fotonya",
            parent_id="m_Aa1Bb2Cc3Dd4Ee5Ff6",
            media=[{"type": "image", "url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg"}],
        )
    ],
    "echo": [],
    "delivery": [],
    "read": [],
    "standby": [dict(external_id="m_Mm3Nn4", kind="dm", text="Halo, saluran air di Kampung Sewu mampet")],
}


@pytest.mark.parametrize("name", fixture_names("facebook"))
def test_it_reads_the_captured_feed_payload(name):
    assert_items(Facebook(account_id=PAGE).parse(fixture("facebook", name)), FEED[name])


@pytest.mark.parametrize("name", fixture_names("messenger"))
def test_it_reads_the_captured_messenger_payload(name):
    assert_items(Messenger(account_id=PAGE).parse(fixture("messenger", name)), MESSENGER[name])


def test_the_page_feed_and_messenger_each_read_only_their_half_of_a_page_delivery():
    assert Messenger(account_id=PAGE).parse(fixture("facebook", "comment")) == []
    assert Facebook(account_id=PAGE).parse(fixture("messenger", "message")) == []


def setup(platform_class, *responses):
    recorder = Recorder(*responses)
    return platform_class(account_id=PAGE, token="page-token", client=recorder.client), recorder


def feed_item(name: str):
    return Facebook(account_id=PAGE).parse(fixture("facebook", name))[0]


def test_it_replies_publicly_under_a_comment():
    platform, recorder = setup(Facebook, reply(200, {"id": "122100000000000001_900000000000500"}))
    sent = platform.send(platform.reply_for(feed_item("comment"), "Sudah kami teruskan ke DPUPR"))

    assert sent.external_id == "122100000000000001_900000000000500"
    assert str(recorder.last.url) == f"{GRAPH}/122100000000000001_900000000000001/comments"
    assert recorder.last.content == b"message=Sudah+kami+teruskan+ke+DPUPR"


def test_it_comments_on_a_visitor_post():
    platform, recorder = setup(Facebook, reply(200, {"id": "1"}))
    platform.send(platform.reply_for(feed_item("visitor_post"), "Terima kasih"))
    assert recorder.last.url.path == f"/v25.0/{PAGE}_122100000000000077/comments"


def test_it_replies_privately_to_a_commenter():
    platform, recorder = setup(Facebook, reply(200, {"recipient_id": "7100000000000001", "message_id": "m_1"}))
    sent = platform.send(platform.reply_for(feed_item("comment"), "Mohon nomor HP", private=True))

    assert sent.external_id == "m_1"
    assert str(recorder.last.url) == f"{GRAPH}/{PAGE}/messages"
    assert recorder.sent_json() == {
        "recipient": {"comment_id": "122100000000000001_900000000000001"},
        "message": {"text": "Mohon nomor HP"},
    }


def test_it_replies_privately_to_a_visitor_post_by_post_id():
    platform, recorder = setup(Facebook, reply(200, {"recipient_id": "7100000000000009", "message_id": "m_2"}))
    platform.send(platform.reply_for(feed_item("visitor_post"), "Mohon alamat", private=True))
    assert recorder.sent_json()["recipient"] == {"post_id": f"{PAGE}_122100000000000077"}


def test_it_answers_in_messenger_as_a_response():
    platform, recorder = setup(Messenger, reply(200, {"recipient_id": "25000000000000001", "message_id": "m_3"}))
    message = Messenger(account_id=PAGE).parse(fixture("messenger", "message"))[0]
    sent = platform.send(platform.reply_for(message, "Petugas DLH meluncur"))

    assert sent.external_id == "m_3"
    assert str(recorder.last.url) == f"{GRAPH}/{PAGE}/messages"
    assert recorder.sent_json() == {
        "recipient": {"id": "25000000000000001"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Petugas DLH meluncur"},
    }


def test_it_says_in_plain_words_that_a_comment_was_deleted_before_the_reply():
    error = {
        "error": {
            "message": "Unsupported post request. Object with ID '1_2' does not exist",
            "code": 100,
            "error_subcode": 33,
        }
    }
    platform, _ = setup(Facebook, reply(400, error))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(feed_item("comment"), "Halo"))
    assert raised.value.permanent
    assert raised.value.message.startswith("The comment or post no longer exists")


def test_it_says_in_plain_words_that_the_messenger_window_has_closed():
    error = {
        "error": {
            "message": "(#10) This message is sent outside of allowed window.",
            "code": 10,
            "error_subcode": 2018278,
        }
    }
    platform, _ = setup(Messenger, reply(400, error))
    message = Messenger(account_id=PAGE).parse(fixture("messenger", "message"))[0]
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(message, "Halo"))
    assert raised.value.permanent
    assert "more than 24 hours ago" in raised.value.message


def test_it_retries_a_page_throttled_by_meta():
    error = {"error": {"message": "(#32) Page request limit reached", "code": 32}}
    platform, _ = setup(Facebook, reply(400, error))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(feed_item("comment"), "Halo"))
    assert not raised.value.permanent


def test_it_splits_at_the_messenger_limit_of_2000():
    parts = Messenger(account_id=PAGE).split("Trotoar rusak. " * 200)
    assert len(parts) == 2
    assert all(len(part) <= 2000 for part in parts)


def test_it_puts_a_long_private_reply_in_one_message_with_a_link():
    platform = Facebook(account_id=PAGE)
    private = platform.reply_for(feed_item("comment"), "", private=True)
    parts = platform.split("Trotoar rusak. " * 200, "https://sigap.example/lacak/SKA-1", private)
    assert len(parts) == 1 and len(parts[0]) <= 2000
    assert parts[0].endswith("… https://sigap.example/lacak/SKA-1")
