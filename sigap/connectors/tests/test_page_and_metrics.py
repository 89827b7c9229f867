"""Staff see where a complaint went; /metrics shows the connectors' backlog and failures."""

import httpx
import pytest

from sigap.cases.models import Status
from sigap.connectors import forwarding
from sigap.connectors.models import Connector

pytestmark = pytest.mark.django_db


@pytest.fixture
def forwarded(make_complaint, walk_to, category, georeport, transport):
    Connector.objects.create(
        name="GeoReport Kota", kind="open311", url="https://city.test/georeport/v2", secret_env="SIGAP_TEST_GEOREPORT_KEY"
    )
    transport.use(georeport)
    return walk_to(make_complaint(category=category), Status.FORWARDED)


def test_the_complaint_page_shows_the_forward_state(forwarded, as_user, processor, liaison_dishub):
    forwarding.forward_one()
    page = as_user(processor).get(forwarded.get_absolute_url()).content.decode()
    assert "GeoReport Kota" in page and "tok-1" in page
    assert as_user(liaison_dishub).get(forwarded.get_absolute_url()).status_code == 200


def test_a_failure_shows_its_reason_and_an_admin_link_for_administrators(forwarded, transport, as_user, admin_user):
    transport.use(lambda r: httpx.Response(400, json=[{"code": 400, "description": "service_code unknown"}]))
    forwarding.forward_one()
    page = as_user(admin_user).get(forwarded.get_absolute_url()).content.decode()
    assert "service_code unknown" in page and "/admin/connectors/forwardlink/" in page


def test_a_complaint_without_connectors_shows_no_box(make_complaint, as_user, processor):
    page = as_user(processor).get(make_complaint().get_absolute_url()).content.decode()
    assert "h-forward" not in page


def test_metrics_show_backlog_and_failures(forwarded, transport, webhook_connector, client, admin_user, monkeypatch):
    from sigap.ops import metrics

    text = metrics.render()
    assert 'sigap_connector_backlog{kind="forward"} 1' in text
    assert 'sigap_connector_failures{kind="forward"} 0' in text
    transport.use(lambda r: httpx.Response(403))
    forwarding.forward_one()
    text = metrics.render()
    assert 'sigap_connector_failures{kind="forward"} 1' in text
    assert 'sigap_connector_forwards{state="failed"} 1' in text
    assert 'sigap_connector_webhooks{status="pending"} 0' in text
