"""The service-request-updates extension (mySociety's, as FixMyStreet reads it)."""

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest

from sigap.cases.models import Status

pytestmark = pytest.mark.django_db

UPDATE_FIELDS = {
    "update_id", "service_request_id", "status", "updated_datetime", "description", "media_url", "external_status_code",
}


def test_each_public_step_is_an_update(client, make_complaint, walk_to):
    complaint = walk_to(make_complaint(), Status.POSTED)
    updates = client.get("/open311/v2/servicerequestupdates.json").json()
    assert all(set(u) == UPDATE_FIELDS for u in updates)
    assert [u["external_status_code"] for u in updates] == ["received", "registered", "forwarded", "approved", "posted"]
    assert [u["status"] for u in updates] == ["open", "open", "open", "open", "closed"]
    assert {u["service_request_id"] for u in updates} == {complaint.tracking_number}
    assert "Sudah kami perbaiki." in updates[3]["description"]


def test_updates_in_a_window(client, make_complaint, walk_to, travel):
    complaint = make_complaint()
    travel.shift(timedelta(hours=2))
    walk_to(complaint, Status.REGISTERED)
    updates = client.get("/open311/v2/servicerequestupdates.json?start_date=2026-11-03T15:00:00%2B07:00").json()
    assert [u["external_status_code"] for u in updates] == ["registered"]


def test_updates_in_xml(client, make_complaint):
    make_complaint()
    root = ET.fromstring(client.get("/open311/v2/servicerequestupdates.xml").content)
    assert root.tag == "service_requests_updates"
    assert {child.tag for child in root.find("request_update")} == UPDATE_FIELDS


def test_confidential_complaints_have_no_updates(client, make_complaint):
    make_complaint(confidential=True)
    assert client.get("/open311/v2/servicerequestupdates.json").json() == []


def test_internal_events_are_not_updates(client, make_complaint, walk_to, reviewer):
    from sigap.cases import actions

    complaint = walk_to(make_complaint(), Status.ANSWERED)
    actions.answer_return(complaint=complaint, by=reviewer, reason="rahasia internal")
    content = client.get("/open311/v2/servicerequestupdates.json").content.decode()
    assert "rahasia internal" not in content and "returned" not in content


def test_the_updates_of_many_complaints_cost_no_more_queries_than_of_one(client, make_complaint, walk_to):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    walk_to(make_complaint(), Status.POSTED)
    client.get("/open311/v2/servicerequestupdates.json")  # the first call also numbers the service codes
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/open311/v2/servicerequestupdates.json").json()) == 5
    for _ in range(4):
        walk_to(make_complaint(), Status.POSTED)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get("/open311/v2/servicerequestupdates.json").json()) == 25
    assert len(five.captured_queries) == len(one.captured_queries)
