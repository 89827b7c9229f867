import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from sigap.recaps.actions import recap_archive, recap_create
from sigap.recaps.models import ArchiveFile
from sigap.recaps.tests.conftest import WEEK_END, WEEK_START, WIB

pytestmark = pytest.mark.django_db
FRIDAY = datetime(2026, 11, 6, 18, 0, tzinfo=WIB)


@pytest.fixture
def archived(week, processor, reviewer, agencies):
    """The week's city-wide recap and Dishub's, both archived."""
    entries = {}
    with time_machine.travel(WEEK_END + timedelta(minutes=5), tick=False):
        for key, agency in (("all", None), ("dishub", agencies["DISHUB"])):
            recap = recap_create(by=processor, period_start=WEEK_START, period_end=WEEK_END, agency=agency)
            entries[key] = recap_archive(recap=recap, by=reviewer)
    return entries


def test_the_dashboard_needs_a_login(client):
    response = client.get(reverse("report-dashboard"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_dashboard_shows_today_this_week_and_this_month_with_charts(client, supervisor, week):
    client.force_login(supervisor)
    with time_machine.travel(FRIDAY, tick=False):
        response = client.get(reverse("report-dashboard"), {"period": "week"})
    assert response.status_code == 200
    strip = {p["name"]: p["summary"] for p in response.context["strip"]}
    assert (strip["today"].received, strip["week"].received, strip["month"].received) == (1, 6, 6)
    assert strip["week"].answered == 4 and response.context["summary"] is strip["week"]
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 5
    assert "Selama periode 2 November 2026 00:00 – 6 November 2026 18:00 WIB" in html


def test_a_liaison_sees_only_its_own_agency(client, liaison_dlh, week):
    client.force_login(liaison_dlh)
    with time_machine.travel(FRIDAY, tick=False):
        response = client.get(reverse("report-dashboard"), {"period": "week", "agency": "DISHUB"})
    summary = response.context["summary"]
    assert summary.agency.code == "DLH" and summary.answered == 1 and summary.received == 2
    assert response.context["agencies"] is None  # no agency picker


def test_the_dashboard_figures_download_in_each_format(client, supervisor, week):
    client.force_login(supervisor)
    with time_machine.travel(FRIDAY, tick=False):
        xlsx = client.get(reverse("report-download", args=["xlsx"]), {"period": "week"})
        csv = client.get(reverse("report-download", args=["csv"]), {"period": "week", "platform": "x"})
        pdf = client.get(reverse("report-download", args=["pdf"]), {"period": "month"})
    assert load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))["Rekap"].max_row == 7
    assert xlsx["Content-Disposition"] == 'attachment; filename="rekap-20261102-week.xlsx"'
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].split(",")[1] == week["late"].tracking_number
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("report-download", args=["docx"])).status_code == 404


def test_a_recap_page_shows_its_figures_and_files(client, supervisor, archived):
    client.force_login(supervisor)
    response = client.get(reverse("report-recap", args=[archived["all"].recap_id]))
    assert response.status_code == 200 and response.context["summary"].answered == 4
    assert reverse("report-archive-file", args=[archived["all"].pk, "pdf"]) in response.content.decode()


def test_a_recap_not_archived_is_made_on_request(client, processor, week):
    with time_machine.travel(WEEK_END + timedelta(minutes=5), tick=False):
        recap = recap_create(by=processor, period_start=WEEK_START, period_end=WEEK_END)
    client.force_login(processor)
    response = client.get(reverse("report-recap-file", args=[recap.pk, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rekap-20261102-20261108-all.xlsx"'


def test_a_liaison_may_not_read_a_city_wide_recap_but_may_read_its_agencys(client, liaison_dishub, liaison_dlh, archived):
    client.force_login(liaison_dishub)
    assert client.get(reverse("report-recap", args=[archived["all"].recap_id])).status_code == 403
    assert client.get(reverse("report-recap", args=[archived["dishub"].recap_id])).status_code == 200
    assert client.get(reverse("report-archive-file", args=[archived["all"].pk, "csv"])).status_code == 403
    assert client.get(reverse("report-archive-file", args=[archived["dishub"].pk, "csv"])).status_code == 200
    client.force_login(liaison_dlh)
    assert client.get(reverse("report-recap-file", args=[archived["dishub"].recap_id, "csv"])).status_code == 403
    assert list(client.get(reverse("report-archive")).context["entries"]) == []


def test_supervisors_list_and_download_the_archive(client, supervisor, archived):
    client.force_login(supervisor)
    response = client.get(reverse("report-archive"))
    assert [e.sequence for e in response.context["entries"]] == [2, 1]
    assert archived["dishub"].entry_hash in response.content.decode()
    stored = archived["all"].files.get(format="pdf")
    download = client.get(reverse("report-archive-file", args=[archived["all"].pk, "pdf"]))
    assert b"".join(download.streaming_content) == stored.file.open("rb").read()
    assert download["X-Content-SHA256"] == stored.sha256


def test_a_pruned_file_is_gone_with_a_reason(client, supervisor, archived):
    ArchiveFile.objects.filter(archive=archived["all"], format="pdf").update(pruned_at=WEEK_END)
    client.force_login(supervisor)
    assert client.get(reverse("report-archive-file", args=[archived["all"].pk, "pdf"])).status_code == 410
