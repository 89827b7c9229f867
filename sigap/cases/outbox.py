"""Sending the outbox: every reply Sigap posts goes out here, from `sigap worker`.

At least once and never twice: a reply is claimed (pending → sending) by one conditional UPDATE
before the platform is called; after the call it is marked sent together with the SOP step it
completes. A worker killed between the call and the mark leaves the row in "sending": it is not
sent again but handed to a person (UNCERTAIN), because the post may already be out.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.cases import actions
from sigap.cases.models import Reply, Status
from sigap.platforms.base import OutboundReply, PlatformError
from sigap.platforms.connect import adapter_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
PUBLIC_KINDS = {"comment", "reply", "mention", "post"}


def backoff(attempts: int) -> timedelta:
    # 30 s, 1 min, 2 min, … capped at an hour: a platform down for an hour is retried ~a dozen times.
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def send_one_reply(now=None) -> bool:
    """Send one due reply; False when none is due."""
    now = now or timezone.now()
    reply = Reply.objects.due(now).select_related("message", "account", "complaint").order_by("send_after", "pk").first()
    if reply is None:
        return False
    claimed = Reply.objects.filter(pk=reply.pk, status=Reply.Status.PENDING).update(
        status=Reply.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return True  # another worker has it
    reply.attempts += 1
    try:
        sent = _send(reply, now)
    except PlatformError as exc:
        _failed(reply, exc, now)
        return True
    except Exception as exc:
        # A bug must not leave the row claimed for ever, nor be retried in a tight loop.
        log.exception("reply %s crashed", reply.pk)
        _failed(reply, PlatformError(f"internal error: {type(exc).__name__}", permanent=True), now)
        return True
    _sent(reply, sent, timezone.now())
    return True


def _send(reply: Reply, now):
    if reply.account is None or not reply.account.active:
        raise PlatformError(_("The city account for this platform is not connected."), permanent=True)
    message = reply.message
    platform = adapter_for(reply.account, platform=message.platform)
    private = reply.private or _needs_private(reply, message)
    outbound = platform.reply_for(message, reply.text, private=private)
    _check_windows(platform, reply, message, outbound, now)
    link = _tracking_link(reply) if message.platform != "x" else ""
    parts = platform.split(reply.text, link, outbound)
    sent = None
    for index, part in enumerate(parts):
        if index < reply.parts_sent:
            continue
        outbound.text = part
        sent = platform.send(outbound)
        Reply.objects.filter(pk=reply.pk).update(parts_sent=index + 1, external_id=sent.external_id)
        reply.parts_sent = index + 1
    return sent


def _needs_private(reply: Reply, message) -> bool:
    """Personal data never goes into a public reply (a comment, a mention)."""
    if message.kind not in PUBLIC_KINDS or reply.kind == Reply.Kind.ACK:
        return False
    return bool(_find_pii(reply.text))


def _find_pii(text: str) -> list:
    try:
        from sigap.triage.pii import find_pii
    except ImportError:  # pragma: no cover - the triage package ships with Sigap
        return []
    return find_pii(text)


def _check_windows(platform, reply: Reply, message, outbound: OutboundReply, now) -> None:
    """Reply windows (platform-apis §2.4, §3.5, §4.5): refuse early, in plain words, rather than be refused."""
    if outbound.private and message.kind in PUBLIC_KINDS:
        window = platform.private_reply_window
        if window is None:
            raise PlatformError(
                _("The answer contains personal data and %(platform)s has no private reply: post it by hand.")
                % {"platform": platform.label},
                permanent=True,
            )
        if now - message.posted_at > window:
            raise PlatformError(
                _("The private-reply window on %(platform)s has closed: contact the citizen another way.")
                % {"platform": platform.label},
                permanent=True,
            )
    if message.kind == "dm" and platform.dm_window is not None:
        last = reply.complaint.messages.order_by("-posted_at").values_list("posted_at", flat=True).first() if reply.complaint else message.posted_at
        if now - (last or message.posted_at) > platform.dm_window:
            raise PlatformError(
                _("The %(platform)s reply window has closed since the citizen's last message.")
                % {"platform": platform.label},
                permanent=True,
            )


def _tracking_link(reply: Reply) -> str:
    from sigap.cases.replies import tracking_url

    return tracking_url(reply.complaint) if reply.complaint and reply.complaint.tracking_number else ""


def _failed(reply: Reply, exc: PlatformError, now) -> None:
    permanent = exc.permanent or reply.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        if permanent:
            Reply.objects.filter(pk=reply.pk).update(status=Reply.Status.FAILED, last_error=exc.message[:300])
            if reply.complaint_id:
                actions.record_event(
                    "reply_failed", complaint=reply.complaint, reply=reply.pk, reply_kind=reply.kind, reason=exc.message[:300]
                )
        else:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(reply.attempts)
            Reply.objects.filter(pk=reply.pk).update(
                status=Reply.Status.PENDING, send_after=now + wait, last_error=exc.message[:300]
            )


def _sent(reply: Reply, sent, now) -> None:
    """Mark the reply sent and complete the SOP step it carries, in one transaction."""
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(
            status=Reply.Status.SENT,
            sent_at=now,
            external_id=sent.external_id if sent else reply.external_id,
            permalink=(sent.permalink if sent else "")[:500],
            last_error="",
        )
        complaint = reply.complaint
        if complaint is None:
            return
        complaint.refresh_from_db()
        link = (sent.permalink if sent else "") or complaint.permalink
        if reply.kind == Reply.Kind.ACK and complaint.status == Status.RECEIVED:
            actions.complaint_register(complaint=complaint, by=None, ack_via=reply.get_platform_display(), ack_link=link)
        elif reply.kind == Reply.Kind.ANSWER and complaint.status == Status.APPROVED:
            actions.complaint_post_answer(complaint=complaint, by=None, link=link, at=now)


def flag_one_stale_sending(now=None) -> bool:
    """A reply left "sending" past its lease was interrupted: a person must check the platform."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.SIGAP_REPLY_LEASE_SECONDS)
    reply = Reply.objects.filter(status=Reply.Status.SENDING, claimed_at__lt=now - lease).first()
    if reply is None:
        return False
    with transaction.atomic():
        if Reply.objects.filter(pk=reply.pk, status=Reply.Status.SENDING).update(
            status=Reply.Status.UNCERTAIN, last_error=_("Interrupted while sending: check the platform before resending.")
        ) and reply.complaint_id:
            actions.record_event("reply_uncertain", complaint=reply.complaint, reply=reply.pk, reply_kind=reply.kind)
    return True
