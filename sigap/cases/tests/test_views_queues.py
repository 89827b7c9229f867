"""The queues (home), the complaint list, "overdue now" and notifications."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sigap.cases import clockwatch
from sigap.cases.models import Notification, Status

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        yield traveller


def queue(client, step=None):
    return client.get(reverse("home"), {"step": step} if step else {})


class TestQueues:
    def test_each_role_lands_on_its_own_step(self, clock, as_user, processor, reviewer, liaison_dishub, make_complaint, walk_to):
        make_complaint()
        walk_to(make_complaint(), Status.FORWARDED)
        assert queue(as_user(processor)).context["selected"] == 3
        assert queue(as_user(liaison_dishub)).context["selected"] == 4
        assert queue(as_user(reviewer)).context["selected"] == 4

    def test_it_lists_open_steps_with_time_left_in_wib(self, clock, as_user, processor, make_complaint):
        complaint = make_complaint(handle="warga_solo", name="Budi", text="Sampah menumpuk di TPS Jebres belum diangkut tiga hari")
        clock.shift(timedelta(hours=2, minutes=5))
        response = queue(as_user(processor), 3)
        text = response.text
        assert complaint.tracking_number in text
        assert "Instagram" in text and "Budi" in text
        assert "Sampah menumpuk di TPS Jebres" in text
        assert "3 Nov 2026 14:00 WIB" in text  # started
        # One working day of office time (07:30–16:00): due Wednesday 14:00.
        assert "4 Nov 2026 14:00 WIB" in text
        assert "21 j 55 m lagi" in text

    def test_overdue_rows_come_first_and_are_marked(self, clock, as_user, processor, make_complaint):
        late = make_complaint(text="Aduan lama yang terlambat")
        clock.shift(timedelta(days=1, hours=3))  # Wednesday 17:00: past its due time
        fresh = make_complaint(text="Aduan baru yang masih lama")
        response = queue(as_user(processor), 3)
        rows = list(response.context["page"])
        assert [s.complaint for s in rows] == [late, fresh]
        assert "terlambat 3 j" in response.text
        assert 'class="is-late"' in response.text
        tab = next(t for t in response.context["tabs"] if t["number"] == 3)
        assert tab["count"] == 2 and tab["late"] == 1

    def test_it_masks_an_anonymous_complainant(self, clock, as_user, processor, make_complaint):
        make_complaint(anonymous=True, name="Siti Rahayu", handle="siti_r")
        text = queue(as_user(processor), 3).text
        assert "Siti Rahayu" not in text and "siti_r" not in text and "Anonim" in text

    def test_a_liaison_sees_only_its_own_agency(self, clock, as_user, liaison_dlh, make_complaint, walk_to):
        dishub = walk_to(make_complaint(text="Lampu lalu lintas mati"), Status.FORWARDED, agency_code="DISHUB")
        dlh = walk_to(make_complaint(text="Sampah belum diangkut"), Status.FORWARDED, agency_code="DLH")
        response = queue(as_user(liaison_dlh), 4)
        assert [s.complaint for s in response.context["page"]] == [dlh]
        assert dishub.tracking_number not in response.text
        assert all(t["count"] == 0 for t in response.context["tabs"] if t["number"] != 4)

    def test_it_shows_the_sop_step_names(self, clock, as_user, supervisor):
        response = queue(as_user(supervisor), 5)
        assert "Menginput jawaban aduan ke dalam platform Media Sosial" in response.text
        assert "Unggah jawaban" in response.text

    def test_a_tab_queries_a_constant_number_of_times(self, clock, as_user, processor, make_complaint, django_assert_max_num_queries):
        client = as_user(processor)
        make_complaint()
        with django_assert_max_num_queries(12) as few:
            queue(client, 3)
        for _ in range(15):
            make_complaint()
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert len(queue(client, 3).context["page"]) == 16

    def test_an_unknown_tab_falls_back_to_the_default(self, clock, as_user, processor):
        assert queue(as_user(processor), "99").context["selected"] in (2, 3, 5, 6)
        assert as_user(processor).get(reverse("home"), {"step": "x"}).status_code == 200

    def test_step_six_says_how_many_answers_wait_for_a_recap(self, clock, as_user, processor, make_complaint, walk_to):
        walk_to(make_complaint(), Status.POSTED)
        response = queue(as_user(processor), 6)
        assert response.context["unrecapped"] == 1
        assert "1 aduan terjawab belum masuk rekap" in response.text


class TestComplaintList:
    def test_it_filters_by_status_platform_agency_and_text(self, clock, as_user, reviewer, agencies, make_complaint, walk_to):
        a = make_complaint(platform="x", text="Jalan berlubang di Manahan")
        b = walk_to(make_complaint(platform="instagram", text="Sampah di Jebres"), Status.FORWARDED, agency_code="DLH")
        client = as_user(reviewer)

        def found(**params):
            return list(client.get(reverse("complaints"), params).context["page"])

        assert found() == [b, a] or set(found()) == {a, b}
        assert found(status="forwarded") == [b]
        assert found(platform="x") == [a]
        assert found(agency=agencies["DLH"].pk) == [b]
        assert found(q="berlubang") == [a]
        assert found(q=b.tracking_number.lower().replace("-", "")) == [b]

    def test_a_liaison_finds_only_its_own_agency(self, clock, as_user, liaison_dishub, make_complaint, walk_to):
        walk_to(make_complaint(text="Sampah di Jebres"), Status.FORWARDED, agency_code="DLH")
        response = as_user(liaison_dishub).get(reverse("complaints"), {"q": "Sampah"})
        assert list(response.context["page"]) == []

    def test_it_ignores_a_bad_filter_and_paginates(self, clock, as_user, processor, make_complaint):
        for _ in range(27):
            make_complaint()
        client = as_user(processor)
        response = client.get(reverse("complaints"), {"status": "nonsense"})
        assert response.status_code == 200
        assert len(client.get(reverse("complaints"), {"page": 2}).context["page"]) == 2


class TestOverdue:
    def test_it_groups_overdue_steps_by_role_and_agency(self, clock, as_user, supervisor, make_complaint, walk_to):
        walk_to(make_complaint(), Status.FORWARDED, agency_code="DISHUB")
        walk_to(make_complaint(), Status.FORWARDED, agency_code="DLH")
        make_complaint()
        clock.shift(timedelta(days=2))
        response = as_user(supervisor).get(reverse("overdue"))
        assert response.context["total"] == 3
        assert {r["role"]: r["n"] for r in response.context["by_role"]} == {"liaison": 2, "processor": 1}
        assert sorted(a["n"] for a in response.context["by_agency"]) == [1, 1, 1]
        assert "Petugas OPD" in response.text and "Pengolah Data" in response.text

    def test_a_liaison_sees_only_its_agency_overdue(self, clock, as_user, liaison_dlh, make_complaint, walk_to):
        walk_to(make_complaint(), Status.FORWARDED, agency_code="DISHUB")
        dlh = walk_to(make_complaint(), Status.FORWARDED, agency_code="DLH")
        clock.shift(timedelta(hours=2))
        response = as_user(liaison_dlh).get(reverse("overdue"))
        assert response.context["total"] == 1
        assert dlh.tracking_number in response.text

    def test_it_filters_by_agency(self, clock, as_user, supervisor, agencies, make_complaint, walk_to):
        walk_to(make_complaint(), Status.FORWARDED, agency_code="DISHUB")
        walk_to(make_complaint(), Status.FORWARDED, agency_code="DLH")
        clock.shift(timedelta(hours=2))
        response = as_user(supervisor).get(reverse("overdue"), {"agency": agencies["DLH"].pk})
        assert sum(len(steps) for _, steps in response.context["groups"]) == 1


class TestNotifications:
    def test_it_lists_and_marks_read(self, clock, as_user, liaison_dishub, make_complaint, walk_to):
        walk_to(make_complaint(), Status.FORWARDED, agency_code="DISHUB")
        clock.shift(timedelta(hours=2))
        assert clockwatch.notify_one_overdue()
        client = as_user(liaison_dishub)
        response = client.get(reverse("notifications"))
        assert "Terlambat: langkah 4" in response.text
        note = Notification.objects.get()
        response = client.post(reverse("notifications"), {"id": note.pk, "next": note.link})
        assert response.status_code == 302 and response.url == note.link
        note.refresh_from_db()
        assert note.read_at is not None

    def test_it_marks_all_read_but_only_the_users_own(self, clock, as_user, liaison_dishub, processor, make_complaint, walk_to):
        walk_to(make_complaint(), Status.FORWARDED, agency_code="DISHUB")
        make_complaint()
        clock.shift(timedelta(days=2))
        while clockwatch.notify_one_overdue():
            pass
        as_user(liaison_dishub).post(reverse("notifications"), {"all": "1"})
        assert Notification.objects.filter(user=liaison_dishub, read_at=None).count() == 0
        assert Notification.objects.filter(user=processor, read_at=None).count() == 1

    def test_it_never_redirects_elsewhere(self, clock, as_user, processor):
        response = as_user(processor).post(reverse("notifications"), {"all": "1", "next": "https://evil.test/"})
        assert response.url == reverse("notifications")
