import hashlib
import os
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from openpyxl import load_workbook

from sigap.cases.actions import ActionError
from sigap.cases.models import Event
from sigap.recaps import archive
from sigap.recaps.actions import recap_archive, recap_create
from sigap.recaps.models import Archive, ArchiveFile
from sigap.recaps.tests.conftest import WEEK_END, WEEK_START, WIB

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_weeks(answered, processor, reviewer):
    """Two archived weekly recaps, entries #1 and #2 of the register."""
    answered(posted=datetime(2026, 10, 27, 9, 0, tzinfo=WIB))
    answered(posted=datetime(2026, 11, 3, 9, 0, tzinfo=WIB))
    entries = []
    for end in (WEEK_START, WEEK_END):
        with time_machine.travel(end + timedelta(minutes=10), tick=False):
            recap = recap_create(by=processor, period_start=end - timedelta(days=7), period_end=end)
        with time_machine.travel(end + timedelta(minutes=20), tick=False):
            entries.append(recap_archive(recap=recap, by=reviewer, reference=f"ARSIP/{end:%m%d}"))
    return entries


def path_of(f: ArchiveFile) -> str:
    return f.file.path


def problems() -> list:
    return archive.verify()[2]


def test_archiving_stores_the_three_files_with_their_hashes_and_times_step_7(two_weeks, media_root):
    entry = two_weeks[1]
    files = {f.format: f for f in entry.files.all()}
    assert set(files) == {"xlsx", "pdf", "csv"}
    for f in files.values():
        assert f.file.name.startswith("archive/2026/rekap-20261102-20261108-all.")
        with open(path_of(f), "rb") as handle:
            content = handle.read()
        assert hashlib.sha256(content).hexdigest() == f.sha256 and len(content) == f.size
        assert os.stat(path_of(f)).st_mode & 0o777 == 0o444  # written once
    assert load_workbook(path_of(files["xlsx"]))["Rekap"].max_row == 4  # title, note, header, one answer
    step7 = entry.recap.steps.get(number=7)
    assert step7.completed_at == WEEK_END + timedelta(minutes=20) and step7.on_time  # 10 of 15 minutes
    event = Event.objects.get(recap=entry.recap, kind="recap_archived")
    assert event.data["entry_hash"] == entry.entry_hash and event.data["sequence"] == 2


def test_entries_are_chained_and_the_archive_verifies(two_weeks):
    first, second = two_weeks
    assert (first.sequence, first.previous_hash) == (1, archive.GENESIS)
    assert (second.sequence, second.previous_hash) == (2, first.entry_hash)
    assert second.entry_hash == archive.chain(first.entry_hash, archive.canonical(second, list(second.files.all())))
    assert archive.verify() == (2, 6, [])
    assert archive.head_hash() == second.entry_hash


def test_the_same_period_and_scope_is_archived_once(two_weeks, processor, reviewer, media_root, agencies):
    with time_machine.travel(WEEK_END + timedelta(hours=1), tick=False):
        again = recap_create(by=processor, period_start=WEEK_START, period_end=WEEK_END)
        with pytest.raises(ActionError, match="#2"):
            recap_archive(recap=again, by=reviewer)
        with pytest.raises(ActionError):
            recap_archive(recap=two_weeks[1].recap, by=reviewer)
        # Another scope of the same week is another record.
        dishub = recap_create(by=processor, period_start=WEEK_START, period_end=WEEK_END, agency=agencies["DISHUB"])
        assert recap_archive(recap=dishub, by=reviewer).scope == "agency:DISHUB"
    assert problems() == []  # the refused attempts left no files behind
    # The database refuses it too, whatever the code above it does.
    entry = two_weeks[1]
    with pytest.raises(IntegrityError), transaction.atomic():
        Archive.objects.create(
            recap=again, sequence=99, period_start=entry.period_start, period_end=entry.period_end, scope="all",
            previous_hash="x", entry_hash="y",
        )  # fmt: skip


def test_the_register_is_append_only(two_weeks):
    entry = two_weeks[0]
    entry.reference = "changed"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.files.first().delete()


def _writable(path: str) -> None:
    os.chmod(path, 0o644)


def test_verify_names_a_file_whose_bytes_changed(two_weeks):
    f = two_weeks[0].files.get(format="csv")
    _writable(path_of(f))
    with open(path_of(f), "ab") as handle:
        handle.write(b"SKA-FAKE,1\r\n")
    (problem,) = problems()
    assert problem.kind == "changed" and f.file.name in problem.message and "#1" in problem.message


def test_verify_names_two_files_swapped(two_weeks):
    a, b = two_weeks[0].files.get(format="pdf"), two_weeks[1].files.get(format="pdf")
    os.rename(path_of(a), path_of(a) + ".tmp")
    os.rename(path_of(b), path_of(a))
    os.rename(path_of(a) + ".tmp", path_of(b))
    assert sorted((p.kind, p.message.split(":")[1].split()[0]) for p in problems()) == [
        ("changed", a.file.name), ("changed", b.file.name)
    ]  # fmt: skip


def test_verify_names_a_deleted_file(two_weeks):
    f = two_weeks[1].files.get(format="xlsx")
    os.remove(path_of(f))
    (problem,) = problems()
    assert problem.kind == "missing" and f.file.name in problem.message


def test_verify_names_a_file_added_to_the_archive_folder(two_weeks, media_root):
    stray = media_root / "archive" / "2026" / "rekap-20261102-20261108-all-revisi.pdf"
    stray.write_bytes(b"%PDF-1.4 not ours")
    (problem,) = problems()
    assert problem.kind == "added" and "rekap-20261102-20261108-all-revisi.pdf" in problem.message


def test_verify_catches_reordered_entries(two_weeks):
    first, second = two_weeks
    # Raw updates, as someone with database access would make them (the ORM refuses save()).
    Archive.objects.filter(pk=first.pk).update(sequence=3)
    Archive.objects.filter(pk=second.pk).update(sequence=1)
    Archive.objects.filter(pk=first.pk).update(sequence=2)
    kinds = {p.kind for p in problems()}
    assert {"chain", "entry"} <= kinds


def test_verify_catches_an_edited_entry_and_an_edited_file_hash(two_weeks):
    first, second = two_weeks
    Archive.objects.filter(pk=first.pk).update(reference="ARSIP/LAIN")
    (problem,) = problems()
    assert problem.kind == "entry" and "#1" in problem.message
    # Rewriting the entry's own hash to match moves the break to the next entry.
    edited = Archive.objects.get(pk=first.pk)
    rehashed = archive.chain(edited.previous_hash, archive.canonical(edited, list(edited.files.all())))
    Archive.objects.filter(pk=first.pk).update(entry_hash=rehashed)
    (problem,) = problems()
    assert problem.kind == "chain" and "#2" in problem.message
    # A file's recorded hash edited to match a tampered file still breaks its entry.
    ArchiveFile.objects.filter(archive=second, format="pdf").update(sha256="0" * 64)
    assert {"changed", "entry"} <= {p.kind for p in problems()}


def test_verify_catches_a_deleted_entry(two_weeks):
    first = two_weeks[0]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ArchiveFile._meta.db_table} WHERE archive_id = %s", [first.pk])
        cursor.execute(f"DELETE FROM {Archive._meta.db_table} WHERE id = %s", [first.pk])
    kinds = {p.kind for p in problems()}
    assert {"sequence", "chain", "added"} <= kinds  # and its files are no longer in the register


def test_the_command_exits_non_zero_and_names_the_problem(two_weeks):
    f = two_weeks[0].files.get(format="pdf")
    os.remove(path_of(f))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("archive", "verify", stderr=err, stdout=StringIO())
    assert f.file.name in err.getvalue()


def test_the_command_lists_the_register_and_verifies(two_weeks):
    out = StringIO()
    call_command("archive", "list", stdout=out)
    text = out.getvalue()
    assert "#1" in text and "#2" in text and two_weeks[1].entry_hash in text and "ARSIP/1109" in text
    out = StringIO()
    call_command("archive", "verify", stdout=out)
    assert two_weeks[1].entry_hash in out.getvalue()


def test_prune_removes_only_files_past_retention_and_the_chain_still_verifies(two_weeks, settings):
    settings.SIGAP_ARCHIVE_RETENTION_DAYS = 30
    first, second = two_weeks
    with time_machine.travel(WEEK_START + timedelta(days=30, hours=1), tick=False):
        out = StringIO()
        call_command("archive", "prune", "--dry-run", stdout=out)
        assert out.getvalue().count("archive/") == 3 and all(os.path.exists(path_of(f)) for f in first.files.all())
        call_command("archive", "prune", stdout=StringIO())
    assert all(f.pruned_at and not os.path.exists(path_of(f)) for f in first.files.all())
    assert all(not f.pruned_at and os.path.exists(path_of(f)) for f in second.files.all())
    assert Archive.objects.count() == 2 and archive.verify() == (2, 3, [])
    assert Event.objects.filter(recap=first.recap, kind="archive_pruned").count() == 3


def test_retention_zero_keeps_everything(two_weeks, settings):
    settings.SIGAP_ARCHIVE_RETENTION_DAYS = 0
    with time_machine.travel(datetime(2040, 1, 1, tzinfo=WIB), tick=False):
        assert archive.prune() == []
    assert not ArchiveFile.objects.exclude(pruned_at=None).exists()
