"""Discovery and services: the spec's field names, in JSON and XML."""

from xml.etree import ElementTree as ET

import pytest

from sigap.agencies.models import Category

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}


def test_discovery_lists_this_endpoint(client):
    body = client.get("/open311/v2/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and "application/json" in endpoint["formats"]


def test_discovery_in_xml(client):
    root = ET.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_every_active_category_is_a_service(client):
    services = client.get("/open311/v2/services.json").json()
    assert len(services) == Category.objects.filter(active=True).count()
    assert all(set(s) == SERVICE_FIELDS for s in services)
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in services)


def test_services_in_xml_use_the_spec_elements(client):
    response = client.get("/open311/v2/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    first = root.find("service")
    assert {child.tag for child in first} == SERVICE_FIELDS
    assert first.find("metadata").text == "false"


def test_a_service_code_survives_renaming_the_category(client):
    before = client.get("/open311/v2/services.json").json()[0]
    category = Category.objects.get(name=before["service_name"])
    category.name = "Nama Baru Sekali"
    category.save()
    after = {s["service_name"]: s["service_code"] for s in client.get("/open311/v2/services.json").json()}
    assert after["Nama Baru Sekali"] == before["service_code"]


def test_a_service_definition_has_the_code_and_no_attributes(client):
    code = client.get("/open311/v2/services.json").json()[0]["service_code"]
    assert client.get(f"/open311/v2/services/{code}.json").json() == {"service_code": code, "attributes": []}
    root = ET.fromstring(client.get(f"/open311/v2/services/{code}.xml").content)
    assert root.tag == "service_definition" and root.find("service_code").text == code


def test_an_unknown_service_is_a_404_in_the_spec_error_format(client):
    response = client.get("/open311/v2/services/nope.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": response.json()[0]["description"]}]
    root = ET.fromstring(client.get("/open311/v2/services/nope.xml").content)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_a_wrong_jurisdiction_is_a_404(client):
    assert client.get("/open311/v2/services.json?jurisdiction_id=chicago.gov").status_code == 404
    assert client.get("/open311/v2/services.json?jurisdiction_id=surakarta.go.id").status_code == 200


def test_an_unknown_path_or_format_is_a_404_in_the_spec_format(client):
    for path in ("/open311/v2/services.csv", "/open311/v2/nothing.json"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()[0]["code"] == 404
