"""The complaint page and its action forms: each action from the right person, and every refusal."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sigap.cases.models import Answer, Event, Status

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tuesday():
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def complaint(make_complaint):
    return make_complaint(posted_at=TUESDAY - timedelta(minutes=20))


def act(client, complaint, action, **data):
    return client.post(reverse("complaint-action", args=[complaint.pk, action]), {f"{action}-{k}": v for k, v in data.items()})


def snapshot(complaint):
    complaint.refresh_from_db()
    return (complaint.status, complaint.agency_id, complaint.round, Event.objects.count(), Answer.objects.count())


class TestPage:
    def test_it_shows_details_timeline_and_history(self, as_user, processor, complaint):
        response = as_user(processor).get(reverse("complaint", args=[complaint.pk]))
        assert response.status_code == 200
        text = response.text
        assert complaint.tracking_number in text
        assert "Lampu PJU di Jl. Slamet Riyadi" in text
        assert "3 Nov 2026 13:40 WIB" in text  # posted, in WIB
        assert "Menerima aduan yang masuk ke Media Sosial" in text  # step 2, named as in the SOP
        assert "Tepat waktu" in text  # step 2 took 20 of its 60 minutes
        assert "Aduan diterima" in text  # the event, in plain language
        assert "Input dan informasikan" in text  # the form of the one action the processor may do now

    def test_it_offers_only_the_actions_the_user_may_do_now(self, as_user, supervisor, reviewer, complaint):
        assert as_user(supervisor).get(reverse("complaint", args=[complaint.pk])).context["cards"] == []
        names = [c["name"] for c in as_user(reviewer).get(reverse("complaint", args=[complaint.pk])).context["cards"]]
        assert names == ["close", "merge", "flags"]

    def test_it_masks_an_anonymous_complainant_from_the_agency(self, as_user, liaison_dishub, agencies, make_complaint):
        hidden = make_complaint(anonymous=True, agency=agencies["DISHUB"], name="Siti Rahayu", handle="siti_r", contact="0812999")
        text = as_user(liaison_dishub).get(reverse("complaint", args=[hidden.pk])).text
        assert "Siti Rahayu" not in text and "siti_r" not in text and "0812999" not in text
        assert "Anonim" in text

    def test_it_refuses_a_liaison_of_another_agency(self, as_user, liaison_dlh, agencies, make_complaint):
        theirs = make_complaint(agency=agencies["DISHUB"])
        assert as_user(liaison_dlh).get(reverse("complaint", args=[theirs.pk])).status_code == 403

    def test_it_never_links_to_an_address_that_is_not_a_web_link(self, as_user, processor, make_complaint):
        # A channel stores what the platform sent; the page must not turn it into a live link.
        c = make_complaint(permalink="javascript:alert(1)", links=["javascript:alert(2)"])
        text = as_user(processor).get(reverse("complaint", args=[c.pk])).text
        assert 'href="javascript:' not in text and "alert(1)" in text

    def test_it_lists_the_steps_of_the_recaps_that_cover_it_after_its_own(
        self, as_user, processor, complaint, walk_to, tuesday
    ):
        from sigap.recaps.actions import recap_create

        walk_to(complaint, Status.POSTED)
        tuesday.shift(timedelta(hours=3))
        week = recap_create(by=processor, period_start=TUESDAY - timedelta(days=7), period_end=TUESDAY + timedelta(hours=2))
        day = recap_create(by=processor, period_start=TUESDAY - timedelta(hours=1), period_end=TUESDAY + timedelta(hours=1))
        response = as_user(processor).get(reverse("complaint", args=[complaint.pk]))
        steps = [(s.recap, s.number) for s in response.context["steps"]]
        assert steps == [(None, 2), (None, 3), (None, 4), (None, 5), (day, 6), (day, 7), (week, 6), (week, 7)]
        assert response.context["recaps"] == [week, day]  # newest period end first, as before
        assert response.text.count(f'href="{day.get_absolute_url()}"') == 3  # the recaps row and its two steps

    def test_a_merged_complaint_links_to_the_one_it_joined(self, as_user, reviewer, complaint, make_complaint):
        from sigap.cases import actions

        other = make_complaint(text="Lampu PJU Slamet Riyadi masih mati.")
        actions.complaint_merge(complaint=other, into=complaint, by=reviewer)
        text = as_user(reviewer).get(reverse("complaint", args=[other.pk])).text
        assert f'<a href="{complaint.get_absolute_url()}">{complaint}</a>' in text

    def test_it_answers_404_for_an_unknown_complaint(self, as_user, processor):
        assert as_user(processor).get(reverse("complaint", args=[999999])).status_code == 404

    def test_it_serves_an_uploaded_attachment_only_to_who_may_see_it(self, as_user, processor, liaison_dlh, make_complaint):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from sigap.cases.attachments import check_upload

        upload = check_upload(SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png"))
        c = make_complaint(uploads=[upload])
        attachment = c.attachments.get()
        url = reverse("complaint-attachment", args=[c.pk, attachment.pk])
        response = as_user(processor).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert as_user(liaison_dlh).get(url).status_code == 403


class TestActions:
    def test_the_processor_registers_and_informs(self, as_user, processor, complaint):
        response = act(as_user(processor), complaint, "register", ack_via="Balasan komentar Instagram", ack_link="https://instagram.com/p/x/c/2")
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == Status.REGISTERED
        step3 = complaint.steps.get(number=3)
        assert step3.completed_by == processor and step3.on_time
        assert Event.objects.filter(complaint=complaint, kind="registered").get().data["ack_via"] == "Balasan komentar Instagram"

    def test_the_reviewer_forwards_to_an_agency(self, as_user, reviewer, complaint, walk_to, agencies):
        walk_to(complaint, Status.REGISTERED)
        response = act(as_user(reviewer), complaint, "forward", agency=agencies["DLH"].pk, note="Mohon segera")
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == Status.FORWARDED and complaint.agency == agencies["DLH"]

    def test_the_liaison_answers_and_the_reviewer_approves(self, as_user, liaison_dishub, reviewer, complaint, walk_to):
        walk_to(complaint, Status.FORWARDED)
        assert act(as_user(liaison_dishub), complaint, "answer", text="Petugas sudah memperbaiki lampu.").status_code == 302
        assert act(as_user(reviewer), complaint, "approve").status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == Status.APPROVED
        assert complaint.answers.get().status == Answer.Status.APPROVED

    def test_the_reviewer_returns_an_answer_with_a_reason(self, as_user, reviewer, liaison_dishub, complaint, walk_to):
        walk_to(complaint, Status.ANSWERED, liaison=liaison_dishub)
        assert act(as_user(reviewer), complaint, "return", reason="Sebutkan tanggal perbaikan.").status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == Status.FORWARDED
        assert complaint.answers.get().review_reason == "Sebutkan tanggal perbaikan."

    def test_the_processor_posts_the_answer_with_its_link(self, as_user, processor, complaint, walk_to):
        walk_to(complaint, Status.APPROVED)
        assert act(as_user(processor), complaint, "post", link="https://instagram.com/p/x/c/9").status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == Status.POSTED
        assert complaint.steps.get(number=5).completed_at == TUESDAY

    def test_close_reopen_merge_and_flags(self, as_user, processor, reviewer, complaint, make_complaint, walk_to):
        other = make_complaint(text="Lampu PJU Slamet Riyadi masih mati.")
        client = as_user(reviewer)
        assert act(client, other, "merge", into=complaint.tracking_number.lower()).status_code == 302
        other.refresh_from_db()
        assert other.status == Status.MERGED and other.merged_into == complaint
        assert act(client, complaint, "flags", confidential="on").status_code == 302
        complaint.refresh_from_db()
        assert complaint.confidential and not complaint.anonymous
        walk_to(complaint, Status.POSTED)
        assert act(client, complaint, "close", reason="Selesai").status_code == 302
        assert act(client, complaint, "reopen", reason="Warga: lampu mati lagi").status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == Status.FORWARDED and complaint.round == 2

    def test_it_shows_the_success_message_in_the_users_language(self, as_user, processor, complaint):
        client = as_user(processor)
        response = act(client, complaint, "register", ack_via="DM Instagram")
        assert "langkah 3 selesai" in client.get(response.url).text


class TestBadInput:
    def test_it_refuses_a_user_without_the_role_and_changes_nothing(self, as_user, supervisor, liaison_dishub, complaint):
        before = snapshot(complaint)
        assert act(as_user(supervisor), complaint, "register", ack_via="DM").status_code == 403
        assert act(as_user(supervisor), complaint, "close", reason="x").status_code == 403
        # A liaison may answer, but never register.
        complaint.agency = liaison_dishub.agency
        complaint.save()
        before = snapshot(complaint)
        assert act(as_user(liaison_dishub), complaint, "register", ack_via="DM").status_code == 403
        assert snapshot(complaint) == before

    def test_it_refuses_the_liaison_of_another_agency_and_changes_nothing(self, as_user, liaison_dlh, complaint, walk_to):
        walk_to(complaint, Status.FORWARDED)  # to DISHUB
        before = snapshot(complaint)
        response = act(as_user(liaison_dlh), complaint, "answer", text="Bukan urusan kami, tapi kami jawab.")
        assert response.status_code == 403
        assert snapshot(complaint) == before

    def test_it_refuses_an_action_in_the_wrong_status_and_changes_nothing(self, as_user, reviewer, processor, complaint):
        before = snapshot(complaint)
        client = as_user(reviewer)
        response = act(client, complaint, "approve")
        assert response.status_code == 302
        assert "tidak dapat dilakukan selama status aduan" in client.get(response.url).text
        response = act(as_user(processor), complaint, "post", link="https://instagram.com/p/x/c/9")
        assert response.status_code == 302
        assert snapshot(complaint) == before

    def test_it_refuses_posting_without_a_link(self, as_user, processor, complaint, walk_to):
        walk_to(complaint, Status.APPROVED)
        before = snapshot(complaint)
        response = act(as_user(processor), complaint, "post", link="")
        assert response.status_code == 200
        assert response.context["cards"][0]["form"].errors["link"]
        response = act(as_user(processor), complaint, "post", link="javascript:alert(document.cookie)")
        assert "http:// atau https://" in response.text
        assert snapshot(complaint) == before

    def test_it_refuses_a_return_without_a_reason(self, as_user, reviewer, liaison_dishub, complaint, walk_to):
        walk_to(complaint, Status.ANSWERED, liaison=liaison_dishub)
        before = snapshot(complaint)
        response = act(as_user(reviewer), complaint, "return", reason="   ")
        form = next(c["form"] for c in response.context["cards"] if c["name"] == "return")
        assert form.errors["reason"]
        assert snapshot(complaint) == before

    def test_it_refuses_an_empty_answer(self, as_user, liaison_dishub, complaint, walk_to):
        walk_to(complaint, Status.FORWARDED)
        before = snapshot(complaint)
        response = act(as_user(liaison_dishub), complaint, "answer", text="")
        assert response.status_code == 200 and response.context["cards"][0]["form"].errors["text"]
        assert snapshot(complaint) == before

    def test_it_refuses_forwarding_to_an_unknown_agency(self, as_user, reviewer, complaint, walk_to):
        walk_to(complaint, Status.REGISTERED)
        before = snapshot(complaint)
        response = act(as_user(reviewer), complaint, "forward", agency="999999")
        assert response.status_code == 200
        assert snapshot(complaint) == before

    def test_it_refuses_a_registration_without_saying_how_the_complainant_was_told(self, as_user, processor, complaint):
        before = snapshot(complaint)
        response = act(as_user(processor), complaint, "register", ack_via="", ack_link="bukan-tautan")
        errors = response.context["cards"][0]["form"].errors
        assert "ack_via" in errors and "ack_link" in errors
        assert snapshot(complaint) == before

    @pytest.mark.parametrize("into", ["SKA-0000-0000", "bukan nomor", ""])
    def test_it_refuses_a_merge_into_an_unknown_number(self, as_user, reviewer, complaint, into):
        before = snapshot(complaint)
        response = act(as_user(reviewer), complaint, "merge", into=into)
        assert response.status_code == 200
        form = next(c["form"] for c in response.context["cards"] if c["name"] == "merge")
        assert form.errors["into"]
        assert snapshot(complaint) == before

    def test_it_refuses_a_merge_into_the_same_number(self, as_user, reviewer, complaint):
        before = snapshot(complaint)
        response = act(as_user(reviewer), complaint, "merge", into=complaint.tracking_number)
        assert "tidak dapat digabungkan ke dirinya sendiri" in response.text
        assert snapshot(complaint) == before

    def test_it_answers_404_for_an_unknown_action(self, as_user, processor, complaint):
        assert act(as_user(processor), complaint, "delete").status_code == 404

    def test_it_refuses_get_on_an_action(self, as_user, processor, complaint):
        response = as_user(processor).get(reverse("complaint-action", args=[complaint.pk, "register"]))
        assert response.status_code == 405

    def test_it_enforces_csrf_for_real_clients(self, processor, complaint):
        client = Client(enforce_csrf_checks=True)
        client.force_login(processor)
        before = snapshot(complaint)
        response = act(client, complaint, "register", ack_via="DM")
        assert response.status_code == 403
        assert "token keamanan" in response.text
        assert snapshot(complaint) == before

    def test_it_accepts_the_token_from_the_page(self, processor, complaint):
        client = Client(enforce_csrf_checks=True)
        client.force_login(processor)
        client.get(reverse("complaint", args=[complaint.pk]))
        token = client.cookies["csrftoken"].value
        response = client.post(
            reverse("complaint-action", args=[complaint.pk, "register"]),
            {"register-ack_via": "DM", "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == Status.REGISTERED

    def test_it_refuses_a_body_over_two_megabytes(self, as_user, liaison_dishub, complaint, walk_to):
        walk_to(complaint, Status.FORWARDED)
        before = snapshot(complaint)
        response = act(as_user(liaison_dishub), complaint, "answer", text="x" * (2 * 1024 * 1024 + 1))
        assert response.status_code == 400
        assert snapshot(complaint) == before

    def test_an_anonymous_visitor_is_sent_to_login(self, client, complaint):
        before = snapshot(complaint)
        response = act(client, complaint, "register", ack_via="DM")
        assert response.status_code == 302 and reverse("login") in response.url
        assert snapshot(complaint) == before
