from datetime import datetime, time, timedelta
from unittest import mock

import pytest
import time_machine
from django.db import IntegrityError, transaction

from sigap.cases.management.commands.worker import JOBS
from sigap.recaps import schedule
from sigap.recaps.models import Archive, Recap, RecapSchedule
from sigap.recaps.tests.conftest import WEEK_END, WEEK_START, WIB

pytestmark = pytest.mark.django_db
RUN = WEEK_END + timedelta(minutes=10)  # Monday 9 November 2026, 00:10 WIB


def at(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.fixture
def weekly(db):
    return RecapSchedule.objects.get(frequency="weekly")


@pytest.fixture
def monthly(db):
    return RecapSchedule.objects.get(frequency="monthly")


def test_the_migration_sets_up_a_weekly_and_a_monthly_recap_just_after_midnight(weekly, monthly):
    assert (weekly.weekday, weekly.at, weekly.agency, weekly.active) == (0, time(0, 10), None, True)
    assert (monthly.day, monthly.at) == (1, time(0, 10))


def test_runs_and_periods_are_computed_in_wib(weekly, monthly):
    assert weekly.slot_after(at(2026, 11, 4, 12, 0)) == RUN
    assert weekly.slot_after(RUN) == RUN + timedelta(days=7)
    assert weekly.period_for(RUN) == (WEEK_START, WEEK_END)
    assert weekly.period_for(RUN + timedelta(hours=1)) == (WEEK_START, WEEK_END)  # a retry makes the same week
    assert monthly.slot_after(at(2026, 11, 15)) == at(2026, 12, 1, 0, 10)
    assert monthly.slot_after(at(2026, 12, 1, 0, 20)) == at(2027, 1, 1, 0, 10)
    assert monthly.period_for(at(2026, 12, 1, 0, 10)) == (at(2026, 11, 1), at(2026, 12, 1))
    assert monthly.period_for(at(2027, 1, 1, 0, 10)) == (at(2026, 12, 1), at(2027, 1, 1))
    # The city's weekly analysis runs Saturday to Friday: a schedule on Saturday does that.
    weekly.weekday = 5
    assert weekly.period_for(at(2026, 11, 7, 0, 10)) == (at(2026, 10, 31), at(2026, 11, 7))


def test_the_worker_runs_the_schedule():
    assert schedule.run_one_schedule in JOBS


def test_a_scheduled_recap_is_made_and_archived_once_and_timed_as_steps_6_and_7(answered, weekly, monthly):
    answered(posted=at(2026, 11, 3, 9, 0))
    with time_machine.travel(at(2026, 11, 4, 12, 0), tick=False):
        assert schedule.run_one_schedule() is False  # sets the first runs
    weekly.refresh_from_db()
    assert weekly.next_run_at == RUN
    with time_machine.travel(RUN + timedelta(minutes=2), tick=False):
        assert schedule.run_one_schedule() is True
        assert schedule.run_one_schedule() is False  # a second call, as a second worker would make
    (recap,) = Recap.objects.filter(schedule=weekly)
    assert (recap.period_start, recap.period_end, recap.created_by) == (WEEK_START, WEEK_END, None)
    assert recap.complaints.count() == 1
    step6, step7 = recap.steps.get(number=6), recap.steps.get(number=7)
    assert step6.duration() == timedelta(minutes=12) and step6.on_time  # 30 minutes from the end of the week
    assert step7.completed_at is not None and step7.on_time
    assert Archive.objects.get(recap=recap).reference == f"AUTO/WEEKLY/{weekly.pk}"
    weekly.refresh_from_db()
    assert (weekly.next_run_at, weekly.last_error) == (RUN + timedelta(days=7), "")


def test_a_worker_that_lost_the_claim_makes_nothing(weekly):
    RecapSchedule.objects.filter(pk=weekly.pk).update(next_run_at=RUN)
    stale = RecapSchedule.objects.get(pk=weekly.pk)  # read by worker A
    with time_machine.travel(RUN, tick=False):
        assert schedule.run_one_schedule() is True  # worker B claims and makes the recap
    # Worker A's claim, the same conditional UPDATE, now changes nothing: A goes no further.
    assert RecapSchedule.objects.filter(pk=stale.pk, next_run_at=stale.next_run_at).update(next_run_at=RUN) == 0
    assert Recap.objects.filter(schedule=weekly).count() == 1


def test_making_a_period_again_reuses_its_recap_and_archive(weekly):
    with time_machine.travel(RUN, tick=False):
        first = schedule.make(weekly, RUN)
        again = schedule.make(weekly, RUN + timedelta(hours=1))
    assert first == again and Recap.objects.filter(schedule=weekly).count() == 1 and Archive.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Recap.objects.create(sop=first.sop, schedule=weekly, period_start=WEEK_START, period_end=WEEK_END)


def test_a_failed_run_is_retried_an_hour_later_for_the_same_period(weekly):
    RecapSchedule.objects.filter(pk=weekly.pk).update(next_run_at=RUN)
    with time_machine.travel(RUN, tick=False), mock.patch.object(schedule, "recap_archive", side_effect=OSError("disk full")):
        assert schedule.run_one_schedule() is True
    weekly.refresh_from_db()
    assert (weekly.next_run_at, weekly.last_error) == (RUN + timedelta(hours=1), "disk full")
    with time_machine.travel(RUN + timedelta(minutes=30), tick=False):
        assert schedule.run_one_schedule() is False  # not before the hour
    with time_machine.travel(RUN + timedelta(hours=1), tick=False):
        assert schedule.run_one_schedule() is True
    (recap,) = Recap.objects.filter(schedule=weekly)  # the recap made before the failure, now archived
    assert (recap.period_start, recap.period_end) == (WEEK_START, WEEK_END) and Archive.objects.filter(recap=recap).exists()
    weekly.refresh_from_db()
    assert (weekly.next_run_at, weekly.last_error) == (RUN + timedelta(days=7), "")  # back on its slot


def test_missed_runs_are_caught_up_one_period_each(weekly, monthly):
    RecapSchedule.objects.filter(pk=monthly.pk).update(active=False)
    RecapSchedule.objects.filter(pk=weekly.pk).update(next_run_at=RUN - timedelta(days=14))
    with time_machine.travel(RUN + timedelta(hours=3), tick=False):
        while schedule.run_one_schedule():
            pass
    starts = sorted(Recap.objects.filter(schedule=weekly).values_list("period_start", flat=True))
    assert starts == [WEEK_START - timedelta(days=14), WEEK_START - timedelta(days=7), WEEK_START]
