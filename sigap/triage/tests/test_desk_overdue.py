"""Step 2's clock for messages waiting in the triage queue: a notice once, when the deadline passes."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from sigap.cases.management.commands.worker import JOBS
from sigap.cases.models import Event, Notification
from sigap.triage import decide, overdue
from sigap.triage.models import Label, WaitingOverdue
from sigap.triage.tests.desk import POSTED, account, message, model_dir, model_says  # noqa: F401

pytestmark = pytest.mark.django_db

DUE = POSTED + timedelta(minutes=60)  # step 2: 60 minutes around the clock from the post time


def waiting(account, text="ada yang aneh di jalan", **extra):
    m = message(account, text, **extra)
    with time_machine.travel(POSTED + timedelta(minutes=2), tick=False):
        decide.triage_message(message=m)
    m.refresh_from_db()
    assert m.triage_state == "pending"
    return m


@pytest.fixture
def doubtful(model_says):
    model_says("aduan", 0.3)


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return overdue.notify_one_waiting_overdue()


def test_nothing_is_noticed_before_the_deadline(account, doubtful, processor):
    waiting(account)
    assert run_at(DUE - timedelta(seconds=1)) is False
    assert not Notification.objects.exists() and not WaitingOverdue.objects.exists()


def test_a_message_still_waiting_at_its_deadline_notifies_the_processors_once(account, doubtful, processor, reviewer):
    m = waiting(account, handle="warga.solo")
    assert run_at(DUE + timedelta(minutes=1)) is True
    note = Notification.objects.get()
    assert note.user == processor and note.kind == "triage_overdue" and note.step is None
    assert "warga.solo" in note.text and "15:00" in note.text  # due 15:00 WIB
    assert note.link == f"/triase/?tab=pending#msg-{m.pk}"
    assert [message.to for message in mail.outbox] == [[processor.email]]
    assert Notification.objects.get().emailed_at is not None
    assert Event.objects.get(kind="triage_overdue").data["message"] == m.pk
    # The next passes find nothing: once per message.
    assert run_at(DUE + timedelta(minutes=2)) is False
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_each_late_message_gets_its_own_notice_oldest_first(account, doubtful, processor):
    first = waiting(account, "satu")
    second = waiting(account, "dua", posted_at=POSTED + timedelta(minutes=10))
    waiting(account, "tiga", posted_at=POSTED + timedelta(minutes=50))
    moment = POSTED + timedelta(minutes=75)
    assert run_at(moment) and run_at(moment) and not run_at(moment)
    assert list(WaitingOverdue.objects.order_by("pk").values_list("message", flat=True)) == [first.pk, second.pk]
    with time_machine.travel(moment, tick=False):
        assert overdue.late_count() == 2


def test_a_message_decided_in_time_or_a_question_waiting_for_an_answer_raises_nothing(account, doubtful, processor):
    decided = waiting(account)
    with time_machine.travel(POSTED + timedelta(minutes=30), tick=False):
        decide.message_triage(message=decided, label=Label.QUESTION, by=processor)
    decided.refresh_from_db()
    assert decided.triage_state == "to_answer"  # no template fitted: waits for an answer, step 2 is over
    assert run_at(DUE + timedelta(hours=3)) is False
    assert not Notification.objects.exists()


def test_a_message_another_worker_claimed_is_not_notified_again(account, doubtful, processor):
    m = waiting(account)
    WaitingOverdue.objects.create(message=m, due_at=DUE)
    sop_step = overdue.step_two()
    with time_machine.travel(DUE + timedelta(minutes=1), tick=False):
        assert overdue._claim_and_notify(m, sop_step, DUE, DUE + timedelta(minutes=1)) == []
    assert not Notification.objects.exists() and not Event.objects.filter(kind="triage_overdue").exists()


def test_a_message_decided_between_the_read_and_the_claim_is_not_notified(account, doubtful, processor):
    m = waiting(account)
    with time_machine.travel(DUE + timedelta(minutes=1), tick=False):
        decide.message_triage(message=m, label=Label.OTHER, by=processor)
        assert overdue._claim_and_notify(m, overdue.step_two(), DUE, DUE + timedelta(minutes=1)) == []
    assert not Notification.objects.exists()


def test_a_failure_while_notifying_claims_the_message_so_the_worker_moves_on(account, doubtful, processor, monkeypatch):
    m = waiting(account)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(overdue, "record_event", broken)
    with pytest.raises(RuntimeError):
        run_at(DUE + timedelta(minutes=1))
    assert WaitingOverdue.objects.filter(message=m).exists() and not Notification.objects.exists()
    assert run_at(DUE + timedelta(minutes=2)) is False


def test_the_worker_runs_the_waiting_clock():
    assert overdue.notify_one_waiting_overdue in JOBS


def test_the_queue_marks_late_messages_and_counts_them(as_user, account, doubtful, processor):
    waiting(account, "pesan lama")
    waiting(account, "pesan baru", posted_at=POSTED + timedelta(minutes=40))
    with time_machine.travel(DUE + timedelta(minutes=5), tick=False):
        page = as_user(processor).get("/triase/").content.decode()
    assert page.count("triage-item is-late") == 1
    assert "1 terlambat" in page


def test_the_home_page_step_2_tab_points_to_the_waiting_messages(as_user, account, doubtful, processor):
    waiting(account, "pesan lama")
    waiting(account, "pesan baru", posted_at=POSTED + timedelta(minutes=40))
    with time_machine.travel(DUE + timedelta(minutes=5), tick=False):
        client = as_user(processor)
        assert "2 pesan menunggu di antrean pemilahan, 0 melewati" in client.get("/?step=2").content.decode()
        overdue.notify_one_waiting_overdue()  # the worker's pass: late from the moment processors hear of it
        page = client.get("/?step=2").content.decode()
    assert "2 pesan menunggu di antrean pemilahan, 1 melewati batas waktu langkah 2." in page
    assert 'href="/triase/?tab=pending"' in page
