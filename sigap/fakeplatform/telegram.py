"""Telegram Bot API under /telegram/bot<token>/<method> (§8).

Updates go to the webhook when one is set (with X-Telegram-Bot-Api-Secret-Token), otherwise they
wait for getUpdates, which answers 409 while a webhook is set, as Telegram does. Kept: sendMessage
checks (chat, 1–4,096 characters, the quoted message), `{"ok": false, …}` errors with retry_after.
"""

import json
import threading

from sigap.fakeplatform.base import FakeApi, Person, compact
from sigap.fakeplatform.web import Request, Response, json_response
from sigap.fakeplatform.world import Item

MAX_TEXT = 4096
LONG_POLL_CAP = 10.0  # seconds a getUpdates call may wait here, whatever timeout it asks for
KEPT_UPDATES = 1000  # Telegram keeps undelivered updates for 24 h; the fake keeps this many


class Telegram(FakeApi):
    platforms = ("telegram",)
    prefix = "/telegram"

    def __init__(self, fake) -> None:
        super().__init__(fake)
        self.updates: list[dict] = []  # waiting for getUpdates (only while no webhook is set)
        self.arrived = threading.Condition(self.world.lock)
        # Update and message ids only grow, across restarts too (see World._serial); 32-bit, as Telegram's.
        self._id_base = int(self.world.now()) % 10**9
        self._next_update = self._id_base
        self._next_message: dict[int, int] = {}

    @property
    def webhook_url(self) -> str:
        return self.fake.deliverer.targets.get("telegram", "")

    def handle(self, request: Request, path: str) -> Response:
        token, _, method = path.strip("/").partition("/")
        if not token.startswith("bot") or not method:
            return self.fail(404, "Not Found")
        if self.fault("telegram", "outage"):
            return self.fail(500, "Internal Server Error")
        if not self.token_ok("telegram", token[3:]) or self.fault("telegram", "token"):
            return self.fail(401, "Unauthorized")
        if fault := self.fault("telegram", "throttle"):
            wait = int(fault.code) if fault.code.isdigit() else 7
            return self.fail(429, f"Too Many Requests: retry after {wait}", parameters={"retry_after": wait})
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return self.fail(404, "Not Found: method not found")
        return handler(request.params())

    def ok(self, result) -> Response:
        return json_response({"ok": True, "result": result})

    def fail(self, code: int, description: str, **extra) -> Response:
        return json_response(
            {"ok": False, "error_code": code, "description": description, **extra}, code, error=str(code)
        )

    # Methods

    def _getMe(self, params: dict) -> Response:  # noqa: N802 - Telegram's method names
        return self.ok(self._bot())

    def _getWebhookInfo(self, params: dict) -> Response:  # noqa: N802
        return self.ok(
            {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self.updates)}
        )

    def _setWebhook(self, params: dict) -> Response:  # noqa: N802
        url = params.get("url", "")
        if url:
            self.fake.deliverer.targets["telegram"] = url
            self.fake.deliverer.secrets["telegram_secret_token"] = params.get("secret_token", "")
        else:
            self.fake.deliverer.targets.pop("telegram", None)
        return self.ok(True)

    def _deleteWebhook(self, params: dict) -> Response:  # noqa: N802
        self.fake.deliverer.targets.pop("telegram", None)
        if str(params.get("drop_pending_updates", "")).lower() in ("1", "true"):
            self.updates.clear()
        return self.ok(True)

    def _getUpdates(self, params: dict) -> Response:  # noqa: N802
        """§8: updates from `offset` on; asking for an offset confirms (drops) everything before it."""
        if self.webhook_url:
            return self.fail(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, limit = _int(params.get("offset"), 0), min(max(_int(params.get("limit"), 100), 1), 100)
        wait = min(max(float(_int(params.get("timeout"), 0)), 0.0), LONG_POLL_CAP)
        with self.arrived:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and wait:
                self.arrived.wait(wait)
            return self.ok(self.updates[:limit])

    def _sendMessage(self, params: dict) -> Response:  # noqa: N802
        chat_id, text = _int(params.get("chat_id"), None), str(params.get("text", ""))
        chat = self._chat(chat_id)
        if chat is None:
            return self.fail(400, "Bad Request: chat not found")
        if not text.strip():
            return self.fail(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            return self.fail(400, "Bad Request: message is too long")
        quoted_id = _int((_dict(params.get("reply_parameters")) or {}).get("message_id"), None)
        quoted_id = quoted_id if quoted_id is not None else _int(params.get("reply_to_message_id"), None)
        quoted = self.world.get(f"{chat_id}:{quoted_id}", "telegram") if quoted_id is not None else None
        if quoted_id is not None and (quoted is None or quoted.deleted or self.fault("telegram", "deleted")):
            return self.fail(400, "Bad Request: message to be replied not found")
        last = self.world.last_from("telegram", str(chat_id))
        message = self._city_message(chat, text, quoted or last)
        return self.ok(message)

    def _city_message(self, chat: dict, text: str, answers: Item | None) -> dict:
        message_id = self._message_id(chat["id"])
        bot = self._bot()
        item = self.world.add(
            Item(
                f"{chat['id']}:{message_id}",
                "telegram",
                "dm",
                text,
                {"id": str(bot["id"]), "handle": bot["username"], "name": bot["first_name"]},
                self.world.now(),
                thread=str(chat["id"]),
                by_city=True,
                private=True,
                answers=answers.id if answers else "",
                extra={"message_id": message_id, "chat": chat},
            )
        )
        message = {"message_id": message_id, "from": bot, "chat": chat, "date": int(item.created), "text": text}
        if answers is not None:
            message["reply_to_message"] = self._message_json(answers)
        return message

    def _chat(self, chat_id: int | None) -> dict | None:
        # A bot can only message people who started it (§8): chats it has received a message in.
        for item in self.world.of("telegram", by_city=False):
            if item.extra.get("chat", {}).get("id") == chat_id:
                return item.extra["chat"]
        return None

    def _bot(self) -> dict:
        city = self.city("telegram")
        return {"id": int(city["id"]), "is_bot": True, "first_name": city["name"], "username": city["handle"]}

    def _message_id(self, chat_id: int) -> int:
        # Message ids count up per chat (§10): unique only together with the chat id.
        with self.world.lock:
            self._next_message[chat_id] = self._next_message.get(chat_id, self._id_base) + 1
            return self._next_message[chat_id]

    # The citizen side

    def author(self, platform: str, person: Person) -> dict:
        return {
            "id": str(5000000000 + person.index),
            "handle": person.handle,
            "name": person.name,
            "first_name": person.first,
            "last_name": person.last,
        }

    def prepare(self, item: Item, options: dict) -> None:
        who = item.author
        chat = {"id": int(who["id"]), "type": "private", "first_name": who["first_name"], "username": who["handle"]}
        message_id = self._message_id(chat["id"])
        item.id, item.thread = f"{chat['id']}:{message_id}", str(chat["id"])
        item.extra |= {"message_id": message_id, "chat": chat}
        if options.get("location"):
            item.extra["location"] = options["location"]
        if options.get("media"):
            item.extra["photo"] = [
                {
                    "file_id": f"AgACAgUAAxkBAAI{item.id.replace(':', '')}",
                    "file_unique_id": "AQAD",
                    "width": 1280,
                    "height": 960,
                    "file_size": 80000,
                }
            ]

    def edit(self, item: Item, text: str) -> None:
        item.edits.append(item.text)
        item.text = text
        item.extra["edit_date"] = int(self.world.now())

    def _message_json(self, item: Item) -> dict:
        if item.by_city:
            sender = self._bot()
        else:
            who = item.author
            sender = {
                "id": int(who["id"]),
                "is_bot": False,
                "first_name": who["first_name"],
                "last_name": who["last_name"],
                "username": who["handle"],
                "language_code": "id",
            }
        message: dict = {
            "message_id": item.extra["message_id"],
            "date": int(item.created),
            "from": sender,
            "chat": item.extra["chat"],
        }
        if "photo" in item.extra:
            message |= {"photo": item.extra["photo"], "caption": item.text}
        elif "location" in item.extra:
            message["location"] = item.extra["location"]
        else:
            message["text"] = item.text
        if "edit_date" in item.extra:
            message["edit_date"] = item.extra["edit_date"]
        return message

    def events(self, item: Item, event: str) -> list[tuple[str, bytes, str]]:
        if event == "delete":
            return []  # the Bot API tells bots nothing about deleted messages
        with self.arrived:
            self._next_update += 1
            update = {
                "update_id": self._next_update,
                ("edited_message" if event == "edit" else "message"): self._message_json(item),
            }
            if not self.webhook_url:
                self.updates = (self.updates + [update])[-KEPT_UPDATES:]
                self.arrived.notify_all()
                return []
        return [("telegram", compact(update), f"telegram {'edited_message' if event == 'edit' else 'message'}")]


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _dict(value) -> dict | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None
