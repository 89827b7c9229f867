"""Triage on the desk: what the worker decides itself, what waits, and what a person decides."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from sigap.cases.actions import ActionError
from sigap.cases.models import Complaint, Event, Message, Reply, Status, TriageState
from sigap.triage import decide
from sigap.triage.models import Decision, Label, ReplyTemplate
from sigap.triage.tests.desk import POSTED, account, message, model_dir, model_says  # noqa: F401

pytestmark = pytest.mark.django_db


def triage(m, minutes=5):
    with time_machine.travel(POSTED + timedelta(minutes=minutes), tick=False):
        decision = decide.triage_message(message=m)
    m.refresh_from_db()
    return decision


def test_a_clear_complaint_opens_a_complaint_timed_from_the_post(account):
    m = message(account, "Min, lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati sudah seminggu, gelap banget")
    decision = triage(m, minutes=7)
    assert (decision.label, decision.final, decision.by, decision.outcome) == ("aduan", True, None, "opened")
    assert decision.confidence >= 0.5 and decision.model == "shipped"
    assert decision.at == POSTED + timedelta(minutes=7)
    complaint = m.complaint
    assert complaint.status == Status.RECEIVED and decision.complaint == complaint
    step2 = complaint.steps.get(number=2)
    assert step2.started_at == POSTED and step2.completed_at == POSTED + timedelta(minutes=7) and step2.on_time
    assert Reply.objects.get(complaint=complaint).kind == Reply.Kind.ACK
    assert m.triage_state == TriageState.DONE


def test_a_doubtful_message_waits_for_a_person_with_no_complaint(account, model_says):
    model_says("aduan", 0.41)
    m = message(account, "jalan di sana gimana ya")
    decision = triage(m)
    assert (decision.final, decision.outcome, decision.label) == (False, "waiting", "aduan")
    assert m.triage_state == TriageState.PENDING and m.complaint is None
    assert not Complaint.objects.exists() and not Reply.objects.exists()


def test_a_persons_decision_opens_the_complaint_with_who_and_when(account, model_says, processor):
    model_says("aduan", 0.41)
    m = message(account, "Got di Kel. Sondakan mampet, tiap hujan air naik ke jalan")
    triage(m)
    with time_machine.travel(POSTED + timedelta(minutes=80), tick=False):
        decision = decide.message_triage(message=m, label=Label.COMPLAINT, by=processor)
    assert (decision.by, decision.final, decision.confidence) == (processor, True, None)
    assert decision.at == POSTED + timedelta(minutes=80)
    complaint = Complaint.objects.get()
    assert complaint.created_by == processor and complaint.messages.get() == m
    step2 = complaint.steps.get(number=2)
    # Step 2's 60 minutes ran from the post to the person's decision: 80 minutes, late.
    assert step2.started_at == POSTED and step2.completed_by == processor and step2.on_time is False
    assert complaint.events.get(kind="received").actor == processor
    assert list(m.triage_decisions.values_list("final", "by")) == [(False, None), (True, processor.pk)]


def test_a_message_cannot_be_decided_twice(account, model_says, processor, reviewer):
    model_says("sapaan", 0.3)
    m = message(account, "hmm")
    triage(m)
    decide.message_triage(message=m, label=Label.OTHER, by=processor)
    with pytest.raises(ActionError):
        decide.message_triage(message=m, label=Label.COMPLAINT, by=reviewer)
    assert not Complaint.objects.exists()


def test_a_liaison_may_not_triage(account, model_says, liaison_dishub):
    model_says("aduan", 0.3)
    m = message(account, "ada yang rusak")
    triage(m)
    with pytest.raises(PermissionDenied):
        decide.message_triage(message=m, label=Label.COMPLAINT, by=liaison_dishub)


def test_an_unknown_label_is_refused(account, model_says, processor):
    model_says("aduan", 0.3)
    m = message(account, "x")
    triage(m)
    with pytest.raises(ActionError):
        decide.message_triage(message=m, label="spam", by=processor)


def test_a_greeting_gets_a_polite_reply_and_no_complaint(account):
    m = message(account, "Terima kasih responnya cepat min 🙏")
    decision = triage(m)
    assert (decision.label, decision.outcome) == ("sapaan", "greeted")
    reply = decision.reply
    assert (reply.kind, reply.complaint, reply.message, reply.status) == (Reply.Kind.AUTO, None, m, Reply.Status.PENDING)
    assert reply.text == decision.template.text and decision.template.kind == ReplyTemplate.Kind.GREETING
    assert not Complaint.objects.exists()


def test_a_javanese_thank_you_is_answered_in_javanese(account):
    decision = triage(message(account, "Suwun sanget min"))
    assert decision.template.language == "jv"


def test_one_person_is_greeted_once_a_day(account):
    first = triage(message(account, "Selamat pagi min 🙏"))
    second = triage(message(account, "Semangat terus Pemkot Solo 💪"), minutes=30)
    assert first.outcome == "greeted" and second.outcome == "no_reply"
    assert Reply.objects.count() == 1


def test_a_greeting_without_a_connected_account_is_decided_but_not_answered():
    decision = triage(message(None, "Selamat pagi min 🙏"))
    assert (decision.label, decision.outcome, decision.reply) == ("sapaan", "no_reply", None)


def test_a_greeting_that_names_a_complaint_topic_waits_for_a_person(account, model_says):
    # The model reads complaints wrapped in thanks as greetings; the category keywords catch them.
    model_says("sapaan", 0.9)
    m = message(account, "Pak Wali, banyak anjing liar di sekitar Balai Kota, sampah menumpuk. Suwun min 🙏")
    decision = triage(m)
    assert decision.outcome == "waiting" and m.triage_state == TriageState.PENDING


def test_a_question_with_a_matching_template_is_answered(account):
    m = message(account, "Syarat bikin KK baru apa aja ya min?")
    decision = triage(m)
    assert (decision.label, decision.outcome) == ("pertanyaan", "answered")
    assert decision.template.name == "Dokumen kependudukan"
    assert decision.reply.text.startswith("Layanan KTP-el") and m.triage_state == TriageState.DONE


def test_a_question_without_a_template_waits_for_an_operator(account, processor):
    m = message(account, "Kapan jadwal pendaftaran SD negeri tahun ini min?")
    decision = triage(m)
    assert (decision.label, decision.outcome) == ("pertanyaan", "to_answer")
    assert m.triage_state == TriageState.TO_ANSWER and not Reply.objects.exists()
    reply = decide.question_answer(message=m, by=processor, text="Jadwalnya diumumkan Dinas Pendidikan bulan depan.")
    m.refresh_from_db()
    assert (reply.kind, reply.complaint, m.triage_state) == (Reply.Kind.AUTO, None, TriageState.DONE)
    event = Event.objects.get(kind="question_answered")
    assert event.actor == processor and event.data["message"] == m.pk


def test_an_empty_answer_or_one_with_personal_data_is_refused(account, processor):
    m = message(account, "Kapan jadwal pendaftaran SD negeri tahun ini min?")
    triage(m)
    with pytest.raises(ActionError):
        decide.question_answer(message=m, by=processor, text="Hubungi Pak Budi di 0812-3456-7890")
    with pytest.raises(ActionError):
        decide.question_answer(message=m, by=processor, text="   ")
    assert not Reply.objects.exists()


def test_a_question_can_be_closed_or_turned_into_a_complaint(account, processor):
    closed, complaint = message(account, "Kapan ada CFD lagi min?"), message(account, "Kenapa PJU di gang saya belum dipasang?")
    for m in (closed, complaint):
        Message.objects.filter(pk=m.pk).update(triage_state=TriageState.TO_ANSWER)
    decide.question_close(message=closed, by=processor, note="dijawab lewat DM")
    decision = decide.message_triage(message=complaint, label=Label.COMPLAINT, by=processor)
    closed.refresh_from_db()
    assert closed.triage_state == TriageState.DONE and decision.outcome == "opened"


def test_other_messages_are_recorded_and_left_alone(account):
    decision = triage(message(account, "https://bit.ly/promo-murah"))
    assert (decision.label, decision.outcome, decision.final) == ("lainnya", "no_reply", True)
    assert not Reply.objects.exists() and not Complaint.objects.exists()


def test_a_photo_without_words_waits_for_a_person(account):
    m = message(account, "", raw={"_media": [{"type": "image", "url": "https://example.test/p.jpg"}]})
    assert triage(m).outcome == "waiting"


def test_a_follow_up_in_the_thread_joins_the_open_complaint_whatever_it_says(account):
    first = message(account, "Sampah di TPS Kel. Jebres belum diangkut 4 hari, baunya sampai rumah", thread="media1")
    triage(first)
    thanks = message(account, "Matur nuwun sudah direspon 🙏", thread="media1")
    decision = triage(thanks, minutes=9)
    assert decision.outcome == "follow_up" and thanks.complaint == first.complaint
    assert Complaint.objects.count() == 1 and not Reply.objects.filter(kind=Reply.Kind.AUTO).exists()


def test_the_threshold_comes_from_the_settings(account, model_says, settings):
    model_says("aduan", 0.7)
    settings.SIGAP_TRIAGE_THRESHOLD = 0.8
    assert triage(message(account, "jalan rusak")).outcome == "waiting"
    settings.SIGAP_TRIAGE_THRESHOLD = 0.6
    assert triage(message(account, "jalan rusak parah", author="other")).outcome == "opened"


def test_decisions_are_append_only(account):
    decision = triage(message(account, "wkwkwk"))
    with pytest.raises(PermissionDenied):
        decision.save()
    with pytest.raises(PermissionDenied):
        Decision.objects.all().update(label="aduan")


def test_a_model_written_by_sigap_train_is_picked_up_without_a_restart(account, model_dir):
    from sigap.triage.classifier import TriageModel
    from sigap.triage.tests.test_classifier import TINY

    assert decide.triage_model() is decide.default_model()
    texts, labels = zip(*(TINY * 3))
    TriageModel.train(list(texts), list(labels)).save(_mkdir(model_dir) / decide.TRIAGE_FILE)
    trained = decide.triage_model()
    assert trained is not decide.default_model() and decide.triage_model() is trained  # loaded once
    (model_dir / decide.TRIAGE_FILE).unlink()
    assert decide.triage_model() is decide.default_model()


def test_an_unreadable_model_file_falls_back_to_the_shipped_model(model_dir):
    (_mkdir(model_dir) / decide.TRIAGE_FILE).write_bytes(b"not a model")
    assert decide.triage_model() is decide.default_model()


def _mkdir(path):
    path.mkdir(parents=True, exist_ok=True)
    return path
