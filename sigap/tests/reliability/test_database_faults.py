"""Database faults: while the database is away every answer is 503 with Retry-After (never a 500),
a webhook that could not be stored is refused so that its platform delivers it again, and the
worker outlives the outage.

Here the database "goes away" by making every query raise OperationalError, as a terminated
PostgreSQL session or a SQLite lock timeout does; the crash harness (test_crashes.py) does it for
real, refusing connections to its PostgreSQL database or holding SQLite's write lock under load.
"""

import time
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from sigap.cases import outbox
from sigap.cases.models import Message, Reply
from sigap.fakeplatform.webhooks import meta_signature, tiktok_signature, x_signature
from sigap.platforms import intake
from sigap.platforms.models import Delivery
from sigap.tests.reliability.conftest import FIGURES

# Autocommit, as in production: a failed query must not poison a test-wide transaction.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@contextmanager
def database_away(message: str = "server closed the connection unexpectedly"):
    def refuse(*args, **kwargs):
        raise OperationalError(message)

    with mock.patch("django.db.backends.utils.CursorWrapper._execute", side_effect=refuse), mock.patch(
        "django.db.backends.utils.CursorWrapper._executemany", side_effect=refuse
    ):
        yield


def signed(fake, group: str, body: bytes) -> dict:
    secrets = fake.config.secrets
    if group == "meta":
        return {"X-Hub-Signature-256": meta_signature(secrets["meta_app_secret"], body)}
    if group == "x":
        return {"x-twitter-webhooks-signature": x_signature(secrets["x_consumer_secret"], body)}
    if group == "tiktok":
        return {"Tiktok-Signature": tiktok_signature(secrets["tiktok_app_secret"], body, int(time.time()))}
    return {"X-Telegram-Bot-Api-Secret-Token": secrets["telegram_secret_token"]}


BODIES = {
    "meta": b'{"object": "instagram", "entry": []}',
    "x": b'{"for_user_id": "1500000000000000001"}',
    "tiktok": b'{"event": "comment.update", "user_openid": "-000PemkotSoloDemo0001", "content": "{}"}',
    "telegram": b'{"update_id": 1}',
}


def test_every_kind_of_request_answers_503_with_retry_after_while_the_database_is_away(
    fake_live, make_complaint, processor, admin_user, settings
):
    from sigap.api.models import ApiToken

    complaint = make_complaint()
    token = ApiToken.issue(user=processor, name="ulas")[1]
    staff = Client(raise_request_exception=False)
    staff.force_login(processor)
    admin = Client(raise_request_exception=False)
    admin.force_login(admin_user)
    public = Client(raise_request_exception=False)
    requests = [
        (staff, "get", "/", {}),
        (staff, "get", "/aduan/", {}),
        (staff, "get", f"/aduan/{complaint.pk}/", {}),
        (staff, "post", f"/aduan/{complaint.pk}/register/", {"data": {"register-ack_via": "Instagram"}}),
        (staff, "get", "/triase/", {}),
        (staff, "get", "/rekap/", {}),
        (admin, "get", "/admin/cases/complaint/", {}),
        (public, "get", f"/lacak/{complaint.tracking_number}", {}),
        (public, "post", "/masuk/", {"data": {"username": "operator", "password": "pw-operator"}}),
        (public, "get", "/api/v1/complaints", {"headers": {"Authorization": f"Bearer {token}"}}),
        (public, "get", "/open311/v2/services.json", {}),
        (public, "get", "/open311/v2/requests.xml", {}),
        (public, "get", "/healthz", {}),
    ]
    with database_away():
        answers = [(path, getattr(client, method)(path, **options)) for client, method, path, options in requests]
        for group, body in BODIES.items():
            path = f"/webhooks/{group}"
            headers = signed(fake_live, group, body)
            answers.append((path, public.post(path, body, content_type="application/json", headers=headers)))
        form = public.get("/lacak/")
    assert form.status_code == 200  # the lookup form needs no database, and is served
    for path, response in answers:
        assert response.status_code == 503, (path, response.status_code)
        assert response.get("Retry-After"), path
    html = dict(answers)["/"].content.decode()
    assert "<h1>" in html and "database" not in html.lower().split("<title>")[0]  # a page, not a traceback
    assert dict(answers)["/api/v1/complaints"].json()["code"] == "unavailable"
    assert Delivery.objects.count() == 0
    FIGURES["database faults survived"] += len(answers)


def test_a_webhook_refused_while_the_database_is_away_is_stored_once_when_the_platform_delivers_it_again(
    fake_live, connect, webhooks
):
    from sigap.tests.reliability.conftest import deliver

    connect("instagram")
    item = fake_live.citizen_says("instagram", "comment", "Lampu PJU di Jl. Veteran mati sejak kemarin")
    (request,) = webhooks.requests
    with database_away("database is locked"):
        assert deliver(request).status_code == 503  # Meta delivers it again later
    assert Delivery.objects.count() == 0
    assert deliver(request).status_code == 200
    assert deliver(request).status_code == 200  # and once more, as at-least-once delivery may
    while intake.process_one_delivery():
        pass
    assert Message.objects.filter(platform="instagram", external_id=item.id).count() == 1
    FIGURES["database faults survived"] += 1


def test_the_worker_outlives_the_database_going_away_and_carries_on_after(citizen_complaint, fake_live):
    _item, complaint = citizen_complaint("instagram", "comment", "Sampah menumpuk di depan Pasar Legi")
    with database_away():
        call_command("worker", "--once")  # every job fails; the loop and its heartbeat must not
    call_command("worker", "--once")
    assert Reply.objects.get(complaint=complaint).status == Reply.Status.SENT
    FIGURES["database faults survived"] += 1


def test_a_database_lost_after_the_platform_took_a_reply_leaves_it_for_a_person_not_for_a_resend(
    citizen_complaint, fake_live, settings
):
    item, complaint = citizen_complaint("instagram", "comment", "Got mampet di Jl. Gatot Subroto")
    with mock.patch.object(outbox, "_sent", side_effect=OperationalError("terminating connection")):
        with pytest.raises(OperationalError):
            outbox.send_one_reply()
    reply = Reply.objects.get(complaint=complaint)
    assert reply.status == Reply.Status.SENDING and len(fake_live.world.replies_to(item.id)) == 1
    assert outbox.send_one_reply() is False  # not picked up again
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SIGAP_REPLY_LEASE_SECONDS + 1)):
        assert outbox.flag_one_stale_sending()
        assert outbox.send_one_reply() is False
    reply.refresh_from_db()
    assert reply.status == Reply.Status.UNCERTAIN
    assert len(fake_live.world.replies_to(item.id)) == 1  # posted once, and a person checks it
    FIGURES["database faults survived"] += 1
