"""X (formerly Twitter), API v2: mentions, replies to the city's posts and DMs; replies as posts (§5).

Push comes from the X Activity API through the V2 Webhooks API (CRC + signed POSTs, §5.2, §5.3); the
deprecated Account Activity API delivers a different body to the same endpoint and is read too.
Polling `GET /2/users/:id/mentions` with `since_id` is the cheap alternative for one account (§5.4).
"""

import json
import re
import time
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timezone

import httpx

from sigap.platforms.base import (
    Inbound,
    OutboundReply,
    Platform,
    PlatformError,
    Sent,
    as_id,
    as_int,
    as_text,
    dicts,
    dig,
    from_iso,
    from_timestamp,
    header,
    hmac_sha256_base64,
    json_object,
    load_object,
    retry_after,
    same,
)

API_URL = "https://api.x.com"
MENTION_FIELDS = {
    "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,entities,lang",
    "expansions": "author_id",
    "user.fields": "username,name",
}
# §5.4: with since_id, pages of 100 back to the ~800 newest mentions.
MAX_POLL_PAGES = 8

# §5.6 [X-count]: weight 1 for these code point ranges, 2 for everything else (CJK, emoji); URLs 23.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
URL_WEIGHT = 23


class X(Platform):
    name = "x"
    label = "X"
    max_text = 280  # weighted characters (§5.6)
    default_api_url = API_URL
    can_poll = True
    # Parts of a long answer each reply to the citizen's post, which summoned the city, so each is an
    # allowed "summoned" reply (§5.1). A link is never appended: a post with a URL costs $0.20 instead
    # of $0.010 (§5.1, §5.6), so the answer is posted in full instead.
    threads = True

    # Webhook side

    def handshake(self, params: Mapping[str, str]) -> tuple[int, str, str] | None:
        """§5.2 CRC: sign the crc_token with the consumer secret and echo it as response_token."""
        token = params.get("crc_token")
        if token is None:
            return None
        if not self.secret:
            return 403, "text/plain", "Forbidden"
        answer = {"response_token": "sha256=" + hmac_sha256_base64(self.secret, token.encode())}
        return 200, "application/json", json.dumps(answer)

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """§5.2: x-twitter-webhooks-signature = "sha256=" + base64 HMAC-SHA256(consumer secret, raw body)."""
        signature = header(headers, "x-twitter-webhooks-signature")
        if not self.secret or not signature:
            return False
        return same("sha256=" + hmac_sha256_base64(self.secret, body), signature)

    def parse(self, body: bytes) -> list[Inbound]:
        payload = load_object(body)
        if isinstance(payload.get("data"), dict) and "event_type" in payload["data"]:
            return self._activity(payload["data"])
        if "for_user_id" in payload:
            return self._account_activity(payload)
        return []

    def _activity(self, data: dict) -> list[Inbound]:
        """X Activity API delivery (§5.3). chat.received (encrypted XChat) cannot be read and is skipped."""
        account_id = as_id(dig(data, "filter", "user_id")) or self.account_id
        payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
        event_type = data.get("event_type")
        if event_type in ("post.mention.create", "post.reply.create"):
            users = _users(dig(data, "includes", "users"))
            kind = "mention" if event_type == "post.mention.create" else "reply"
            item = self._post(payload, users, account_id, kind)
            return [item] if item else []
        if event_type == "dm.received":
            users = payload.get("users") or data.get("users")
            return self._dm_events(payload.get("direct_message_events"), users, account_id)
        return []

    def _account_activity(self, payload: dict) -> list[Inbound]:
        """Legacy Account Activity API delivery (§5.3, deprecated): v1.1 tweets and DM events."""
        account_id = as_id(payload.get("for_user_id")) or self.account_id
        items = [self._legacy_tweet(tweet, account_id) for tweet in dicts(payload.get("tweet_create_events"))]
        items += self._dm_events(payload.get("direct_message_events"), payload.get("users"), account_id)
        return [item for item in items if item]

    def _post(self, post: dict, users: dict, account_id: str, kind: str) -> Inbound | None:
        """A v2 post object, from a webhook or the mentions timeline."""
        post_id = as_id(post.get("id"))
        author_id = as_id(post.get("author_id"))
        if not post_id or author_id == account_id:
            return None  # the city's own posts
        username = as_text(users.get(author_id, {}).get("username"))
        parent_id = next(
            (as_id(r.get("id")) for r in dicts(post.get("referenced_tweets")) if r.get("type") == "replied_to"),
            as_id(post.get("in_reply_to_tweet_id")),
        )
        # An edited post is a new post id; edit_history_*_ids (both namings exist, §5.4) starts with the original.
        history = post.get("edit_history_tweet_ids") or post.get("edit_history_post_ids") or []
        original = as_id(history[0]) if isinstance(history, list) and history else post_id
        return Inbound(
            platform=self.name,
            account_id=account_id,
            external_id=post_id,
            kind="edit" if original != post_id else kind,
            thread_id=as_id(post.get("conversation_id")) or post_id,
            author_id=author_id,
            author_handle=username,
            author_name=as_text(users.get(author_id, {}).get("name")),
            text=as_text(post.get("text")),
            permalink=_permalink(username, post_id),
            posted_at=from_iso(post.get("created_at")),
            parent_id=original if original != post_id else parent_id,
            raw=post,
        )

    def _legacy_tweet(self, tweet: dict, account_id: str) -> Inbound | None:
        user = tweet.get("user") if isinstance(tweet.get("user"), dict) else {}
        post_id = as_id(tweet.get("id_str"))
        author_id = as_id(user.get("id_str"))
        if not post_id or author_id == account_id or "retweeted_status" in tweet:
            return None  # our own posts, and retweets (no words of their own)
        text = dig(tweet, "extended_tweet", "full_text") if tweet.get("truncated") else tweet.get("text")
        parent_id = as_id(tweet.get("in_reply_to_status_id_str"))
        username = as_text(user.get("screen_name"))
        return Inbound(
            platform=self.name,
            account_id=account_id,
            external_id=post_id,
            kind="reply" if as_id(tweet.get("in_reply_to_user_id_str")) == account_id else "mention",
            # v1.1 tweets carry no conversation_id: the replied-to post is the nearest thread key.
            thread_id=parent_id or post_id,
            author_id=author_id,
            author_handle=username,
            author_name=as_text(user.get("name")),
            text=as_text(text),
            permalink=_permalink(username, post_id),
            posted_at=from_timestamp(tweet.get("timestamp_ms"), ms=True) or _legacy_time(tweet.get("created_at")),
            parent_id=parent_id,
            raw=tweet,
        )

    def _dm_events(self, events, users, account_id: str) -> list[Inbound]:
        """DM events in the legacy shape, which dm.received reuses (§5.3)."""
        users = users if isinstance(users, dict) else {}
        items = []
        for event in dicts(events):
            create = event.get("message_create") if isinstance(event.get("message_create"), dict) else {}
            sender = as_id(create.get("sender_id"))
            event_id = as_id(event.get("id"))
            if event.get("type") != "message_create" or not event_id or sender == account_id:
                continue  # our own DMs come back as events too
            user = users.get(sender) if isinstance(users.get(sender), dict) else {}
            items.append(
                Inbound(
                    platform=self.name,
                    account_id=account_id or as_id(dig(create, "target", "recipient_id")),
                    external_id=event_id,
                    kind="dm",
                    thread_id=sender,
                    author_id=sender,
                    author_handle=as_text(user.get("screen_name") or user.get("username")),
                    author_name=as_text(user.get("name")),
                    text=as_text(dig(create, "message_data", "text")),
                    posted_at=from_timestamp(event.get("created_timestamp"), ms=True),
                    raw=event,
                )
            )
        return items

    # API side

    def poll(self, since: str | None) -> tuple[list[Inbound], str | None]:
        """§5.4: mentions newer than `since` (a post id); the cursor is the newest id seen.

        Without a cursor only the newest page is read, not the ~800 reachable mentions.
        """
        params: dict = {"max_results": 100, **MENTION_FIELDS}
        if since:
            params["since_id"] = since
        url = self._url("2", "users", self.account_id, "mentions")
        items: list[Inbound] = []
        newest = since
        for _ in range(MAX_POLL_PAGES):
            page = self._call("GET", url, params=params)
            users = _users(dig(page, "includes", "users"))
            for post in dicts(page.get("data")):
                kind = "reply" if as_id(post.get("in_reply_to_user_id")) == self.account_id else "mention"
                item = self._post(post, users, self.account_id, kind)
                if item:
                    items.append(item)
            newest = _newer(newest, as_id(dig(page, "meta", "newest_id")))
            next_token = dig(page, "meta", "next_token")
            if not since or not next_token:
                break
            params["pagination_token"] = next_token
        return items, newest

    def send(self, reply: OutboundReply) -> Sent:
        """§5.5: a DM to the participant, or a post replying to theirs."""
        if reply.recipient_id:
            url = self._url("2", "dm_conversations", "with", reply.recipient_id, "messages")
            data = self._call("POST", url, json={"text": reply.text})
            return Sent(external_id=as_id(dig(data, "data", "dm_event_id")))
        body = {"text": reply.text, "reply": {"in_reply_to_tweet_id": reply.in_reply_to}}
        # Not idempotent: a lost answer may still have posted, and X would then refuse a duplicate.
        data = self._call("POST", self._url("2", "tweets"), json=body, duplicate_is_harmless=False)
        post_id = as_id(dig(data, "data", "id"))
        return Sent(external_id=post_id, permalink=_permalink("", post_id))

    def classify_error(self, response: httpx.Response) -> PlatformError:
        problem = json_object(response) or {}
        detail = as_text(problem.get("detail")) or as_text(problem.get("title"))
        kind = as_text(problem.get("type")).rsplit("/", 1)[-1]
        if kind == "usage-capped":  # may come as a 429, but waiting 15 minutes will not lift it
            return PlatformError(
                f"The X API usage cap for this billing period is used up ({detail}).", permanent=True, code=kind
            )
        if response.status_code == 429:
            # §5.6: no Retry-After documented; x-rate-limit-reset is the epoch second the window reopens.
            return PlatformError(
                "X rate limit reached; retrying when the window resets.",
                retry_after=_until_reset(response) or retry_after(response),
                code=kind or "http_429",
            )
        if response.status_code == 403 and _posted_to(response, "/2/tweets"):
            return PlatformError(
                f"X refused the reply ({detail or 'forbidden'}). Since 23 Feb 2026 X accepts API replies only "
                "to posts whose author mentioned or quoted the city.",
                permanent=True,
                code=kind or "http_403",
            )
        if detail and response.status_code < 500 and response.status_code not in (401, 408):
            return PlatformError(
                f"X refused the request (HTTP {response.status_code}): {detail}",
                permanent=True,
                code=kind or f"http_{response.status_code}",
            )
        return super().classify_error(response)

    def measure(self, text: str) -> int:
        """Weighted length as X counts it (§5.6): NFC, URLs count 23, heavy code points 2.

        Emoji sequences are counted per code point, which can only over-count: safe for a limit.
        """
        text = unicodedata.normalize("NFC", text)
        urls = _URL.findall(text)
        rest = _URL.sub("", text)
        return URL_WEIGHT * len(urls) + sum(1 if _light(ord(ch)) else 2 for ch in rest)

    def split(self, text: str, link: str = "", reply: OutboundReply | None = None) -> list[str]:
        return super().split(text, "", reply)  # never append a link (see `threads`)


def _users(value) -> dict[str, dict]:
    return {as_id(user.get("id")): user for user in dicts(value)}


def _permalink(username: str, post_id: str) -> str:
    if not post_id:
        return ""
    # §5.7: /i/web/status/<id> works without the username [U].
    return f"https://x.com/{username}/status/{post_id}" if username else f"https://x.com/i/web/status/{post_id}"


def _legacy_time(value) -> datetime | None:
    try:
        return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").astimezone(timezone.utc)
    except (TypeError, ValueError):
        return None


def _newer(a: str | None, b: str) -> str | None:
    # Post ids are snowflakes: numerically larger is newer (§5.7). Compared as integers, kept as strings.
    if as_int(b) is None:
        return a
    if as_int(a) is None:
        return b
    return b if as_int(b) > as_int(a) else a


def _light(codepoint: int) -> bool:
    return any(low <= codepoint <= high for low, high in _LIGHT_RANGES)


def _until_reset(response: httpx.Response) -> float | None:
    reset = as_int(response.headers.get("x-rate-limit-reset"))
    if reset is None:
        return None
    return max(0.0, reset - time.time())


def _posted_to(response: httpx.Response, path: str) -> bool:
    try:
        request = response.request
    except RuntimeError:  # a Response built by hand has no request
        return False
    return request.method == "POST" and request.url.path.endswith(path)
