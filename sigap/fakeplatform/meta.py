"""Meta: the Graph API under /meta/<version>/ for Instagram, Facebook Pages, Messenger and WhatsApp (§1–§4).

One envelope and one signature for all four products (§1.3); the Graph error body everywhere (§1.4).
Rules kept: one private reply per comment within 7 days (§2.4, §3.5), DMs within 24 h of the
citizen's last message (7 days with HUMAN_AGENT), WhatsApp free-form only inside 24 h — refused
the way the Cloud API refuses it, with a `failed` status webhook carrying 131047 after a 200 (§4.2,
§4.5) — approved templates only, and the text limits of §2.4, §3.5 and §4.5.
"""

import hashlib
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sigap.fakeplatform.base import FakeApi, Person, digits, graph_time, opaque
from sigap.fakeplatform.web import Request, Response, json_response
from sigap.fakeplatform.world import Item

VERSION = re.compile(r"^v\d+\.\d+$")
HOUR, DAY = 3600, 86400
DM_WINDOW = 24 * HOUR  # §2.4, §3.5
HUMAN_AGENT_WINDOW = 7 * DAY
PRIVATE_REPLY_WINDOW = 7 * DAY
WA_WINDOW = 24 * HOUR  # §4.5
# Text limits: §2.4 IG DMs 1,000 [U: chars or bytes; chars here]; Messenger (and FB private replies,
# which go through the same Send API) 2,000 (§3.5); WhatsApp 4,096 (§4.5). Public comments have no
# documented limit [U]: Instagram's caption limit (2,200) and Facebook's long-known 8,000 stand in.
IG_DM_MAX, MESSENGER_MAX, WA_TEXT_MAX = 1000, 2000, 4096
IG_COMMENT_MAX, FB_COMMENT_MAX = 2200, 8000
# Templates the fake city has had approved (§4.4): name, language -> number of body parameters.
TEMPLATES = {("jawaban_pengaduan", "id"): 2, ("nomor_lacak_aduan", "id"): 1, ("tindak_lanjut_aduan", "id"): 2}
# Throttling answers by product unless a fault names another code (§1.4).
THROTTLE_CODES = {"instagram": 4, "facebook": 32, "messenger": 613, "whatsapp": 130429}
THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    130429: "(#130429) Rate limit hit",
}
PAGE_PRODUCTS = ("facebook", "messenger")
PACIFIC = ZoneInfo("America/Los_Angeles")
IG_MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZA"  # the fixed start of real IG message ids (§2.1)


class Meta(FakeApi):
    platforms = ("instagram", "facebook", "messenger", "whatsapp")
    prefix = "/meta"

    def __init__(self, fake) -> None:
        super().__init__(fake)
        self.media: dict[str, dict] = {}  # WhatsApp media id -> {"mime_type", "bytes"}

    # Routing -------------------------------------------------------------------------------

    def handle(self, request: Request, path: str) -> Response:
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["lookaside"]:
            return self._download(request)
        if not parts or not VERSION.match(parts[0]) or len(parts) > 3:
            return self.error(400, 2500, f"Unknown path components: /{'/'.join(parts[3:] or parts)}")
        node, edge = (parts + ["", ""])[1:3]
        kind, product, obj = self._resolve(request, node, edge)
        if product and self.fault(product, "outage"):
            return self._outage(product)
        token = request.bearer() or request.params().get("access_token", "")
        if not self.token_ok(_owners(product) if product else self.platforms, token):
            return self.error(400, 190, "Invalid OAuth access token - Cannot parse access token", auth=True)
        if product and self.fault(product, "token"):
            return self._expired()
        if product and (fault := self.fault(product, "throttle")):
            return self._throttled(product, fault.code)
        if kind in ("ig_comment", "ig_media", "fb_post", "fb_comment") and self.fault(product, "deleted"):
            kind = None  # the deleted-comment switch: every object looks gone
        handler = getattr(self, f"_{kind}_{request.method.lower()}_{edge or 'node'}", None) if kind else None
        if handler is None:
            return self._missing(request.method, node)
        return handler(request, obj, product)

    def _resolve(self, request: Request, node: str, edge: str) -> tuple[str | None, str | None, object]:
        """What a node id names: (handler kind, product, object)."""
        accounts = self.config.accounts
        if node == accounts["instagram"]["id"]:
            return "ig_account", "instagram", None
        if node == accounts["facebook"]["id"]:
            recipient = _as_dict(request.params().get("recipient"))
            product = "messenger" if edge == "messages" and "id" in recipient else "facebook"
            return "page", product, None
        if node == accounts["whatsapp"]["id"]:
            return "wa_phone", "whatsapp", None
        if node in self.media:
            return "wa_media", "whatsapp", self.media[node]
        item = self.world.get(node)
        if item is None or item.platform not in ("instagram", "facebook") or item.kind == "dm":
            return None, None, None  # DMs are not Graph nodes one can reply under
        if item.deleted:
            return None, item.platform, None
        if item.platform == "instagram":
            return ("ig_media" if item.kind == "post" else "ig_comment"), "instagram", item
        return ("fb_post" if item.kind == "post" else "fb_comment"), "facebook", item

    # Errors (§1.4) ---------------------------------------------------------------------------

    def error(
        self,
        status: int,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        transient: bool | None = None,
        error_data: dict | None = None,
        headers: dict | None = None,
        auth: bool = False,
    ) -> Response:
        error: dict = {"message": message, "type": "OAuthException", "code": code}
        if subcode:
            error["error_subcode"] = subcode
        if transient is not None:
            error["is_transient"] = transient
        if error_data:
            error["error_data"] = error_data
        error["fbtrace_id"] = opaque("A", self.world.serial(), 23)
        headers = dict(headers or {})
        if auth:
            headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
        return json_response({"error": error}, status, headers, error=str(code))

    def _outage(self, product: str) -> Response:
        if product == "whatsapp":
            return self.error(
                500,
                131000,
                "(#131000) Something went wrong",
                transient=True,
                error_data={"messaging_product": "whatsapp", "details": "Something went wrong"},
            )
        return self.error(500, 2, "An unexpected error has occurred. Please retry your request later.", transient=True)

    def _expired(self) -> Response:
        # Graph words this in Pacific time, as Meta's servers keep it.
        when = datetime.fromtimestamp(self.world.now(), tz=PACIFIC)
        message = (
            f"Error validating access token: Session has expired on {when:%A, %d-%b-%y %H:%M:%S %Z}. "
            f"The current time is {when:%A, %d-%b-%y %H:%M:%S %Z}."
        )
        return self.error(400, 190, message, subcode=463, auth=True)

    def _throttled(self, product: str, code: str) -> Response:
        number = int(code) if str(code).isdigit() else THROTTLE_CODES[product]
        message = THROTTLE_MESSAGES.get(
            number, f"(#{number}) There have been too many calls. Wait a bit and try again."
        )
        headers = {"X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 25, "total_time": 40})}
        if 80000 <= number < 81000:  # BUC throttling says when access returns, in minutes (§1.4 [U])
            usage = [
                {
                    "type": product,
                    "call_count": 100,
                    "total_cputime": 10,
                    "total_time": 10,
                    "estimated_time_to_regain_access": 1,
                }
            ]
            headers["X-Business-Use-Case-Usage"] = json.dumps({self.city(product)["id"]: usage})
        details = {"messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached."}
        return self.error(
            400, number, message, transient=True, headers=headers, error_data=details if product == "whatsapp" else None
        )

    def _missing(self, method: str, node: str) -> Response:
        return self.error(
            400,
            100,
            f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation. Please read the Graph API documentation at "
            "https://developers.facebook.com/docs/graph-api",
            subcode=33,
        )

    def _too_long(self, limit: int) -> Response:
        return self.error(400, 100, f"(#100) Length of param message[text] must be less than or equal to {limit}")

    def _window_closed(self, product: str) -> Response:
        # §1.4 / Messenger error table: code 10 with 2018278 (Messenger) or 2534022 (Instagram) [U].
        subcode = 2534022 if product == "instagram" else 2018278
        return self.error(400, 10, "(#10) This message is sent outside of allowed window.", subcode=subcode)

    # Instagram (§2) --------------------------------------------------------------------------

    def _ig_account_get_node(self, request: Request, obj, product: str) -> Response:
        """§2.1: mention lookups through field expansion on the IG user node."""
        fields = request.params().get("fields", "")
        city = self.city("instagram")
        found = re.match(r"mentioned_(comment)\.comment_id\((\w+)\)|mentioned_(media)\.media_id\((\w+)\)", fields)
        if not found:
            return json_response({"id": city["id"], "username": city["handle"], "name": city["name"]})
        item = self.world.get(found.group(2) or found.group(4), "instagram")
        mentioned = item is not None and not item.deleted and f"@{city['handle']}" in item.text.lower()
        if not mentioned:
            return self._missing("GET", found.group(2) or found.group(4))
        if found.group(1):
            data = {
                "text": item.text,
                "timestamp": graph_time(item.created),
                "from": {"id": item.author["id"], "username": item.author["handle"]},
                "media": {"id": item.thread},
                "id": item.id,
            }
            return json_response({"mentioned_comment": data, "id": city["id"]})
        data = {
            "caption": item.text,
            "permalink": item.extra.get("permalink", ""),
            "timestamp": graph_time(item.created),
            "id": item.id,
        }
        return json_response({"mentioned_media": data, "id": city["id"]})

    def _ig_account_get_media(self, request: Request, obj, product: str) -> Response:
        posts = self.world.of("instagram", kind="post", by_city=True)[::-1]
        return json_response({"data": [self._ig_media_json(p) for p in posts]})

    def _ig_account_post_messages(self, request: Request, obj, product: str) -> Response:
        """§2.3: a private reply (recipient.comment_id) or a DM (recipient.id)."""
        params = request.params()
        recipient, text = _as_dict(params.get("recipient")), _as_dict(params.get("message")).get("text", "")
        if not text:
            return self.error(400, 100, "(#100) Message cannot be empty, must provide valid attachment or text")
        if len(text) > IG_DM_MAX:
            return self._too_long(IG_DM_MAX)
        if "comment_id" in recipient:
            return self._private_reply("instagram", recipient["comment_id"], text, ("comment", "reply", "mention"))
        if "id" in recipient:
            return self._dm("instagram", recipient["id"], text, params)
        return self.error(400, 100, "(#100) param recipient must be non-empty.")

    def _ig_account_post_mentions(self, request: Request, obj, product: str) -> Response:
        """§2.3: reply where the city was @mentioned: under the comment, or on the media (caption mention)."""
        params = request.params()
        text, target_id = params.get("message", ""), params.get("comment_id") or params.get("media_id", "")
        target = self.world.get(target_id, "instagram")
        if target is None or target.deleted or f"@{self.city('instagram')['handle']}" not in target.text.lower():
            return self._missing("POST", target_id)
        if not text:
            return self.error(400, 100, "(#100) The parameter message is required")
        top = self.world.get(target.parent) or target if target.kind != "post" else None
        reply = self._city_comment(
            "instagram",
            text,
            thread=target.thread if top else target.id,
            parent=top.id if top else "",
            answers=target.id,
        )
        return json_response({"id": reply.id})

    def _ig_media_get_comments(self, request: Request, media: Item, product: str) -> Response:
        comments = [
            c
            for c in self.world.of("instagram")
            if c.thread == media.id and not c.parent and c.kind in ("comment", "mention") and not c.deleted
        ]
        return json_response({"data": [self._ig_comment_json(c) for c in comments[::-1]]})

    def _ig_media_post_comments(self, request: Request, media: Item, product: str) -> Response:
        text = request.params().get("message", "")
        if len(text) > IG_COMMENT_MAX:
            return self._too_long(IG_COMMENT_MAX)
        return json_response({"id": self._city_comment("instagram", text, thread=media.id).id})

    def _ig_comment_get_node(self, request: Request, comment: Item, product: str) -> Response:
        return json_response(self._ig_comment_json(comment))

    def _ig_comment_get_replies(self, request: Request, comment: Item, product: str) -> Response:
        replies = [r for r in self.world.of("instagram") if r.parent == comment.id and not r.deleted]
        return json_response({"data": [self._ig_comment_json(r) for r in replies]})

    def _ig_comment_post_replies(self, request: Request, comment: Item, product: str) -> Response:
        """§2.3: only top-level comments take replies; a reply to a reply lands on the top-level thread."""
        text = request.params().get("message", "")
        if not text:
            return self.error(400, 100, "(#100) The parameter message is required")
        if len(text) > IG_COMMENT_MAX:
            return self._too_long(IG_COMMENT_MAX)
        top = self.world.get(comment.parent) if comment.parent else comment
        reply = self._city_comment(
            "instagram", text, thread=comment.thread, parent=(top or comment).id, answers=comment.id
        )
        return json_response({"id": reply.id})

    def _ig_media_json(self, media: Item) -> dict:
        comments = sum(1 for c in self.world.of("instagram") if c.thread == media.id and not c.deleted)
        return {
            "id": media.id,
            "caption": media.text,
            "permalink": media.extra.get("permalink", ""),
            "timestamp": graph_time(media.created),
            "media_product_type": "FEED",
            "comments_count": comments,
        }

    def _ig_comment_json(self, comment: Item) -> dict:
        data = {
            "id": comment.id,
            "text": comment.text,
            "timestamp": graph_time(comment.created),
            "username": comment.author["handle"],
            "from": {"id": comment.author["id"], "username": comment.author["handle"]},
            "media": {"id": comment.thread},
            "like_count": 0,
        }
        if comment.parent:
            data["parent_id"] = comment.parent
        return data

    # Facebook Page and Messenger (§3) -------------------------------------------------------

    def _page_get_feed(self, request: Request, obj, product: str) -> Response:
        posts = [p for p in self.world.of("facebook", kind="post") if not p.deleted][::-1]
        data = [
            {
                "id": p.id,
                "message": p.text,
                "created_time": graph_time(p.created),
                "permalink_url": f"https://www.facebook.com/{p.id}",
            }
            for p in posts
        ]
        return json_response({"data": data})

    def _page_post_messages(self, request: Request, obj, product: str) -> Response:
        """§3.4: a private reply to a comment or visitor post, or a Messenger message."""
        params = request.params()
        recipient, text = _as_dict(params.get("recipient")), _as_dict(params.get("message")).get("text", "")
        if not text:
            return self.error(400, 100, "(#100) Message cannot be empty, must provide valid attachment or text")
        if len(text) > MESSENGER_MAX:
            return self._too_long(MESSENGER_MAX)
        if "comment_id" in recipient or "post_id" in recipient:
            target = recipient.get("comment_id") or recipient.get("post_id")
            return self._private_reply("facebook", target, text, ("comment", "reply", "post"))
        if "id" not in recipient:
            return self.error(400, 100, "(#100) param recipient must be non-empty.")
        if params.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return self.error(400, 100, "(#100) The parameter messaging_type is required")  # [U exact wording]
        if self.fault("messenger", "deleted"):
            return self.error(400, 551, "(#551) This person isn't available right now.")
        return self._dm("messenger", recipient["id"], text, params)

    def _fb_post_get_comments(self, request: Request, post: Item, product: str) -> Response:
        comments = [c for c in self.world.of("facebook") if c.thread == post.id and c.kind != "post" and not c.deleted]
        return json_response({"data": [self._fb_comment_json(c) for c in comments[::-1]]})

    _fb_comment_get_comments = _fb_post_get_comments

    def _fb_post_post_comments(self, request: Request, target: Item, product: str) -> Response:
        """§3.4: a public comment under a post or comment; Facebook nests one level, like Instagram."""
        text = request.params().get("message", "")
        if not text:
            return self.error(400, 100, "(#100) The parameter message is required")
        if len(text) > FB_COMMENT_MAX:
            return self._too_long(FB_COMMENT_MAX)
        parent = ""
        if target.kind != "post":
            parent = target.parent if target.parent and target.parent != target.thread else target.id
        reply = self._city_comment("facebook", text, thread=target.thread, parent=parent, answers=target.id)
        return json_response({"id": reply.id})

    _fb_comment_post_comments = _fb_post_post_comments

    def _fb_comment_get_node(self, request: Request, comment: Item, product: str) -> Response:
        return json_response(self._fb_comment_json(comment))

    def _fb_comment_json(self, comment: Item) -> dict:
        return {
            "id": comment.id,
            "message": comment.text,
            "created_time": graph_time(comment.created),
            "from": {"id": comment.author["id"], "name": comment.author["name"]},
            "permalink_url": f"https://www.facebook.com/{comment.thread}",
        }

    # Shared by Instagram and Facebook/Messenger -----------------------------------------------

    def _private_reply(self, platform: str, target_id: str, text: str, kinds: tuple) -> Response:
        """§2.4, §3.5: one message per comment or visitor post, within 7 days of it."""
        target = self.world.get(target_id, platform)
        if (
            target is None
            or target.deleted
            or target.by_city
            or target.kind not in kinds
            or self.fault(platform, "deleted")
        ):
            return self._missing("POST", target_id)
        if target.private_replied:
            # The legacy private_replies edge answered a second reply with #10900 [U for the Send API].
            return self.error(400, 10900, "(#10900) Activity already replied to")
        if self.world.now() - target.created > PRIVATE_REPLY_WINDOW:
            return self._window_closed(platform)
        target.private_replied = True
        recipient = target.author.get("psid", target.author["id"])
        message = self._city_message(platform, text, recipient, answers=target.id, private=True)
        return json_response({"recipient_id": recipient, "message_id": message.id})

    def _dm(self, platform: str, recipient: str, text: str, params: dict) -> Response:
        """A DM inside the window opened by the citizen's last message (§2.4, §3.5)."""
        last = self.world.last_from(platform, recipient)
        if last is None:
            return self.error(400, 100, "(#100) No matching user found", subcode=2018001)
        tagged = params.get("messaging_type") == "MESSAGE_TAG" and params.get("tag") == "HUMAN_AGENT"
        if self.world.now() - last.created > (HUMAN_AGENT_WINDOW if tagged else DM_WINDOW):
            return self._window_closed(platform)
        message = self._city_message(platform, text, recipient, answers=last.id, private=True)
        return json_response({"recipient_id": recipient, "message_id": message.id})

    def _city_comment(self, platform: str, text: str, *, thread: str, parent: str = "", answers: str = "") -> Item:
        city = self.city(platform)
        if platform == "instagram":
            item_id = digits("1805", self.world.serial(), 17)
        else:
            item_id = f"{thread.split('_')[-1]}_{digits('9001', self.world.serial(), 15)}"
        author = {"id": city["id"], "handle": city["handle"], "name": city["name"], "username": city["handle"]}
        item = self.world.add(
            Item(
                item_id,
                platform,
                "reply" if parent else "comment",
                text,
                author,
                self.world.now(),
                thread=thread,
                parent=parent,
                by_city=True,
                answers=answers,
            )
        )
        # The platforms deliver the account's own comments to the webhook too (§2.1, §3.1), except on
        # media the city does not own (its replies under mentions).
        for group, body, label in [] if self._foreign(thread) else self.events(item, "create"):
            self.fake.deliverer.send(group, body, label=label, item_ids=[item.id], now=False)
        return item

    def _city_message(self, platform: str, text: str, recipient: str, *, answers: str, private: bool) -> Item:
        city = self.city(platform)
        prefix = IG_MID if platform == "instagram" else "m_"
        item = Item(
            opaque(prefix, self.world.serial(), 64 if platform == "instagram" else 40),
            platform,
            "dm",
            text,
            {"id": city["id"], "handle": city["handle"], "name": city["name"]},
            self.world.now(),
            thread=recipient,
            by_city=True,
            answers=answers,
            private=private,
        )
        return self.world.add(item)

    # WhatsApp (§4) --------------------------------------------------------------------------

    def _wa_phone_post_messages(self, request: Request, obj, product: str) -> Response:
        body = request.json()
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return self.error(400, 100, "(#100) The parameter messaging_product is required.")
        if body.get("status") == "read":
            return json_response({"success": True})
        to = str(body.get("to") or body.get("recipient") or "")
        kind = body.get("type", "text")
        if not to:
            return self._wa_invalid("The parameter to is required.")
        if kind == "text":
            text = _as_dict(body.get("text")).get("body", "")
            if not text:
                return self._wa_invalid("The parameter text['body'] is required.")
            if len(text) > WA_TEXT_MAX:
                return self._wa_invalid(f"Param text['body'] must be at most {WA_TEXT_MAX} characters long.")
        elif kind == "template":
            problem = self._template_problem(_as_dict(body.get("template")))
            if problem:
                return problem
            text = self._template_text(_as_dict(body.get("template")))
        else:
            return self._wa_invalid(f"The fake platform sends only text and template messages, not {kind!r}.")
        return self._wa_accept(to, kind, text, _as_dict(body.get("context")).get("message_id", ""))

    def _wa_accept(self, to: str, kind: str, text: str, quoted: str) -> Response:
        """The Cloud API answers 200 first; whether the message can go out arrives later as a status (§4.2)."""
        citizen = self._wa_citizen(to)
        last = self.world.last_from("whatsapp", citizen["id"]) if citizen else None
        city = self.city("whatsapp")
        item = self.world.add(
            Item(
                "wamid." + opaque("HBgN", self.world.serial(), 48),
                "whatsapp",
                "dm",
                text,
                {"id": city["id"], "handle": city["handle"], "name": city["name"]},
                self.world.now(),
                thread=(citizen or {}).get("id", to),
                by_city=True,
                private=True,
                answers=quoted if self.world.get(quoted) else (last.id if last else ""),
                extra={"type": kind, "to": to},
            )
        )
        if citizen is None or self.fault("whatsapp", "deleted"):
            self._wa_status(item, "failed", (131026, "Message undeliverable"))
        elif kind == "text" and self.world.now() - last.created > WA_WINDOW:
            self._wa_status(item, "failed", (131047, "Re-engagement message"))
        else:
            self._wa_status(item, "sent")
            self._wa_status(item, "delivered")
        wa_id = (citizen or {}).get("phone", to)
        return json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": wa_id}],
                "messages": [{"id": item.id}],
            }
        )

    def _wa_citizen(self, address: str) -> dict | None:
        for item in reversed(self.world.of("whatsapp", by_city=False)):
            if address in (item.author.get("phone"), item.author.get("bsuid")):
                return item.author
        return None

    def _wa_status(self, item: Item, status: str, error: tuple[int, str] | None = None) -> None:
        item.status = status
        entry = {
            "id": item.id,
            "status": status,
            "timestamp": str(int(self.world.now())),
            "recipient_id": item.extra["to"],
        }
        if error:
            item.error = f"{error[0]} {error[1]}"
            entry["errors"] = [
                {
                    "code": error[0],
                    "title": error[1],
                    "message": error[1],
                    "error_data": {"details": _WA_ERROR_DETAILS[error[0]]},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                }
            ]
        else:
            entry["pricing"] = {
                "billable": False,
                "pricing_model": "PMP",
                "category": "service",
                "type": "free_customer_service",
            }
        value = {"messaging_product": "whatsapp", "metadata": self._wa_metadata(), "statuses": [entry]}
        body = self._envelope("whatsapp_business_account", self.city("whatsapp")["waba"], changes=[("messages", value)])
        self.fake.deliverer.send("meta", body, label=f"whatsapp status {status}", item_ids=[item.id], now=False)

    def _template_problem(self, template: dict) -> Response | None:
        name, language = template.get("name", ""), _as_dict(template.get("language")).get("code", "")
        if (name, language) not in TEMPLATES:
            return self.error(
                404,
                132001,
                "(#132001) Template name does not exist in the translation",
                error_data={
                    "messaging_product": "whatsapp",
                    "details": f"template name ({name}) does not exist in {language}",
                },
            )
        given = sum(len(_as_dict(c).get("parameters", [])) for c in template.get("components", []) or [])
        if given != TEMPLATES[(name, language)]:
            return self.error(
                400,
                132000,
                "(#132000) Number of parameters does not match the expected number of params",
                error_data={
                    "messaging_product": "whatsapp",
                    "details": f"body: number of localizable_params ({given}) does not match the "
                    f"expected number of params ({TEMPLATES[(name, language)]})",
                },
            )
        return None

    @staticmethod
    def _template_text(template: dict) -> str:
        values = [
            p.get("text", "") for c in template.get("components", []) or [] for p in _as_dict(c).get("parameters", [])
        ]
        return f"[template {template.get('name')}] " + " · ".join(values)

    def _wa_invalid(self, details: str) -> Response:
        return self.error(
            400, 100, "(#100) Invalid parameter", error_data={"messaging_product": "whatsapp", "details": details}
        )

    def _wa_media_get_node(self, request: Request, media: dict, product: str) -> Response:
        """§4.3: the media's short-lived download URL, fetched with the same token."""
        url = f"{self.fake.url}/meta/lookaside/whatsapp_business/attachments/?mid={media['id']}"
        return json_response(
            {
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": media["mime_type"],
                "sha256": hashlib.sha256(media["bytes"]).hexdigest(),
                "file_size": len(media["bytes"]),
                "id": media["id"],
            }
        )

    def _download(self, request: Request) -> Response:
        media = self.media.get(request.query.get("mid", ""))
        if media is None or not self.token_ok("whatsapp", request.bearer()):
            return Response(404, b"Not Found", content_type="text/plain")
        return Response(200, media["bytes"], content_type=media["mime_type"])

    # The citizen side: ids, and the webhooks Meta sends ----------------------------------------

    def author(self, platform: str, person: Person) -> dict:
        base = {"handle": person.handle, "name": person.name}
        if platform == "instagram":
            return base | {"id": digits("62", person.index, 16), "self_ig_scoped_id": digits("21", person.index, 16)}
        if platform == "facebook":
            return base | {"id": digits("71", person.index, 16), "psid": digits("25", person.index, 17)}
        if platform == "messenger":
            return base | {"id": digits("25", person.index, 17)}
        phone = digits("62813", person.index, 13)
        return base | {"id": phone, "phone": phone, "bsuid": f"ID.{1502576394655000 + person.index}"}

    def prepare(self, item: Item, options: dict) -> None:
        getattr(self, f"_prepare_{item.platform}")(item, options)

    def _prepare_instagram(self, item: Item, options: dict) -> None:
        if item.kind == "dm":
            item.id, item.thread = opaque(IG_MID, self.world.serial(), 64), item.author["id"]
            return
        item.id = digits("1805", self.world.serial(), 17)
        parent = self.world.get(options.get("parent", ""), "instagram")
        if item.kind == "mention" or (parent is not None and self._foreign(parent.thread)):
            # On someone else's media the city hears only what tags it (§2.1): follow-ups tag it again.
            handle = "@" + self.city("instagram")["handle"]
            item.kind = "mention"
            item.text = item.text if handle in item.text.lower() else f"{handle} {item.text}"
            item.thread = parent.thread if parent else options.get("thread") or self._foreign_media().id
            item.parent = (parent.parent or parent.id) if parent else ""
            return
        if parent is not None:
            item.kind, item.parent, item.thread = "reply", parent.parent or parent.id, parent.thread
        else:
            item.thread = options.get("thread") or self.default_thread("instagram").id

    def _prepare_facebook(self, item: Item, options: dict) -> None:
        serial = self.world.serial()
        if item.kind == "post":  # a visitor post on the Page
            item.id = f"{self.city('facebook')['id']}_{digits('1221', serial, 15)}"
            item.thread = item.id
            return
        parent = self.world.get(options.get("parent", ""), "facebook")
        if parent is not None and parent.kind == "post":
            item.thread = parent.id  # a comment under a visitor post
        elif parent is not None:
            item.kind, item.thread = "reply", parent.thread
            item.parent = parent.parent if parent.parent and parent.parent != parent.thread else parent.id
        else:
            item.thread = options.get("thread") or self.default_thread("facebook").id
        item.id = f"{item.thread.split('_')[-1]}_{digits('9000', serial, 15)}"

    def _prepare_messenger(self, item: Item, options: dict) -> None:
        item.id, item.thread = opaque("m_", self.world.serial(), 40), item.author["id"]

    def _prepare_whatsapp(self, item: Item, options: dict) -> None:
        item.id, item.thread = "wamid." + opaque("HBgN", self.world.serial(), 48), item.author["id"]
        if options.get("media"):
            media_id = digits("9", self.world.serial(), 16)
            self.media[media_id] = {"id": media_id, "mime_type": "image/jpeg", "bytes": _TINY_JPEG}
            item.extra["image"] = media_id
        if options.get("location"):
            item.extra["location"] = options["location"]

    def _foreign(self, media_id: str) -> bool:
        media = self.world.get(media_id, "instagram")
        return bool(media and media.extra.get("foreign"))

    def _foreign_media(self) -> Item:
        """Someone else's post where citizens tag the city (§2.1 mentions)."""
        found = [p for p in self.world.of("instagram", kind="post") if p.extra.get("foreign")]
        if found:
            return found[-1]
        author = {"id": "17841400000009999", "handle": "infosolo.raya", "name": "Info Solo Raya"}
        return self.world.add(
            Item(
                digits("1807", self.world.serial(), 17),
                "instagram",
                "post",
                "Info terkini seputar Solo Raya 📍",
                author,
                self.world.now(),
                extra={"foreign": True, "permalink": "https://www.instagram.com/p/FakeSoloRaya/"},
            )
        )

    def events(self, item: Item, event: str) -> list[tuple[str, bytes, str]]:
        builder = getattr(self, f"_event_{item.platform}")
        body = builder(item, event)
        return [("meta", body, f"{item.platform} {item.kind} {event}")] if body else []

    def edit(self, item: Item, text: str) -> None:
        # Of Meta's products only Facebook lets people edit, and says so with verb "edited" (§3.1).
        if item.platform != "facebook":
            super().edit(item, text)
        item.edits.append(item.text)
        item.text = text

    def _event_instagram(self, item: Item, event: str) -> bytes | None:
        city = self.city("instagram")
        if item.kind == "dm":
            message = {"mid": item.id, "is_deleted": True} if event == "delete" else {"mid": item.id, "text": item.text}
            return self._messaging("instagram", city["id"], item, message)
        if event != "create":
            return None  # IG sends no webhook when a comment is deleted [U]; replies then fail with 100/33
        if item.kind == "mention":
            value = {"media_id": item.thread, "comment_id": item.id}
            return self._envelope("instagram", city["id"], changes=[("mentions", value)], time=item.created)
        who = item.author
        value = {
            "id": item.id,
            "from": {"id": who["id"], "username": who["handle"]},
            "text": item.text,
            "media": {"id": item.thread, "media_product_type": "FEED"},
        }
        if "self_ig_scoped_id" in who:
            value["from"]["self_ig_scoped_id"] = who["self_ig_scoped_id"]
        if item.parent:
            value["parent_id"] = item.parent
        return self._envelope("instagram", city["id"], changes=[("comments", value)], time=item.created)

    def _event_facebook(self, item: Item, event: str) -> bytes:
        page = self.city("facebook")["id"]
        verb = {"create": "add", "edit": "edited", "delete": "remove"}[event]
        value: dict = {"from": {"id": item.author["id"], "name": item.author["name"]}}
        if item.kind == "post":
            value |= {"item": "status", "verb": verb, "post_id": item.id, "published": 1}
        else:
            value |= {
                "item": "comment",
                "verb": verb,
                "comment_id": item.id,
                "post_id": item.thread,
                "parent_id": item.parent or item.thread,
            }
        value["created_time"] = int(self.world.now() if event == "edit" else item.created)
        if event != "delete":
            value["message"] = item.text
        if item.kind != "post" and event == "create":
            value["post"] = {
                "id": item.thread,
                "status_type": "added_photos",
                "is_published": True,
                "updated_time": graph_time(item.created),
                "promotion_status": "inactive",
            }
        return self._envelope("page", page, changes=[("feed", value)], time=self.world.now())

    def _event_messenger(self, item: Item, event: str) -> bytes | None:
        if event != "create":
            return None
        return self._messaging("page", self.city("messenger")["id"], item, {"mid": item.id, "text": item.text})

    def _event_whatsapp(self, item: Item, event: str) -> bytes | None:
        if event != "create":
            return None  # no webhook for a deleted WhatsApp message in §4
        who = item.author
        message: dict = {
            "from": who["phone"],
            "from_user_id": who["bsuid"],
            "id": item.id,
            "timestamp": str(int(item.created)),
        }
        if "image" in item.extra:
            message |= {
                "type": "image",
                "image": {
                    "id": item.extra["image"],
                    "mime_type": "image/jpeg",
                    "sha256": hashlib.sha256(_TINY_JPEG).hexdigest(),
                    "caption": item.text,
                },
            }
        elif "location" in item.extra:
            message |= {"type": "location", "location": item.extra["location"]}
        else:
            message |= {"type": "text", "text": {"body": item.text}}
        contact = {"profile": {"name": who["name"]}, "wa_id": who["phone"], "user_id": who["bsuid"]}
        value = {
            "messaging_product": "whatsapp",
            "metadata": self._wa_metadata(),
            "contacts": [contact],
            "messages": [message],
        }
        return self._envelope("whatsapp_business_account", self.city("whatsapp")["waba"], changes=[("messages", value)])

    def _messaging(self, meta_object: str, account_id: str, item: Item, message: dict) -> bytes:
        if item.extra.get("attachments"):
            message["attachments"] = item.extra["attachments"]
        event = {
            "sender": {"id": item.author["id"]},
            "recipient": {"id": account_id},
            "timestamp": int(item.created * 1000),
            "message": message,
        }
        # §1.3: messaging deliveries carry entry.time in milliseconds.
        return self._envelope(meta_object, account_id, messaging=[event], time=self.world.now(), millis=True)

    def _wa_metadata(self) -> dict:
        city = self.city("whatsapp")
        return {"display_phone_number": city["handle"], "phone_number_id": city["id"]}

    def _envelope(
        self,
        meta_object: str,
        entry_id: str,
        *,
        changes=(),
        messaging=(),
        time: float | None = None,
        millis: bool = False,
    ) -> bytes:
        moment = self.world.now() if time is None else time
        entry: dict = {"id": entry_id, "time": int(moment * 1000) if millis else int(moment)}
        if changes:
            entry["changes"] = [{"field": name, "value": value} for name, value in changes]
        if messaging:
            entry["messaging"] = list(messaging)
        # §1.2: Meta sends non-ASCII \u-escaped and signs those bytes; json.dumps' default does the same.
        return json.dumps({"object": meta_object, "entry": [entry]}, ensure_ascii=True, separators=(",", ":")).encode()


def _owners(product: str) -> tuple[str, ...]:
    """Whose tokens may act on this product's objects: one Page serves Facebook and Messenger."""
    return PAGE_PRODUCTS if product in PAGE_PRODUCTS else (product,)


def _as_dict(value) -> dict:
    """Graph parameters arrive as JSON objects, or as JSON strings inside a form."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


_WA_ERROR_DETAILS = {
    131026: "Message failed to send because the recipient is not a WhatsApp user or cannot receive this message.",
    131047: (
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
    ),
}
# The smallest valid JPEG (a 1×1 grey pixel): what a citizen's photo downloads as.
_TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f"
    "1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f0000"
    "010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d010203000411"
    "05122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445"
    "464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9"
    "aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda00080101"
    "00003f00fbd3ffd9"
)
