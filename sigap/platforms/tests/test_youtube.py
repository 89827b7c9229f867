"""YouTube Data API v3: comment threads by polling, replies by comments.insert (platform-apis §6)."""

import json

import httpx
import pytest
import time_machine

from sigap.platforms.base import from_iso
from sigap.platforms.tests.helpers import Recorder, assert_items, fixture, fixture_names, reply
from sigap.platforms.youtube import YouTube

CHANNEL = "UC_kotaSolo123"
THREAD = "UgzAbCdEfGhIjKlMn4AaABAg"

EXPECTED = {
    "comment_threads": [
        dict(
            platform="youtube",
            account_id=CHANNEL,
            external_id=THREAD,
            kind="comment",
            thread_id=THREAD,
            author_id="UCwarga000000000000000",
            author_handle="warga_jurug",
            author_name="@warga_jurug",
            text="Kapan perbaikan jembatan Jurug selesai?",
            permalink=f"https://www.youtube.com/watch?v=dQw4w9WgXc0&lc={THREAD}",
            posted_at=from_iso("2026-09-10T04:00:00Z"),
            parent_id="",
        ),
        # The channel's own reply in between is skipped.
        dict(
            external_id=f"{THREAD}.9zYxWvUtSrR",
            kind="reply",
            thread_id=THREAD,
            parent_id=THREAD,
            author_handle="",
            author_name="Sri Lestari",
            text="Semoga benar, tiap hari macet di Jurug",
        ),
        dict(
            external_id="UgyZz9Yy8Xx7Ww6Vv5AaABAg",
            kind="comment",
            text="Lampu PJU di Jl. Ahmad Yani mati & gelap",  # textOriginal, not the HTML textDisplay
            posted_at=from_iso("2026-09-09T10:00:00Z"),
        ),
    ],
}


@pytest.mark.parametrize("name", fixture_names("youtube"))
def test_it_reads_the_captured_payload(name):
    assert_items(YouTube(account_id=CHANNEL).parse(fixture("youtube", name)), EXPECTED[name])


def test_it_refuses_json_that_is_not_a_comment_thread_list():
    with pytest.raises(ValueError):
        YouTube(account_id=CHANNEL).parse(b'{"kind": "youtube#videoListResponse", "items": []}')
    with pytest.raises(ValueError):
        YouTube(account_id=CHANNEL).parse(b"not json")


def test_it_has_no_webhook_to_verify():
    assert not YouTube(account_id=CHANNEL, secret="x").verify({}, b"{}")
    assert YouTube(account_id=CHANNEL).handshake({"hub.challenge": "1"}) is None


def poller(*responses):
    recorder = Recorder(*responses)
    return YouTube(account_id=CHANNEL, token="oauth-token", client=recorder.client), recorder


PAGE = json.loads(fixture("youtube", "comment_threads"))


def test_it_polls_newer_comments_and_stops_at_an_older_thread():
    platform, recorder = poller(reply(200, PAGE))
    items, cursor = platform.poll("2026-09-10T00:00:00+00:00")

    assert [item.external_id for item in items] == [THREAD, f"{THREAD}.9zYxWvUtSrR"]
    assert cursor == "2026-09-10T06:00:00+00:00"
    assert len(recorder.requests) == 1  # the second thread is older than the mark: no next page
    params = recorder.last.url.params
    assert recorder.last.url.path == "/youtube/v3/commentThreads"
    assert (params["part"], params["allThreadsRelatedToChannelId"], params["order"]) == (
        "snippet,replies",
        CHANNEL,
        "time",
    )
    assert (params["maxResults"], params["textFormat"]) == ("100", "plainText")
    assert recorder.last.headers["Authorization"] == "Bearer oauth-token"


def test_it_follows_the_next_page_while_every_thread_is_new():
    newer = json.loads(json.dumps(PAGE))
    del newer["items"][1]
    last = {"kind": "youtube#commentThreadListResponse", "items": []}
    platform, recorder = poller(reply(200, newer), reply(200, last))
    platform.poll("2026-09-01T00:00:00+00:00")

    assert recorder.requests[1].url.params["pageToken"] == "QURTSl9pMDAx"


def test_it_reads_one_page_on_the_first_poll():
    platform, recorder = poller(reply(200, PAGE))
    items, cursor = platform.poll(None)
    assert len(recorder.requests) == 1
    assert len(items) == 3
    assert cursor == "2026-09-10T06:00:00+00:00"


def test_it_keeps_the_cursor_when_nothing_is_new():
    platform, _ = poller(reply(200, PAGE))
    assert platform.poll("2026-09-11T00:00:00+00:00") == ([], "2026-09-11T00:00:00+00:00")


def test_it_replies_under_the_thread():
    created = {
        "kind": "youtube#comment",
        "id": f"{THREAD}.AAA",
        "snippet": {"videoId": "dQw4w9WgXc0", "parentId": THREAD},
    }
    platform, recorder = poller(reply(200, created))
    answered = YouTube(account_id=CHANNEL).parse(fixture("youtube", "comment_threads"))[1]  # a reply in the thread
    sent = platform.send(platform.reply_for(answered, "Terima kasih, sudah diteruskan ke DPUPR"))

    assert sent.external_id == f"{THREAD}.AAA"
    assert sent.permalink == f"https://www.youtube.com/watch?v=dQw4w9WgXc0&lc={THREAD}.AAA"
    assert str(recorder.last.url) == "https://www.googleapis.com/youtube/v3/comments?part=snippet"
    assert recorder.sent_json() == {
        "snippet": {"parentId": THREAD, "textOriginal": "Terima kasih, sudah diteruskan ke DPUPR"}
    }


def google_error(status: int, reason: str, message: str = "…") -> httpx.Response:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "youtube.quota", "reason": reason}],
        }
    }
    return httpx.Response(status, json=body)


@time_machine.travel("2026-09-10T22:00:00-07:00", tick=False)
def test_it_waits_for_the_quota_to_reset_at_midnight_pacific():
    error = YouTube(account_id=CHANNEL).classify_error(google_error(403, "quotaExceeded"))
    assert not error.permanent
    assert error.retry_after == 2 * 3600
    assert error.code == "quotaExceeded"


def test_it_says_in_plain_words_that_replies_are_turned_off():
    error = YouTube(account_id=CHANNEL).classify_error(google_error(400, "operationNotSupported"))
    assert error.permanent
    assert error.message == "Replies are turned off for this comment."


def test_it_says_in_plain_words_that_the_comment_was_deleted():
    error = YouTube(account_id=CHANNEL).classify_error(google_error(404, "commentNotFound"))
    assert error.permanent
    assert "no longer exists" in error.message


def test_it_retries_a_server_error_and_stops_on_an_expired_token():
    assert not YouTube(account_id=CHANNEL).classify_error(httpx.Response(500)).permanent
    assert YouTube(account_id=CHANNEL).classify_error(google_error(401, "authError")).permanent


def test_it_numbers_the_parts_of_an_answer_longer_than_10000_characters():
    parts = YouTube(account_id=CHANNEL).split("jembatan " * 1500)
    assert len(parts) == 2
    assert all(len(part) <= 10_000 for part in parts)
