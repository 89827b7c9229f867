"""POST requests: an integration files a complaint with its api_key."""

from xml.etree import ElementTree as ET

import pytest

from sigap.agencies.models import Category
from sigap.cases.models import Complaint, Event
from sigap.open311.models import Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def code(client):
    return client.get("/open311/v2/services.json").json()[0]["service_code"]


@pytest.fixture
def form(api_key, code):
    return {
        "api_key": api_key,
        "service_code": code,
        "lat": "-7.5666",
        "long": "110.8166",
        "address_string": "Jl. Slamet Riyadi depan Gladak",
        "description": "Pohon tumbang menutup trotoar.",
        "email": "warga@example.test",
        "first_name": "Sri",
        "last_name": "Wahyuni",
        "phone": "081234567890",
        "media_url": "https://example.test/foto.jpg",
    }


def test_a_request_becomes_a_complaint_with_a_tracking_number(client, form, processor, code):
    response = client.post("/open311/v2/requests.json", form)
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    complaint = Complaint.objects.get(tracking_number=created["service_request_id"])
    assert complaint.created_by == processor and complaint.platform == "other"
    assert complaint.category == Category.objects.get(open311__code=code)
    assert complaint.complainant_name == "Sri Wahyuni" and "warga@example.test" in complaint.contact
    assert "Jl. Slamet Riyadi depan Gladak" in complaint.text and complaint.attachments.count() == 1
    assert Event.objects.filter(complaint=complaint, kind="received").exists()
    token = client.get(f"/open311/v2/tokens/{created['token']}.json").json()
    assert token == [{"service_request_id": created["service_request_id"], "token": created["token"]}]


def test_the_new_request_is_public_without_the_personal_data(client, form):
    number = client.post("/open311/v2/requests.json", form).json()[0]["service_request_id"]
    content = client.get(f"/open311/v2/requests/{number}.json").content.decode()
    for secret in ("Sri", "Wahyuni", "warga@example.test", "081234567890", "foto.jpg"):
        assert secret not in content


def test_posting_in_xml(client, form):
    response = client.post("/open311/v2/requests.xml", form)
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text.startswith("SKA-")


def test_the_same_request_twice_is_one_complaint(client, form):
    first = client.post("/open311/v2/requests.json", form)
    again = client.post("/open311/v2/requests.json", form)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    "change, status",
    [
        ({"api_key": ""}, 403),
        ({"api_key": "sgp_forged"}, 403),
        ({"service_code": ""}, 400),
        ({"service_code": "no-such-service"}, 404),
        ({"lat": "", "long": "", "address_string": ""}, 400),
        ({"long": ""}, 400),
        ({"lat": "north"}, 400),
        ({"lat": "91"}, 400),
        ({"description": ""}, 400),
        ({"description": "x" * 4001}, 400),
        ({"description": "nul\x00"}, 400),
        ({"media_url": "ftp://example.test/a"}, 400),
        ({"jurisdiction_id": "elsewhere"}, 404),
    ],
)
def test_a_bad_request_is_refused_in_the_spec_format_and_nothing_is_written(client, form, change, status):
    response = client.post("/open311/v2/requests.json", {**form, **change})
    assert response.status_code == status, response.content
    [error] = response.json()
    assert error["code"] == status and error["description"]
    assert not Complaint.objects.exists() and not Submission.objects.exists()


def test_a_liaisons_key_may_not_file_requests(client, form, liaison_dishub):
    from sigap.api.models import ApiToken

    form["api_key"] = ApiToken.issue(user=liaison_dishub, name="x")[1]
    assert client.post("/open311/v2/requests.json", form).status_code == 403


def test_an_oversized_post_is_a_413(client, form, settings):
    settings.SIGAP_API_MAX_BODY_BYTES = 500
    response = client.post("/open311/v2/requests.json", {**form, "description": "x" * 1000})
    assert response.status_code == 413 and response.json()[0]["code"] == 413


def test_posting_needs_no_csrf_token(form):
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post("/open311/v2/requests.json", form).status_code == 201


def test_errors_follow_accept_language(client, form):
    english = client.post("/open311/v2/requests.json", {**form, "api_key": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()[0]["description"] == "api_key is missing."
