"""Agencies, categories, recaps and archives through the API."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sigap.agencies.models import Agency, Category
from sigap.cases.models import Status
from sigap.recaps.actions import recap_archive, recap_create

WIB = ZoneInfo("Asia/Jakarta")
pytestmark = pytest.mark.django_db


def test_agencies_and_categories_are_listed_and_read(client_for, liaison_dlh):
    client = client_for(liaison_dlh)
    agencies = client.get("/agencies").json()
    assert {"DISHUB", "DLH"} <= {a["code"] for a in agencies}
    assert client.get("/agencies/dishub").json()["code"] == "DISHUB"
    assert client.get("/agencies/NOPE").status_code == 404
    category = Category.objects.first()
    assert client.get(f"/categories/{category.pk}").json()["name"] == category.name
    assert len(client.get("/categories").json()) == Category.objects.count()
    assert client.get("/categories/2147483647").status_code == 404


@pytest.fixture
def recaps(make_complaint, walk_to, reviewer, processor):
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=WIB), tick=False):
        dishub = walk_to(make_complaint(), Status.POSTED, agency_code="DISHUB")
        dlh = walk_to(make_complaint(), Status.POSTED, agency_code="DLH")
    start, end = datetime(2026, 11, 2, tzinfo=WIB), datetime(2026, 11, 3, tzinfo=WIB)
    with time_machine.travel(end + timedelta(hours=1), tick=False):
        city = recap_create(by=processor, period_start=start, period_end=end)
        only_dishub = recap_create(by=processor, period_start=start, period_end=end, agency=Agency.objects.get(code="DISHUB"))
        archive = recap_archive(recap=city, by=reviewer, reference="ARSIP/2026/11")
    return {"city": city, "dishub": only_dishub, "archive": archive, "complaints": (dishub, dlh)}


def test_recaps_and_archives_are_listed_and_read(client_for, processor, recaps):
    client = client_for(processor)
    listed = client.get("/recaps").json()
    assert {r["id"] for r in listed["results"]} == {recaps["city"].pk, recaps["dishub"].pk}
    city = client.get(f"/recaps/{recaps['city'].pk}").json()
    assert city["complaint_count"] == 2 and len(city["complaints"]) == 2
    assert city["archive"]["reference"] == "ARSIP/2026/11"
    archives = client.get("/archives").json()["results"]
    assert [a["id"] for a in archives] == [recaps["archive"].pk]
    assert client.get(f"/archives/{recaps['archive'].pk}").json()["recap"] == recaps["city"].pk


def test_a_liaison_sees_only_its_agencys_recaps(client_for, liaison_dishub, recaps):
    client = client_for(liaison_dishub)
    assert [r["id"] for r in client.get("/recaps").json()["results"]] == [recaps["dishub"].pk]
    assert client.get(f"/recaps/{recaps['city'].pk}").status_code == 404
    assert client.get("/archives").json()["results"] == []
