"""YouTube Data API v3 under /youtube/v3/: commentThreads.list, comments.list, comments.insert (§6).

YouTube cannot push comments (§6.1): Sigap polls, so there are no webhooks here. Kept: the quota
(10,000 units a day, 1 per list, 50 per insert, `quotaExceeded` when spent, reset at midnight
Pacific, §6.3), Google's error body, exactly-one-filter and maxResults checks (§6.1).
"""

import base64
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from sigap.fakeplatform.base import FakeApi, Person, digits, iso_z, opaque
from sigap.fakeplatform.web import Request, Response, json_response
from sigap.fakeplatform.world import Item

DAILY_QUOTA = 10_000
COSTS = {"commentThreads.list": 1, "comments.list": 1, "comments.insert": 50}
PACIFIC = ZoneInfo("America/Los_Angeles")
MAX_TEXT = 10_000  # a limit exists (commentTextTooLong) but no number was found (§6.2 [U])
REPLIES_SHOWN = 5  # commentThreads carries only a subset of replies (§6.1)


class YouTube(FakeApi):
    platforms = ("youtube",)
    prefix = "/youtube/v3"

    def __init__(self, fake) -> None:
        super().__init__(fake)
        self.quota_limit = DAILY_QUOTA
        self.quota_used = 0
        self.quota_day = None

    def handle(self, request: Request, path: str) -> Response:
        route = {
            ("GET", "commentThreads"): ("commentThreads.list", self._threads),
            ("GET", "comments"): ("comments.list", self._replies),
            ("POST", "comments"): ("comments.insert", self._insert),
        }.get((request.method, path.strip("/")))
        if route is None:
            return self.error(404, "notFound", "Not Found", domain="global")
        method, handler = route
        if self.fault("youtube", "outage"):
            return self.error(503, "backendError", "The service is currently unavailable.", status="UNAVAILABLE")
        token = request.bearer()
        if not token:
            return self.error(
                401,
                "required",
                "Request is missing required authentication credential. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential.",
                status="UNAUTHENTICATED",
                detail="Login Required.",
            )
        if not self.token_ok("youtube", token) or self.fault("youtube", "token"):
            return self.error(
                401,
                "authError",
                "Request had invalid authentication credentials. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential.",
                status="UNAUTHENTICATED",
                detail="Invalid Credentials",
            )
        throttle = self.fault("youtube", "throttle")
        if throttle and throttle.code == "rateLimitExceeded":
            return self.error(
                403,
                "rateLimitExceeded",
                "The request cannot be completed because you have exceeded your quota.",
                domain="youtube.quota",
            )
        if throttle or not self._charge(COSTS[method]):
            return self.error(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your "
                '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                domain="youtube.quota",
                status="PERMISSION_DENIED",
            )
        return handler(request)

    # Errors and quota (§6.3)

    def error(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        domain: str = "youtube.commentThread",
        status: str = "",
        detail: str = "",
    ) -> Response:
        error: dict = {
            "code": code,
            "message": message,
            "errors": [{"message": detail or message, "domain": domain, "reason": reason}],
        }
        if status:
            error["status"] = status
        return json_response({"error": error}, code, error=reason)

    def _charge(self, units: int) -> bool:
        day = datetime.fromtimestamp(self.world.now(), PACIFIC).date()
        if day != self.quota_day:
            self.quota_day, self.quota_used = day, 0
        if self.quota_used + units > self.quota_limit:
            return False
        self.quota_used += units
        return True

    # commentThreads.list (§6.1)

    def _threads(self, request: Request) -> Response:
        query = request.query
        if "part" not in query:
            return self.error(400, "required", "No filter selected. Expected one of: part", domain="global")
        filters = [f for f in ("allThreadsRelatedToChannelId", "videoId", "id") if f in query]
        if len(filters) != 1:
            return self.error(
                400,
                "missingRequiredParameter" if not filters else "incompatibleParameters",
                "Exactly one of allThreadsRelatedToChannelId, videoId or id must be given.",
            )
        size = query.get("maxResults", "20")
        if not size.isdigit() or not 1 <= int(size) <= 100:
            return self.error(
                400,
                "invalidParameter",
                f"Invalid value '{size}'. Values must be within the range: [1, 100]",
                domain="global",
            )
        threads = self._matching(filters[0], query[filters[0]])
        start = _offset(query.get("pageToken", ""))
        page = threads[start : start + int(size)]
        parts = set(query["part"].split(","))
        body: dict = {
            "kind": "youtube#commentThreadListResponse",
            "etag": opaque("", self.world.serial(), 27),
            "pageInfo": {"totalResults": len(page), "resultsPerPage": int(size)},
            "items": [self._thread_json(t, parts, query.get("textFormat", "html")) for t in page],
        }
        if start + int(size) < len(threads):
            body["nextPageToken"] = _token(start + int(size))
        return json_response(body)

    def _matching(self, name: str, value: str) -> list[Item]:
        threads = [t for t in self.world.of("youtube", kind="comment") if not t.deleted]
        if name == "allThreadsRelatedToChannelId":
            threads = threads if value == self.city("youtube")["id"] else []
        elif name == "videoId":
            threads = [t for t in threads if t.extra.get("video") == value]
        else:
            wanted = set(value.split(","))
            threads = [t for t in threads if t.id in wanted]
        return sorted(threads, key=lambda t: (t.created, t.id), reverse=True)  # order=time: newest first

    def _thread_json(self, thread: Item, parts: set[str], text_format: str) -> dict:
        replies = self._replies_of(thread)
        data = {
            "kind": "youtube#commentThread",
            "etag": opaque("", self.world.serial(), 27),
            "id": thread.id,
            "snippet": {
                "channelId": self.city("youtube")["id"],
                "videoId": thread.extra["video"],
                "canReply": True,
                "totalReplyCount": len(replies),
                "isPublic": True,
                "topLevelComment": self._comment_json(thread, text_format),
            },
        }
        if "replies" in parts and replies:
            data["replies"] = {"comments": [self._comment_json(r, text_format) for r in replies[:REPLIES_SHOWN]]}
        return data

    def _comment_json(self, comment: Item, text_format: str = "html") -> dict:
        who = comment.author
        snippet = {
            "channelId": self.city("youtube")["id"],
            "videoId": comment.extra.get("video", ""),
            "textDisplay": comment.text if text_format == "plainText" else escape(comment.text),
            "textOriginal": comment.text,
            "authorDisplayName": "@" + who["handle"],
            "authorProfileImageUrl": "https://yt3.ggpht.com/fake-avatar",
            "authorChannelUrl": f"http://www.youtube.com/@{who['handle']}",
            "authorChannelId": {"value": who["id"]},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": 0,
            "publishedAt": iso_z(comment.created),
            "updatedAt": iso_z(comment.created),
        }
        if comment.parent:
            snippet["parentId"] = comment.parent
        return {
            "kind": "youtube#comment",
            "etag": opaque("", self.world.serial(), 27),
            "id": comment.id,
            "snippet": snippet,
        }

    def _replies_of(self, thread: Item) -> list[Item]:
        return [r for r in self.world.of("youtube") if r.parent == thread.id and not r.deleted]

    # comments.list and comments.insert (§6.1, §6.2)

    def _replies(self, request: Request) -> Response:
        parent = self.world.get(request.query.get("parentId", ""), "youtube")
        if parent is None or parent.deleted:
            return self.error(
                404,
                "commentNotFound",
                "The comment identified by the request's parentId parameter could not be found.",
                domain="youtube.comment",
            )
        items = [self._comment_json(r, request.query.get("textFormat", "html")) for r in self._replies_of(parent)]
        return json_response(
            {
                "kind": "youtube#commentListResponse",
                "etag": opaque("", self.world.serial(), 27),
                "pageInfo": {"totalResults": len(items), "resultsPerPage": 100},
                "items": items,
            }
        )

    def _insert(self, request: Request) -> Response:
        if "snippet" not in request.query.get("part", "").split(","):
            return self.error(400, "required", "Required parameter: part", domain="global")
        snippet = (request.json() or {}).get("snippet") or {}
        parent_id, text = snippet.get("parentId", ""), snippet.get("textOriginal", "")
        if not parent_id:
            return self.error(
                400, "parentIdMissing", "The comment must be linked to a parent comment.", domain="youtube.comment"
            )
        if not text:
            return self.error(
                400,
                "commentTextRequired",
                "The comment resource must contain a snippet.textOriginal.",
                domain="youtube.comment",
            )
        if len(text) > MAX_TEXT:
            return self.error(400, "commentTextTooLong", "The comment text is too long.", domain="youtube.comment")
        parent = self.world.get(parent_id, "youtube")
        if parent is None or parent.deleted or self.fault("youtube", "deleted"):
            # Not in the §6.2 table; what comments.list answers for a missing comment [U].
            return self.error(
                404, "commentNotFound", "The specified parent comment could not be found.", domain="youtube.comment"
            )
        top = self.world.get(parent.parent) if parent.parent else parent  # replies nest one level
        reply = self._city_reply(top or parent, text, answers=parent.id)
        return json_response(self._comment_json(reply))

    def _city_reply(self, thread: Item, text: str, *, answers: str) -> Item:
        city = self.city("youtube")
        item = Item(
            f"{thread.id}.{opaque('9z', self.world.serial(), 22)}",
            "youtube",
            "reply",
            text,
            {"id": city["id"], "handle": city["handle"], "name": city["name"]},
            self.world.now(),
            thread=thread.thread,
            parent=thread.id,
            by_city=True,
            answers=answers,
            extra={"video": thread.extra["video"]},
        )
        return self.world.add(item)

    # The citizen side

    def author(self, platform: str, person: Person) -> dict:
        return {"id": digits("UCwarga", person.index, 24), "handle": person.handle, "name": person.name}

    def prepare(self, item: Item, options: dict) -> None:
        parent = self.world.get(options.get("parent", ""), "youtube")
        if parent is not None:
            top = self.world.get(parent.parent) if parent.parent else parent
            item.kind, item.parent, item.thread = "reply", top.id, top.thread
            item.id = f"{top.id}.{opaque('9z', self.world.serial(), 22)}"
        else:
            item.thread = options.get("thread") or self.default_thread("youtube").id
            item.id = opaque("Ugz", self.world.serial(), 26)
        item.extra["video"] = item.thread


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":")[1])
    except (ValueError, IndexError):
        return 0
