"""Signed outbound webhooks: one delivery per event and connector, the exact bytes signed, retried."""

import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from sigap.cases import actions
from sigap.cases.models import Event, Status
from sigap.connectors import webhooks
from sigap.connectors.models import Connector, WebhookDelivery
from sigap.connectors.remote import MAX_ATTEMPTS

pytestmark = pytest.mark.django_db

SECRET = b"hook-secret-0123456789"


def drain() -> int:
    sent = 0
    while webhooks.send_one_webhook():
        sent += 1
    return sent


def test_every_event_is_queued_in_the_same_transaction(webhook_connector, make_complaint, walk_to):
    connector = webhook_connector()
    complaint = walk_to(make_complaint(), Status.FORWARDED)
    kinds = list(WebhookDelivery.objects.filter(connector=connector).values_list("event_kind", flat=True))
    assert kinds == list(Event.objects.filter(complaint=complaint).values_list("kind", flat=True))
    assert {"received", "registered", "forwarded"} <= set(kinds)


def test_the_signature_is_an_hmac_of_the_raw_body_and_verifies(webhook_connector, make_complaint, transport):
    webhook_connector()
    complaint = make_complaint()
    assert drain() == 1
    request = transport.requests[0]
    expected = "sha256=" + hmac.new(SECRET, request.content, hashlib.sha256).hexdigest()
    assert request.headers["X-Sigap-Signature-256"] == expected
    assert webhooks.verify(SECRET.decode(), request.content, request.headers["X-Sigap-Signature-256"])
    assert not webhooks.verify(SECRET.decode(), request.content + b" ", request.headers["X-Sigap-Signature-256"])
    event = Event.objects.get(complaint=complaint, kind="received")
    assert request.headers["X-Sigap-Event-Id"] == str(event.pk) and request.headers["X-Sigap-Event"] == "received"
    body = json.loads(request.content)
    assert body["id"] == event.pk and body["complaint"]["tracking_number"] == complaint.tracking_number
    assert request.headers["content-type"] == "application/json"


def test_a_retry_sends_the_very_same_bytes(webhook_connector, make_complaint, transport, travel):
    webhook_connector()
    make_complaint()
    transport.use(lambda r: httpx.Response(503))
    drain()
    travel.shift(timedelta(minutes=1))
    transport.use(lambda r: httpx.Response(204))
    drain()
    first, second = transport.requests
    assert first.content == second.content
    assert first.headers["X-Sigap-Signature-256"] == second.headers["X-Sigap-Signature-256"]
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED


def test_no_identity_leaves_and_texts_are_masked(webhook_connector, make_complaint, transport, walk_to, liaison_dishub):
    webhook_connector()
    complaint = make_complaint(text="Saya Budi, HP 081234567890, lampu mati.", contact="budi@example.id")
    actions.complaint_register(complaint=complaint, by=complaint.created_by, ack_via="Instagram", note="catatan internal Budi")
    drain()
    sent = b"".join(r.content for r in transport.requests).decode()
    for secret in ("081234567890", "warga_solo", "Warga Solo", "budi@example.id", "instagram.com/p/C0ffee", "catatan internal"):
        assert secret not in sent
    assert "Lampu" in sent or "lampu" in sent


def test_a_confidential_complaint_tells_its_status_only(webhook_connector, make_complaint, transport):
    webhook_connector()
    complaint = make_complaint(confidential=True)
    drain()
    body = json.loads(transport.requests[0].content)
    assert body["complaint"] == {
        "id": complaint.pk,
        "tracking_number": complaint.tracking_number,
        "status": "received",
        "round": 1,
        "confidential": True,
        "url": f"http://127.0.0.1:8000/api/v1/complaints/{complaint.tracking_number}",
    }
    assert "data" not in body and "lampu" not in transport.requests[0].content.decode().lower()


def test_the_approved_answer_goes_out_masked(webhook_connector, make_complaint, walk_to, transport, liaison_dishub):
    webhook_connector(event_kinds="approved")
    walk_to(make_complaint(), Status.APPROVED, liaison=liaison_dishub)
    drain()
    (request,) = transport.requests
    assert json.loads(request.content)["answer"] == {"text": "Sudah kami perbaiki."}


def test_only_the_chosen_event_kinds_are_sent(webhook_connector, make_complaint, walk_to):
    webhook_connector(event_kinds="forwarded, closed")
    walk_to(make_complaint(), Status.FORWARDED)
    assert list(WebhookDelivery.objects.values_list("event_kind", flat=True)) == ["forwarded"]


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_server_errors_and_throttling_are_retried_with_backoff(webhook_connector, make_complaint, transport, status):
    webhook_connector()
    make_complaint()
    transport.use(lambda r: httpx.Response(status))
    drain()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.response_status == status
    assert delivery.next_attempt_at == timezone.now() + timedelta(seconds=30)


def test_a_timeout_is_retried_and_retry_after_is_honoured(webhook_connector, make_complaint, transport, travel):
    webhook_connector()
    make_complaint()

    def slow(request):
        raise httpx.ConnectTimeout("no route", request=request)

    transport.use(slow)
    drain()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    travel.move_to(delivery.next_attempt_at)
    transport.use(lambda r: httpx.Response(429, headers={"Retry-After": "600"}))
    drain()
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == timezone.now() + timedelta(seconds=600)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413, 422])
def test_a_refusal_is_permanent_and_visible(webhook_connector, make_complaint, transport, status, as_user, processor):
    webhook_connector()
    complaint = make_complaint()
    transport.use(lambda r: httpx.Response(status, json={"message": "no such hook"}))
    drain()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED and str(status) in delivery.last_error
    assert not webhooks.send_one_webhook()
    page = as_user(processor).get(complaint.get_absolute_url()).content.decode()
    assert "Dasbor Kota" in page and "no such hook" in page


def test_after_the_last_attempt_a_person_is_asked(webhook_connector, make_complaint, transport):
    webhook_connector()
    make_complaint()
    transport.use(lambda r: httpx.Response(500))
    WebhookDelivery.objects.update(attempts=MAX_ATTEMPTS - 1)
    drain()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED


def test_a_failure_writes_no_event_that_would_itself_be_posted(webhook_connector, make_complaint, transport):
    webhook_connector()
    make_complaint()
    before = Event.objects.count()
    transport.use(lambda r: httpx.Response(400))
    drain()
    assert Event.objects.count() == before and WebhookDelivery.objects.count() == 1


def test_nothing_is_sent_unsigned(webhook_connector, make_complaint, transport, monkeypatch):
    webhook_connector()
    make_complaint()
    monkeypatch.delenv("SIGAP_TEST_HOOK_SECRET")
    drain()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED and "SIGAP_TEST_HOOK_SECRET" in delivery.last_error
    assert transport.requests == []


def test_a_huge_answer_from_the_receiver_does_not_matter(webhook_connector, make_complaint, transport):
    webhook_connector()
    make_complaint()
    transport.use(lambda r: httpx.Response(200, content=b"x" * (5 * 1024 * 1024)))
    drain()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED


def test_recap_events_go_out_without_complaint_data(webhook_connector):
    webhook_connector()
    event = actions.record_event("recap_created", reference="REKAP/2026/11", note="internal")
    body = json.loads(WebhookDelivery.objects.get(event=event).body)
    assert body["data"] == {"reference": "REKAP/2026/11"} and "complaint" not in body


def test_a_connector_switched_off_queues_nothing(webhook_connector, make_complaint):
    webhook_connector(active=False)
    make_complaint()
    assert not WebhookDelivery.objects.exists()


def test_the_retry_admin_action_puts_a_failed_delivery_back(webhook_connector, make_complaint, transport, admin_user):
    from django.test import Client

    webhook_connector()
    make_complaint()
    transport.use(lambda r: httpx.Response(410))
    drain()
    delivery = WebhookDelivery.objects.get()
    client = Client()
    client.force_login(admin_user)
    client.post("/admin/connectors/webhookdelivery/", {"action": "retry", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert Connector.objects.get().deliveries.count() == 1
