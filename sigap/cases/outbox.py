"""Sending the outbox: every reply Sigap posts goes out here, from `sigap worker`.

At least once and never twice: a reply is claimed (pending → sending) by one conditional UPDATE
before the platform is called; after the call it is marked sent together with the SOP step it
completes. A worker killed between the call and the mark leaves the row in "sending": it is not
sent again but handed to a person (UNCERTAIN), because the post may already be out.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.cases import actions
from sigap.cases.models import Reply, Status
from sigap.platforms.base import OutboundReply, PlatformError
from sigap.platforms.connect import adapter_for
from sigap.platforms.models import Account

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
PUBLIC_KINDS = {"comment", "reply", "mention", "post"}


def backoff(attempts: int) -> timedelta:
    # 30 s, 1 min, 2 min, … capped at an hour: a platform down for an hour is retried ~a dozen times.
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def send_one_reply(now=None) -> bool:
    """Send one due reply; False when none is due."""
    now = now or timezone.now()
    related = ("message", "account", "complaint")
    if connection.vendor == "postgresql":
        claimed = _claim_next(now)
        if claimed is None:
            return False
        reply = Reply.objects.select_related(*related).get(pk=claimed)
    else:
        # SQLite has one writer at a time: the conditional UPDATE alone decides who sends.
        reply = Reply.objects.due(now).select_related(*related).order_by("send_after", "pk").first()
        if reply is None:
            return False
        if not Reply.objects.filter(pk=reply.pk, status=Reply.Status.PENDING).update(
            status=Reply.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        ):
            return True  # another worker has it
        reply.attempts += 1
    try:
        sent = _send(reply, now)
    except PlatformError as exc:
        _failed(reply, exc, now)
        return True
    except DatabaseError:
        # The database went away mid-send, not the reply: the row stays "sending" and, once its lease
        # runs out, is handed to a person, since the platform may have the post already.
        raise
    except Exception as exc:
        # A bug must not leave the row claimed for ever, nor be retried in a tight loop.
        log.exception("reply %s crashed", reply.pk)
        _failed(reply, PlatformError(f"internal error: {type(exc).__name__}", permanent=True), now)
        return True
    _sent(reply, sent, timezone.now())
    return True


def _claim_next(now) -> int | None:
    """PostgreSQL: claim the oldest due reply no other worker is claiming, in one statement.

    SKIP LOCKED lets several workers take different rows at once instead of all racing for the
    oldest one; the claim is still the conditional pending → sending UPDATE, committed before the
    platform is called.
    """
    table = connection.ops.quote_name(Reply._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1
                WHERE status = %s AND id = (
                    SELECT id FROM {table} WHERE status = %s AND send_after <= %s
                    ORDER BY send_after, id LIMIT 1 FOR UPDATE SKIP LOCKED
                ) RETURNING id""",
            [Reply.Status.SENDING, now, Reply.Status.PENDING, Reply.Status.PENDING, now],
        )
        row = cursor.fetchone()
    return row[0] if row else None


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
        reply.parts_sent = index + 1
        if reply.parts_sent < len(parts):
            # So that a retry resumes after it; the last part is written with the "sent" mark,
            # one commit fewer per reply.
            Reply.objects.filter(pk=reply.pk).update(parts_sent=reply.parts_sent, external_id=sent.external_id)
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
    # An expired or revoked token is the account's fault, not the reply's: it waits for a person to
    # reconnect the account (one probe an hour at most), however long that takes.
    permanent = not exc.reconnect and (exc.permanent or reply.attempts >= MAX_ATTEMPTS)
    with transaction.atomic():
        if permanent:
            Reply.objects.filter(pk=reply.pk).update(status=Reply.Status.FAILED, last_error=exc.message[:300])
            if reply.complaint_id:
                actions.record_event(
                    "reply_failed", complaint=reply.complaint, reply=reply.pk, reply_kind=reply.kind, reason=exc.message[:300]
                )
        else:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(reply.attempts)
            until = now + wait
            Reply.objects.filter(pk=reply.pk).update(
                status=Reply.Status.PENDING, send_after=until, last_error=exc.message[:300]
            )
            if reply.account_id:
                # The platform is down, throttling or refusing the token for the whole account: its
                # other replies wait as long, so one call probes for its return instead of each reply
                # failing in turn, and the backlog drains oldest first once it is back.
                Reply.objects.filter(
                    account_id=reply.account_id, status=Reply.Status.PENDING, send_after__lt=until
                ).exclude(pk=reply.pk).update(send_after=until)
            if exc.reconnect and reply.account_id:
                Account.objects.filter(pk=reply.account_id).update(last_error=exc.message[:300])


def _sent(reply: Reply, sent, now) -> None:
    """Mark the reply sent and complete the SOP step it carries, in one transaction."""
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(
            status=Reply.Status.SENT,
            sent_at=now,
            parts_sent=reply.parts_sent,
            external_id=sent.external_id if sent else reply.external_id,
            permalink=(sent.permalink if sent else "")[:500],
            last_error="",
        )
        if reply.account_id:
            # Sending works again: a token problem recorded on the account is over.
            Account.objects.filter(pk=reply.account_id).exclude(last_error="").update(last_error="")
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
