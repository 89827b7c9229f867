"""Facebook Page: comments and visitor posts (`feed`), and Messenger conversations with the Page (§3).

Both arrive under `"object": "page"`: the feed as `changes[]`, Messenger as `messaging[]`. They are two
platforms because a Messenger conversation and a public comment are answered, windowed and limited
differently.
"""

from datetime import timedelta

from sigap.platforms.base import Inbound, OutboundReply, Sent, as_id, as_text, dig, from_timestamp
from sigap.platforms.meta import MetaPlatform

# §3.1: the items that can be a complaint. Visitor posts come as post, status or photo.
FEED_ITEMS = {"comment", "post", "status", "photo"}
# §3.5: Send API limit; private replies go through it. Public comments: no documented limit [U].
MESSENGER_MAX_TEXT = 2000


class Facebook(MetaPlatform):
    name = "facebook"
    label = "Facebook"
    meta_object = "page"
    max_text = MESSENGER_MAX_TEXT
    private_reply_window = timedelta(days=7)  # one message per post/comment (§3.5)

    def can_thread(self, reply: OutboundReply | None) -> bool:
        return not (reply and reply.private)  # a private reply is one-shot (§3.5)

    def parse_change(self, entry: dict, change: dict) -> list[Inbound]:
        value = change.get("value")
        if change.get("field") != "feed" or not isinstance(value, dict) or value.get("item") not in FEED_ITEMS:
            return []  # reactions, likes, shares, …
        page_id = as_id(entry.get("id"))
        author_id = as_id(dig(value, "from", "id"))  # may be missing when user data is restricted (§3.1)
        item_id = as_id(value.get("comment_id") if value["item"] == "comment" else value.get("post_id"))
        if not item_id or (author_id and author_id == page_id):
            return []  # the Page's own posts and comments, our replies among them
        kind = self._kind(value)
        if kind is None:
            return []
        post_id = as_id(value.get("post_id"))
        inbound = Inbound(
            platform=self.name,
            account_id=page_id,
            external_id=item_id,
            kind=kind,
            thread_id=post_id,
            author_id=author_id,
            author_name=as_text(dig(value, "from", "name")),
            text=as_text(value.get("message")),
            # §3.6: permalink_url is not in the webhook; this fallback works for posts and their comments.
            permalink=f"https://www.facebook.com/{post_id}" if post_id else "",
            posted_at=from_timestamp(value.get("created_time")) or from_timestamp(entry.get("time")),
            parent_id=as_id(value.get("parent_id")) if value["item"] == "comment" else "",
            raw=change,
        )
        if kind == "edit":
            inbound.external_id, inbound.parent_id = f"{item_id}:edited:{as_id(entry.get('time'))}", item_id
        elif kind == "delete":
            inbound.external_id, inbound.parent_id = f"{item_id}:removed", item_id
        return [inbound]

    @staticmethod
    def _kind(value: dict) -> str | None:
        verb = value.get("verb")
        if verb == "edited":
            return "edit"
        if verb == "remove":
            return "delete"
        if verb != "add":
            return None  # hide / unhide: moderation, not news
        if value["item"] != "comment":
            return "post"
        # §3.1: parent_id == post_id means a top-level comment; otherwise it answers another comment.
        parent_id = as_id(value.get("parent_id"))
        return "reply" if parent_id and parent_id != as_id(value.get("post_id")) else "comment"

    def send(self, reply: OutboundReply) -> Sent:
        """§3.4: a private reply through the Page's Send API, or a public comment under the comment/post."""
        if reply.private:
            target = "post_id" if reply.kind == "post" else "comment_id"
            data = self._post_message(self.account_id, {target: reply.in_reply_to}, reply.text)
            return Sent(external_id=as_text(data.get("message_id")))
        data = self._call("POST", self._url(reply.in_reply_to, "comments"), data={"message": reply.text})
        return Sent(external_id=as_id(data.get("id")))


class Messenger(MetaPlatform):
    name = "messenger"
    label = "Messenger"
    meta_object = "page"
    max_text = MESSENGER_MAX_TEXT
    # §3.5: 24 h; the HUMAN_AGENT tag (7 days) needs Meta's approval and is not sent, so a reply after
    # 24 h fails with a permanent "window closed" error.
    dm_window = timedelta(hours=24)

    def parse_messaging(self, entry: dict, event: dict) -> list[Inbound]:
        return self.parse_message_event(entry, event)

    def send(self, reply: OutboundReply) -> Sent:
        data = self._post_message(self.account_id, {"id": reply.recipient_id}, reply.text, messaging_type="RESPONSE")
        return Sent(external_id=as_text(data.get("message_id")))
