"""YouTube Data API v3: comments on the city's channel, by polling only; replies under the thread (§6).

YouTube pushes uploads, not comments (§6.1), so there is no webhook: `parse()` reads a
commentThreads.list response, which is what `poll()` fetches.

Quota (§6.3): 10,000 units a day; each list page costs 1, each reply 50 (about 200 replies a day).
Polling one page every 5 minutes costs 288 units a day.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from sigap.platforms.base import (
    Inbound,
    OutboundReply,
    Platform,
    PlatformError,
    Sent,
    as_text,
    dicts,
    dig,
    from_iso,
    json_object,
    load_object,
)

API_URL = "https://www.googleapis.com/youtube/v3"
# A poll reads at most this many pages (units) even after a long outage; older threads are skipped.
MAX_POLL_PAGES = 5
# §6.3: quota resets at midnight Pacific time.
PACIFIC = ZoneInfo("America/Los_Angeles")
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "processingFailure"}
# §6.2: errors of comments.insert a person must act on, in plain words.
PLAIN_REASONS = {
    "operationNotSupported": "Replies are turned off for this comment.",
    "parentCommentIsPrivate": "The comment is private or was removed, so it cannot be answered.",
    "commentTextTooLong": "The answer is too long for a YouTube comment.",
    "ineligibleAccount": "The channel's account cannot post comments (it needs a linked YouTube channel).",
    "forbidden": "YouTube does not allow this channel to reply here.",
}


class YouTube(Platform):
    name = "youtube"
    label = "YouTube"
    # §6.2: a limit exists (commentTextTooLong) but no number was found [U]; 10,000 is the commonly cited one.
    max_text = 10_000
    default_api_url = API_URL
    can_poll = True

    def parse(self, body: bytes) -> list[Inbound]:
        page = load_object(body)
        if page.get("kind") != "youtube#commentThreadListResponse":
            raise ValueError("not a YouTube commentThreads list")
        return [item for thread in dicts(page.get("items")) for item in self._thread(thread)]

    def _thread(self, thread: dict) -> list[Inbound]:
        thread_id = as_text(thread.get("id"))
        top = dig(thread, "snippet", "topLevelComment", default={})
        items = [self._comment(top, thread_id, "comment")]
        # §6.1: replies here are only a subset; comments.list(parentId=…) has them all, at 1 unit per thread.
        items += [self._comment(reply, thread_id, "reply") for reply in dicts(dig(thread, "replies", "comments"))]
        return [item for item in items if item]

    def _comment(self, comment: dict, thread_id: str, kind: str) -> Inbound | None:
        snippet = comment.get("snippet") if isinstance(comment.get("snippet"), dict) else {}
        comment_id = as_text(comment.get("id"))
        author_id = as_text(dig(snippet, "authorChannelId", "value"))
        if not comment_id or author_id == self.account_id:
            return None  # the channel's own replies
        video_id = as_text(snippet.get("videoId"))
        channel_url = as_text(snippet.get("authorChannelUrl"))
        return Inbound(
            platform=self.name,
            account_id=self.account_id,
            external_id=comment_id,
            kind=kind,
            thread_id=thread_id,
            author_id=author_id,
            author_handle=channel_url.rpartition("/@")[2] if "/@" in channel_url else "",
            author_name=as_text(snippet.get("authorDisplayName")),
            text=as_text(snippet.get("textOriginal")) or as_text(snippet.get("textDisplay")),
            # §6.4: widely used, not in the API reference [U].
            permalink=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else "",
            posted_at=from_iso(snippet.get("publishedAt")),
            parent_id=as_text(snippet.get("parentId")),
            raw=comment,
        )

    def poll(self, since: str | None) -> tuple[list[Inbound], str | None]:
        """§6.1: threads newest first, paged until one is no newer than `since` (an ISO time)."""
        params = {
            "part": "snippet,replies",
            "allThreadsRelatedToChannelId": self.account_id,
            "order": "time",
            "maxResults": 100,
            "textFormat": "plainText",
        }
        mark = from_iso(since)
        items: list[Inbound] = []
        for _ in range(MAX_POLL_PAGES if mark else 1):  # without a mark, only the newest page
            page = self._call("GET", self._url("commentThreads"), params=params)
            threads = dicts(page.get("items"))
            items += [item for thread in threads for item in self._thread(thread)]
            if not page.get("nextPageToken") or any(_older(thread, mark) for thread in threads):
                break
            params["pageToken"] = page["nextPageToken"]
        items = [item for item in items if mark is None or (item.posted_at and item.posted_at > mark)]
        newest = max((item.posted_at for item in items if item.posted_at), default=mark)
        return items, newest.isoformat() if newest else since

    def send(self, reply: OutboundReply) -> Sent:
        """§6.2: comments.insert under the thread's top-level comment (50 quota units)."""
        body = {"snippet": {"parentId": reply.thread_id or reply.in_reply_to, "textOriginal": reply.text}}
        data = self._call("POST", self._url("comments"), params={"part": "snippet"}, json=body)
        comment_id = as_text(data.get("id"))
        video_id = as_text(dig(data, "snippet", "videoId"))
        permalink = f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else ""
        return Sent(external_id=comment_id, permalink=permalink)

    def classify_error(self, response: httpx.Response) -> PlatformError:
        error = dig(json_object(response), "error", default={})
        reason = as_text(dig(error, "errors", 0, "reason"))
        detail = as_text(dig(error, "message")) or reason
        if reason in QUOTA_REASONS:
            return PlatformError(
                "The YouTube daily quota is used up; replies resume after midnight Pacific time.",
                retry_after=_until_pacific_midnight(),
                code=reason,
            )
        if reason in RATE_REASONS:
            return PlatformError(f"YouTube asked Sigap to slow down ({detail}).", code=reason)
        if reason in PLAIN_REASONS:
            return PlatformError(PLAIN_REASONS[reason], permanent=True, code=reason)
        if response.status_code == 404:
            return PlatformError(
                "The comment no longer exists (deleted), so it cannot be answered.",
                permanent=True,
                code=reason or "http_404",
            )
        if reason and 400 <= response.status_code < 500 and response.status_code not in (401, 408, 429):
            return PlatformError(f"YouTube refused the request: {detail}", permanent=True, code=reason)
        return super().classify_error(response)


def _older(thread: dict, mark: datetime | None) -> bool:
    published = from_iso(dig(thread, "snippet", "topLevelComment", "snippet", "publishedAt"))
    return mark is not None and published is not None and published <= mark


def _until_pacific_midnight() -> float:
    now = datetime.now(PACIFIC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=PACIFIC)
    return (midnight - now).total_seconds()
