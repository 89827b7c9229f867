from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from sigap.cases import actions, clockwatch
from sigap.cases.models import Event, Notification, Step

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(make_complaint, processor, reviewer, agencies):
    with time_machine.travel(TUESDAY, tick=False):
        complaint = make_complaint(posted_at=TUESDAY - timedelta(minutes=5))
        actions.complaint_register(complaint=complaint, by=processor, ack_via="WA")
        actions.complaint_forward(complaint=complaint, by=reviewer, agency=agencies["DISHUB"])
    return complaint


def test_nothing_is_overdue_before_the_due_time(registered):
    with time_machine.travel(TUESDAY + timedelta(minutes=59), tick=False):
        assert clockwatch.notify_one_overdue() is False
    assert not Notification.objects.exists()


def test_a_step_past_due_notifies_its_role_once(registered, liaison_dishub, liaison_dlh):
    with time_machine.travel(TUESDAY + timedelta(minutes=61), tick=False):
        assert clockwatch.notify_one_overdue() is True
        assert clockwatch.notify_one_overdue() is False
    step = registered.steps.get(number=4)
    assert step.overdue_at == TUESDAY + timedelta(minutes=61)
    # Step 4 is the agency's: only that agency's liaison hears of it.
    assert list(Notification.objects.values_list("user__username", flat=True)) == [liaison_dishub.username]
    assert Event.objects.filter(complaint=registered, kind="overdue").count() == 1
    assert len(mail.outbox) == 1 and liaison_dishub.email in mail.outbox[0].to


def test_an_overdue_step_shows_in_the_overdue_query_until_done(registered, reviewer):
    later = TUESDAY + timedelta(hours=2)
    assert list(Step.objects.overdue(later).values_list("number", flat=True)) == [4]
    assert registered.steps.get(number=4).is_overdue(later)


def test_a_step_claimed_by_another_worker_is_not_notified_again(registered, liaison_dishub):
    with time_machine.travel(TUESDAY + timedelta(minutes=61), tick=False):
        step = registered.steps.get(number=4)
        Step.objects.filter(pk=step.pk).update(overdue_at=TUESDAY)  # the other worker got there first
        clockwatch._claim_and_notify(step, TUESDAY + timedelta(minutes=61))
    assert not Notification.objects.exists()


def test_the_worker_command_drains_the_overdue_steps_and_exits_with_once(registered, liaison_dishub):
    with time_machine.travel(TUESDAY + timedelta(days=3), tick=False):
        call_command("worker", "--once")
    # Step 4 and (for the form's recorded post time) nothing else was open.
    assert Notification.objects.filter(kind="overdue").count() == 1


def test_a_failing_notification_does_not_crash_loop_the_worker(registered, monkeypatch):
    def broken(step):
        raise RuntimeError("mail template broken")

    monkeypatch.setattr(clockwatch, "recipients", broken)
    with time_machine.travel(TUESDAY + timedelta(minutes=61), tick=False):
        with pytest.raises(RuntimeError):
            clockwatch.notify_one_overdue()
        assert clockwatch.notify_one_overdue() is False
