"""What every social platform looks like to the rest of Sigap: one small interface, one class per platform.

Adapters know nothing of Django models. Webhook side: raw bytes in, `Inbound` dataclasses out, pure.
API side: replies go out through `sigap.lib.http.request`, the only code that talks to the network.

Section numbers (§n) point into the wire-format reference, shared/reference/platform-apis.md;
facts it marks [U] (uncertain) are marked [U] here too and kept as class constants, so they can be
changed in one place once confirmed against a live account.

Kinds of inbound item, the same words on every platform:
- "comment": a top-level comment on one of the city's posts/videos (or a message in a Telegram group);
- "reply": a comment answering another comment, or an X post answering one of the city's posts;
- "mention": the city tagged somewhere (IG @mention, X @mention);
- "dm": a private message (IG/Messenger/WhatsApp/X/TikTok DMs, Telegram chats);
- "post": a visitor post on the city's Facebook Page;
- "edit", "delete": a change to an item already received; `parent_id` holds that item's `external_id`;
- "status": a delivery callback for one of our replies (WhatsApp), details in `status`.
For "edit", "delete" and "status", `external_id` names the event (item id plus what happened), so the
(platform, external_id) dedupe key still tells one event from another.
"""

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from sigap.lib import http


@dataclass
class Inbound:
    """One item a platform reported."""

    platform: str
    account_id: str  # the city account it arrived at
    external_id: str  # the platform's id for the item: dedupe key together with platform
    kind: str
    thread_id: str  # follow-ups from the same person in the same thread share it
    author_id: str
    author_handle: str = ""
    author_name: str = ""
    text: str = ""
    permalink: str = ""
    posted_at: datetime | None = None  # aware, UTC
    parent_id: str = ""  # replied-to item; for edit/delete/status the item concerned
    media: list[dict] = field(default_factory=list)  # {"type", "id", "url", "mime_type"}, as known
    location: dict | None = None
    contact: dict | None = None
    status: dict | None = None  # {"message_id", "status": sent|delivered|read|played|failed, "errors"}
    raw: dict = field(default_factory=dict)  # this item's own part of the payload


class PlatformError(Exception):
    """A platform refused or failed a call. `permanent` means retrying the same request cannot help.

    `reconnect` means the account, not the request, is at fault (its token expired or was revoked):
    nothing sent with that account can succeed until a person reconnects it, and then all of it can.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        code: str = "",
        reconnect: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent or reconnect
        self.retry_after = retry_after  # seconds, when the platform said how long to wait
        self.code = code  # the platform's own error code, for logs and tests
        self.reconnect = reconnect


@dataclass
class OutboundReply:
    text: str
    in_reply_to: str  # comment id / message id / post id: what the platform needs
    recipient_id: str = ""  # set for direct messages: who receives it (wa_id or BSUID, PSID, IGSID, chat id, …)
    private: bool = False  # a private reply to a comment (IG/FB), instead of a public comment reply
    template: dict | None = None  # WhatsApp template, outside the 24-hour window
    kind: str = ""  # the Inbound.kind answered: picks the endpoint where a platform has several
    thread_id: str = ""  # the Inbound.thread_id: IG mention replies need the media id, TikTok the video id


@dataclass
class Sent:
    external_id: str
    permalink: str = ""


class Platform:
    name = ""
    label = ""
    max_text = 0  # characters (or what `measure` counts) in one reply
    default_api_url = ""
    can_poll = False  # True where poll() is how new items arrive
    threads = True  # may a long answer go out as several numbered parts?
    dm_window: timedelta | None = None  # how long after the citizen's last message a DM may be sent
    private_reply_window: timedelta | None = None  # how long after a comment a private reply may be sent

    def __init__(
        self,
        *,
        account_id: str,
        token: str = "",
        secret: str = "",
        api_url: str = "",
        client: httpx.Client | None = None,
    ) -> None:
        self.account_id = account_id
        self.token = token
        self.secret = secret
        self.api_url = (api_url or self.default_api_url).rstrip("/")
        self.client = client

    # Webhook side

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        return False  # a platform without webhooks accepts no POST

    def parse(self, body: bytes) -> list[Inbound]:
        raise NotImplementedError

    def handshake(self, params: Mapping[str, str]) -> tuple[int, str, str] | None:
        return None  # not a handshake: the caller treats the GET as it would any other

    # API side

    def poll(self, since: str | None) -> tuple[list[Inbound], str | None]:
        raise NotImplementedError(f"{self.label} pushes its items; there is nothing to poll")

    def send(self, reply: OutboundReply) -> Sent:
        raise NotImplementedError

    def complete(self, item: Inbound) -> Inbound:
        """Fetch what a webhook leaves out (an Instagram mention's or TikTok comment's words); default: nothing."""
        return item

    def reply_for(self, item: Any, text: str, *, private: bool = False) -> OutboundReply:
        """The reply that answers `item` (an Inbound, or anything with its fields, such as a stored message)."""
        dm = item.kind == "dm"
        return OutboundReply(
            text=text,
            in_reply_to=item.external_id,
            recipient_id=item.author_id if dm else "",
            private=private and not dm,
            kind=item.kind,
            thread_id=item.thread_id,
        )

    def classify_error(self, response: httpx.Response) -> PlatformError:
        """Plain HTTP semantics; platforms with their own error bodies refine this."""
        status = response.status_code
        code = f"http_{status}"
        if status == 429:
            return PlatformError(
                f"{self.label} rate limit reached; retrying later.", retry_after=retry_after(response), code=code
            )
        if status >= 500 or status == 408:
            return PlatformError(
                f"{self.label} had a temporary failure (HTTP {status}).", retry_after=retry_after(response), code=code
            )
        if status == 401:
            return PlatformError(f"{self.label} rejected the access token; reconnect the account.", reconnect=True, code=code)
        return PlatformError(
            f"{self.label} refused the request (HTTP {status}): {_snippet(response)}", permanent=True, code=code
        )

    # Text limits

    def split(self, text: str, link: str = "", reply: OutboundReply | None = None) -> list[str]:
        """The answer as it can go out: one text, numbered parts, or shortened with a link to the rest.

        `reply`, when given, tells which kind of reply this is, where limits differ (a one-shot private
        reply cannot be split; TikTok comments are shorter than TikTok DMs).
        """
        text = text.strip()
        limit = self.text_limit(reply)
        if self.measure(text) <= limit:
            return [text]
        if self.can_thread(reply):
            return self._numbered(text, limit)
        return [self._shortened(text, link, limit)]

    def measure(self, text: str) -> int:
        return len(text)

    def text_limit(self, reply: OutboundReply | None) -> int:
        return self.max_text

    def can_thread(self, reply: OutboundReply | None) -> bool:
        return self.threads

    def _numbered(self, text: str, limit: int) -> list[str]:
        # Room for the marker depends on the number of parts: grow it until the count fits.
        width = 9
        while True:
            chunks = _chunks(text, limit - self.measure(f"({width}/{width}) "), self.measure)
            if len(chunks) <= width:
                return [f"({i}/{len(chunks)}) {chunk}" for i, chunk in enumerate(chunks, 1)]
            width = width * 10 + 9

    def _shortened(self, text: str, link: str, limit: int) -> str:
        suffix = f"… {link}" if link else "…"
        if self.measure(suffix) >= limit:
            suffix = "…"  # a link longer than the whole reply cannot help
        return _chunks(text, limit - self.measure(suffix), self.measure)[0] + suffix

    # HTTP

    def _call(self, method: str, url: str, *, duplicate_is_harmless: bool = True, **kwargs) -> dict:
        """One API call: the JSON object it answered, or PlatformError."""
        kwargs["headers"] = {**self._auth_headers(), **kwargs.get("headers", {})}
        try:
            response = http.request(method, url, client=self.client, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never reached the platform: always safe to try again.
            raise PlatformError(f"{self.label} could not be reached ({type(exc).__name__}).", code="network") from exc
        except httpx.TransportError as exc:
            # The request may have arrived. Retrying is right unless a second copy would be public.
            if duplicate_is_harmless:
                raise PlatformError(f"{self.label} did not answer ({type(exc).__name__}).", code="network") from exc
            raise PlatformError(
                f"{self.label} did not answer ({type(exc).__name__}) and may have posted the reply: "
                "check on the platform before sending it again.",
                permanent=True,
                code="unknown_outcome",
            ) from exc
        if not self._succeeded(response):
            raise self.classify_error(response)
        data = json_object(response)
        if data is None:
            raise PlatformError(f"{self.label} answered with something that is not JSON.", code="bad_response")
        return data

    def _succeeded(self, response: httpx.Response) -> bool:
        return response.is_success

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _url(self, *segments: str) -> str:
        # Ids come from payloads: quote them so none can turn into another path or a query.
        return self.api_url + "".join("/" + quote(str(s), safe="") for s in segments)


# Reading untrusted JSON


def load_json(body: bytes) -> Any:
    """Decode a webhook body. ValueError (JSONDecodeError, UnicodeDecodeError) when it is not JSON.

    Python's json keeps big integers exact (X and TikTok ids exceed 2**53, §0), so they never become floats.
    """
    return json.loads(body)


def load_object(body: bytes) -> dict:
    data = load_json(body)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def dig(data: Any, *path: str | int, default: Any = None) -> Any:
    """data[path[0]][path[1]]…, or `default` as soon as a step is missing or of the wrong type."""
    for key in path:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return default
    return default if data is None else data


def dicts(value: Any) -> list[dict]:
    """The dict items of a list; anything else is no items."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def as_id(value: Any) -> str:
    """Ids arrive as strings or integers depending on the platform; they are always stored as strings."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, (str, int)):
        return str(value)
    return ""


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def from_timestamp(value: Any, *, ms: bool = False) -> datetime | None:
    """Epoch seconds (or milliseconds), as int or string, to an aware UTC datetime."""
    number = as_int(value)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number / 1000 if ms else number, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def from_iso(value: Any) -> datetime | None:
    """ISO 8601 as the platforms write it ("…Z", "….000Z", "…+0000") to an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


# Webhook authentication


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value whatever the case of its name (Django's request.headers is case-insensitive; dicts are not)."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), "")
    return value if isinstance(value, str) else ""


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def hmac_sha256_base64(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac_sha256(secret, message)).decode()


def same(expected: str, given: str) -> bool:
    """Constant-time comparison; compares bytes so a non-ASCII header cannot raise."""
    return hmac.compare_digest(expected.encode("utf-8", "replace"), given.encode("utf-8", "replace"))


# Responses


def json_object(response: httpx.Response) -> dict | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _snippet(response: httpx.Response, size: int = 200) -> str:
    return response.text[:size].strip() or response.reason_phrase


# Splitting text


def _chunks(text: str, budget: int, measure: Callable[[str], int]) -> list[str]:
    """Cut text into pieces each measuring at most `budget`, at whitespace where possible."""
    budget = max(budget, 1)
    chunks: list[str] = []
    current = ""
    for token in re.split(r"(\s+)", text):
        if not token or (not current and token.isspace()):
            continue
        if measure((current + token).rstrip()) <= budget:
            current += token
            continue
        if current.strip():
            chunks.append(current.rstrip())
        current = "" if token.isspace() else token
        while measure(current) > budget:  # one word longer than a whole part
            cut = _longest_prefix(current, budget, measure)
            chunks.append(current[:cut])
            current = current[cut:]
    if current.strip():
        chunks.append(current.rstrip())
    return chunks


def _longest_prefix(text: str, budget: int, measure: Callable[[str], int]) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    return low
