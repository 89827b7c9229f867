from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from sigap.cases import actions
from sigap.cases.actions import ActionError
from sigap.recaps.actions import recap_archive, recap_create

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(make_complaint, processor, reviewer, liaison_dishub):
    with time_machine.travel(MONDAY, tick=False):
        complaint = make_complaint(posted_at=MONDAY - timedelta(minutes=10))
        actions.complaint_register(complaint=complaint, by=processor, ack_via="WA")
        actions.complaint_forward(complaint=complaint, by=reviewer, agency=liaison_dishub.agency)
        actions.complaint_answer(complaint=complaint, by=liaison_dishub, text="Sudah.")
        actions.answer_approve(complaint=complaint, by=reviewer)
        actions.complaint_post_answer(complaint=complaint, by=processor, link="https://x.test/r/1")
    return complaint


def test_a_recap_lists_the_answers_posted_in_its_period_and_times_steps_6_and_7(posted, make_complaint, processor, reviewer):
    end = datetime(2026, 11, 9, 0, 0, tzinfo=WIB)
    with time_machine.travel(end + timedelta(minutes=20), tick=False):
        make_complaint()  # received but not answered: not in the recap
        recap = recap_create(by=processor, period_start=end - timedelta(days=7), period_end=end)
    assert list(recap.complaints.all()) == [posted]
    step6 = recap.steps.get(number=6)
    assert step6.started_at == end and step6.on_time is True  # 20 of 30 minutes
    with time_machine.travel(end + timedelta(minutes=50), tick=False):
        recap_archive(recap=recap, by=reviewer, reference="ARSIP/2026/11")
    step7 = recap.steps.get(number=7)
    assert step7.duration() == timedelta(minutes=30) and step7.on_time is False  # standard is 15 minutes
    assert recap.events.filter(kind="recap_archived").exists()


def test_a_recap_of_a_period_not_yet_over_is_refused(processor):
    with time_machine.travel(MONDAY, tick=False):
        with pytest.raises(ActionError):
            recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1))
        with pytest.raises(ActionError):
            recap_create(by=processor, period_start=MONDAY, period_end=MONDAY - timedelta(days=1))


def test_a_recap_is_archived_once(posted, processor, reviewer):
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        recap = recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(hours=1))
        recap_archive(recap=recap, by=reviewer)
        with pytest.raises(ActionError):
            recap_archive(recap=recap, by=reviewer)


def test_a_liaison_cannot_make_a_recap(liaison_dishub):
    with pytest.raises(PermissionDenied):
        recap_create(by=liaison_dishub, period_start=MONDAY - timedelta(days=1), period_end=MONDAY)
