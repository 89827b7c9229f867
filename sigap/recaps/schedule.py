"""Recaps made by themselves: `sigap worker` runs `run_one_schedule` on every pass.

A due schedule is claimed with a conditional UPDATE that moves its next_run_at forward by a lease;
only the worker whose UPDATE changed the row goes on, so several workers never make the same recap
(and a unique constraint on the schedule and period start stands behind that). Only a finished run
moves the schedule to its next slot: a worker killed mid-run leaves the run to be taken up again
when the lease lapses. The recap is timed as SOP step 6 from the end of its period, then archived
and timed as step 7.

A run that fails is tried again an hour later; the period comes from the run time (the last whole
week or month before it), so the retry of an on-time run makes the same period.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError
from django.utils import timezone

from sigap.recaps.actions import recap_archive, recap_create
from sigap.recaps.models import Archive, Recap, RecapSchedule

log = logging.getLogger(__name__)
RETRY = timedelta(hours=1)
# A run takes seconds; one not finished after this was interrupted and is run again (same period).
LEASE = timedelta(minutes=15)


def run_one_schedule(now: datetime | None = None) -> bool:
    """Handle one due schedule; False when none is due."""
    now = now or timezone.now()
    _set_first_runs(now)
    schedule = RecapSchedule.objects.filter(active=True, next_run_at__lte=now).order_by("next_run_at").first()
    if schedule is None:
        return False
    due = schedule.next_run_at
    # The claim is a lease: a worker killed mid-run leaves the schedule due again once it lapses,
    # and the run is taken up where it stopped (make() reuses what exists). Only a finished run
    # moves the schedule on to its next slot.
    lease = max(due, now) + LEASE
    claimed = RecapSchedule.objects.filter(pk=schedule.pk, next_run_at=due).update(next_run_at=lease, last_run_at=now)
    if claimed != 1:
        return True  # another worker has it; there may be more work
    try:
        make(schedule, due)
    except Exception as exc:
        log.exception("recap schedule %s failed for its run at %s", schedule.pk, due)
        # Never at once: a failure must not loop. An hour after an on-time run is the same period.
        retry = max(due, now) + RETRY
        RecapSchedule.objects.filter(pk=schedule.pk, next_run_at=lease).update(
            next_run_at=retry, last_error=str(exc)[:300]
        )
    else:
        # Catching up after downtime: each missed period gets its own run, one per pass.
        RecapSchedule.objects.filter(pk=schedule.pk, next_run_at=lease).update(
            next_run_at=schedule.slot_after(due), last_error=""
        )
    return True


def make(schedule: RecapSchedule, run_at: datetime) -> Recap:
    """The recap of the period before `run_at`, made and archived; what exists already is reused."""
    start, end = schedule.period_for(run_at)
    recap = Recap.objects.filter(schedule=schedule, period_start=start).first()
    if recap is None:
        try:
            recap = recap_create(
                by=None, period_start=start, period_end=end, agency=schedule.agency, platform=schedule.platform, schedule=schedule
            )
        except IntegrityError:
            recap = Recap.objects.get(schedule=schedule, period_start=start)  # made by another worker meanwhile
    if not Archive.objects.filter(recap=recap).exists():
        recap_archive(recap=recap, by=None, reference=f"AUTO/{schedule.frequency.upper()}/{schedule.pk}")
    return recap


def _set_first_runs(now: datetime) -> None:
    # A new schedule (or one whose timing an administrator changed) gets its next run here.
    for schedule in RecapSchedule.objects.filter(active=True, next_run_at=None):
        RecapSchedule.objects.filter(pk=schedule.pk, next_run_at=None).update(next_run_at=schedule.slot_after(now))
