"""`sigap backup` and `sigap restore`: one file in, the same system out, and nothing half-done."""

import io
import json
import os
import subprocess
import sys
import tarfile
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from sigap.cases import actions
from sigap.cases.attachments import check_upload
from sigap.cases.models import Attachment, Complaint, Event, Status
from sigap.ops import audit, backup
from sigap.recaps import archive
from sigap.recaps.actions import recap_archive, recap_create
from sigap.recaps.models import Archive

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media_root")]


@pytest.fixture
def populated(make_complaint, walk_to, processor, reviewer, agencies):
    """Complaints through the workflow (one with a photo, one closed), an archived recap, a sealed log."""
    with time_machine.travel(MONDAY, tick=False):
        photo = check_upload(SimpleUploadedFile("foto jalan.png", PNG, "image/png"))
        posted = walk_to(make_complaint(text="Jalan berlubang di Jl. Adi Sucipto.", uploads=[photo]), Status.POSTED)
        walk_to(make_complaint(text="Sampah menumpuk di pasar.", platform="x", handle="warga_x"), Status.FORWARDED, agency_code="DLH")
        closed = make_complaint(text="Halo admin", name="Sri", contact="081234567890")
        actions.complaint_close(complaint=closed, by=processor, reason="bukan aduan")
    with time_machine.travel(MONDAY + timedelta(days=7, hours=1), tick=False):
        recap = recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(days=6))
        recap_archive(recap=recap, by=reviewer, reference="ARSIP/001")
    audit.seal_all()
    return posted


def rows(path: Path) -> list[dict]:
    """The backup's database rows, parsed (PostgreSQL orders JSON keys its own way)."""
    with tarfile.open(path, "r:gz") as tar:
        lines = tar.extractfile(DATABASE).read().decode().splitlines()
    return sorted((json.loads(line) for line in lines), key=lambda r: (r["model"], json.dumps(r["pk"])))


DATABASE = backup.DATABASE


def parts(path: Path) -> dict:
    with tarfile.open(path, "r:gz") as tar:
        return json.loads(tar.extractfile(backup.MANIFEST).read())["parts"]


# The second database a backup is restored into --------------------------------------------


@pytest.fixture
def empty_database(tmp_path):
    """A new, empty database of the test database's kind (SQLite file or PostgreSQL database)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    conf = connection.settings_dict
    name = f"{conf['NAME']}_restored"[:63]
    params = {"host": conf["HOST"] or "127.0.0.1", "port": conf["PORT"] or 5432, "user": conf["USER"], "password": conf["PASSWORD"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{conf['PASSWORD']}" if conf["PASSWORD"] else ""
    yield f"postgres://{conf['USER']}{password}@{params['host']}:{params['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sigap(*args, database: str, media: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sigap.test_settings",
        "SIGAP_DATABASE_URL": database,
        "SIGAP_MEDIA_ROOT": str(media),
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "sigap", *args], env=env, capture_output=True, text=True, timeout=900, cwd=settings.BASE_DIR
    )


def test_a_backup_restores_into_an_empty_database_with_everything_intact(populated, tmp_path, empty_database):
    made = backup.make(tmp_path / "sigap.tar.gz")
    attachment = Attachment.objects.get()
    archived = {f.file.name for f in Archive.objects.get().files.all()}
    assert set(parts(made.path)) == {DATABASE, backup.MEDIA + attachment.file.name, *(backup.MEDIA + n for n in archived)}
    assert os.stat(made.path).st_mode & 0o777 == 0o600

    media = tmp_path / "restored-media"
    result = sigap("restore", str(made.path), database=empty_database, media=media)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"{made.rows} rows, 4 files" in out or f"{made.rows} baris, 4 berkas" in out
    head_sequence, head_hash = audit.head_of_chain()
    assert archive.head_hash() in out and head_hash in out and f"{head_sequence} " in out

    # The restored system, backed up in turn, holds exactly the same rows and files.
    again = sigap("backup", str(tmp_path / "again.tar.gz"), database=empty_database, media=media)
    assert again.returncode == 0, again.stderr
    restored = [r for r in rows(tmp_path / "again.tar.gz") if not (r["model"] == "cases.event" and r["fields"]["kind"] == "restored")]
    assert restored == rows(made.path)
    files = {name: part for name, part in parts(made.path).items() if name != DATABASE}
    assert {name: part for name, part in parts(tmp_path / "again.tar.gz").items() if name != DATABASE} == files
    assert {r["fields"]["tracking_number"] for r in restored if r["model"] == "cases.complaint"} == set(
        Complaint.objects.values_list("tracking_number", flat=True)
    )
    assert sum(r["model"] == "cases.event" for r in restored) == Event.objects.count()
    # The archive is read-only where it was restored, as where it was written.
    name = next(iter(archived))
    assert os.stat(media / name).st_mode & 0o777 == 0o444
    assert (media / attachment.file.name).read_bytes() == PNG


def test_the_restore_refuses_a_database_that_is_not_empty(populated, tmp_path):
    made = backup.make(tmp_path / "sigap.tar.gz")
    with pytest.raises(CommandError, match=r"This database is not empty \(.*\): restoring would replace it. Add --force"):
        call_command("restore", str(made.path), "--quiet", stdout=StringIO(), stderr=StringIO())


def test_restore_with_force_replaces_the_data_and_keeps_the_old_files_aside(populated, tmp_path, make_complaint, media_root):
    made = backup.make(tmp_path / "sigap.tar.gz")
    later = make_complaint(text="Dibuat sesudah cadangan.")
    (media_root / "stray.txt").write_text("ditaruh tangan")
    out = StringIO()
    call_command("restore", str(made.path), "--force", "--quiet", stdout=out, stderr=StringIO())
    assert not Complaint.objects.filter(pk=later.pk).exists()
    assert Complaint.objects.count() == 3 and Event.objects.filter(kind="restored").count() == 1
    assert "The archive verifies" in out.getvalue() and "The event log verifies" in out.getvalue()
    assert not (media_root / "stray.txt").exists()
    aside = [p for p in media_root.parent.iterdir() if p.name.startswith("media.before-restore-")]
    assert len(aside) == 1 and (aside[0] / "stray.txt").exists()


# Damaged, forged and foreign files: refused before anything changes --------------------------


def unchanged(check):
    """Run a refused restore and check the database and media folder are as they were."""
    complaints = sorted(Complaint.objects.values_list("pk", "text"))
    events = Event.objects.count()
    files = sorted(p.relative_to(settings.MEDIA_ROOT) for p in Path(settings.MEDIA_ROOT).rglob("*"))
    check()
    assert sorted(Complaint.objects.values_list("pk", "text")) == complaints and Event.objects.count() == events
    assert sorted(p.relative_to(settings.MEDIA_ROOT) for p in Path(settings.MEDIA_ROOT).rglob("*")) == files


def refused(path: Path, message: str) -> None:
    def run():
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(path), "--force", "--quiet", stdout=StringIO(), stderr=StringIO())

    unchanged(run)


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy a backup member by member; `change(name, data)` returns new data, or None to drop it."""
    with tarfile.open(source, "r:gz") as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar]
    with tarfile.open(target, "w:gz") as out:
        for name, data in members:
            data = change(name, data)
            if data is None:
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture
def made(populated, tmp_path):
    return backup.make(tmp_path / "sigap.tar.gz").path


def test_a_backup_with_a_flipped_byte_is_refused(made, tmp_path):
    data = bytearray(made.read_bytes())
    data[len(data) // 2] ^= 0xFF
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(bytes(data))
    refused(broken, "is not a Sigap backup or is damaged|is damaged")


def test_a_backup_cut_short_is_refused(made, tmp_path):
    short = tmp_path / "short.tar.gz"
    short.write_bytes(made.read_bytes()[: made.stat().st_size // 2])
    refused(short, "is not a Sigap backup or is damaged")


def test_a_file_that_is_no_backup_at_all_is_refused(tmp_path, populated):
    other = tmp_path / "notes.tar.gz"
    other.write_text("lampu mati\n" * 100)
    refused(other, "is not a Sigap backup or is damaged")
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    refused(empty, "has no manifest")
    refused(tmp_path / "missing.tar.gz", "There is no file")
    refused(tmp_path, "is a folder")


def test_a_part_changed_after_the_backup_is_refused_by_its_hash(made, tmp_path):
    def change(name, data):
        return data.replace(b"Jalan berlubang", b"Jalan mulus!!!!") if name == DATABASE else data

    refused(rewrite(made, tmp_path / "forged.tar.gz", change), "database.jsonl does not match its SHA-256")


def test_a_missing_or_extra_part_is_refused(made, tmp_path):
    photo = next(n for n in parts(made) if n.startswith("media/attachments/"))
    refused(rewrite(made, tmp_path / "a.tar.gz", lambda n, d: None if n == photo else d), f"incomplete: {photo} is missing")

    def extra(name, data):
        return data

    forged = rewrite(made, tmp_path / "b.tar.gz", extra)
    with tarfile.open(forged, "r:gz") as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar]
    with tarfile.open(forged, "w:gz") as out:
        for name, data in [("media/archive/2026/extra.pdf", b"%PDF"), *members]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    refused(forged, "holds media/archive/2026/extra.pdf, which its manifest does not list")


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "media/../../escape.txt", "media/", "other.txt"])
def test_an_entry_outside_the_backup_layout_is_refused(made, tmp_path, name):
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as out:
        info = tarfile.TarInfo(name)
        info.size = 1
        out.addfile(info, io.BytesIO(b"x"))
    refused(forged, "holds an unexpected entry")
    assert not (tmp_path / "escape.txt").exists()


def test_a_link_or_a_duplicate_entry_is_refused(made, tmp_path):
    forged = tmp_path / "link.tar.gz"
    with tarfile.open(forged, "w:gz") as out:
        info = tarfile.TarInfo("media/attachments/link")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        out.addfile(info)
    refused(forged, "holds an unexpected entry")
    twice = tmp_path / "twice.tar.gz"
    with tarfile.open(twice, "w:gz") as out:
        for _ in range(2):
            info = tarfile.TarInfo(DATABASE)
            info.size = 2
            out.addfile(info, io.BytesIO(b"{}"))
    refused(twice, "holds database.jsonl twice")


@pytest.mark.parametrize(
    "manifest, message",
    [
        (b"not json", "its manifest is not one"),
        (b'{"format": "something-else"}', "its manifest is not one"),
        (b'{"format": "sigap-backup", "version": 99}', "format version 99; this Sigap reads version 1"),
        (b'{"format": "sigap-backup", "version": 1, "parts": [], "database": {}}', "damaged manifest"),
    ],
)
def test_a_forged_manifest_is_refused(made, tmp_path, manifest, message):
    forged = rewrite(made, tmp_path / "forged.tar.gz", lambda n, d: manifest if n == backup.MANIFEST else d)
    refused(forged, message)


def test_a_backup_from_a_newer_sigap_is_refused(made, tmp_path):
    def newer(name, data):
        if name != backup.MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["database"]["migrations"]["cases"].append("0099_from_the_future")
        return json.dumps(manifest).encode()

    refused(rewrite(made, tmp_path / "newer.tar.gz", newer), r"made by a newer Sigap \(migration cases.0099_from_the_future")


def test_an_oversized_manifest_is_refused(made, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "MAX_MANIFEST_BYTES", 100)
    refused(made, "oversized manifest")


def test_rows_that_do_not_fit_together_are_rolled_back_entirely(made, tmp_path):
    """A well-formed backup whose rows break a relation: the transaction undoes every row loaded."""

    def dangling(name, data):
        if name == DATABASE:
            lines = data.decode().splitlines()
            bad = next(i for i, line in enumerate(lines) if '"model": "cases.event"' in line)
            row = json.loads(lines[bad])
            row["fields"]["complaint"] = 999_999
            lines[bad] = json.dumps(row)
            return ("\n".join(lines) + "\n").encode()
        return data

    def rehash(source, target):
        import hashlib

        with tarfile.open(source, "r:gz") as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar}
        manifest = json.loads(members[backup.MANIFEST])
        for name, data in members.items():
            if name != backup.MANIFEST:
                manifest["parts"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        members[backup.MANIFEST] = json.dumps(manifest).encode()
        return rewrite(source, target, lambda n, d: members[n])

    forged = rehash(rewrite(made, tmp_path / "dangling.tar.gz", dangling), tmp_path / "rehashed.tar.gz")
    refused(forged, "rows do not fit together")


def test_malformed_rows_are_refused_with_a_message(made, tmp_path):
    import hashlib

    def garbage(name, data):
        return b'{"model": "cases.complaint", "pk": 1, "fields": {"posted_at": "kemarin"}}\n' if name == DATABASE else data

    with tarfile.open(made, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    body = garbage(DATABASE, None)
    manifest = json.loads(members[backup.MANIFEST])
    manifest["parts"][DATABASE] = {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    forged = rewrite(made, tmp_path / "garbage.tar.gz", lambda n, d: body if n == DATABASE else json.dumps(manifest).encode() if n == backup.MANIFEST else d)
    refused(forged, "could not be read")


# Writing a backup ------------------------------------------------------------------------


def test_the_command_writes_a_named_file_and_never_overwrites_one(populated, tmp_path, monkeypatch):
    from sigap.ops.management.commands import backup as command

    monkeypatch.setattr(command, "PROGRESS_FROM", 1)
    out, err = StringIO(), StringIO()
    target = tmp_path / "cadangan.tar.gz"
    call_command("backup", str(target), stdout=out, stderr=err)
    assert f"Wrote {target}" in out.getvalue() and "4 files" in out.getvalue() and "100%" in err.getvalue()
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(target), stdout=StringIO())
    with pytest.raises(CommandError, match="is a folder"):
        call_command("backup", str(tmp_path), stdout=StringIO())
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "nowhere" / "x.tar.gz"), stdout=StringIO())
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["cadangan.tar.gz"]  # no temporary left


def test_the_manifest_names_the_version_time_migrations_and_every_parts_hash(made):
    import hashlib

    with tarfile.open(made, "r:gz") as tar:
        names = [m.name for m in tar]
        manifest = json.loads(tar.extractfile(backup.MANIFEST).read())
        for name, part in manifest["parts"].items():
            data = tar.extractfile(name).read()
            assert part == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert names[0] == DATABASE and names[-1] == backup.MANIFEST
    assert manifest["format"] == "sigap-backup" and manifest["version"] == 1 and manifest["created_at"]
    assert "0005_audit_and_privacy" in manifest["database"]["migrations"]["cases"]
    assert manifest["database"]["rows"]["cases.complaint"] == 3
    assert manifest["heads"]["archive"] == archive.head_hash()


def test_times_keep_their_microseconds(populated, tmp_path):
    # The event chain and the archive hash their times to the microsecond: a millisecond off breaks them.
    event = actions.record_event("closed", at=MONDAY.replace(microsecond=123456))
    made = backup.make(tmp_path / "sigap.tar.gz").path
    row = next(r for r in rows(made) if r["model"] == "cases.event" and r["pk"] == event.pk)
    assert datetime.fromisoformat(row["fields"]["at"]) == event.at


def test_a_file_removed_before_the_backup_is_reported_not_fatal(populated, tmp_path):
    attachment = Attachment.objects.get()
    os.remove(attachment.file.path)
    made = backup.make(tmp_path / "sigap.tar.gz")
    assert made.missing == [attachment.file.name]


def test_a_file_name_pointing_outside_the_media_folder_is_never_followed(populated, tmp_path):
    Attachment.objects.update(file="../../../../etc/passwd")
    made = backup.make(tmp_path / "sigap.tar.gz")
    assert made.missing == ["../../../../etc/passwd"]
    assert not any("passwd" in name for name in parts(made.path))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a concurrent writer needs a server database")
def test_the_snapshot_does_not_see_or_stop_a_concurrent_writer(make_complaint):
    import threading

    make_complaint()
    with backup.snapshot():
        before = Complaint.objects.count()
        writer = threading.Thread(target=lambda: (make_complaint(text="Sementara itu"), connection.close()))
        writer.start()
        writer.join(30)
        assert not writer.is_alive()  # the writer was not held up
        assert Complaint.objects.count() == before
    assert Complaint.objects.count() == before + 1


def test_the_sqlite_snapshot_is_a_deferred_read_transaction(monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    statements = []
    monkeypatch.setattr(type(connection), "in_atomic_block", False, raising=False)
    real_cursor = connection.cursor

    class Recording:
        def __init__(self, cursor):
            self.cursor = cursor

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, sql, *args):
            statements.append(sql)

    monkeypatch.setattr(connection, "cursor", lambda: Recording(real_cursor()))
    with backup.snapshot():
        pass
    assert statements == ["BEGIN DEFERRED", "ROLLBACK"]
