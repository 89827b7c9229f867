"""X API v2 under /x/2/…: mentions timeline, posts, DMs, and X Activity API webhooks (§5).

Rules kept: replies only to posts whose author summoned the city (§5.1), 280 weighted characters
(§5.6), duplicate posts refused, x-rate-limit-* headers on every answer and a real 429 when a
window is used up (§5.6), problem+json error bodies. A post with a URL is accepted and billed
$0.20 instead of $0.015/$0.010 (§5.1 [X-price]); `refuse_links` turns that into a refusal.
"""

import base64
import re
import unicodedata
from collections import deque

from sigap.fakeplatform.base import FakeApi, Person, compact, digits, iso_z, snowflake
from sigap.fakeplatform.web import Request, Response, json_response
from sigap.fakeplatform.world import Item

PROBLEMS = "https://api.x.com/2/problems/"
MAX_WEIGHTED = 280
URL = re.compile(r"https?://\S+", re.IGNORECASE)
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))  # weight 1 (§5.6 [X-count])
WINDOW = 15 * 60
# Per-user limits per 15 minutes (§5.4, §5.6): where they run out, X answers 429.
RATE_LIMITS = {"mentions": 300, "tweets": 100, "dm": 15}
# §5.1 [X-price]: what a post costs the city, in US dollars.
COST_POST, COST_SUMMONED_REPLY, COST_WITH_URL = 0.015, 0.010, 0.20
# Fields a mentions request returns without asking (id, text, edit history) and those it may ask for.
OPTIONAL_FIELDS = (
    "author_id",
    "created_at",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "entities",
    "lang",
)


class X(FakeApi):
    platforms = ("x",)
    prefix = "/x"

    def __init__(self, fake) -> None:
        super().__init__(fake)
        self.calls: dict[str, deque] = {name: deque() for name in RATE_LIMITS}
        self.refuse_links = False

    # Routing

    def handle(self, request: Request, path: str) -> Response:
        parts = [p for p in path.split("/") if p]
        route = self._route(request.method, parts)
        if route is None:
            return self.problem(404, "Not Found Error", "The requested resource was not found.", "about:blank")
        handler, limit, args = route
        if self.fault("x", "outage"):
            return self.problem(503, "Service Unavailable", "Service Unavailable", "about:blank")
        if not self.token_ok("x", request.bearer()) or self.fault("x", "token"):
            return self.problem(401, "Unauthorized", "Unauthorized", "about:blank")
        if self.fault("x", "throttle") or not self._take(limit):
            return self.problem(429, "Too Many Requests", "Too Many Requests", "about:blank", limit=limit)
        response = handler(request, *args)
        response.headers |= self._rate_headers(limit)
        return response

    def _route(self, method: str, parts: list[str]):
        if method == "GET" and len(parts) == 4 and parts[:2] == ["2", "users"] and parts[3] == "mentions":
            return self._mentions, "mentions", (parts[2],)
        if method == "POST" and parts == ["2", "tweets"]:
            return self._create_post, "tweets", ()
        if (
            method == "POST"
            and len(parts) == 5
            and parts[:3] == ["2", "dm_conversations", "with"]
            and parts[4] == "messages"
        ):
            return self._send_dm, "dm", (parts[3],)
        return None

    # Errors and rate limits (§5.6)

    def problem(self, status: int, title: str, detail: str, kind: str, *, errors=None, limit: str = "") -> Response:
        body: dict = {
            "title": title,
            "detail": detail,
            "type": kind if kind.startswith(("about:", "http")) else PROBLEMS + kind,
        }
        if errors:
            body["errors"] = errors
        else:
            body["status"] = status
        response = json_response(body, status, error=body["type"].rsplit("/", 1)[-1])
        response.content_type = "application/problem+json"
        if limit:
            response.headers |= self._rate_headers(limit)
        return response

    def invalid(self, parameter: str, value, message: str) -> Response:
        errors = [{"parameters": {parameter: [str(value)]}, "message": message}]
        return self.problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            "invalid-request",
            errors=errors,
        )

    def _take(self, limit: str) -> bool:
        calls, now = self.calls[limit], self.world.now()
        while calls and calls[0] <= now - WINDOW:
            calls.popleft()
        if len(calls) >= RATE_LIMITS[limit]:
            return False
        calls.append(now)
        return True

    def _rate_headers(self, limit: str) -> dict:
        calls = self.calls[limit]
        reset = int((calls[0] if calls else self.world.now()) + WINDOW)
        return {
            "x-rate-limit-limit": RATE_LIMITS[limit],
            "x-rate-limit-remaining": max(0, RATE_LIMITS[limit] - len(calls)),
            "x-rate-limit-reset": reset,
        }

    # GET /2/users/:id/mentions (§5.4)

    def _mentions(self, request: Request, user_id: str) -> Response:
        query = request.query
        size = query.get("max_results", "10")
        if not size.isdigit() or not 5 <= int(size) <= 100:
            return self.invalid(
                "max_results", size, f"The `max_results` query parameter value [{size}] is not between 5 and 100"
            )
        for name in ("since_id", "until_id"):
            if name in query and not re.fullmatch(r"\d{1,19}", query[name]):
                return self.invalid(
                    name,
                    query[name],
                    f"The `{name}` query parameter value [{query[name]}] does not match ^[0-9]{{1,19}}$",
                )
        posts = self._mentioning(user_id, query)
        page, rest = posts[: int(size)], posts[int(size) :]
        if not page:
            return json_response({"meta": {"result_count": 0}})
        fields = set(query.get("tweet.fields", "").split(","))
        body: dict = {"data": [self._post_json(p, fields) for p in page]}
        if "author_id" in query.get("expansions", "").split(","):
            authors = {p.author["id"]: p.author for p in page}
            user_fields = set(query.get("user.fields", "").split(","))
            body["includes"] = {"users": [self._user_json(a, user_fields) for a in authors.values()]}
        body["meta"] = {"newest_id": page[0].id, "oldest_id": page[-1].id, "result_count": len(page)}
        if rest:
            body["meta"]["next_token"] = base64.b32encode(page[-1].id.encode()).decode().rstrip("=").lower()
        return json_response(body)

    def _mentioning(self, user_id: str, query: dict) -> list[Item]:
        handle = "@" + self.config.accounts["x"]["handle"].lower()
        if user_id != self.config.accounts["x"]["id"]:
            return []
        posts = [
            p
            for p in self.world.of("x", by_city=False)
            if p.kind != "dm" and not p.deleted and handle in p.text.lower()
        ]
        posts.sort(key=lambda p: int(p.id), reverse=True)
        if "since_id" in query:
            posts = [p for p in posts if int(p.id) > int(query["since_id"])]
        if "until_id" in query:
            posts = [p for p in posts if int(p.id) < int(query["until_id"])]
        if query.get("pagination_token"):
            token = query["pagination_token"].upper()
            before = int(base64.b32decode(token + "=" * (-len(token) % 8)))
            posts = [p for p in posts if int(p.id) < before]
        return posts

    def _post_json(self, post: Item, fields: set[str]) -> dict:
        full = {
            "id": post.id,
            "text": post.text,
            "edit_history_tweet_ids": post.extra.get("history", [post.id]),
            "author_id": post.author["id"],
            "created_at": iso_z(post.created, millis=True),
            "conversation_id": post.extra.get("conversation_id", post.id),
            "lang": "in",
            "entities": {"mentions": _mentions_in(post.text, self.config.accounts["x"])},
        }
        if post.extra.get("in_reply_to"):
            full["in_reply_to_user_id"] = post.extra["in_reply_to_user"]
            full["referenced_tweets"] = [{"type": "replied_to", "id": post.extra["in_reply_to"]}]
        return {k: v for k, v in full.items() if k in ("id", "text", "edit_history_tweet_ids") or k in fields}

    @staticmethod
    def _user_json(user: dict, fields: set[str]) -> dict:
        return {"id": user["id"], "name": user["name"], "username": user["handle"]}

    # POST /2/tweets (§5.5)

    def _create_post(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return self.invalid("body", "", "The request body is not valid JSON.")
        text = body.get("text", "")
        if not isinstance(text, str) or not text.strip():
            return self.invalid("text", text, "The `text` field is required and must not be empty.")
        if weighted_length(text) > MAX_WEIGHTED:
            return self.problem(403, "Forbidden", "Your Tweet text is too long.", "about:blank")
        if any(p.text == text for p in self.world.of("x", by_city=True)):
            return self.problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.", "about:blank"
            )
        has_url = bool(URL.search(text))
        if has_url and self.refuse_links:
            return self.problem(403, "Forbidden", "Posts with links are not allowed for this app.", "about:blank")
        target_id = str((body.get("reply") or {}).get("in_reply_to_tweet_id", ""))
        target = self.world.get(target_id, "x") if target_id else None
        if target_id:
            refused = self._reply_refusal(target_id, target)
            if refused:
                return refused
        cost = COST_WITH_URL if has_url else COST_SUMMONED_REPLY if target else COST_POST
        post = self._city_post(text, target, cost)
        data = {"id": post.id, "text": text, "edit_history_tweet_ids": [post.id]}
        return json_response({"data": data}, 201)

    def _reply_refusal(self, target_id: str, target: Item | None) -> Response | None:
        if target is None or target.deleted or self.fault("x", "deleted"):
            errors = [
                {
                    "parameter": "reply.in_reply_to_tweet_id",
                    "resource_id": target_id,
                    "value": target_id,
                    "detail": f"Could not find tweet with reply.in_reply_to_tweet_id: [{target_id}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "type": PROBLEMS + "resource-not-found",
                }
            ]
            return self.problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                "invalid-request",
                errors=errors,
            )
        if not target.by_city and not self._summoned(target):
            # §5.1: self-serve apps may reply only when summoned; the body is not documented [U].
            return self.problem(
                403,
                "Forbidden",
                "Reply to this conversation is not allowed because you have not been mentioned or "
                "otherwise engaged by the author of the post you are replying to.",
                "about:blank",
            )
        return None

    def _summoned(self, post: Item) -> bool:
        handle = "@" + self.config.accounts["x"]["handle"].lower()
        return handle in post.text.lower() or bool(post.extra.get("quotes_city"))

    def _city_post(self, text: str, target: Item | None, cost: float) -> Item:
        city = self.config.accounts["x"]
        extra = {"cost_usd": cost}
        if target is not None:
            extra |= {
                "in_reply_to": target.id,
                "in_reply_to_user": target.author["id"],
                "conversation_id": target.extra.get("conversation_id", target.id),
            }
        item = Item(
            snowflake(self.world),
            "x",
            "reply" if target else "post",
            text,
            {"id": city["id"], "handle": city["handle"], "name": city["name"]},
            self.world.now(),
            thread=extra.get("conversation_id", ""),
            parent=target.id if target else "",
            by_city=True,
            answers=target.id if target else "",
            extra=extra,
        )
        self.world.stats["x:cost_millicents"] += int(cost * 100000)
        return self.world.add(item)

    # POST /2/dm_conversations/with/:participant_id/messages (§5.5)

    def _send_dm(self, request: Request, participant: str) -> Response:
        body = request.json() or {}
        text = body.get("text", "") if isinstance(body, dict) else ""
        if not text:
            return self.invalid("text", "", "The `text` field is required.")
        last = self.world.last_from("x", participant)
        if last is None or self.fault("x", "deleted"):
            return self.problem(403, "Forbidden", "You are not permitted to send messages to this user.", "about:blank")
        city = self.config.accounts["x"]
        conversation = "-".join(sorted((city["id"], participant), key=int))
        item = self.world.add(
            Item(
                snowflake(self.world),
                "x",
                "dm",
                text,
                {"id": city["id"], "handle": city["handle"], "name": city["name"]},
                self.world.now(),
                thread=participant,
                by_city=True,
                answers=last.id,
                private=True,
            )
        )
        return json_response({"data": {"dm_conversation_id": conversation, "dm_event_id": item.id}}, 201)

    # The citizen side

    def author(self, platform: str, person: Person) -> dict:
        return {"id": digits("16", person.index, 19), "handle": person.handle, "name": person.name}

    def prepare(self, item: Item, options: dict) -> None:
        item.id = snowflake(self.world)
        if item.kind == "dm":
            item.thread = item.author["id"]
            return
        handle = "@" + self.config.accounts["x"]["handle"]
        if handle.lower() not in item.text.lower():
            item.text = f"{handle} {item.text}"  # citizens summon the city, or it may not answer (§5.1)
        parent = self.world.get(options.get("parent", ""), "x")
        conversation = parent.extra.get("conversation_id", parent.id) if parent else item.id
        item.kind, item.thread = "mention", conversation
        item.extra["conversation_id"] = conversation
        if parent is not None:
            item.parent = parent.id
            item.extra |= {"in_reply_to": parent.id, "in_reply_to_user": parent.author["id"]}

    def edit(self, item: Item, text: str) -> None:
        # An edit is a new post id whose edit history starts with the original (§5.4, X-ids).
        if item.kind == "dm":
            super().edit(item, text)
        history = item.extra.get("history", [item.id])
        new_id = snowflake(self.world)
        item.extra["history"] = history + [new_id]
        item.edits.append(item.text)
        item.text = text

    def events(self, item: Item, event: str) -> list[tuple[str, bytes, str]]:
        if event == "delete" or "x" not in self.fake.deliverer.targets:
            return []  # polled accounts read the mentions timeline instead
        city = self.config.accounts["x"]
        if item.kind == "dm":
            return [("x", compact(self._dm_event(item, city)), "x dm.received")]
        payload = self._post_json(item, set(OPTIONAL_FIELDS))
        if event == "edit":
            payload["id"] = item.extra["history"][-1]
        replying_to_city = bool(item.extra.get("in_reply_to_user") == city["id"])
        event_type = "post.reply.create" if replying_to_city else "post.mention.create"
        if replying_to_city:
            payload["in_reply_to_tweet_id"] = item.extra["in_reply_to"]
        data = {
            "event_uuid": digits("2", self.world.serial(), 19),
            "filter": {"user_id": city["id"]},
            "event_type": event_type,
            "tag": "mentions" if event_type.startswith("post.mention") else "replies",
            "payload": payload,
            "includes": {"users": [self._user_json(item.author, set())]},
        }
        return [("x", compact({"data": data}), f"x {event_type}")]

    def _dm_event(self, item: Item, city: dict) -> dict:
        event = {
            "type": "message_create",
            "id": item.id,
            "created_timestamp": str(int(item.created * 1000)),
            "message_create": {
                "target": {"recipient_id": city["id"]},
                "sender_id": item.author["id"],
                "message_data": {"text": item.text, "entities": {}},
            },
        }
        users = {u["id"]: {"id": u["id"], "name": u["name"], "screen_name": u["handle"]} for u in (item.author, city)}
        payload = {"direct_message_events": [event], "users": users}
        return {
            "data": {
                "event_uuid": digits("2", self.world.serial(), 19),
                "filter": {"user_id": city["id"]},
                "event_type": "dm.received",
                "tag": "dms",
                "payload": payload,
            }
        }


def weighted_length(text: str) -> int:
    """§5.6 [X-count]: NFC, each URL counts 23, code points outside the light ranges count 2."""
    text = unicodedata.normalize("NFC", text)
    urls = URL.findall(text)
    rest = URL.sub("", text)
    return 23 * len(urls) + sum(1 if any(lo <= ord(c) <= hi for lo, hi in LIGHT_RANGES) else 2 for c in rest)


def _mentions_in(text: str, city: dict) -> list[dict]:
    found = []
    for match in re.finditer(r"@(\w{1,15})", text):
        mention = {"start": match.start(), "end": match.end(), "username": match.group(1)}
        if match.group(1).lower() == city["handle"].lower():
            mention["id"] = city["id"]
        found.append(mention)
    return found
