"""Complaints through the API: the same visibility and the same actions as the web interface."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sigap.cases.models import Complaint, Event, Status

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def travel():
    with time_machine.travel(TUESDAY, tick=False) as t:
        yield t


NEW = {
    "platform": "instagram",
    "text": "Jalan berlubang di Jl. Ahmad Yani dekat Manahan.",
    "posted_at": "2026-11-03T13:30:00+07:00",
    "permalink": "https://www.instagram.com/p/Cabc/",
    "handle": "warga_manahan",
    "name": "Warga Manahan",
}


class TestCreate:
    def test_a_processor_enters_a_complaint_and_gets_its_tracking_number(self, client_for, processor):
        response = client_for(processor).post("/complaints", json=NEW)
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "received" and body["tracking_number"].startswith("SKA-")
        assert body["complainant"]["handle"] == "warga_manahan"
        assert [s["number"] for s in body["steps"]] == [2, 3]
        complaint = Complaint.objects.get(pk=body["id"])
        assert complaint.created_by == processor
        assert Event.objects.filter(complaint=complaint, kind="received").exists()

    def test_a_naive_time_is_taken_as_wib(self, client_for, processor):
        response = client_for(processor).post("/complaints", json={**NEW, "posted_at": "2026-11-03T13:30:00"})
        assert response.status_code == 201
        assert Complaint.objects.get().posted_at == datetime(2026, 11, 3, 13, 30, tzinfo=WIB)

    def test_the_category_brings_its_usual_agency(self, client_for, processor):
        from sigap.agencies.models import Category

        category = Category.objects.filter(usual_agency__isnull=False).first()
        response = client_for(processor).post("/complaints", json={**NEW, "category": category.pk})
        assert response.json()["agency"]["code"] == category.usual_agency.code

    def test_a_liaison_may_not_enter_complaints(self, client_for, liaison_dishub):
        response = client_for(liaison_dishub).post("/complaints", json=NEW)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
        assert not Complaint.objects.exists()

    def test_the_same_idempotency_key_returns_the_same_complaint(self, client_for, processor):
        client = client_for(processor)
        first = client.post("/complaints", json=NEW, headers={"Idempotency-Key": "ulas-123"})
        again = client.post("/complaints", json=NEW, headers={"Idempotency-Key": "ulas-123"})
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"]
        assert Complaint.objects.count() == 1

    def test_a_future_post_time_is_refused(self, client_for, processor):
        response = client_for(processor).post("/complaints", json={**NEW, "posted_at": "2026-11-04T13:30:00+07:00"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "posted_at"
        assert not Complaint.objects.exists()

    def test_an_unknown_category_is_refused_and_nothing_is_written(self, client_for, processor):
        response = client_for(processor).post("/complaints", json={**NEW, "category": 999999})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "category"
        assert not Complaint.objects.exists() and not Event.objects.exists()


class TestRead:
    def test_a_liaison_sees_only_its_agencys_complaints(self, client_for, make_complaint, walk_to, liaison_dishub):
        mine = walk_to(make_complaint(), Status.FORWARDED, agency_code="DISHUB")
        other = walk_to(make_complaint(), Status.FORWARDED, agency_code="DLH")
        client = client_for(liaison_dishub)
        listed = [c["id"] for c in client.get("/complaints").json()["results"]]
        assert listed == [mine.pk]
        assert client.get(f"/complaints/{other.pk}").status_code == 404
        assert client.get(f"/complaints/{other.tracking_number}").status_code == 404
        assert client.get(f"/complaints/{mine.tracking_number}").json()["id"] == mine.pk

    def test_an_anonymous_complainant_is_hidden_from_the_agency_but_not_from_the_desk(
        self, client_for, make_complaint, walk_to, liaison_dishub, reviewer
    ):
        complaint = walk_to(make_complaint(anonymous=True), Status.FORWARDED)
        as_liaison = client_for(liaison_dishub).get(f"/complaints/{complaint.pk}").json()
        assert as_liaison["complainant"] is None and as_liaison["permalink"] == ""
        as_reviewer = client_for(reviewer).get(f"/complaints/{complaint.pk}").json()
        assert as_reviewer["complainant"]["name"] == "Warga Solo"

    def test_the_list_filters_by_status_platform_agency_and_words(self, client_for, make_complaint, walk_to, supervisor):
        a = walk_to(make_complaint(platform="x", text="Sampah menumpuk di TPS Jebres"), Status.FORWARDED, agency_code="DLH")
        b = make_complaint(platform="instagram", text="Lampu mati")
        client = client_for(supervisor)

        def ids(query):
            return [c["id"] for c in client.get(f"/complaints?{query}").json()["results"]]

        assert ids("status=forwarded") == [a.pk]
        assert sorted(ids("status=forwarded&status=received")) == sorted([a.pk, b.pk])
        assert ids("platform=instagram") == [b.pk]
        assert ids("agency=DLH") == [a.pk]
        assert ids("q=sampah") == [a.pk]
        assert ids("posted_after=2026-11-03T14:00:00%2B07:00") == []

    def test_the_cursor_walks_every_complaint_once(self, client_for, make_complaint, supervisor):
        made = [make_complaint(posted_at=TUESDAY - timedelta(minutes=i)) for i in range(5)]
        client = client_for(supervisor)
        seen, cursor = [], None
        for _ in range(5):
            url = "/complaints?limit=2" + (f"&cursor={cursor}" if cursor else "")
            page = client.get(url).json()
            seen += [c["id"] for c in page["results"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == [c.pk for c in made]

    def test_a_forged_cursor_is_a_400(self, client_for, supervisor):
        response = client_for(supervisor).get("/complaints?cursor=abc")
        assert response.status_code == 400 and response.json()["code"] == "invalid"

    def test_an_unknown_agency_filter_is_a_400(self, client_for, supervisor):
        assert client_for(supervisor).get("/complaints?agency=NOPE").status_code == 400


class TestWorkflow:
    def test_the_whole_sop_runs_through_the_api(self, client_for, make_complaint, processor, reviewer, liaison_dishub):
        desk, boss, agency = client_for(processor), client_for(reviewer), client_for(liaison_dishub)
        number = desk.post("/complaints", json=NEW).json()["tracking_number"]
        steps = [
            (desk, "register", {"ack_via": "Instagram reply"}, "registered"),
            (boss, "forward", {"agency": "DISHUB", "note": "jalan"}, "forwarded"),
            (agency, "answer", {"text": "Sudah kami tambal hari ini."}, "answered"),
            (boss, "approve", None, "approved"),
            (desk, "post", {"link": "https://www.instagram.com/p/Cabc/c/1"}, "posted"),
        ]
        for client, action, body, status in steps:
            response = client.post(f"/complaints/{number}/{action}", json=body)
            assert response.status_code == 200, (action, response.json())
            assert response.json()["status"] == status
        detail = desk.get(f"/complaints/{number}").json()
        assert [s["number"] for s in detail["steps"]] == [2, 3, 4, 5]
        assert detail["answers"][0]["status"] == "approved"

    def test_an_action_in_the_wrong_state_is_a_409_with_the_reason(self, client_for, make_complaint, reviewer):
        complaint = make_complaint()
        response = client_for(reviewer).post(f"/complaints/{complaint.pk}/approve")
        assert response.status_code == 409
        assert response.json()["code"] == "wrong_state" and response.json()["message"]

    def test_another_agencys_liaison_cannot_see_it_to_act_on_it(self, client_for, make_complaint, walk_to, liaison_dlh):
        complaint = walk_to(make_complaint(), Status.FORWARDED, agency_code="DISHUB")
        response = client_for(liaison_dlh).post(f"/complaints/{complaint.pk}/answer", json={"text": "bukan kami"})
        assert response.status_code == 404
        complaint.refresh_from_db()
        assert complaint.status == Status.FORWARDED

    def test_a_supervisor_reads_but_may_not_act(self, client_for, make_complaint, supervisor):
        complaint = make_complaint()
        client = client_for(supervisor)
        assert client.get(f"/complaints/{complaint.pk}").json()["allowed_actions"] == []
        response = client.post(f"/complaints/{complaint.pk}/register", json={"ack_via": "IG"})
        assert response.status_code == 403

    def test_allowed_actions_tell_what_the_token_may_do_now(self, client_for, make_complaint, processor):
        complaint = make_complaint()
        actions = client_for(processor).get(f"/complaints/{complaint.pk}").json()["allowed_actions"]
        assert "register" in actions and "approve" not in actions

    def test_merge_and_flags(self, client_for, make_complaint, reviewer):
        a, b = make_complaint(), make_complaint()
        client = client_for(reviewer)
        assert client.post(f"/complaints/{a.pk}/flags", json={"confidential": True, "anonymous": True}).json()["confidential"]
        merged = client.post(f"/complaints/{b.pk}/merge", json={"into": a.tracking_number}).json()
        assert merged["status"] == "merged" and merged["merged_into"] == a.tracking_number
        again = client.post(f"/complaints/{a.pk}/merge", json={"into": str(a.pk)})
        assert again.status_code == 409

    def test_return_close_and_reopen(self, client_for, make_complaint, walk_to, reviewer):
        complaint = walk_to(make_complaint(), Status.ANSWERED)
        client = client_for(reviewer)
        assert client.post(f"/complaints/{complaint.pk}/return", json={"reason": "lengkapi"}).json()["status"] == "forwarded"
        assert client.post(f"/complaints/{complaint.pk}/close", json={"reason": "selesai"}).json()["status"] == "closed"
        reopened = client.post(f"/complaints/{complaint.pk}/reopen", json={"reason": "belum beres"}).json()
        assert reopened["status"] == "forwarded" and reopened["round"] == 2
