"""Service requests: tracking numbers as ids, public fields only, the spec's filters."""

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest

from sigap.agencies.models import Category
from sigap.cases.models import Status

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}


@pytest.fixture
def category():
    return Category.objects.filter(usual_agency__code="DISHUB").first() or Category.objects.first()


@pytest.fixture
def answered(make_complaint, walk_to, category):
    made = make_complaint(
        text="Traffic light mati. Saya Budi Santoso, WA 0812-3456-7890.", name="Budi Santoso", handle="budi_slo",
        category=category,
    )
    return walk_to(made, Status.POSTED)


def get(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_request_has_exactly_the_spec_fields(client, answered):
    [request] = get(client, f"/open311/v2/requests/{answered.tracking_number}.json")
    assert set(request) == REQUEST_FIELDS
    assert request["service_request_id"] == answered.tracking_number
    assert request["status"] == "closed" and request["status_notes"] == "Sudah kami perbaiki."
    assert request["requested_datetime"].endswith("+07:00")
    assert request["agency_responsible"] == "Dinas Perhubungan"


def test_no_personal_data_leaves_through_open311(client, answered):
    for path in (f"/open311/v2/requests/{answered.tracking_number}.json", "/open311/v2/requests.xml"):
        content = client.get(path).content.decode()
        for secret in ("Budi Santoso", "budi_slo", "0812-3456-7890", "instagram.com", "Warga"):
            assert secret not in content, (path, secret)


def test_confidential_complaints_never_appear(client, make_complaint):
    secret = make_complaint(confidential=True)
    assert client.get(f"/open311/v2/requests/{secret.tracking_number}.json").status_code == 404
    assert get(client, "/open311/v2/requests.json") == []
    assert get(client, f"/open311/v2/requests.json?service_request_id={secret.tracking_number}") == []


def test_the_list_filters_by_status_service_and_dates(client, make_complaint, answered, category, travel):
    open_one = make_complaint(posted_at=answered.posted_at - timedelta(days=2))
    ids = lambda q: [r["service_request_id"] for r in get(client, f"/open311/v2/requests.json?{q}")]  # noqa: E731
    assert ids("status=open") == [open_one.tracking_number]
    assert ids("status=closed") == [answered.tracking_number]
    assert sorted(ids("status=open,closed")) == sorted([open_one.tracking_number, answered.tracking_number])
    code = get(client, f"/open311/v2/requests/{answered.tracking_number}.json")[0]["service_code"]
    assert ids(f"service_code={code}") == [answered.tracking_number]
    assert ids("start_date=2026-11-02T00:00:00%2B07:00") == [answered.tracking_number]
    assert ids("end_date=2026-11-02T00:00:00%2B07:00") == [open_one.tracking_number]
    assert ids("start_date=2026-11-03T00:00:00 07:00") == [answered.tracking_number]  # "+" sent unescaped


def test_ids_override_the_other_filters(client, answered, make_complaint):
    other = make_complaint()
    ids = f"{answered.tracking_number},{other.tracking_number}"
    found = get(client, f"/open311/v2/requests.json?service_request_id={ids}&status=open")
    assert {r["service_request_id"] for r in found} == {answered.tracking_number, other.tracking_number}


def test_the_default_window_is_ninety_days(client, make_complaint, travel):
    old = make_complaint()
    travel.shift(timedelta(days=91))
    assert get(client, "/open311/v2/requests.json") == []
    assert len(get(client, f"/open311/v2/requests.json?service_request_id={old.tracking_number}")) == 1


@pytest.mark.parametrize(
    "query",
    [
        "status=pending",
        "start_date=yesterday",
        "start_date=2026-13-45",
        "end_date=1900-01-01",
        "start_date=2026-11-03&end_date=2026-11-01",
    ],
)
def test_a_bad_filter_is_a_400_in_the_spec_format(client, query):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and error["description"]


def test_requests_in_xml_use_the_spec_elements(client, answered):
    root = ET.fromstring(client.get("/open311/v2/requests.xml").content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert {child.tag for child in request} == REQUEST_FIELDS
    assert request.find("service_request_id").text == answered.tracking_number


def test_control_characters_in_a_text_still_make_valid_xml(client, make_complaint):
    make_complaint(text="lampu\x0bmati\x1b di gang")
    root = ET.fromstring(client.get("/open311/v2/requests.xml").content)
    assert "lampumati di gang" in root.find("request/description").text


def test_an_unknown_or_malformed_id_is_a_404(client, db):
    assert client.get("/open311/v2/requests/SKA-0000-0000.json").status_code == 404
    assert client.get("/open311/v2/requests/whatever.xml").status_code == 404


def test_the_spec_limits_are_kept(client, make_complaint, settings):
    settings.SIGAP_OPEN311_RATE_LIMIT = "2/600"
    assert [client.get("/open311/v2/services.json").status_code for _ in range(3)] == [200, 200, 429]
    response = client.get("/open311/v2/services.xml")
    assert response.status_code == 429 and ET.fromstring(response.content).find("error/code").text == "429"
