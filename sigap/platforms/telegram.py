"""Telegram bot: updates by webhook (or getUpdates), answers with sendMessage (§8).

A message id is unique only within its chat (§10), so items are keyed "<chat id>:<message id>".
"""

from collections.abc import Mapping

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
    json_object,
    load_object,
    same,
)

API_URL = "https://api.telegram.org"
# Short polls: a worker loop serves every platform and must not sit 50 s in one long poll (§8 allows both).
POLL_TIMEOUT = 0
# Plain-words messages for the errors a person must act on; Telegram explains in `description`.
PLAIN_DESCRIPTIONS = {
    "bot was blocked by the user": "The citizen has blocked the city's Telegram bot.",
    "message to be replied not found": "The citizen's message was deleted, so it cannot be quoted in a reply.",
    "chat not found": "The chat no longer exists or the bot was removed from it.",
    "bot can't initiate conversation": "The bot can only message people who started it (§8).",
}


class Telegram(Platform):
    name = "telegram"
    label = "Telegram"
    max_text = 4096  # 1–4,096 characters after entity parsing; we send plain text (§8)
    default_api_url = API_URL
    can_poll = True

    # Webhook side

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """§8: a shared secret set with setWebhook, echoed in a header: no HMAC, so compare in constant time."""
        given = header(headers, "X-Telegram-Bot-Api-Secret-Token")
        return bool(self.secret) and same(self.secret, given)

    def parse(self, body: bytes) -> list[Inbound]:
        return self._update(load_object(body))

    def _update(self, update: dict) -> list[Inbound]:
        if as_int(update.get("update_id")) is None:
            raise ValueError("not a Telegram update")
        if isinstance(update.get("message"), dict):
            item = self._message(update["message"])
        elif isinstance(update.get("edited_message"), dict):
            item = self._edit(update["edited_message"])
        else:
            return []  # callback queries, membership changes, channel posts: not complaints
        return [item] if item else []

    def _message(self, message: dict) -> Inbound | None:
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
        chat_id, message_id = as_id(chat.get("id")), as_id(message.get("message_id"))
        if not chat_id or not message_id or sender.get("is_bot"):
            return None
        reply_to = as_id(dig(message, "reply_to_message", "message_id"))
        names = (as_text(sender.get("first_name")), as_text(sender.get("last_name")))
        return Inbound(
            platform=self.name,
            account_id=self.account_id,  # updates do not name the bot: it is whoever we are
            external_id=f"{chat_id}:{message_id}",
            kind="dm" if chat.get("type") == "private" else "comment",
            thread_id=chat_id,
            author_id=as_id(sender.get("id")),
            author_handle=as_text(sender.get("username")),
            author_name=" ".join(n for n in names if n),
            text=as_text(message.get("text")) or as_text(message.get("caption")),
            permalink=_permalink(chat, message_id),
            posted_at=from_timestamp(message.get("date")),
            parent_id=f"{chat_id}:{reply_to}" if reply_to else "",
            media=_media(message),
            location=_location(message.get("location")),
            contact=message["contact"] if isinstance(message.get("contact"), dict) else None,
            raw=message,
        )

    def _edit(self, message: dict) -> Inbound | None:
        item = self._message(message)
        if item:
            item.parent_id = item.external_id
            item.external_id = f"{item.external_id}:edited:{as_id(message.get('edit_date'))}"
            item.kind = "edit"
        return item

    # API side

    def poll(self, since: str | None) -> tuple[list[Inbound], str | None]:
        """§8 getUpdates; the cursor is the next offset (last update_id + 1). Unusable while a webhook is set."""
        params: dict = {"timeout": POLL_TIMEOUT}
        if since:
            params["offset"] = since
        data = self._call("GET", self._method_url("getUpdates"), params=params)
        updates = dicts(data.get("result"))
        items = [item for update in updates for item in self._update(update)]
        last = max((as_int(u.get("update_id")) or 0 for u in updates), default=None)
        return items, str(last + 1) if last is not None else since

    def reply_for(self, item, text: str, *, private: bool = False) -> OutboundReply:
        reply = super().reply_for(item, text)
        # Every answer goes to the chat, quoting the citizen's message.
        reply.recipient_id = item.thread_id
        reply.in_reply_to = item.external_id.split(":")[1] if ":" in item.external_id else item.external_id
        return reply

    def send(self, reply: OutboundReply) -> Sent:
        chat_id = as_int(reply.recipient_id)
        body: dict = {"chat_id": chat_id if chat_id is not None else reply.recipient_id, "text": reply.text}
        if as_int(reply.in_reply_to) is not None:
            body["reply_parameters"] = {"message_id": as_int(reply.in_reply_to)}
        data = self._call("POST", self._method_url("sendMessage"), json=body)
        message = dig(data, "result", default={})
        chat = dig(message, "chat", default={})
        message_id = as_id(message.get("message_id"))
        return Sent(external_id=f"{reply.recipient_id}:{message_id}", permalink=_permalink(chat, message_id))

    def classify_error(self, response: httpx.Response) -> PlatformError:
        body = json_object(response) or {}
        description = as_text(body.get("description"))
        code = str(as_int(body.get("error_code")) or f"http_{response.status_code}")
        if response.status_code == 429 or body.get("error_code") == 429:
            wait = dig(body, "parameters", "retry_after")
            return PlatformError(
                f"Telegram asked Sigap to slow down ({description}).",
                retry_after=float(wait) if isinstance(wait, (int, float)) else None,
                code=code,
            )
        for fragment, plain in PLAIN_DESCRIPTIONS.items():
            if fragment in description.lower():
                return PlatformError(plain, permanent=True, code=code)
        if description and 400 <= response.status_code < 500 and response.status_code != 401:
            return PlatformError(f"Telegram refused the request: {description}", permanent=True, code=code)
        return super().classify_error(response)

    def _succeeded(self, response: httpx.Response) -> bool:
        return response.is_success and (json_object(response) or {}).get("ok") is True

    def _auth_headers(self) -> dict[str, str]:
        return {}  # the token is part of the URL path

    def _method_url(self, method: str) -> str:
        return f"{self.api_url}/bot{self.token}/{method}"


def _permalink(chat: dict, message_id: str) -> str:
    # §8: only public channels and supergroups have links; private chats have none.
    username = as_text(chat.get("username"))
    if chat.get("type") in ("channel", "supergroup") and username and message_id:
        return f"https://t.me/{username}/{message_id}"
    return ""


def _media(message: dict) -> list[dict]:
    media = []
    photos = dicts(message.get("photo"))
    if photos:  # sizes, smallest first: keep the largest
        media.append({"type": "image", "id": as_text(photos[-1].get("file_id"))})
    for key, kind in (("document", "document"), ("video", "video"), ("voice", "audio"), ("audio", "audio")):
        if isinstance(message.get(key), dict):
            item = {"type": kind, "id": as_text(message[key].get("file_id"))}
            if message[key].get("mime_type"):
                item["mime_type"] = as_text(message[key]["mime_type"])
            media.append(item)
    return media


def _location(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    return {key: value[key] for key in ("latitude", "longitude") if key in value}
