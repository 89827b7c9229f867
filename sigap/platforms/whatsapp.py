"""WhatsApp Business Cloud API: inbound messages and delivery statuses by webhook, replies by Graph (§4).

There is no inbox to poll (§4.1): whatever the webhook missed is gone, so the endpoint must stay up.

Citizens are keyed by their business-scoped user id (BSUID, `user_id` / `from_user_id`), because since
the 2026 username change `wa_id` and `from` may be empty strings (§4.1). The phone number, when present,
is kept as the author's handle and is what replies are addressed to.
"""

from datetime import timedelta

from sigap.platforms.base import Inbound, OutboundReply, Sent, as_id, as_text, dicts, dig, from_timestamp
from sigap.platforms.meta import MetaPlatform

MEDIA_TYPES = {"image", "video", "document", "audio", "sticker"}
# §4.1: where the BSUID goes when sending to a user without a phone number: older docs say `to`,
# pywa (Aug 2026) a separate `recipient` field [U — format still moving].
BSUID_FIELD = "recipient"


class WhatsApp(MetaPlatform):
    name = "whatsapp"
    label = "WhatsApp"
    meta_object = "whatsapp_business_account"
    max_text = 4096  # §4.5, TextMessage.maxLength in [WA-oas]
    dm_window = timedelta(hours=24)  # then approved templates only (§4.5)

    # §4.5 and pywa's errors: throughput (130429), pair rate (131056), spam rate (131048) and the
    # generic 131000 pass with time.
    temporary_codes = MetaPlatform.temporary_codes | {130429, 131000, 131048, 131056}

    def plain_error(self, code: int, subcode: int | None, detail: str) -> str:
        if code == 131047:
            return (
                "More than 24 hours have passed since the citizen's last WhatsApp message: "
                "only an approved template can be sent now."
            )
        if code == 131026:
            return "WhatsApp could not deliver to this number (not on WhatsApp, or an old app version)."
        if code == 131062:
            return "Authentication templates cannot be sent to a business-scoped user id."
        if code in (131051, 131052, 131053) or 132000 <= code <= 132016:
            return f"WhatsApp refused the message or template ({detail})."
        return super().plain_error(code, subcode, detail)

    # Webhook side

    def parse_change(self, entry: dict, change: dict) -> list[Inbound]:
        value = change.get("value")
        if change.get("field") != "messages" or not isinstance(value, dict):
            return []
        account_id = as_id(dig(value, "metadata", "phone_number_id"))  # entry.id is the WABA, not the number
        contacts = dicts(value.get("contacts"))
        items = [self._message(account_id, message, contacts) for message in dicts(value.get("messages"))]
        items += [self._status(account_id, status) for status in dicts(value.get("statuses"))]
        return [item for item in items if item]

    def _message(self, account_id: str, message: dict, contacts: list[dict]) -> Inbound | None:
        message_type = as_text(message.get("type"))
        body = message.get(message_type) if isinstance(message.get(message_type), dict) else {}
        content = _content(message_type, body, message)
        message_id = as_text(message.get("id"))
        if content is None or not message_id:
            return None  # reactions, orders, system notices: not a citizen's words
        phone = as_text(message.get("from"))
        bsuid = as_text(message.get("from_user_id"))
        contact = _contact_for(contacts, bsuid, phone)
        author_id = bsuid or as_text(contact.get("user_id")) or phone
        return Inbound(
            platform=self.name,
            account_id=account_id,
            external_id=message_id,
            kind="dm",
            thread_id=author_id,  # a WhatsApp conversation is the person (§10)
            author_id=author_id,
            author_handle=phone or as_text(contact.get("wa_id")),
            author_name=as_text(dig(contact, "profile", "name")),
            posted_at=from_timestamp(message.get("timestamp")),  # a string of epoch seconds (§4.1)
            parent_id=as_text(dig(message, "context", "id")),
            raw={"message": message, "contact": contact},
            **content,
        )

    def _status(self, account_id: str, status: dict) -> Inbound | None:
        message_id = as_text(status.get("id"))
        state = as_text(status.get("status"))
        if not message_id or not state:
            return None
        # The citizen the reply went to: by BSUID when we sent by BSUID (§4.2).
        recipient = as_text(status.get("recipient_user_id")) or as_text(status.get("recipient_id"))
        return Inbound(
            platform=self.name,
            account_id=account_id,
            external_id=f"{message_id}:{state}",  # sent, delivered and read share the message id
            kind="status",
            thread_id=recipient,
            author_id=recipient,
            posted_at=from_timestamp(status.get("timestamp")),
            parent_id=message_id,
            status={"message_id": message_id, "status": state, "errors": dicts(status.get("errors"))},
            raw=status,
        )

    # API side

    def reply_for(self, item, text: str, *, private: bool = False) -> OutboundReply:
        reply = super().reply_for(item, text)
        # The phone number is the documented address; the BSUID only when there is no number (§4.1).
        reply.recipient_id = item.author_handle or item.author_id
        return reply

    def send(self, reply: OutboundReply) -> Sent:
        """§4.4: a text (quoting the citizen's message) or, outside the 24-hour window, a template."""
        body: dict = {"messaging_product": "whatsapp"}
        if reply.template:
            body |= {**_address(reply.recipient_id), "type": "template", "template": reply.template}
        else:
            body |= {"recipient_type": "individual", **_address(reply.recipient_id), "type": "text"}
            if reply.in_reply_to:
                body["context"] = {"message_id": reply.in_reply_to}
            body["text"] = {"body": reply.text, "preview_url": False}
        data = self._call("POST", self._url(self.account_id, "messages"), json=body)
        return Sent(external_id=as_text(dig(data, "messages", 0, "id")))


def _content(message_type: str, body: dict, message: dict) -> dict | None:
    """The Inbound fields a message of this type fills in, or None for types that are not complaints."""
    if message_type == "text":
        return {"text": as_text(body.get("body"))}
    if message_type in MEDIA_TYPES:
        media = {"type": message_type, "id": as_id(body.get("id")), "mime_type": as_text(body.get("mime_type"))}
        for key in ("url", "filename", "sha256"):  # `url` only in newer payloads [U]
            if body.get(key):
                media[key] = as_text(body[key])
        return {"text": as_text(body.get("caption")), "media": [media]}
    if message_type == "location":
        keys = ("latitude", "longitude", "name", "address", "url")
        return {"location": {k: body[k] for k in keys if k in body}, "text": as_text(body.get("name"))}
    if message_type == "contacts":
        cards = dicts(message.get("contacts"))
        return {"contact": cards[0] if cards else {}}  # rarely more than one card; raw keeps them all
    if message_type == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        return {"text": as_text(dig(reply, "title"))}
    if message_type == "button":
        return {"text": as_text(body.get("text"))}
    if message_type == "unsupported":
        return {}  # the citizen sent something WhatsApp cannot pass on (131051): still someone to answer
    return None


def _contact_for(contacts: list[dict], bsuid: str, phone: str) -> dict:
    for contact in contacts:
        if (bsuid and contact.get("user_id") == bsuid) or (phone and contact.get("wa_id") == phone):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _address(recipient: str) -> dict:
    if recipient.isdigit():
        return {"to": recipient}
    return {BSUID_FIELD: recipient}
