from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from sigap.cases import actions
from sigap.cases.models import Answer, Complaint, Event, Status, Step

WIB = ZoneInfo("Asia/Jakarta")
# A Tuesday afternoon, well away from holidays.
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


def step(complaint, number, round=1) -> Step:
    return complaint.steps.get(number=number, round=round)


@pytest.fixture
def travel():
    with time_machine.travel(TUESDAY, tick=False) as t:
        yield t


def walk_to(status, complaint, *, processor, reviewer, liaison):
    """Drive a complaint forward through the real actions up to `status`."""
    order = [Status.REGISTERED, Status.FORWARDED, Status.ANSWERED, Status.APPROVED, Status.POSTED]
    for target in order[: order.index(status) + 1]:
        if target == Status.REGISTERED:
            actions.complaint_register(complaint=complaint, by=processor, ack_via="Instagram")
        elif target == Status.FORWARDED:
            actions.complaint_forward(complaint=complaint, by=reviewer, agency=liaison.agency)
        elif target == Status.ANSWERED:
            actions.complaint_answer(complaint=complaint, by=liaison, text="Sudah kami perbaiki.")
        elif target == Status.APPROVED:
            actions.answer_approve(complaint=complaint, by=reviewer)
        elif target == Status.POSTED:
            actions.complaint_post_answer(complaint=complaint, by=processor, link="https://instagram.com/p/x/c/1")
    complaint.refresh_from_db()
    return complaint


class TestReceive:
    def test_it_completes_step_2_from_the_post_time_and_starts_step_3(self, travel, make_complaint):
        complaint = make_complaint(posted_at=TUESDAY - timedelta(minutes=45))
        s2, s3 = step(complaint, 2), step(complaint, 3)
        assert s2.started_at == TUESDAY - timedelta(minutes=45)
        assert s2.completed_at == TUESDAY and s2.on_time is True
        assert s2.due_at == TUESDAY + timedelta(minutes=15)
        assert s3.started_at == TUESDAY and s3.completed_at is None
        assert complaint.status == Status.RECEIVED

    def test_a_post_received_after_sixty_minutes_is_late_at_step_2(self, travel, make_complaint):
        complaint = make_complaint(posted_at=TUESDAY - timedelta(minutes=61))
        assert step(complaint, 2).on_time is False

    def test_it_issues_a_valid_tracking_number_and_keeps_the_message(self, travel, make_complaint):
        complaint = make_complaint(text="Lampu jalan mati", raw={"form": "manual"})
        assert complaint.tracking_number.startswith("SKA-")
        message = complaint.messages.get()
        assert message.text == "Lampu jalan mati" and message.raw == {"form": "manual"}
        assert Event.objects.filter(complaint=complaint, kind="received").exists()

    def test_the_category_brings_its_usual_agency(self, travel, make_complaint):
        from sigap.agencies.models import Category

        complaint = make_complaint(category=Category.objects.get(name="Perparkiran"))
        assert complaint.agency.code == "DISHUB"

    def test_the_complaint_keeps_the_sop_version_it_started_under(self, travel, make_complaint, sop):
        complaint = make_complaint()
        newer = sop.copy_as_new_version()
        newer.steps.filter(number=3).update(amount=3)
        newer.activate()
        assert complaint.sop_id == sop.pk
        assert make_complaint().sop_id == newer.pk


class TestRegister:
    def test_it_completes_step_3_on_working_time_and_starts_step_4(self, travel, make_complaint, processor):
        complaint = make_complaint()
        assert step(complaint, 3).due_at == TUESDAY + timedelta(days=1)  # one working day later
        actions.complaint_register(complaint=complaint, by=processor, ack_via="Instagram DM", ack_link="https://x.test/1")
        complaint.refresh_from_db()
        assert complaint.status == Status.REGISTERED
        assert step(complaint, 3).on_time is True
        assert step(complaint, 4).due_at == TUESDAY + timedelta(minutes=60)
        event = complaint.events.get(kind="registered")
        assert event.actor == processor and event.data["ack_via"] == "Instagram DM"

    def test_a_registration_on_friday_afternoon_is_due_on_monday(self, make_complaint):
        friday = datetime(2026, 11, 6, 15, 0, tzinfo=WIB)
        with time_machine.travel(friday, tick=False):
            complaint = make_complaint()
        assert step(complaint, 3).due_at == datetime(2026, 11, 9, 15, 0, tzinfo=WIB)

    def test_it_cannot_register_twice(self, travel, make_complaint, processor):
        complaint = make_complaint()
        actions.complaint_register(complaint=complaint, by=processor, ack_via="WA")
        with pytest.raises(actions.ActionError):
            actions.complaint_register(complaint=complaint, by=processor, ack_via="WA")


class TestAgencyAnswer:
    def test_forward_answer_approve_completes_step_4_and_starts_step_5(
        self, travel, make_complaint, processor, reviewer, liaison_dishub
    ):
        complaint = walk_to(Status.APPROVED, make_complaint(), processor=processor, reviewer=reviewer, liaison=liaison_dishub)
        assert complaint.agency == liaison_dishub.agency
        assert step(complaint, 4).completed_by == reviewer
        assert step(complaint, 5).completed_at is None
        assert complaint.answers.get().status == Answer.Status.APPROVED
        kinds = list(complaint.events.values_list("kind", flat=True))
        assert kinds == ["received", "registered", "forwarded", "answered", "approved"]

    def test_a_returned_answer_goes_back_to_the_agency_with_the_reason(
        self, travel, make_complaint, processor, reviewer, liaison_dishub
    ):
        complaint = walk_to(Status.ANSWERED, make_complaint(), processor=processor, reviewer=reviewer, liaison=liaison_dishub)
        actions.answer_return(complaint=complaint, by=reviewer, reason="Sebutkan tanggal perbaikan.")
        complaint.refresh_from_db()
        assert complaint.status == Status.FORWARDED
        assert complaint.answers.get().review_reason == "Sebutkan tanggal perbaikan."
        assert step(complaint, 4).completed_at is None  # the clock keeps running
        actions.complaint_answer(complaint=complaint, by=liaison_dishub, text="Diperbaiki tanggal 5.")
        assert complaint.current_answer().text == "Diperbaiki tanggal 5."

    def test_an_answer_after_sixty_minutes_is_late_at_step_4(
        self, make_complaint, processor, reviewer, liaison_dishub
    ):
        with time_machine.travel(TUESDAY, tick=False) as t:
            complaint = walk_to(Status.ANSWERED, make_complaint(), processor=processor, reviewer=reviewer, liaison=liaison_dishub)
            t.shift(timedelta(minutes=90))
            actions.answer_approve(complaint=complaint, by=reviewer)
        assert step(complaint, 4).on_time is False

    def test_a_liaison_of_another_agency_is_refused_and_nothing_changes(
        self, travel, make_complaint, processor, reviewer, liaison_dishub, liaison_dlh
    ):
        complaint = walk_to(Status.FORWARDED, make_complaint(), processor=processor, reviewer=reviewer, liaison=liaison_dishub)
        events = Event.objects.count()
        with pytest.raises(PermissionDenied):
            actions.complaint_answer(complaint=complaint, by=liaison_dlh, text="bukan urusan kami")
        complaint.refresh_from_db()
        assert complaint.status == Status.FORWARDED
        assert Event.objects.count() == events and not Answer.objects.exists()

    def test_a_supervisor_reads_but_cannot_act(self, travel, make_complaint, supervisor):
        complaint = make_complaint()
        assert complaint.can_view(supervisor)
        with pytest.raises(PermissionDenied):
            actions.complaint_register(complaint=complaint, by=supervisor, ack_via="WA")
        assert actions.allowed_actions(supervisor, complaint) == []


class TestPostAndAfter:
    def test_posting_the_answer_completes_step_5_with_its_link(
        self, travel, make_complaint, processor, reviewer, liaison_dishub
    ):
        complaint = walk_to(Status.POSTED, make_complaint(), processor=processor, reviewer=reviewer, liaison=liaison_dishub)
        assert step(complaint, 5).on_time is True
        assert complaint.answers.get().posted_link == "https://instagram.com/p/x/c/1"
        assert complaint.open_step() is None

    def test_reopening_starts_a_second_round_of_step_4(
        self, travel, make_complaint, processor, reviewer, liaison_dishub
    ):
        complaint = walk_to(Status.POSTED, make_complaint(), processor=processor, reviewer=reviewer, liaison=liaison_dishub)
        actions.complaint_close(complaint=complaint, by=processor, reason="selesai")
        actions.complaint_reopen(complaint=complaint, by=processor, reason="Lampu mati lagi")
        complaint.refresh_from_db()
        assert complaint.status == Status.FORWARDED and complaint.round == 2
        assert step(complaint, 4, round=2).completed_at is None
        actions.complaint_answer(complaint=complaint, by=liaison_dishub, text="Sudah diganti lampunya.")
        actions.answer_approve(complaint=complaint, by=reviewer)
        assert step(complaint, 5, round=2).completed_at is None

    def test_closing_an_open_complaint_stops_its_clocks(self, travel, make_complaint, processor):
        complaint = make_complaint()
        actions.complaint_close(complaint=complaint, by=processor, reason="Bukan aduan, hanya salam.")
        complaint.refresh_from_db()
        assert complaint.status == Status.CLOSED and complaint.closed_at == TUESDAY
        assert step(complaint, 3).completed_at == TUESDAY
        assert not complaint.steps.open().exists()

    def test_a_duplicate_merges_into_the_complaint_that_carries_on(self, travel, make_complaint, processor):
        first, second = make_complaint(), make_complaint()
        actions.complaint_merge(complaint=second, into=first, by=processor)
        second.refresh_from_db()
        assert second.status == Status.MERGED and second.merged_into == first
        assert first.events.filter(kind="merged_in").exists()
        with pytest.raises(actions.ActionError):
            actions.complaint_merge(complaint=first, into=first, by=processor)

    def test_it_refuses_to_merge_into_a_merged_complaint(self, travel, make_complaint, processor):
        a, b, c = make_complaint(), make_complaint(), make_complaint()
        actions.complaint_merge(complaint=b, into=a, by=processor)
        with pytest.raises(actions.ActionError):
            actions.complaint_merge(complaint=c, into=b, by=processor)

    def test_flags_are_recorded_with_what_changed(self, travel, make_complaint, processor):
        complaint = make_complaint()
        actions.complaint_set_flags(complaint=complaint, by=processor, confidential=True, anonymous=False)
        actions.complaint_set_flags(complaint=complaint, by=processor, confidential=True, anonymous=False)
        complaint.refresh_from_db()
        assert complaint.confidential
        assert complaint.events.get(kind="flags").data["changes"] == {"confidential": [False, True]}


class TestEventLog:
    def test_events_cannot_be_changed_or_deleted(self, travel, make_complaint):
        event = make_complaint().events.get()
        event.kind = "forged"
        with pytest.raises(PermissionDenied):
            event.save()
        with pytest.raises(PermissionDenied):
            event.delete()
        with pytest.raises(PermissionDenied):
            Event.objects.all().update(kind="forged")
        with pytest.raises(PermissionDenied):
            Event.objects.all().delete()
        assert Event.objects.get().kind == "received"


def test_on_time_rate_counts_completed_steps_only(make_complaint):
    with time_machine.travel(TUESDAY, tick=False):
        make_complaint(posted_at=TUESDAY - timedelta(minutes=10))
        make_complaint(posted_at=TUESDAY - timedelta(minutes=70))
    assert Step.objects.filter(number=2).on_time_rate() == 50.0
    assert Step.objects.filter(number=3).on_time_rate() is None


def test_the_liaisons_queryset_holds_only_their_agency(make_complaint, liaison_dishub, liaison_dlh, agencies):
    with time_machine.travel(TUESDAY, tick=False):
        mine = make_complaint(agency=agencies["DISHUB"])
        make_complaint(agency=agencies["DLH"])
    assert list(Complaint.objects.for_user(liaison_dishub)) == [mine]
    assert not mine.can_view(liaison_dlh)
