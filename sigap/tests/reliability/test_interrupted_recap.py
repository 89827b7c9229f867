"""A scheduled recap interrupted at any point (a worker killed mid-run) is done once, later.

The crash harness kills real workers during a run; here each point of interruption is reached on
purpose, in-process: after the claim, after the recap was made, while its files were being
written. A SIGKILL is modelled by an exception no handler catches (BaseException).
"""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage

from sigap.recaps import archive, schedule
from sigap.recaps.models import Archive, ArchiveFile, Recap, RecapSchedule
from sigap.tests.reliability.conftest import FIGURES
from sigap.tests.reliability.invariants import assert_consistent

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
RUN = datetime(2026, 11, 9, 0, 10, tzinfo=WIB)  # Monday 00:10 WIB: the weekly slot


class Killed(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs, no except Exception catches it."""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def weekly(db):
    RecapSchedule.objects.exclude(frequency="weekly").update(active=False)
    weekly = RecapSchedule.objects.get(frequency="weekly")
    RecapSchedule.objects.filter(pk=weekly.pk).update(next_run_at=RUN)
    return weekly


def kill_at(target: str):
    return mock.patch(target, side_effect=Killed)


@pytest.mark.parametrize(
    "where",
    [
        "sigap.recaps.schedule.make",  # right after the claim
        "sigap.recaps.schedule.recap_archive",  # the recap made, the archive not begun
        "sigap.recaps.archive.append",  # the files written, their register entry not
    ],
)
def test_a_recap_run_killed_anywhere_is_taken_up_after_its_lease_and_done_once(
    weekly, where, django_capture_on_commit_callbacks
):
    # SIGKILL runs no clean-up either: files already written stay where they are.
    with time_machine.travel(RUN, tick=False), kill_at(where), mock.patch.object(archive, "discard"):
        with pytest.raises(Killed):
            schedule.run_one_schedule()
    with time_machine.travel(RUN + timedelta(minutes=5), tick=False):
        assert schedule.run_one_schedule() is False  # still held: the run might be alive
    with time_machine.travel(RUN + schedule.LEASE + timedelta(seconds=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert schedule.run_one_schedule() is True
        assert schedule.run_one_schedule() is False
    (recap,) = Recap.objects.filter(schedule=weekly)
    entry = Archive.objects.get(recap=recap)
    assert [s.completed_at is not None for s in recap.steps.order_by("number")] == [True, True]
    weekly.refresh_from_db()
    assert weekly.next_run_at == RUN + timedelta(days=7) and weekly.last_error == ""
    # Files left by the killed attempt are gone; what is registered verifies.
    entries, files, problems = archive.verify()
    assert (entries, files, problems) == (1, 3, [])
    assert sorted(f.file.name for f in ArchiveFile.objects.filter(archive=entry)) == sorted(
        f"archive/2026/{name}" for name in default_storage.listdir("archive/2026")[1]
    )
    assert_consistent()
    FIGURES["recap runs interrupted and completed once"] += 1


def test_a_file_put_in_the_archive_by_hand_is_still_reported(weekly, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    default_storage.save("archive/2026/rekap-20261102-20261108-all.xlsx.bak", ContentFile(b"x"))
    with time_machine.travel(RUN, tick=False), django_capture_on_commit_callbacks(execute=True):
        schedule.run_one_schedule()
    problems = archive.verify()[2]
    assert [p.kind for p in problems] == ["added"]  # the sweep takes only the run's own leftovers
