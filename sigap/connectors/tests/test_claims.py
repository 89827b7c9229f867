"""Several workers: a job is claimed by one conditional UPDATE, so two workers never do the same one."""

from datetime import timedelta

import httpx
import pytest

from sigap.cases.models import Status
from sigap.connectors import forwarding, webhooks
from sigap.connectors.models import Connector, ForwardLink, WebhookDelivery
from sigap.connectors.remote import LEASE

pytestmark = pytest.mark.django_db


class Racing:
    """A queryset whose next due row another worker claims between our read and our claim."""

    def __init__(self, snapshot, other_worker) -> None:
        self.snapshot, self.other_worker = snapshot, other_worker

    def select_related(self, *args):
        return self

    def next_due(self, now, lease):
        self.other_worker()
        return self.snapshot


@pytest.fixture
def pending_forward(make_complaint, walk_to, category, georeport, transport):
    Connector.objects.create(
        name="GeoReport", kind=Connector.Kind.OPEN311, url="https://city.test/georeport/v2", secret_env="SIGAP_TEST_GEOREPORT_KEY"
    )
    transport.use(georeport)
    complaint = walk_to(make_complaint(category=category), Status.FORWARDED)
    return complaint.forward_links.get()


def test_a_forward_claimed_by_another_worker_is_not_sent_again(pending_forward, transport, monkeypatch):
    from django.utils import timezone

    snapshot = ForwardLink.objects.get(pk=pending_forward.pk)

    def other_worker():
        ForwardLink.objects.filter(pk=snapshot.pk, state=ForwardLink.State.PENDING).update(
            state=ForwardLink.State.SENDING, claimed_at=timezone.now()
        )

    monkeypatch.setattr(ForwardLink.objects, "select_related", lambda *a: Racing(snapshot, other_worker))
    assert forwarding.forward_one()  # found work, lost the race, did nothing
    assert transport.requests == []
    pending_forward.refresh_from_db()
    assert pending_forward.attempts == 0 and pending_forward.state == ForwardLink.State.SENDING


def test_a_second_worker_finds_nothing_while_the_first_is_sending(pending_forward, transport, georeport):
    seen = []

    def while_sending(request):
        seen.append(forwarding.forward_one())  # a second worker, mid-call
        return georeport(request)

    transport.use(while_sending)
    assert forwarding.forward_one()
    assert seen == [False] and len(georeport.posted) == 1


def test_a_forward_left_by_a_dead_worker_is_taken_over_after_the_lease(pending_forward, georeport, travel):
    from django.utils import timezone

    ForwardLink.objects.filter(pk=pending_forward.pk).update(state=ForwardLink.State.SENDING, claimed_at=timezone.now())
    assert not forwarding.forward_one()
    travel.shift(LEASE + timedelta(seconds=1))
    assert forwarding.forward_one()
    pending_forward.refresh_from_db()
    assert pending_forward.state == ForwardLink.State.SENT and len(georeport.posted) == 1


def test_the_first_worker_cannot_overwrite_what_the_second_has_taken_over(pending_forward, transport, georeport, travel):
    """A worker that outlived its lease finds its claim gone and writes nothing."""

    def slow_then_taken_over(request):
        travel.shift(LEASE + timedelta(seconds=1))
        transport.use(georeport)
        assert forwarding.forward_one()  # the second worker sends it
        return httpx.Response(201, json=[{"service_request_id": "late-one"}])

    transport.use(slow_then_taken_over)
    forwarding.forward_one()
    pending_forward.refresh_from_db()
    assert pending_forward.token == "tok-1" and pending_forward.remote_id == ""


def test_a_webhook_claimed_by_another_worker_is_not_sent_again(webhook_connector, make_complaint, transport, monkeypatch):
    from django.utils import timezone

    webhook_connector()
    make_complaint()
    snapshot = WebhookDelivery.objects.get()

    def other_worker():
        WebhookDelivery.objects.filter(pk=snapshot.pk).update(status=WebhookDelivery.Status.SENDING, claimed_at=timezone.now())

    monkeypatch.setattr(WebhookDelivery.objects, "select_related", lambda *a: Racing(snapshot, other_worker))
    assert webhooks.send_one_webhook()
    assert transport.requests == []


def test_a_second_worker_does_not_deliver_a_webhook_being_sent(webhook_connector, make_complaint, transport):
    webhook_connector()
    make_complaint()
    seen = []

    def while_sending(request):
        seen.append(webhooks.send_one_webhook())
        return httpx.Response(200)

    transport.use(while_sending)
    assert webhooks.send_one_webhook()
    assert seen == [False] and len(transport.requests) == 1


def test_one_connector_is_polled_by_one_worker_at_a_time(pending_forward, transport, georeport):
    georeport.assign_ids = True
    forwarding.forward_one()
    seen = []

    def while_polling(request):
        if not seen:
            seen.append(forwarding.poll_one_connector())
        return georeport(request)

    transport.use(while_polling)
    assert forwarding.poll_one_connector()
    assert seen == [False]
