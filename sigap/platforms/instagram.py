"""Instagram professional account: comments on the city's media, @mentions elsewhere, and DMs (§2)."""

from dataclasses import replace
from datetime import timedelta

from sigap.platforms.base import Inbound, OutboundReply, Sent, as_id, as_text, dig, from_iso, from_timestamp
from sigap.platforms.meta import MetaPlatform


class Instagram(MetaPlatform):
    name = "instagram"
    label = "Instagram"
    meta_object = "instagram"
    # §2.4: DMs and private replies allow 1,000 — characters or bytes [U unit], so bytes are counted,
    # which is safe either way. Public comments have no documented limit; the same number is used.
    max_text = 1000
    dm_window = timedelta(hours=24)  # 7 days with the HUMAN_AGENT tag, which needs approval (§2.4)
    private_reply_window = timedelta(days=7)  # and exactly one private reply per comment (§2.4)

    def measure(self, text: str) -> int:
        return len(text.encode())

    def can_thread(self, reply: OutboundReply | None) -> bool:
        # A private reply is one-shot (§2.4): it must carry the whole answer, or a link to it.
        return not (reply and reply.private)

    # Webhook side

    def parse_change(self, entry: dict, change: dict) -> list[Inbound]:
        value = change.get("value")
        if not isinstance(value, dict):
            return []
        field = change.get("field")
        if field in ("comments", "live_comments"):
            return self._comment(entry, change, value)
        if field == "mentions":
            return self._mention(entry, change, value)
        return []

    def parse_messaging(self, entry: dict, event: dict) -> list[Inbound]:
        return self.parse_message_event(entry, event)

    def _comment(self, entry: dict, change: dict, value: dict) -> list[Inbound]:
        comment_id = as_id(value.get("id"))
        account_id = as_id(entry.get("id"))
        author_id = as_id(dig(value, "from", "id"))
        if not comment_id or author_id == account_id:
            return []  # §2.1: the city's own comments (our replies) arrive too
        parent_id = as_id(value.get("parent_id"))
        return [
            Inbound(
                platform=self.name,
                account_id=account_id,
                external_id=comment_id,
                kind="reply" if parent_id else "comment",
                thread_id=as_id(dig(value, "media", "id")),
                author_id=author_id,
                author_handle=as_text(dig(value, "from", "username")),
                text=as_text(value.get("text")),
                posted_at=from_timestamp(entry.get("time")),  # seconds for changes (§1.3)
                parent_id=parent_id,
                raw=change,
            )
        ]

    def _mention(self, entry: dict, change: dict, value: dict) -> list[Inbound]:
        # §2.1: ids only; fetch_mention() reads the words. No comment_id: the mention is in a caption [U].
        media_id = as_id(value.get("media_id"))
        comment_id = as_id(value.get("comment_id"))
        if not media_id:
            return []
        return [
            Inbound(
                platform=self.name,
                account_id=as_id(entry.get("id")),
                external_id=comment_id or media_id,
                kind="mention",
                thread_id=media_id,
                author_id="",
                posted_at=from_timestamp(entry.get("time")),
                raw=change,
            )
        ]

    # API side

    def reply_for(self, item, text: str, *, private: bool = False) -> OutboundReply:
        reply = super().reply_for(item, text, private=private)
        if dig(item.raw, "field") == "live_comments" and item.kind != "dm":
            reply.private = True  # live-video comments take no public reply, only a private one (§2.3)
        if item.kind == "reply" and item.parent_id and not reply.private:
            # Only top-level comments take public replies (§2.3); Instagram nests one level, so the
            # parent is the top-level comment and the answer lands in the same thread.
            reply.in_reply_to = item.parent_id
        return reply

    def complete(self, item: Inbound) -> Inbound:
        return self.fetch_mention(item) if item.kind == "mention" and not item.text else item

    def fetch_mention(self, item: Inbound) -> Inbound:
        """Fill in the text and author of a mention, which the webhook leaves out (§2.1, [IG-mc][IG-mm])."""
        if item.external_id != item.thread_id:
            fields = f"mentioned_comment.comment_id({item.external_id}){{text,timestamp,from,media}}"
            found = dig(self._call("GET", self._url(self.account_id), params={"fields": fields}), "mentioned_comment")
            text_key = "text"
        else:
            fields = f"mentioned_media.media_id({item.thread_id}){{caption,permalink,timestamp}}"
            found = dig(self._call("GET", self._url(self.account_id), params={"fields": fields}), "mentioned_media")
            text_key = "caption"
        if not isinstance(found, dict):
            return item
        return replace(
            item,
            text=as_text(found.get(text_key)),
            author_id=as_id(dig(found, "from", "id")) or item.author_id,
            author_handle=as_text(dig(found, "from", "username")) or item.author_handle,
            permalink=as_text(found.get("permalink")) or item.permalink,
            posted_at=from_iso(found.get("timestamp")) or item.posted_at,
        )

    def send(self, reply: OutboundReply) -> Sent:
        """§2.3: private reply, DM, reply under a mention, or public reply under a comment."""
        if reply.private:
            data = self._post_message(self.account_id, {"comment_id": reply.in_reply_to}, reply.text)
            return Sent(external_id=as_text(data.get("message_id")))
        if reply.recipient_id:
            data = self._post_message(self.account_id, {"id": reply.recipient_id}, reply.text)
            return Sent(external_id=as_text(data.get("message_id")))
        if reply.kind == "mention":
            params = {"media_id": reply.thread_id, "message": reply.text}
            if reply.in_reply_to != reply.thread_id:  # not a caption mention
                params["comment_id"] = reply.in_reply_to
            data = self._call("POST", self._url(self.account_id, "mentions"), params=params)
        else:
            data = self._call("POST", self._url(reply.in_reply_to, "replies"), params={"message": reply.text})
        return Sent(external_id=as_id(data.get("id")))
