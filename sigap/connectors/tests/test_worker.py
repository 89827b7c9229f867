"""`sigap worker` runs the connector jobs with the rest: forward, check for answers, deliver webhooks."""

import httpx
import pytest

from sigap.cases.management.commands.worker import JOBS, Command
from sigap.cases.models import Status
from sigap.connectors import forwarding, webhooks
from sigap.connectors.models import Connector, ForwardLink, WebhookDelivery

pytestmark = pytest.mark.django_db


def test_the_worker_knows_the_connector_jobs():
    assert {forwarding.forward_one, forwarding.poll_one_connector, webhooks.send_one_webhook} <= set(JOBS)


def test_one_worker_pass_forwards_and_delivers(make_complaint, walk_to, category, transport, georeport, webhook_connector):
    def both(request):
        return georeport(request) if request.url.host == "city.test" else httpx.Response(204)

    Connector.objects.create(
        name="GeoReport Kota", kind="open311", url="https://city.test/georeport/v2", secret_env="SIGAP_TEST_GEOREPORT_KEY"
    )
    webhook_connector()
    transport.use(both)
    walk_to(make_complaint(category=category), Status.FORWARDED)
    Command().run_pass()
    assert ForwardLink.objects.get().state == ForwardLink.State.SENT
    assert not WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.DELIVERED).exists()
    assert WebhookDelivery.objects.filter(event_kind="forward_sent").exists()
