"""Signed outbound webhooks: every event, posted as JSON to each webhook connector that wants it.

The body is fixed when the event happens (in the action's transaction), so a retry sends the
very same bytes. Headers:

    Content-Type: application/json
    X-Sigap-Event: forwarded
    X-Sigap-Event-Id: 1234                 the same for every retry: receivers de-duplicate on it
    X-Sigap-Signature-256: sha256=<hex>    HMAC-SHA256 of the raw body with the connector's secret

Delivery is at least once: 2xx is delivered; timeouts, 408, 429 and 5xx are retried with
backoff (honouring Retry-After); any other 4xx, or no secret to sign with, fails at once and
waits for a person in the admin ("Outgoing webhooks"), as do deliveries out of attempts.

What the body says about a complaint is what the public may see: its number, status, category,
agency and kelurahan, the text and the approved answer masked as on the public tracking page,
and the event's codes and ids (never notes, reasons, links or anyone's name). For a confidential
complaint only its number, status and round are sent. An integration that needs more asks the
REST API with its own token, which applies its role's permissions.
"""

import hashlib
import hmac
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.connectors import remote
from sigap.connectors.models import Connector, WebhookDelivery
from sigap.connectors.remote import LEASE, MAX_ATTEMPTS, ConnectorError, backoff

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sigap-Signature-256"
# A receiver's answer is not needed beyond its status: read a little of it, for the error message.
MAX_RESPONSE_BYTES = 64 * 1024
# Event data that may leave: ids, codes and counts. Notes, reasons, texts and links stay.
SAFE_DATA = {
    "agency", "category", "round", "tracking_number", "into", "duplicate", "via", "ack_via", "changes", "platform",
    "step", "due_at", "connector", "remote_id", "reply_kind", "reference", "sequence", "scheduled", "complaints",
}


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (and our tests): compare in constant time over the raw bytes."""
    return hmac.compare_digest(sign(secret, body), header or "")


# Queueing (inside the workflow action's transaction) -----------------------------------------


def enqueue(event, connectors: list[Connector]) -> None:
    wanted = [c for c in connectors if c.wants_event(event.kind)]
    if not wanted:
        return
    body = json.dumps(payload(event), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                connector=c, event=event, complaint_id=event.complaint_id, event_kind=event.kind, body=body, next_attempt_at=now
            )
            for c in wanted
        ]
    )


def payload(event) -> dict:
    from sigap.open311.render import w3c

    actor = event.actor_name or "sigap"
    body = {
        "id": event.pk,
        "kind": event.kind,
        "at": w3c(event.at),
        "by": "sigap" if event.actor_id is None else "connector" if actor.startswith("connector-") else "staff",
    }
    complaint = event.complaint if event.complaint_id else None
    if complaint is not None:
        body["complaint"] = _complaint(complaint)
        if complaint.confidential:
            return body  # status only, as on the public tracking page
    if event.recap_id:
        body["recap"] = {"id": event.recap_id}
    body["data"] = {k: v for k, v in (event.data or {}).items() if k in SAFE_DATA}
    if complaint is not None and event.kind == "approved":
        body["answer"] = _answer(complaint, (event.data or {}).get("answer"))
    return body


def _complaint(c) -> dict:
    from sigap.open311.render import w3c
    from sigap.public.privacy import mask_complaint_text

    shown = {
        "id": c.pk,
        "tracking_number": c.tracking_number,
        "status": c.status,
        "round": c.round,
        "confidential": c.confidential,
        "url": f"{settings.SITE_URL}/api/v1/complaints/{c.tracking_number or c.pk}",
    }
    if c.confidential:
        return shown
    shown.update(
        {
            "platform": c.platform,
            "category": c.category.name if c.category_id else None,
            "agency": {"code": c.agency.code, "name": c.agency.name} if c.agency_id else None,
            "kelurahan": {"name": c.kelurahan.name, "kecamatan": c.kelurahan.kecamatan} if c.kelurahan_id else None,
            "posted_at": w3c(c.posted_at),
            "text": mask_complaint_text(c),
            "tracking_url": f"{settings.PUBLIC_URL}/lacak/{c.tracking_number}" if c.tracking_number else None,
        }
    )
    return shown


def _answer(complaint, answer_id) -> dict | None:
    from sigap.cases.models import Answer
    from sigap.public.privacy import mask_complaint_text

    answer = Answer.objects.filter(pk=answer_id, complaint=complaint).first() if isinstance(answer_id, int) else None
    return {"text": mask_complaint_text(complaint, answer.text)} if answer else None


# Sending --------------------------------------------------------------------------------------


def send_one_webhook(now=None) -> bool:
    """Deliver one due webhook; False when none is due."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("connector").next_due(now, LEASE)
    if delivery is None:
        return False
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=delivery.status, claimed_at=delivery.claimed_at
    ).update(status=WebhookDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return True  # another worker has it
    delivery.attempts += 1
    try:
        status = deliver(delivery.connector, delivery.body.encode("utf-8"), event_id=delivery.event_id, kind=delivery.event_kind)
    except ConnectorError as exc:
        _failed(delivery, exc, now)
        return True
    except Exception as exc:
        log.exception("webhook delivery %s crashed", delivery.pk)
        _failed(delivery, ConnectorError(f"internal error: {type(exc).__name__}", permanent=True), now)
        return True
    _mine(delivery, now).update(
        status=WebhookDelivery.Status.DELIVERED, delivered_at=timezone.now(), response_status=status, last_error=""
    )
    return True


def deliver(connector: Connector, body: bytes, *, event_id, kind: str) -> int:
    """Post one signed body; the HTTP status when the receiver took it, else ConnectorError."""
    if not connector.active:
        raise ConnectorError(_("The connector is switched off."), permanent=True)
    secret = connector.secret()
    if not secret:
        raise ConnectorError(
            _("No signing secret can be read (%(source)s): nothing is sent unsigned.") % {"source": connector.secret_source()},
            permanent=True,
        )
    headers = {
        "Content-Type": "application/json",
        "X-Sigap-Event": kind,
        "X-Sigap-Event-Id": str(event_id),
        SIGNATURE_HEADER: sign(secret, body),
    }
    try:
        response = remote.call(connector, "POST", connector.url, content=body, headers=headers, max_bytes=MAX_RESPONSE_BYTES)
    except ConnectorError as exc:
        if exc.too_large and exc.status and 200 <= exc.status < 300:
            return exc.status  # taken; what it said back does not matter
        raise
    return response.status_code


def _mine(delivery: WebhookDelivery, now):
    return WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING, claimed_at=now)


def _failed(delivery: WebhookDelivery, exc: ConnectorError, now) -> None:
    permanent = exc.permanent or delivery.attempts >= MAX_ATTEMPTS
    changes = {"last_error": exc.message[:300], "response_status": exc.status}
    with transaction.atomic():
        if permanent:
            # No event is written here: it would itself be posted to the failing webhook.
            _mine(delivery, now).update(status=WebhookDelivery.Status.FAILED, **changes)
        else:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(delivery.attempts)
            _mine(delivery, now).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now + wait, **changes)
