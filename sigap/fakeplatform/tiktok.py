"""TikTok API for Business under /tiktok/open_api/v1.3/ (§7): comment list and reply, DM send, webhooks.

Conventions kept: the `Access-Token` header, HTTP 200 with a non-zero `code` for failures, the
`{"code", "message", "request_id", "data"}` envelope, DMs only within 48 h of the citizen's last
message, webhooks signed `Tiktok-Signature: t=…,s=…` with a JSON-string `content`. Much of §7 is
[U]; the error codes and the comment webhook's fields below are the fake's best reading of it.
"""

import json

from sigap.fakeplatform.base import FakeApi, Person, compact, digits
from sigap.fakeplatform.web import Request, Response, json_response
from sigap.fakeplatform.world import Item

COMMENT_MAX = 150  # one third-party implementation [U]
DM_MAX = 6000  # [IB-tt]; Chatwoot says 950 [U]
DM_WINDOW = 48 * 3600  # §7.2
PAGE_MAX = 30
# [U]: codes as seen in TikTok Business API clients, not in an official table the reference quotes.
PARAM_ERROR, TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID = 40002, 40104, 40102, 40105
TOO_FREQUENT, SYSTEM_ERROR = 40100, 50000
CLIENT_KEY = "awfakesigapdemo00"


class TikTok(FakeApi):
    platforms = ("tiktok",)
    prefix = "/tiktok/open_api/v1.3"

    def handle(self, request: Request, path: str) -> Response:
        route = {
            ("GET", "business/comment/list"): self._comments,
            ("POST", "business/comment/reply/create"): self._reply,
            ("POST", "business/message/send"): self._send,
            ("GET", "business/video/list"): self._videos,
        }.get((request.method, path.strip("/")))
        if route is None:
            return Response(404, b"404 page not found", content_type="text/plain")
        if self.fault("tiktok", "outage"):
            return self.fail(SYSTEM_ERROR, "System error, please try again later.")
        token = request.header("access-token")
        if not token:
            return self.fail(TOKEN_MISSING, "Access token is null.")
        if self.fault("tiktok", "token"):
            return self.fail(TOKEN_EXPIRED, "Access token has expired.")
        if not self.token_ok("tiktok", token):
            return self.fail(TOKEN_INVALID, "Access token is incorrect or has been revoked.")
        if self.fault("tiktok", "throttle"):
            return self.fail(TOO_FREQUENT, "Requests made too frequently. Please try again later.")
        params = {**request.query, **(request.json() or {})}
        if params.get("business_id") != self.city("tiktok")["id"]:
            return self.fail(PARAM_ERROR, "business_id: No permission to operate this account.")
        return route(params)

    def ok(self, data: dict) -> Response:
        return json_response({"code": 0, "message": "OK", "request_id": self._request_id(), "data": data})

    def fail(self, code: int, message: str) -> Response:
        # §7: HTTP 200 even on failure; the envelope's code says what went wrong.
        return json_response(
            {"code": code, "message": message, "request_id": self._request_id(), "data": {}}, error=str(code)
        )

    def _request_id(self) -> str:
        return digits("2026", self.world.serial(), 32)

    # Endpoints (§7.1, §7.2)

    def _videos(self, params: dict) -> Response:
        videos = [
            {"item_id": v.id, "caption": v.text, "create_time": int(v.created)}
            for v in self.world.of("tiktok", kind="post", by_city=True)
        ]
        return self.ok({"videos": videos[::-1], "cursor": 0, "has_more": False})

    def _comments(self, params: dict) -> Response:
        video = params.get("video_id", "")
        cursor, size = _int(params.get("cursor"), 0), min(max(_int(params.get("max_count"), 20), 1), PAGE_MAX)
        comments = [
            c for c in self.world.of("tiktok") if c.thread == video and c.kind in ("comment", "reply") and not c.deleted
        ]
        comments.sort(key=lambda c: c.created, reverse=True)
        page = comments[cursor : cursor + size]
        return self.ok(
            {
                "comments": [self._comment_json(c) for c in page],
                "cursor": cursor + len(page),
                "has_more": cursor + len(page) < len(comments),
            }
        )

    def _reply(self, params: dict) -> Response:
        text, comment_id = str(params.get("text", "")), str(params.get("comment_id", ""))
        if not text:
            return self.fail(PARAM_ERROR, "text: Missing data for required field.")
        if len(text) > COMMENT_MAX:
            return self.fail(PARAM_ERROR, f"text: Length must be between 1 and {COMMENT_MAX}.")
        comment = self.world.get(comment_id, "tiktok")
        if comment is None or comment.deleted or comment.kind == "dm" or self.fault("tiktok", "deleted"):
            return self.fail(PARAM_ERROR, f"comment_id: The comment {comment_id} does not exist or has been deleted.")
        if str(params.get("video_id", "")) != comment.thread:
            return self.fail(PARAM_ERROR, "video_id: The comment does not belong to this video.")
        city = self.city("tiktok")
        top = self.world.get(comment.parent) if comment.parent else comment
        reply = self.world.add(
            Item(
                digits("74", self.world.serial(), 19),
                "tiktok",
                "reply",
                text,
                {"id": city["id"], "handle": city["handle"], "name": city["name"]},
                self.world.now(),
                thread=comment.thread,
                parent=(top or comment).id,
                by_city=True,
                answers=comment.id,
            )
        )
        return self.ok({"comment_id": reply.id})

    def _send(self, params: dict) -> Response:
        if params.get("recipient_type") != "CONVERSATION" or params.get("message_type") != "TEXT":
            return self.fail(PARAM_ERROR, "recipient_type and message_type: only CONVERSATION and TEXT are supported.")
        text = str((params.get("text") or {}).get("body", ""))
        if not text or len(text) > DM_MAX:
            return self.fail(PARAM_ERROR, f"text.body: Length must be between 1 and {DM_MAX}.")
        conversation = str(params.get("recipient", ""))
        sent = [m for m in self.world.of("tiktok", kind="dm", by_city=False) if m.thread == conversation]
        if not sent or self.fault("tiktok", "deleted"):
            return self.fail(PARAM_ERROR, "recipient: The conversation does not exist.")
        last = max(sent, key=lambda m: m.created)
        if self.world.now() - last.created > DM_WINDOW:
            return self.fail(PARAM_ERROR, "The 48-hour reply window for this conversation has closed.")
        quoted = self.world.get(str((params.get("referenced_message_info") or {}).get("referenced_message_id", "")))
        city = self.city("tiktok")
        item = self.world.add(
            Item(
                digits("741", self.world.serial(), 19),
                "tiktok",
                "dm",
                text,
                {"id": city["id"], "handle": city["handle"], "name": city["name"]},
                self.world.now(),
                thread=conversation,
                by_city=True,
                private=True,
                answers=(quoted or last).id,
            )
        )
        return self.ok({"message": {"message_id": item.id}})

    def _comment_json(self, comment: Item) -> dict:
        return {
            "comment_id": comment.id,
            "video_id": comment.thread,
            "user_id": comment.author["id"],
            "username": comment.author["handle"],
            "display_name": comment.author["name"],
            "text": comment.text,
            "create_time": int(comment.created),
            "likes": 0,
            "replies": 0,
            "status": "PUBLIC",
            "owner": comment.by_city,
            "parent_comment_id": comment.parent or comment.id,
        }

    # The citizen side

    def author(self, platform: str, person: Person) -> dict:
        return {"id": digits("-000Warga", person.index, 20), "handle": person.handle, "name": person.name}

    def prepare(self, item: Item, options: dict) -> None:
        if item.kind == "dm":
            city_digits = "7300000000000000001"
            item.id = digits("741", self.world.serial(), 19)
            item.thread = f"0:1:{city_digits}:{digits('74', int(item.author['id'][-11:]), 19)}"
            return
        parent = self.world.get(options.get("parent", ""), "tiktok")
        if parent is not None:
            item.kind, item.parent, item.thread = "reply", parent.parent or parent.id, parent.thread
        else:
            item.thread = options.get("thread") or self.default_thread("tiktok").id
        item.id = digits("74", self.world.serial(), 19)

    def events(self, item: Item, event: str) -> list[tuple[str, bytes, str]]:
        if event == "edit":
            return []
        city = self.city("tiktok")
        if item.kind == "dm":
            if event != "create":
                return []
            content = {
                "conversation_id": item.thread,
                "message_id": item.id,
                "timestamp": int(item.created * 1000),
                "type": "text",
                "text": {"body": item.text},
                "from": item.author["handle"],
                "from_user": {"id": item.author["id"]},
                "to": city["handle"],
                "to_user": {"id": city["id"]},
            }
            name = "im_receive_msg"
        else:
            # [U]: ids and the action only; the words are read with /business/comment/list/ (§7.1).
            content = {
                "comment_id": item.id,
                "video_id": item.thread,
                "parent_comment_id": item.parent or item.id,
                "comment_action": "delete" if event == "delete" else "insert",
                "timestamp": int(self.world.now()),
            }
            name = "comment.update"
        envelope = {
            "client_key": CLIENT_KEY,
            "event": name,
            "create_time": int(self.world.now()),
            "user_openid": city["id"],
            "content": json.dumps(content, ensure_ascii=False),
        }
        return [("tiktok", compact(envelope), f"tiktok {name}")]


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
