"""TikTok API for Business: DMs (Business Messaging) and comments (Accounts API), by webhook (§7).

Much of §7 is marked [U]: third-party summaries rather than TikTok's own documents. Comment webhooks
carry only ids (§7.1), and comment polling needs each video's id, which this adapter does not list.
"""

import json
import time
from dataclasses import replace
from collections.abc import Mapping
from datetime import timedelta

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
    from_timestamp,
    header,
    hmac_sha256,
    json_object,
    load_object,
    same,
)

API_URL = "https://business-api.tiktok.com/open_api/v1.3"
# §7.1: Chatwoot rejects signatures older than 5 s; 300 s is more forgiving of queues and clock skew.
SIGNATURE_TOLERANCE = 300
COMMENT_MAX_TEXT = 150  # one third-party implementation [U]
# §7.2: 6,000 [IB-tt] vs 950 [C-feat], conflicting [U]: the smaller is safe under both.
DM_MAX_TEXT = 950
# Envelope codes that pass with time [U: TikTok's Business API code list is not in the reference]:
# 40100 "requests too frequent", and 5xxxx server-side errors.
RATE_LIMIT_CODE = 40100
# Access token expired, missing, invalid or revoked [U]: as TikTok Business API clients name them.
TOKEN_CODES = {40102, 40104, 40105}
MAX_COMMENT_PAGES = 5  # a new comment is among the newest: a few pages are enough


class TikTok(Platform):
    name = "tiktok"
    label = "TikTok"
    max_text = COMMENT_MAX_TEXT
    default_api_url = API_URL
    dm_window = timedelta(hours=48)  # §7.2, after the user's last message

    def text_limit(self, reply: OutboundReply | None) -> int:
        return DM_MAX_TEXT if reply and reply.recipient_id else COMMENT_MAX_TEXT

    def can_thread(self, reply: OutboundReply | None) -> bool:
        # DMs may come in parts. Under a video a string of 150-character comments is noise, and comment
        # replies are not idempotent (§7.2): shorten and link to the full answer instead.
        return bool(reply and reply.recipient_id)

    # Webhook side

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """§7.1: Tiktok-Signature: t=<ts>,s=<hex HMAC-SHA256(app secret, t + "." + raw body)>, and t recent."""
        parts = (part.split("=", 1) for part in header(headers, "Tiktok-Signature").split(",") if "=" in part)
        fields = {key.strip(): value.strip() for key, value in parts}
        stamp, signature = fields.get("t", ""), fields.get("s", "")
        if not self.secret or not stamp.isdigit() or not signature:
            return False
        if abs(time.time() - int(stamp)) > SIGNATURE_TOLERANCE:
            return False  # a replayed delivery
        return same(hmac_sha256(self.secret, stamp.encode() + b"." + body).hex(), signature)

    def parse(self, body: bytes) -> list[Inbound]:
        envelope = load_object(body)
        event = envelope.get("event")
        if not isinstance(event, str):
            raise ValueError("not a TikTok webhook event")
        if event not in ("im_receive_msg", "comment.update"):
            return []  # im_send_msg echoes our own messages; read receipts and the rest are not complaints
        content = _content(envelope.get("content"))
        account_id = as_text(envelope.get("user_openid"))
        if event == "im_receive_msg":
            item = self._message(account_id, content, envelope)
        else:
            item = self._comment(account_id, content, envelope)
        return [item] if item else []

    def _message(self, account_id: str, content: dict, envelope: dict) -> Inbound | None:
        message_id = as_id(content.get("message_id"))
        if not message_id:
            return None
        message_type = as_text(content.get("type"))
        media = []
        if message_type == "image":
            media.append({"type": "image", "id": as_text(dig(content, "image", "media_id"))})
        elif message_type == "share_post":
            media.append({"type": "share", "url": as_text(dig(content, "share_post", "embed_url"))})
        return Inbound(
            platform=self.name,
            account_id=account_id or as_id(dig(content, "to_user", "id")),
            external_id=message_id,
            kind="dm",
            thread_id=as_text(content.get("conversation_id")),
            author_id=as_id(dig(content, "from_user", "id")),
            author_handle=as_text(content.get("from")),
            text=as_text(dig(content, "text", "body")),
            posted_at=from_timestamp(content.get("timestamp"), ms=True),
            parent_id=as_id(dig(content, "referenced_message_info", "referenced_message_id")),
            media=media,
            raw=envelope,
        )

    def _comment(self, account_id: str, content: dict, envelope: dict) -> Inbound | None:
        # §7.1 [U]: comment_id, video_id and comment_action only; the words must be fetched separately.
        comment_id = as_id(content.get("comment_id"))
        action = content.get("comment_action")
        if not comment_id or action not in ("insert", "delete"):
            return None  # hidden / friends-only / public again: moderation, not news
        deleted = action == "delete"
        return Inbound(
            platform=self.name,
            account_id=account_id,
            external_id=f"{comment_id}:deleted" if deleted else comment_id,
            kind="delete" if deleted else "comment",
            thread_id=as_id(content.get("video_id")),
            author_id="",
            parent_id=comment_id if deleted else "",
            raw=envelope,
        )

    # API side

    def reply_for(self, item, text: str, *, private: bool = False) -> OutboundReply:
        reply = super().reply_for(item, text)
        if item.kind == "dm":
            reply.recipient_id = item.thread_id  # DMs go to the conversation (§7.2)
        return reply

    def send(self, reply: OutboundReply) -> Sent:
        if reply.recipient_id:
            return self._send_message(reply)
        body = {
            "business_id": self.account_id,
            "video_id": reply.thread_id,
            "comment_id": reply.in_reply_to,
            "text": reply.text,
        }
        # §7.2: comment replies are not idempotent: never resend one whose outcome is unknown.
        data = self._call(
            "POST", self._url("business", "comment", "reply", "create") + "/", json=body, duplicate_is_harmless=False
        )
        return Sent(external_id=as_id(dig(data, "data", "comment_id")))  # [U data shape]

    def complete(self, item: Inbound) -> Inbound:
        """§7.1 [U]: a comment event carries ids only; read the words from the video's comment list."""
        if item.kind != "comment" or item.text or not item.thread_id:
            return item
        cursor = 0
        for _page in range(MAX_COMMENT_PAGES):
            params = {"business_id": self.account_id, "video_id": item.thread_id, "cursor": cursor, "max_count": 30}
            data = dig(self._call("GET", self._url("business", "comment", "list") + "/", params=params), "data", default={})
            for comment in dicts(dig(data, "comments")):
                if as_id(comment.get("comment_id")) == item.external_id:
                    return replace(
                        item,
                        author_id=as_id(comment.get("user_id")),
                        author_handle=as_text(comment.get("username")),
                        author_name=as_text(comment.get("display_name")),
                        text=as_text(comment.get("text")),
                        posted_at=from_timestamp(comment.get("create_time")) or item.posted_at,
                    )
            if not data.get("has_more"):
                break
            cursor = as_int(data.get("cursor")) or 0
        return item

    def _send_message(self, reply: OutboundReply) -> Sent:
        body: dict = {
            "business_id": self.account_id,
            "recipient_type": "CONVERSATION",
            "recipient": reply.recipient_id,
            "message_type": "TEXT",
            "text": {"body": reply.text},
        }
        if reply.in_reply_to:
            body["referenced_message_info"] = {"referenced_message_id": reply.in_reply_to}
        data = self._call("POST", self._url("business", "message", "send") + "/", json=body)
        return Sent(external_id=as_id(dig(data, "data", "message", "message_id")))

    def classify_error(self, response: httpx.Response) -> PlatformError:
        body = json_object(response) or {}
        code = as_int(body.get("code"))
        if not response.is_success or code is None:
            return super().classify_error(response)
        detail = as_text(body.get("message")) or str(code)
        if code == RATE_LIMIT_CODE or code >= 50000:
            return PlatformError(f"TikTok had a temporary failure ({detail}).", code=str(code))
        if code in TOKEN_CODES:
            return PlatformError(
                f"The TikTok access token has expired or was revoked ({detail}); reconnect the account.",
                reconnect=True,
                code=str(code),
            )
        return PlatformError(f"TikTok refused the request: {detail}", permanent=True, code=str(code))

    def _succeeded(self, response: httpx.Response) -> bool:
        # §7: HTTP 200 even on failure; the envelope's code is 0 only on success.
        return response.is_success and (json_object(response) or {}).get("code") == 0

    def _auth_headers(self) -> dict[str, str]:
        return {"Access-Token": self.token} if self.token else {}  # not Authorization (§7)


def _content(value) -> dict:
    """The event's `content`: a JSON string inside the JSON body (§7.1)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise ValueError("TikTok event without content")
    content = json.loads(value)
    if not isinstance(content, dict):
        raise ValueError("TikTok event content is not an object")
    return content
