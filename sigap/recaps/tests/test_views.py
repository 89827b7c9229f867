"""Recap pages: make a recap of a period (step 6), read it, archive it (step 7)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sigap.cases.models import Event, Status
from sigap.recaps.actions import recap_create
from sigap.recaps.models import Archive, Recap

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def posted(clock, make_complaint, walk_to, liaison_dishub):
    complaint = walk_to(make_complaint(posted_at=MONDAY - timedelta(minutes=10)), Status.POSTED, liaison=liaison_dishub)
    clock.shift(timedelta(days=1))  # Tuesday 09:00
    return complaint


def create(client, **data):
    fields = {"period_from": "2026-11-02", "period_to": "2026-11-02", "agency": "", "platform": ""}
    fields.update(data)
    return client.post(reverse("recap-create"), fields)


def test_the_processor_makes_a_recap_of_a_past_day(as_user, processor, posted):
    response = create(as_user(processor))
    recap = Recap.objects.get()
    assert response.status_code == 302 and response.url == reverse("recap", args=[recap.pk])
    assert recap.period_start == datetime(2026, 11, 2, 0, 0, tzinfo=WIB)
    assert recap.period_end == datetime(2026, 11, 3, 0, 0, tzinfo=WIB)
    assert list(recap.complaints.all()) == [posted]
    assert recap.steps.get(number=6).completed_by == processor


def test_a_period_ending_today_runs_up_to_now(as_user, processor, posted):
    create(as_user(processor), period_from="2026-11-01", period_to="2026-11-03")
    recap = Recap.objects.get()
    assert recap.period_end == MONDAY + timedelta(days=1)
    assert list(recap.complaints.all()) == [posted]


def test_the_recap_page_lists_complaints_and_the_step_clocks(as_user, processor, posted):
    client = as_user(processor)
    recap = recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1))
    text = client.get(reverse("recap", args=[recap.pk])).text
    assert posted.tracking_number in text
    assert "Membuat rekapan aduan" in text and "Mengarsip rekapan aduan" in text
    assert "Arsipkan rekap" in text


def test_the_reviewer_archives_a_recap(as_user, processor, reviewer, posted):
    recap = recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1))
    client = as_user(reviewer)
    response = client.post(reverse("recap-archive", args=[recap.pk]), {"reference": "ARSIP/2026/11/01"})
    assert response.status_code == 302
    archive = Archive.objects.get()
    assert archive.reference == "ARSIP/2026/11/01" and archive.archived_by == reviewer
    assert recap.steps.get(number=7).completed_at is not None
    assert "langkah 7 selesai" in client.get(response.url).text


def test_the_complaint_timeline_shows_steps_6_and_7(as_user, processor, reviewer, posted):
    recap = recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1))
    as_user(reviewer).post(reverse("recap-archive", args=[recap.pk]), {"reference": ""})
    response = as_user(processor).get(reverse("complaint", args=[posted.pk]))
    numbers = [s.number for s in response.context["steps"] if s.completed_at]
    assert numbers == [2, 3, 4, 5, 6, 7]


def test_the_list_shows_recaps_and_whether_archived(as_user, supervisor, processor, posted):
    recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1))
    response = as_user(supervisor).get(reverse("recaps"))
    assert response.status_code == 200
    assert "Belum diarsipkan" in response.text
    assert reverse("recap-create") not in response.text  # supervisors read, never act


class TestBadInput:
    def test_it_refuses_an_end_before_the_start(self, as_user, processor, posted):
        response = create(as_user(processor), period_from="2026-11-02", period_to="2026-11-01")
        assert "tidak boleh sebelum tanggal awal" in response.text
        assert not Recap.objects.exists()

    def test_it_refuses_a_period_that_has_not_ended(self, as_user, processor, posted):
        response = create(as_user(processor), period_from="2026-11-02", period_to="2026-11-04")
        assert "Periode belum berakhir" in response.text
        assert not Recap.objects.exists()

    def test_it_refuses_dates_that_are_not_dates(self, as_user, processor, posted):
        response = create(as_user(processor), period_from="kemarin", period_to="")
        form = response.context["form"]
        assert form.errors["period_from"] and form.errors["period_to"]
        assert not Recap.objects.exists()

    def test_it_refuses_an_unknown_agency_or_platform(self, as_user, processor, posted):
        assert create(as_user(processor), agency="999999").context["form"].errors["agency"]
        assert create(as_user(processor), platform="myspace").context["form"].errors["platform"]
        assert not Recap.objects.exists()

    @pytest.mark.parametrize("who", ["supervisor", "liaison_dishub"])
    def test_it_refuses_people_who_may_not_recap(self, request, as_user, posted, who):
        client = as_user(request.getfixturevalue(who))
        assert client.get(reverse("recap-create")).status_code == 403
        assert create(client).status_code == 403
        assert not Recap.objects.exists()

    def test_it_refuses_archiving_by_a_supervisor_and_changes_nothing(self, as_user, processor, supervisor, posted):
        recap = recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1))
        events = Event.objects.count()
        response = as_user(supervisor).post(reverse("recap-archive", args=[recap.pk]), {"reference": "X"})
        assert response.status_code == 403
        assert not Archive.objects.exists() and Event.objects.count() == events

    def test_it_refuses_archiving_twice(self, as_user, processor, reviewer, posted):
        recap = recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1))
        client = as_user(reviewer)
        client.post(reverse("recap-archive", args=[recap.pk]), {"reference": "A"})
        response = client.post(reverse("recap-archive", args=[recap.pk]), {"reference": "B"})
        assert "sudah diarsipkan" in client.get(response.url).text
        assert Archive.objects.get().reference == "A"

    def test_it_refuses_an_overlong_archive_reference(self, as_user, processor, reviewer, posted):
        recap = recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1))
        response = as_user(reviewer).post(reverse("recap-archive", args=[recap.pk]), {"reference": "x" * 500})
        assert response.status_code == 200
        assert not Archive.objects.exists()

    def test_a_liaison_cannot_open_another_agencys_recap(self, as_user, processor, liaison_dlh, agencies, posted):
        recap = recap_create(
            by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1), agency=agencies["DISHUB"]
        )
        assert as_user(liaison_dlh).get(reverse("recap", args=[recap.pk])).status_code == 403

    def test_a_liaison_sees_the_same_recaps_on_every_page_and_in_the_api(
        self, as_user, processor, liaison_dishub, agencies, posted
    ):
        """Its own agency's recaps everywhere; a city-wide one nowhere (its figures are every agency's)."""
        period = {"period_start": MONDAY - timedelta(days=1), "period_end": MONDAY + timedelta(hours=1)}
        own = recap_create(by=processor, agency=agencies["DISHUB"], **period)
        city = recap_create(by=processor, **period)
        client = as_user(liaison_dishub)
        listed = {r.pk for r in client.get(reverse("recaps")).context["page"]}
        assert listed == {own.pk}
        for name in ("recap", "report-recap"):  # /rekap/<pk>/ and /laporan/rekap/<pk>/
            assert client.get(reverse(name, args=[own.pk])).status_code == 200
            assert client.get(reverse(name, args=[city.pk])).status_code == 403
        from sigap.api.models import ApiToken

        _token, secret = ApiToken.issue(user=liaison_dishub, name="test")
        api = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        assert {r["id"] for r in client.get("/api/v1/recaps", **api).json()["results"]} == {own.pk}
        assert client.get(f"/api/v1/recaps/{city.pk}", **api).status_code == 404
