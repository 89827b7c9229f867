"""The whole channel loop: signed webhook → stored delivery → message → complaint → acknowledgement."""

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from sigap.cases import actions, outbox
from sigap.cases.models import Complaint, Message, Reply, Status
from sigap.platforms import intake
from sigap.platforms.models import Account, Delivery

SECRET = "test-app-secret"
IG_ACCOUNT = "17841400000000001"
POSTED = datetime(2026, 11, 3, 7, 0, tzinfo=timezone.utc)  # 14:00 WIB, a Tuesday
PLATFORMS = {
    "meta": {"secret": SECRET, "verify_token": "kota-solo-verify", "api_url": "https://graph.test/v25.0"},
    "x": {"secret": "x-secret", "api_url": "https://api.x.test"},
    "tiktok": {"secret": "tt-secret", "api_url": ""},
    "telegram": {"secret": "tg-secret", "api_url": ""},
    "youtube": {"secret": "", "api_url": ""},
}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("platform_settings")]


@pytest.fixture
def platform_settings():
    with override_settings(SIGAP_PLATFORMS=PLATFORMS, PUBLIC_URL="https://sigap.test"):
        yield


@pytest.fixture
def account(db, monkeypatch):
    monkeypatch.setenv("SIGAP_TEST_IG_TOKEN", "ig-token")
    return Account.objects.create(
        platform="instagram", external_id=IG_ACCOUNT, name="Lapor Mas Wali", token_env="SIGAP_TEST_IG_TOKEN"
    )


def ig_comment(comment_id="18050000000000001", text="Min, lampu PJU di depan SD Negeri 12 mati sudah seminggu",
               author="6200000000000001", media="18070000000000001", when=POSTED) -> bytes:
    body = {
        "object": "instagram",
        "entry": [{
            "id": IG_ACCOUNT,
            "time": int(when.timestamp()),
            "changes": [{"field": "comments", "value": {
                "id": comment_id, "from": {"id": author, "username": "warga.solo"}, "text": text,
                "media": {"id": media, "media_product_type": "FEED"}}}],
        }],
    }
    return json.dumps(body).encode()  # ensure_ascii: escaped unicode, as Meta sends


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, body: bytes, signature: str | None = None):
    return client.post(
        "/webhooks/meta", body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature or sign(body)
    )


class FakeGraph:
    """Stands in for sigap.lib.http.request: records calls, answers as the Graph API does."""

    def __init__(self, *responses):
        self.calls = []
        self.responses = list(responses)

    def __call__(self, method, url, *, client=None, **kwargs):
        self.calls.append((method, url, kwargs))
        status, body = self.responses.pop(0) if self.responses else (200, {"id": f"reply-{len(self.calls)}"})
        return httpx.Response(status, json=body, request=httpx.Request(method, url))


@pytest.fixture
def graph(monkeypatch):
    fake = FakeGraph()
    monkeypatch.setattr("sigap.lib.http.request", fake)
    return fake


def test_the_meta_handshake_echoes_the_challenge_only_with_the_right_token(client):
    ok = client.get("/webhooks/meta", {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "kota-solo-verify"})
    assert ok.status_code == 200 and ok.content == b"1158201444"
    wrong = client.get("/webhooks/meta", {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "guess"})
    assert wrong.status_code == 403


def test_a_forged_signature_gets_403_and_stores_nothing(client, account):
    body = ig_comment()
    assert post(client, body, sign(body, "not-the-secret")).status_code == 403
    assert client.post("/webhooks/meta", body, content_type="application/json").status_code == 403
    assert not Delivery.objects.exists()


def test_a_signed_comment_is_stored_before_the_200(client, account):
    body = ig_comment()
    response = post(client, body)
    assert response.status_code == 200
    assert bytes(Delivery.objects.get().body) == body


def test_an_oversized_body_is_refused_with_413(client, account):
    with override_settings(SIGAP_MAX_WEBHOOK_BYTES=1024):
        body = ig_comment(text="x" * 2000)
        assert post(client, body).status_code == 413
    assert not Delivery.objects.exists()


def test_a_one_megabyte_signed_body_is_taken(client, account):
    body = ig_comment(text="jalan rusak " * 90_000)
    assert len(body) > 1_000_000
    assert post(client, body).status_code == 200
    with time_machine.travel(POSTED + timedelta(minutes=1), tick=False):
        assert intake.process_one_delivery()
    assert Complaint.objects.get().text.startswith("jalan rusak")


def test_other_methods_are_refused(client):
    assert client.put("/webhooks/meta", b"{}").status_code == 405


def test_a_comment_opens_a_complaint_and_queues_the_acknowledgement(client, account, graph):
    post(client, ig_comment())
    with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
        assert intake.process_one_delivery()
    complaint = Complaint.objects.get()
    assert complaint.platform == "instagram" and complaint.account == account
    assert complaint.posted_at == POSTED and complaint.complainant_handle == "warga.solo"
    step2 = complaint.steps.get(number=2)
    assert step2.started_at == POSTED and step2.on_time
    reply = Reply.objects.get()
    assert reply.kind == Reply.Kind.ACK and complaint.tracking_number in reply.text
    assert "https://sigap.test/lacak/" + complaint.tracking_number in reply.text


def test_the_acknowledgement_posted_completes_step_3(client, account, graph):
    post(client, ig_comment())
    with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
        intake.process_one_delivery()
        assert outbox.send_one_reply()
    method, url, kwargs = graph.calls[0]
    assert (method, url) == ("POST", "https://graph.test/v25.0/18050000000000001/replies")
    assert kwargs["headers"]["Authorization"] == "Bearer ig-token"
    complaint = Complaint.objects.get()
    assert complaint.status == Status.REGISTERED
    assert complaint.steps.get(number=3).completed_at == POSTED + timedelta(minutes=2)
    assert Reply.objects.get().status == Reply.Status.SENT


def test_a_redelivered_event_makes_no_second_message_or_complaint(client, account, graph):
    body = ig_comment()
    post(client, body)
    post(client, body)
    with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
        call_command("worker", "--once")
    assert Message.objects.count() == 1 and Complaint.objects.count() == 1
    assert Delivery.objects.filter(status="done").count() == 2
    assert len(graph.calls) == 1


def test_a_follow_up_in_the_same_thread_joins_the_open_complaint(client, account, graph):
    post(client, ig_comment())
    post(client, ig_comment(comment_id="18050000000000002", text="Sampai sekarang belum ada petugas"))
    with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
        call_command("worker", "--once")
    complaint = Complaint.objects.get()
    assert complaint.messages.count() == 2
    assert complaint.events.filter(kind="follow_up").exists()


def test_a_verified_body_that_is_not_json_is_kept_for_a_person(client, account):
    body = b"{not json"
    assert post(client, body).status_code == 200
    intake.process_one_delivery()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.UNREADABLE and bytes(delivery.body) == body and delivery.error


def test_an_unknown_event_type_is_read_and_ignored(client, account):
    body = json.dumps({"object": "instagram", "entry": [{"id": IG_ACCOUNT, "time": 1, "changes": [{"field": "story_insights", "value": {}}]}]}).encode()
    post(client, body)
    intake.process_one_delivery()
    assert Delivery.objects.get().status == Delivery.Status.DONE and not Message.objects.exists()


def test_our_own_comment_echoed_back_opens_nothing(client, account):
    post(client, ig_comment(author=IG_ACCOUNT))
    intake.process_one_delivery()
    assert not Complaint.objects.exists()


class TestOutbox:
    def deliver(self, client, graph):
        post(client, ig_comment())
        with time_machine.travel(POSTED + timedelta(minutes=1), tick=False):
            intake.process_one_delivery()
        return Reply.objects.get()

    def test_an_outage_is_retried_with_backoff_and_the_step_stays_open(self, client, account, graph):
        reply = self.deliver(client, graph)
        graph.responses = [(503, {"error": {"message": "down", "code": 2}})]
        with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
            outbox.send_one_reply()
        reply.refresh_from_db()
        assert reply.status == Reply.Status.PENDING and reply.send_after > POSTED + timedelta(minutes=2)
        assert Complaint.objects.get().status == Status.RECEIVED
        with time_machine.travel(POSTED + timedelta(minutes=10), tick=False):
            outbox.send_one_reply()
        reply.refresh_from_db()
        assert reply.status == Reply.Status.SENT and reply.attempts == 2

    def test_meta_throttling_waits_and_does_not_give_up(self, client, account, graph):
        reply = self.deliver(client, graph)
        graph.responses = [(400, {"error": {"message": "(#4) Application request limit reached", "code": 4}})]
        with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
            outbox.send_one_reply()
        reply.refresh_from_db()
        assert reply.status == Reply.Status.PENDING and reply.last_error

    def test_an_expired_token_holds_the_reply_and_tells_a_person_in_plain_words(self, client, account, graph):
        reply = self.deliver(client, graph)
        graph.responses = [(400, {"error": {"message": "Error validating access token", "code": 190, "error_subcode": 463}})]
        with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
            outbox.send_one_reply()
        reply.refresh_from_db()
        account.refresh_from_db()
        # Not failed: the account, not the reply, is at fault; it waits for the account to be reconnected.
        assert reply.status == Reply.Status.PENDING and "reconnect the account" in reply.last_error
        assert account.last_error == reply.last_error
        complaint = Complaint.objects.get()
        assert complaint.status == Status.RECEIVED and complaint.steps.get(number=3).completed_at is None

    def test_a_deleted_comment_is_permanent(self, client, account, graph):
        reply = self.deliver(client, graph)
        graph.responses = [(400, {"error": {"message": "Object with ID does not exist", "code": 100, "error_subcode": 33}})]
        with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
            outbox.send_one_reply()
        reply.refresh_from_db()
        assert reply.status == Reply.Status.FAILED

    def test_a_reply_left_sending_by_a_crash_is_never_sent_again(self, client, account, graph):
        reply = self.deliver(client, graph)
        Reply.objects.filter(pk=reply.pk).update(status=Reply.Status.SENDING, claimed_at=POSTED)
        with time_machine.travel(POSTED + timedelta(hours=1), tick=False):
            assert outbox.send_one_reply() is False
            assert outbox.flag_one_stale_sending()
        reply.refresh_from_db()
        assert reply.status == Reply.Status.UNCERTAIN and not graph.calls

    def test_the_approved_answer_is_posted_and_completes_step_5(
        self, client, account, graph, processor, reviewer, liaison_dishub
    ):
        self.deliver(client, graph)
        with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
            outbox.send_one_reply()
            complaint = Complaint.objects.get()
            actions.complaint_forward(complaint=complaint, by=reviewer, agency=liaison_dishub.agency)
            actions.complaint_answer(complaint=complaint, by=liaison_dishub, text="Lampu sudah diganti hari ini.")
            actions.answer_approve(complaint=complaint, by=reviewer)
            outbox.send_one_reply()
        complaint.refresh_from_db()
        assert complaint.status == Status.POSTED
        answer_reply = Reply.objects.get(kind=Reply.Kind.ANSWER)
        assert answer_reply.text.endswith("Lampu sudah diganti hari ini.")
        assert complaint.steps.get(number=5).on_time

    def test_an_answer_with_personal_data_goes_private(self, client, account, graph, reviewer, liaison_dishub):
        self.deliver(client, graph)
        with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
            outbox.send_one_reply()
            complaint = Complaint.objects.get()
            actions.complaint_forward(complaint=complaint, by=reviewer, agency=liaison_dishub.agency)
            actions.complaint_answer(complaint=complaint, by=liaison_dishub, text="Silakan hubungi petugas di 0812-3456-7890.")
            actions.answer_approve(complaint=complaint, by=reviewer)
            outbox.send_one_reply()
        method, url, kwargs = graph.calls[-1]
        assert url == f"https://graph.test/v25.0/{IG_ACCOUNT}/messages"
        assert kwargs["json"]["recipient"] == {"comment_id": "18050000000000001"}
