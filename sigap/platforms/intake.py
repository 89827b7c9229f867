"""From stored webhook deliveries (and polls) to messages and complaints, in `sigap worker`.

Each delivery is read in one transaction: its messages, their triage decisions, the complaints
they open and the replies they queue commit together with the delivery's "done" mark, so a crash
means the delivery is simply read again, and the (platform, external id) constraint makes
reading it again harmless.
"""

import logging

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from sigap.cases import actions
from sigap.cases.models import Message, Reply
from sigap.platforms.base import Inbound, PlatformError
from sigap.platforms.connect import adapter_for, build
from sigap.platforms.models import Account, Delivery
from sigap.platforms.registry import webhook_platforms
from sigap.triage import decide

log = logging.getLogger(__name__)

# Accounts are configured per product; Messenger shares its Page with Facebook.
ACCOUNT_PLATFORMS = {"messenger": ["messenger", "facebook"], "facebook": ["facebook", "messenger"]}


def parse_delivery(delivery: Delivery) -> list[Inbound]:
    body = bytes(delivery.body)
    items: list[Inbound] = []
    for name in webhook_platforms(delivery.endpoint, body):
        items += build(name).parse(body)
    return items


def process_one_delivery() -> bool:
    """Read the oldest pending delivery; False when there is none.

    Parsing (and fetching what a webhook leaves out, such as an Instagram mention's text) happens
    outside the transaction; the delivery is then locked, re-checked and ingested in one commit.
    """
    delivery = Delivery.objects.filter(status=Delivery.Status.PENDING).order_by("pk").first()
    if delivery is None:
        return False
    try:
        items = [_complete(item) for item in parse_delivery(delivery)]
        error = ""
    except (ValueError, KeyError, TypeError) as exc:
        items, error = [], f"{type(exc).__name__}: {exc}"[:500]
    if items:
        decide.warm_up()  # load the models (seconds, once per process) before taking the write lock
    try:
        with transaction.atomic():
            locked = Delivery.objects.select_for_update().filter(pk=delivery.pk, status=Delivery.Status.PENDING).first()
            if locked is None:
                return True  # another worker read it meanwhile
            if error:
                # Verified but unreadable: keep the bytes and hand it to a person.
                locked.status, locked.error = Delivery.Status.UNREADABLE, error
            else:
                for item in items:
                    ingest(item)
                locked.status = Delivery.Status.DONE
            locked.processed_at = timezone.now()
            locked.save(update_fields=["status", "error", "processed_at"])
    except (OperationalError, InterfaceError):
        raise  # the database is away: the delivery stays pending and is read again later
    except Exception as exc:
        # Anything else would fail the same way on every pass and hold up every delivery behind it
        # (they are read oldest first): nothing of it was kept, its bytes go to a person instead.
        log.exception("delivery %s could not be ingested", delivery.pk)
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.UNREADABLE, error=f"{type(exc).__name__}: {exc}"[:500], processed_at=timezone.now()
        )
    return True


def _complete(item: Inbound) -> Inbound:
    """Some webhooks carry ids only (an Instagram mention, a TikTok comment): fetch the words."""
    if item.text or item.kind in ("status", "edit", "delete"):
        return item
    account = find_account(item)
    if account is None:
        return item
    try:
        return adapter_for(account, platform=item.platform).complete(item)
    except PlatformError as exc:
        log.warning("could not fetch %s item %s: %s", item.platform, item.external_id, exc.message)
        # The platform is down or the token expired: the item is kept all the same, and triage
        # hands it to a person (no words to judge) instead of it waiting unseen.
        item.raw = {**item.raw, "_unfetched": exc.message[:300]}
        return item


def find_account(item: Inbound) -> Account | None:
    accounts = Account.objects.filter(platform__in=ACCOUNT_PLATFORMS.get(item.platform, [item.platform]), active=True)
    if item.account_id:
        matches = list(accounts.filter(external_id=item.account_id))
        # Messenger shares its Page id with Facebook: the product's own account wins.
        matches.sort(key=lambda a: a.platform != item.platform)
        return matches[0] if matches else None
    # Telegram updates do not name the bot they were sent to: with one bot, it is that one.
    only = list(accounts.filter(platform=item.platform)[:2])
    return only[0] if len(only) == 1 else None


def ingest(item: Inbound) -> Message | None:
    """One inbound item: stored once, whatever happens to it next."""
    account = find_account(item)
    if item.kind == "status":
        _delivery_status(item)
        return None
    if account is not None and item.author_id and item.author_id == account.external_id:
        return None  # our own post or reply, echoed back
    message = _store(item, account)
    if message is None:
        return None  # a redelivery
    if item.kind in ("edit", "delete"):
        _record_change(message, item)
    elif item.text.strip() or item.media or "_unfetched" in item.raw:
        # Triage decides: a complaint opens, a greeting is answered, or a person looks (sigap.triage).
        decide.triage_message(message=message)
    return message


def _clean(value):
    """What PostgreSQL can store: no NUL characters, no lone surrogates (JSON's \\ud800), at any depth."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _store(item: Inbound, account: Account | None) -> Message | None:
    raw = dict(item.raw)
    if item.media:
        raw["_media"] = item.media
    if item.location:
        raw["_location"] = item.location
    if item.contact:
        raw["_contact"] = item.contact
    try:
        with transaction.atomic():
            return Message.objects.create(
                platform=item.platform,
                account=account,
                external_id=_clean(item.external_id),
                kind=item.kind,
                thread_id=_clean(item.thread_id),
                parent_id=_clean(item.parent_id),
                author_id=_clean(item.author_id),
                author_handle=_clean(item.author_handle)[:120],
                author_name=_clean(item.author_name)[:200],
                text=_clean(item.text),
                permalink=_clean(item.permalink)[:500],
                posted_at=item.posted_at or timezone.now(),
                raw=_clean(raw),
            )
    except IntegrityError:
        return None


def _record_change(message: Message, item: Inbound) -> None:
    """Edits and deletions are evidence too: recorded as events, the original never overwritten."""
    original = Message.objects.filter(platform=item.platform, external_id=item.parent_id).first()
    complaint = original.complaint if original else None
    if complaint is not None:
        Message.objects.filter(pk=message.pk).update(complaint=complaint)
        actions.record_event(
            "source_deleted" if item.kind == "delete" else "source_edited",
            complaint=complaint,
            message=message.pk,  # the new words stay in that Message, out of the sealed event log
        )


def _delivery_status(item: Inbound) -> None:
    """WhatsApp's sent/delivered/read/failed callbacks for one of our replies."""
    status = item.status or {}
    reply = Reply.objects.filter(platform=item.platform, external_id=status.get("message_id", "")).first()
    if reply is None or reply.complaint_id is None:
        return
    if status.get("status") == "failed":
        errors = status.get("errors") or [{}]
        reason = str(errors[0].get("title") or errors[0].get("message") or "failed")[:300]
        Reply.objects.filter(pk=reply.pk).update(status=Reply.Status.FAILED, last_error=reason)
        actions.record_event("reply_failed", complaint=reply.complaint, reply=reply.pk, reason=reason)
    else:
        actions.record_event("reply_" + str(status.get("status", "status"))[:20], complaint=reply.complaint, reply=reply.pk)
