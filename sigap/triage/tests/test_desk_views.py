"""The triage queue page, its forms, and the complaint page's routing and duplicate boxes."""

from datetime import timedelta

import pytest
import time_machine

from sigap.agencies.models import Agency, Category
from sigap.cases.models import Complaint, Message, Reply, Status, TriageState
from sigap.triage import decide
from sigap.triage.models import Decision, DuplicateLink, RoutingDecision
from sigap.triage.tests.desk import POSTED, account, message, model_dir, model_says  # noqa: F401

pytestmark = pytest.mark.django_db


def waiting(account, text="ada yang aneh di jalan", **extra):
    m = message(account, text, **extra)
    with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
        decide.triage_message(message=m)
    return m


def test_a_liaison_cannot_see_the_triage_queue(as_user, liaison_dishub, supervisor):
    assert as_user(liaison_dishub).get("/triase/").status_code == 403
    assert as_user(supervisor).get("/triase/").status_code == 403


def test_the_queue_lists_waiting_messages_oldest_first_with_the_models_guess(as_user, processor, account, model_says):
    model_says("aduan", 0.42)
    later = waiting(account, "pesan kedua, nomor saya 0812-2506-7171", posted_at=POSTED + timedelta(minutes=1))
    earlier = waiting(account, "pesan pertama")
    with time_machine.travel(POSTED + timedelta(minutes=90), tick=False):
        page = as_user(processor).get("/triase/").content.decode()
    assert page.index("pesan pertama") < page.index("pesan kedua")
    assert "0812-2506-7171" in page  # staff see personal data; public pages mask it
    assert "0,42" in page and 'value="aduan" class="btn btn-small btn-primary"' in page
    assert "is-late" in page  # step 2's 60 minutes have passed
    assert earlier.triage_state == later.triage_state == TriageState.PENDING


def test_the_menu_shows_the_number_waiting_to_the_desk_only(as_user, processor, liaison_dishub, account, model_says):
    model_says("sapaan", 0.2)
    waiting(account)
    assert 'href="/triase/"' in as_user(processor).get("/").content.decode()
    assert 'href="/triase/"' not in as_user(liaison_dishub).get("/").content.decode()


def test_one_click_decides_and_opens_the_complaint(as_user, processor, account, model_says):
    model_says("aduan", 0.42)
    m = waiting(account, "Got depan rumah mampet")
    response = as_user(processor).post(f"/triase/pesan/{m.pk}/putuskan/", {"label": "aduan", "next": "/triase/?tab=pending"})
    assert response.status_code == 302 and response["Location"] == "/triase/?tab=pending"
    decision = Decision.objects.get(message=m, final=True)
    assert decision.by == processor and Complaint.objects.get().created_by == processor


def test_a_forged_label_or_next_is_refused(as_user, processor, account, model_says):
    model_says("aduan", 0.42)
    m = waiting(account)
    client = as_user(processor)
    response = client.post(f"/triase/pesan/{m.pk}/putuskan/", {"label": "spam", "next": "https://evil.example/"})
    assert response["Location"] == "/triase/?tab=pending"
    assert client.get(f"/triase/pesan/{m.pk}/putuskan/").status_code == 405
    assert client.post("/triase/pesan/999999/putuskan/", {"label": "aduan"}).status_code == 404
    m.refresh_from_db()
    assert m.triage_state == TriageState.PENDING


def test_a_liaison_cannot_post_a_decision(as_user, liaison_dishub, account, model_says):
    model_says("aduan", 0.42)
    m = waiting(account)
    assert as_user(liaison_dishub).post(f"/triase/pesan/{m.pk}/putuskan/", {"label": "aduan"}).status_code == 403
    assert not Complaint.objects.exists()


def test_the_question_tab_answers_and_refuses_personal_data(as_user, processor, account):
    m = message(account, "Kapan jadwal pendaftaran SD negeri tahun ini min?")
    decide.triage_message(message=m)
    client = as_user(processor)
    assert "Kapan jadwal pendaftaran" in client.get("/triase/?tab=questions").content.decode()
    client.post(f"/triase/pesan/{m.pk}/jawab/", {"text": "Telepon 0812-3456-7890 ya"})
    client.post(f"/triase/pesan/{m.pk}/jawab/", {"text": "   "})
    assert not Reply.objects.exists()
    client.post(f"/triase/pesan/{m.pk}/jawab/", {"text": "Jadwalnya diumumkan Dinas Pendidikan bulan depan."})
    assert Reply.objects.get().text == "Jadwalnya diumumkan Dinas Pendidikan bulan depan."
    m.refresh_from_db()
    assert m.triage_state == TriageState.DONE
    assert "Kapan jadwal pendaftaran" not in client.get("/triase/?tab=questions").content.decode()


def test_a_question_can_be_closed_from_the_queue(as_user, processor, account):
    m = message(account, "Kapan jadwal pendaftaran SD negeri tahun ini min?")
    decide.triage_message(message=m)
    as_user(processor).post(f"/triase/pesan/{m.pk}/tutup/", {"note": "x" * 5000})
    m.refresh_from_db()
    assert m.triage_state == TriageState.DONE


def test_recent_decisions_list_the_model_and_the_people(as_user, processor, account):
    decide.triage_message(message=message(account, "wkwkwk"))
    page = as_user(processor).get("/triase/?tab=decided&page=x").content.decode()
    assert "wkwkwk" in page


def test_an_unknown_tab_shows_the_pending_list(as_user, processor):
    assert as_user(processor).get("/triase/?tab=<script>").status_code == 200


# The complaint page ------------------------------------------------------------------------

LAMP = "Lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati sudah seminggu, gelap rawan jambret"


def opened(account, text=LAMP, **extra):
    m = message(account, text, **extra)
    decision = decide.triage_message(message=m)
    assert decision.outcome == "opened"
    return decision.complaint


def test_the_complaint_page_shows_the_suggestions_with_one_click_buttons(as_user, processor, account):
    complaint = opened(account)
    page = as_user(processor).get(complaint.get_absolute_url()).content.decode()
    assert "Penerangan Jalan Umum" in page and "DISHUB" in page
    assert f'action="/triase/aduan/{complaint.pk}/rute/konfirmasi/"' in page
    assert f'action="/triase/aduan/{complaint.pk}/rute/koreksi/"' in page


def test_a_liaison_sees_the_suggestions_without_buttons(as_user, liaison_dishub, account):
    complaint = opened(account)
    page = as_user(liaison_dishub).get(complaint.get_absolute_url()).content.decode()
    assert "Penerangan Jalan Umum" in page and "rute/konfirmasi" not in page
    assert as_user(liaison_dishub).post(f"/triase/aduan/{complaint.pk}/rute/konfirmasi/").status_code == 403
    assert as_user(liaison_dishub).post(f"/triase/aduan/{complaint.pk}/rute/koreksi/", {}).status_code == 403


def test_confirm_and_correct_from_the_page_are_recorded(as_user, processor, account):
    complaint = opened(account)
    client = as_user(processor)
    assert client.post(f"/triase/aduan/{complaint.pk}/rute/konfirmasi/").status_code == 302
    roads = Category.objects.get(name="Jalan dan Drainase")
    client.post(f"/triase/aduan/{complaint.pk}/rute/koreksi/", {"routing-category": roads.pk})
    assert list(RoutingDecision.objects.values_list("kind", flat=True)) == ["confirmed", "corrected"]
    complaint.refresh_from_db()
    assert complaint.category == roads and complaint.agency.code == "DPUPR"
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "operator" in page  # who confirmed and corrected, in the box's history
    history = page.split('class="plain routing-history"')[1].split("</ul>")[0]
    dishub, dpupr = Agency.objects.get(code="DISHUB"), Agency.objects.get(code="DPUPR")
    assert f"Penerangan Jalan Umum / {dishub}</span> → Jalan dan Drainase / {dpupr}" in history


def test_a_correction_with_nothing_chosen_or_a_bad_id_changes_nothing(as_user, processor, account):
    complaint = opened(account)
    client = as_user(processor)
    client.post(f"/triase/aduan/{complaint.pk}/rute/koreksi/", {})
    client.post(f"/triase/aduan/{complaint.pk}/rute/koreksi/", {"routing-category": "999999", "routing-agency": "abc"})
    assert not RoutingDecision.objects.exists()


def test_possible_duplicates_show_on_both_pages_and_merge_in_one_click(as_user, processor, account):
    first = opened(account, "Lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati, malam gelap sekali", author="a1", handle="a")
    second = opened(account, "PJU Jl. Slamet Riyadi depan Sriwedari mati sejak kemarin, gelap sekali kalau malam", author="a2", handle="b")
    client = as_user(processor)
    link = DuplicateLink.objects.get()
    assert first.tracking_number in client.get(second.get_absolute_url()).content.decode()
    assert second.tracking_number in client.get(first.get_absolute_url()).content.decode()
    response = client.post(f"/triase/duplikat/{link.pk}/gabung/", {"from": "other"})
    assert response["Location"] == first.get_absolute_url()
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.merged_into == first


def test_keep_apart_from_the_page(as_user, reviewer, account):
    opened(account, "Lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati, malam gelap sekali", author="a1", handle="a")
    opened(account, "PJU Jl. Slamet Riyadi depan Sriwedari mati sejak kemarin, gelap sekali kalau malam", author="a2", handle="b")
    link = DuplicateLink.objects.get()
    as_user(reviewer).post(f"/triase/duplikat/{link.pk}/pisah/")
    link.refresh_from_db()
    assert link.state == "kept_apart" and link.decided_by == reviewer


def test_a_complaint_entered_with_the_form_shows_its_routing_suggestion(as_user, processor, make_complaint):
    complaint = make_complaint()
    page = as_user(processor).get(complaint.get_absolute_url()).content.decode()
    assert page.count('id="h-routing"') == 1 and "Penerangan Jalan Umum" in page and Message.objects.count() == 1


def test_the_queue_shows_a_later_edit_and_a_deletion(as_user, processor, account, model_says):
    model_says("aduan", 0.42)
    edited, deleted = waiting(account, "jalan rusak"), waiting(account, "ada yang aneh")
    message(account, "jalan rusak parah di Kel. Kerten", kind="edit", parent_id=edited.external_id)
    message(account, "", kind="delete", parent_id=deleted.external_id)
    page = as_user(processor).get("/triase/").content.decode()
    assert "jalan rusak parah di Kel. Kerten" in page and "dihapus oleh warga" in page


def test_once_confirmed_the_confirm_button_goes_away(as_user, processor, account):
    complaint = opened(account)
    client = as_user(processor)
    client.post(f"/triase/aduan/{complaint.pk}/rute/konfirmasi/")
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "rute/konfirmasi" not in page and "rute/koreksi" in page
