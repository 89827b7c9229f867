"""What Instagram, Facebook Pages, Messenger and WhatsApp share: one webhook, one signature, one error format (§1).

All four arrive at one callback URL in the same envelope, `{"object": …, "entry": [...]}`; the `object`
says which product it is (§1.3, "Meta = one webhook implementation for four products").
"""

import json
from collections.abc import Mapping

import httpx

from sigap.platforms.base import (
    Inbound,
    Platform,
    PlatformError,
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
    retry_after,
    same,
)

# §1.4: the API version belongs in configuration; samples show v25.0 (pywa's "latest") to v27.0.
GRAPH_URL = "https://graph.facebook.com/v25.0"

# §1.4: throttling comes back as an ordinary 4xx with one of these codes, rarely as 429 + Retry-After.
THROTTLING_CODES = {4, 17, 32, 613}
# Business Use Case throttling for Pages / Instagram / Messenger / WhatsApp (only 80007 confirmed, §1.4 [U]).
BUC_THROTTLING_CODES = {80001, 80002, 80006, 80007}
TEMPORARY_CODES = {1, 2}  # unknown / temporary service error: retry with backoff

# Messenger's error-code table ([GR-err] source list): a Send API call after the window closed answers
# code 10 with this subcode; 2534022 is the same message on Instagram [U].
WINDOW_CLOSED_SUBCODES = {2018278, 2534022}
OBJECT_MISSING_SUBCODE = 33  # code 100: "Object with ID … does not exist" — deleted, or no longer visible


class MetaPlatform(Platform):
    meta_object = ""  # the envelope's "object" this product arrives under
    default_api_url = GRAPH_URL
    temporary_codes = TEMPORARY_CODES

    def __init__(self, *, verify_token: str = "", **kwargs) -> None:
        # `secret` is the App Secret (signatures); `verify_token` is the string typed into the App
        # Dashboard for the GET handshake. They are different values.
        super().__init__(**kwargs)
        self.verify_token = verify_token

    # Webhook side

    def handshake(self, params: Mapping[str, str]) -> tuple[int, str, str] | None:
        """§1.1: answer the bare hub.challenge when the verify token matches, else 403."""
        if "hub.mode" not in params and "hub.challenge" not in params:
            return None
        token = params.get("hub.verify_token", "")
        if params.get("hub.mode") == "subscribe" and self.verify_token and same(self.verify_token, token):
            return 200, "text/plain", params.get("hub.challenge", "")
        return 403, "text/plain", "Forbidden"

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        return verify_signature(self.secret, header(headers, "X-Hub-Signature-256"), body)

    def parse(self, body: bytes) -> list[Inbound]:
        envelope = load_envelope(body)
        if envelope["object"] != self.meta_object:
            return []  # another Meta product's delivery: the one it belongs to will read it
        items: list[Inbound] = []
        for entry in dicts(envelope["entry"]):
            for change in dicts(entry.get("changes")):
                items += self.parse_change(entry, change)
            # §3.2: threads another app controls deliver under standby[]; the citizen's words count the same.
            for event in dicts(entry.get("messaging")) + dicts(entry.get("standby")):
                items += self.parse_messaging(entry, event)
        return items

    def parse_change(self, entry: dict, change: dict) -> list[Inbound]:
        return []

    def parse_messaging(self, entry: dict, event: dict) -> list[Inbound]:
        return []

    def parse_message_event(self, entry: dict, event: dict) -> list[Inbound]:
        """One Messenger-style `messaging[]` item (Instagram DMs and Messenger, §2.1, §3.2)."""
        message = event.get("message")
        if not isinstance(message, dict) or message.get("is_echo"):
            # Echoes are our own messages; deliveries, reads, reactions and postbacks are not complaints.
            return []
        mid = as_text(message.get("mid"))
        if not mid:
            return []
        sender = as_id(dig(event, "sender", "id"))
        common = dict(
            platform=self.name,
            account_id=as_id(dig(event, "recipient", "id")) or as_id(entry.get("id")),
            thread_id=sender,
            author_id=sender,
            posted_at=from_timestamp(event.get("timestamp"), ms=True),  # ms in messaging, §1.3
            raw=event,
        )
        if message.get("is_deleted"):
            return [Inbound(external_id=f"{mid}:deleted", kind="delete", parent_id=mid, **common)]
        return [
            Inbound(
                external_id=mid,
                kind="dm",
                text=as_text(message.get("text")),
                parent_id=as_text(dig(message, "reply_to", "mid")),
                media=[_attachment(a) for a in dicts(message.get("attachments"))],
                **common,
            )
        ]

    # API side

    def classify_error(self, response: httpx.Response) -> PlatformError:
        error = dig(json_object(response), "error", default={})
        code = as_int(error.get("code")) if isinstance(error, dict) else None
        if code is None:
            return super().classify_error(response)
        subcode = as_int(error.get("error_subcode"))
        detail = as_text(error.get("message")) or f"HTTP {response.status_code}"
        tag = str(code)
        if code in THROTTLING_CODES or code in BUC_THROTTLING_CODES:
            wait = regain_access_seconds(response) or retry_after(response)
            return PlatformError(f"{self.label} is throttling Sigap ({detail}).", retry_after=wait, code=tag)
        plain = self.plain_error(code, subcode, detail)
        if plain:
            return PlatformError(plain, permanent=True, code=tag, reconnect=code == 190)
        if code in self.temporary_codes or error.get("is_transient") is True or response.status_code >= 500:
            return PlatformError(f"{self.label} had a temporary failure ({detail}).", code=tag)
        return PlatformError(f"{self.label} refused the request: {detail}", permanent=True, code=tag)

    def plain_error(self, code: int, subcode: int | None, detail: str) -> str:
        """A plain-words message for errors a person must act on (§1.4 table); "" for the rest."""
        if code == 190:
            return f"The {self.label} access token has expired or was revoked; reconnect the account."
        if code == 10 and (subcode in WINDOW_CLOSED_SUBCODES or "allowed window" in detail):
            return (
                "The reply window has closed: the citizen last wrote more than 24 hours ago "
                "(7 days for a private reply to a comment)."
            )
        if code == 100 and subcode == OBJECT_MISSING_SUBCODE:
            return "The comment or post no longer exists (it was deleted or hidden), so it cannot be answered."
        if code == 551:  # Messenger error-code table
            return "This person cannot receive messages from the city right now (blocked, or account closed)."
        if code == 10 or 200 <= code <= 299:
            return f"Sigap lacks a {self.label} permission ({detail}); an administrator must grant it again."
        if code == 368:
            return f"{self.label} has temporarily blocked the account for policy reasons ({detail})."
        if code == 506:
            return "This reply was already posted (duplicate)."
        return ""

    def _post_message(self, node: str, recipient: dict, text: str, **extra) -> dict:
        """POST /{node}/messages: the Send API used for DMs and private replies (§2.3, §3.4)."""
        body = {"recipient": recipient, **extra, "message": {"text": text}}
        return self._call("POST", self._url(node, "messages"), json=body)


def load_envelope(body: bytes) -> dict:
    envelope = load_object(body)
    if not isinstance(envelope.get("object"), str) or not isinstance(envelope.get("entry"), list):
        raise ValueError("not a Meta webhook envelope")
    return envelope


def verify_signature(app_secret: str, signature: str, body: bytes) -> bool:
    """§1.2: X-Hub-Signature-256 = "sha256=" + lowercase hex HMAC-SHA256(app secret, raw body).

    The raw bytes as received, never re-serialised: Meta sends non-ASCII text \\u-escaped and signs that.
    """
    if not app_secret or not signature.startswith("sha256="):
        return False
    return same(hmac_sha256(app_secret, body).hex(), signature.removeprefix("sha256="))


def regain_access_seconds(response: httpx.Response) -> float | None:
    """§1.4: BUC throttling says when access returns, in minutes [U], in X-Business-Use-Case-Usage."""
    try:
        usage = json.loads(response.headers.get("X-Business-Use-Case-Usage", ""))
    except ValueError:
        return None
    minutes = [
        as_int(item.get("estimated_time_to_regain_access")) or 0
        for items in (usage.values() if isinstance(usage, dict) else [])
        for item in dicts(items)
    ]
    return max(minutes, default=0) * 60.0 or None


def _attachment(attachment: dict) -> dict:
    # URLs are temporary CDN links (§2.1 [U]): whoever stores the item should download them promptly.
    payload = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
    media = {"type": as_text(attachment.get("type")), "url": as_text(payload.get("url"))}
    if payload.get("ig_post_media_id"):  # Nov 2025 post shares (§2.1)
        media["id"] = as_id(payload["ig_post_media_id"])
    return media
