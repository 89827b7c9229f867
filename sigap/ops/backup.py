"""Backup and restore: one .tar.gz holding the database as data, the files it refers to, a manifest.

The database is written with Django's own serializer as JSON Lines (`database.jsonl`, one row a
line, in dependency order, streamed), not with pg_dump: the same file restores into SQLite or
PostgreSQL, whichever made it, and it needs nothing installed beside Sigap. (pg_dump remains a
good second line for a large PostgreSQL database; it does not carry the uploaded files.)

Consistent while the system runs: every table is read inside one read-only snapshot (on
PostgreSQL a REPEATABLE READ transaction, as pg_dump uses; on SQLite a deferred read transaction,
which in WAL mode sees one state and blocks no writer). The files are then copied as that
snapshot names them: attachments and archived recaps are written before their rows and never
changed, so every file the snapshot names exists, and a file stored after it (an archive being
written at that moment) is left out rather than showing up unregistered.

The manifest (`manifest.json`, last in the file) gives the format version, the time, the
database's migrations and row counts, and every part's size and SHA-256. `restore` reads the
whole file and checks all of it before it changes anything; then it loads the rows in one
transaction and puts the files in place only once that transaction has committed.
"""

import datetime as dt
import hashlib
import io
import json
import os
import posixpath
import shutil
import tarfile
import tempfile
import zlib
from gzip import BadGzipFile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "sigap-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database.jsonl"
MEDIA = "media/"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
# Rebuilt by `migrate` on the target (content types, permissions) or not worth keeping (sessions);
# rows that point at content types or permissions name them by natural key instead of by id.
# Rebuilt by Django or by Sigap itself: rate-limit counters and the dashboard's computed figures.
EXCLUDED = {
    "contenttypes.contenttype", "auth.permission", "sessions.session", "ops.ratecounter", "recaps.livefigures",
}
# A database with rows in any of these is not empty: restoring over it needs --force.
USER_DATA = ["cases.complaint", "cases.message", "cases.event", "people.user", "recaps.recap", "platforms.delivery"]

Progress = Callable[[int], None] | None


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why, for the person running it."""


@dataclass
class Made:
    path: Path
    rows: int
    files: int
    size: int
    missing: list[str] = field(default_factory=list)


@dataclass
class Checked:
    manifest: dict
    rows: int
    files: int


# Writing ---------------------------------------------------------------------------------


class _Encoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's encoder cuts them to milliseconds, which would break the
    event chain's and the archive's hashes (both hash times to the microsecond)."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def saved_models() -> list[type[models.Model]]:
    """Every model whose rows go into a backup, dependencies first (as dumpdata orders them)."""
    ordered = serializers.sort_dependencies([(config, None) for config in apps.get_app_configs()], allow_cycles=True)
    return [m for m in ordered if m._meta.label_lower not in EXCLUDED and m._meta.managed and not m._meta.proxy]


def _natural(model) -> bool:
    related = {f.related_model._meta.label_lower for f in model._meta.get_fields() if f.is_relation and f.related_model}
    return bool(related & {"contenttypes.contenttype", "auth.permission"})


@contextmanager
def snapshot() -> Iterator[None]:
    """Everything read inside sees one state of the database, without holding up any writer."""
    if connection.in_atomic_block:
        yield  # already inside a transaction (a test's, or a caller's): that is the snapshot
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # Django opens SQLite transactions IMMEDIATE (taking the write lock); a backup only reads.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic():
        yield


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationLoader(connection, ignore_no_migrations=True).applied_migrations:
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _file_names(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _dump(stream, progress: Progress) -> tuple[dict[str, int], set[str]]:
    """Write every saved model's rows as JSON Lines; (rows per model, file names the rows refer to)."""
    counts: dict[str, int] = {}
    files: set[str] = set()
    done = 0
    for model in saved_models():
        label = model._meta.label_lower
        queryset = model._base_manager.order_by("pk")
        file_fields = _file_names(model)
        counts[label] = 0

        def rows(queryset=queryset, file_fields=file_fields, label=label):
            nonlocal done
            for obj in queryset.iterator(chunk_size=2000):
                for name in file_fields:
                    value = getattr(obj, name)
                    if value and value.name:
                        files.add(value.name)
                counts[label] += 1
                done += 1
                if progress and done % 1000 == 0:
                    progress(done)
                yield obj

        serializers.serialize("jsonl", rows(), stream=stream, use_natural_foreign_keys=_natural(model), cls=_Encoder)
    if progress:
        progress(done)
    return counts, files


def _pruned_archive_files() -> set[str]:
    from sigap.recaps.models import ArchiveFile

    return set(ArchiveFile.objects.exclude(pruned_at=None).values_list("file", flat=True))


class _Hashing:
    """A file read through this is hashed on the way (tarfile reads it exactly once)."""

    def __init__(self, handle) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, source: Path, mode: int = 0o644) -> dict:
    stat = source.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), mode
    with source.open("rb") as handle:
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def make(target: Path, *, progress: Progress = None, file_progress: Progress = None) -> Made:
    """Write a backup to `target` (through a temporary file beside it, renamed when complete)."""
    from sigap.ops import audit
    from sigap.recaps import archive

    target = Path(target)
    if not target.parent.is_dir():
        raise BackupError(_("The folder %(path)s does not exist.") % {"path": target.parent})
    if _unapplied_migrations():
        raise BackupError(_("This database is behind this Sigap's code: run `sigap migrate` first."))
    with tempfile.TemporaryDirectory(prefix=".sigap-backup-", dir=target.parent) as work:
        dump = Path(work) / DATABASE
        with snapshot():
            created_at = timezone.now()
            migrations = _applied_migrations()
            with dump.open("w", encoding="utf-8") as stream:
                counts, files = _dump(stream, progress)
            files -= _pruned_archive_files()  # their register entries stay; the files are gone on purpose
            heads = {"events": list(audit.head_of_chain()), "archive": archive.head_hash()}
        handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(handle)
        try:
            parts, missing = {}, []
            with tarfile.open(partial, "w:gz", format=tarfile.PAX_FORMAT) as tar:
                parts[DATABASE] = _add(tar, DATABASE, dump)
                for number, name in enumerate(sorted(files), 1):
                    try:
                        path = Path(default_storage.path(name))
                    except NotImplementedError:
                        raise BackupError(_("Files are not in a local folder: back them up with their storage's own tools.")) from None
                    except SuspiciousFileOperation:
                        path = None  # a name pointing outside the media folder: never followed
                    if path is None or not _safe_name(MEDIA + name) or not path.is_file():
                        missing.append(name)
                        continue
                    mode = 0o444 if name.startswith(archive.ROOT + "/") else 0o644
                    parts[MEDIA + name] = _add(tar, MEDIA + name, path, mode)
                    if file_progress:
                        file_progress(number)
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created_at": created_at.isoformat(),
                    "sigap_version": _sigap_version(),
                    "database": {"vendor": connection.vendor, "migrations": migrations, "rows": counts},
                    "heads": heads,
                    "missing_files": missing,
                    "parts": parts,
                }
                body = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(created_at.timestamp()), 0o644
                tar.addfile(info, io.BytesIO(body))
            os.chmod(partial, 0o600)  # it holds personal data and password hashes
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return Made(target, sum(counts.values()), len(parts) - 1, target.stat().st_size, missing)


def _sigap_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sigap")
    except PackageNotFoundError:
        return "unknown"


# Checking --------------------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    normal = posixpath.normpath(name)
    return (
        normal == name
        and not name.startswith("/")
        and ".." not in name.split("/")
        and (name in (MANIFEST, DATABASE) or (name.startswith(MEDIA) and len(name) > len(MEDIA)))
    )


@contextmanager
def _reading(path: Path) -> Iterator[tarfile.TarFile]:
    """The backup opened for reading; a damaged or foreign file becomes a BackupError saying so."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            yield tar
    except FileNotFoundError:
        raise BackupError(_("There is no file %(path)s.") % {"path": path}) from None
    except IsADirectoryError:
        raise BackupError(_("%(path)s is a folder, not a backup file.") % {"path": path}) from None
    except (tarfile.TarError, EOFError, zlib.error, BadGzipFile) as exc:
        raise BackupError(_("%(path)s is not a Sigap backup or is damaged (%(error)s).") % {"path": path, "error": exc}) from None


def _members(tar: tarfile.TarFile, path: Path) -> Iterator[tarfile.TarInfo]:
    seen: set[str] = set()
    for member in tar:
        if not member.isfile() or not _safe_name(member.name):
            message = _("%(path)s holds an unexpected entry (%(name)s): it is not a Sigap backup.")
            raise BackupError(message % {"path": path, "name": member.name[:200]})
        if member.name in seen:
            raise BackupError(_("%(path)s holds %(name)s twice: it is not a Sigap backup.") % {"path": path, "name": member.name[:200]})
        seen.add(member.name)
        yield member


def _hash_member(tar: tarfile.TarFile, member: tarfile.TarInfo, out=None) -> str:
    digest = hashlib.sha256()
    source = tar.extractfile(member)
    for block in iter(lambda: source.read(1 << 20), b""):
        digest.update(block)
        if out is not None:
            out.write(block)
    return digest.hexdigest()


def check(path: Path, progress: Progress = None) -> Checked:
    """Read the whole file and check every part against the manifest; nothing is written."""
    path = Path(path)
    hashes: dict[str, tuple[int, str]] = {}
    manifest_body = None
    with _reading(path) as tar:
        for number, member in enumerate(_members(tar, path), 1):
            if member.name == MANIFEST:
                if member.size > MAX_MANIFEST_BYTES:
                    raise BackupError(_("%(path)s has an oversized manifest: it is not a Sigap backup.") % {"path": path})
                manifest_body = tar.extractfile(member).read()
            else:
                hashes[member.name] = (member.size, _hash_member(tar, member))
            if progress:
                progress(number)
    if manifest_body is None:
        raise BackupError(_("%(path)s has no manifest: it is not a Sigap backup, or it is cut short.") % {"path": path})
    manifest = _manifest(manifest_body, path)
    parts = manifest["parts"]
    for name in sorted(set(parts) | set(hashes)):
        if name not in hashes:
            raise BackupError(_("%(path)s is incomplete: %(name)s is missing.") % {"path": path, "name": name})
        if name not in parts:
            raise BackupError(_("%(path)s holds %(name)s, which its manifest does not list.") % {"path": path, "name": name})
        size, digest = hashes[name]
        if size != parts[name].get("size") or digest != parts[name].get("sha256"):
            raise BackupError(_("%(path)s is damaged: %(name)s does not match its SHA-256 in the manifest.") % {"path": path, "name": name})
    if DATABASE not in parts:
        raise BackupError(_("%(path)s holds no database.") % {"path": path})
    _check_migrations(manifest, path)
    return Checked(manifest, sum(manifest["database"]["rows"].values()), len(parts) - 1)


def _manifest(body: bytes, path: Path) -> dict:
    try:
        manifest = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s is not a Sigap backup (its manifest is not one).") % {"path": path})
    if manifest.get("version") != VERSION:
        raise BackupError(
            _("%(path)s is a backup of format version %(version)s; this Sigap reads version %(ours)s.")
            % {"path": path, "version": str(manifest.get("version"))[:20], "ours": VERSION}
        )
    database = manifest.get("database")
    parts = manifest.get("parts")
    if (
        not isinstance(parts, dict)
        or not all(isinstance(p, dict) for p in parts.values())
        or not isinstance(database, dict)
        or not isinstance(database.get("rows"), dict)
        or not all(isinstance(n, int) for n in database["rows"].values())
        or not isinstance(database.get("migrations"), dict)
    ):
        raise BackupError(_("%(path)s has a damaged manifest.") % {"path": path})
    return manifest


def _check_migrations(manifest: dict, path: Path) -> None:
    """A backup from a newer Sigap has rows this code cannot know: refuse it before anything changes."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    for app, names in manifest["database"]["migrations"].items():
        if not isinstance(names, list):
            raise BackupError(_("%(path)s has a damaged manifest.") % {"path": path})
        unknown = [n for n in names if (app, n) not in known]
        if unknown:
            raise BackupError(
                _("%(path)s was made by a newer Sigap (migration %(app)s.%(name)s is unknown here): upgrade Sigap first.")
                % {"path": path, "app": app, "name": str(unknown[0])[:100]}
            )


# Restoring -------------------------------------------------------------------------------


def _has_tables() -> bool:
    return "django_migrations" in connection.introspection.table_names()


def holds_data() -> list[str]:
    """What makes the target not empty: user-data tables with rows, files in the media folder."""
    found = []
    if _has_tables():
        tables = set(connection.introspection.table_names())
        for label in USER_DATA:
            model = apps.get_model(label)
            if model._meta.db_table in tables and model._base_manager.exists():
                found.append(str(model._meta.verbose_name_plural))
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(p.is_file() for p in media.rglob("*")):
        found.append(_("files in %(path)s") % {"path": media})
    return found


def _extract(path: Path, work: Path, staged: Path) -> dict[str, str]:
    """Unpack the database into `work` and the files into `staged`; each part's SHA-256 as written."""
    hashes = {}
    with _reading(path) as tar:
        for member in _members(tar, path):
            if member.name == MANIFEST:
                continue
            destination = work / DATABASE if member.name == DATABASE else staged / member.name[len(MEDIA) :]
            destination.parent.mkdir(parents=True, exist_ok=True)
            with destination.open("wb") as out:
                hashes[member.name] = _hash_member(tar, member, out)
            os.chmod(destination, member.mode & 0o777 | 0o400)  # archived recaps stay read-only
    return hashes


def restore(path: Path, *, force: bool = False, progress: Progress = None, checked: Checked | None = None, by=None) -> Checked:
    """Restore a backup into this database and media folder; nothing changes unless all of it loads."""
    path = Path(path)
    checked = checked or check(path)  # every byte checked before anything is touched
    found = holds_data()
    if found and not force:
        raise BackupError(
            _("This database is not empty (%(what)s): restoring would replace it. Add --force to do so.")
            % {"what": ", ".join(found)}
        )
    if _unapplied_migrations():
        call_command("migrate", interactive=False, verbosity=0)
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".sigap-restore-", dir=media.parent))
    staged = work / "media"
    try:
        # Read a second time: the file is checked again as it is unpacked, in case it changed since.
        hashes = _extract(path, work, staged)
        for name, part in checked.manifest["parts"].items():
            if hashes.get(name) != part["sha256"]:
                raise BackupError(_("%(path)s changed while it was being restored.") % {"path": path})
        _load(work / DATABASE, progress, by=by, manifest=checked.manifest, source=path)
        _swap_media(staged, media)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _words_due_now()
    return checked


def _words_due_now() -> None:
    """The search's list of known words (PostgreSQL, not in the backup) is rebuilt by the next worker pass."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_searchword_due SET due_at = now()")


def _unapplied_migrations() -> list:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def _flush_sql(labels) -> list[str]:
    """Empty the tables the backup fills (and the sessions: an old session must not log in as a
    restored user who happens to have the same id). Tables of models newer than the backup keep
    what `migrate` put there."""
    tables = {"django_session"}
    for label in labels:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        tables.add(model._meta.db_table)
        tables |= {f.remote_field.through._meta.db_table for f in model._meta.local_many_to_many if f.remote_field.through._meta.auto_created}
    existing = set(connection.introspection.table_names())
    return connection.ops.sql_flush(no_style(), sorted(tables & existing), reset_sequences=False, allow_cascade=True)


class _Rows:
    """Rows of one model inserted many to a statement, as they are (raw: an auto_now time stays
    the time it was, not the time of the restore); several times faster than a save() each."""

    def __init__(self) -> None:
        self.model, self.objects = None, []

    def add(self, obj) -> None:
        if type(obj) is not self.model or len(self.objects) >= 2000:
            self.flush()
            self.model = type(obj)
        self.objects.append(obj)

    def flush(self) -> None:
        if not self.objects:
            return
        fields = self.model._meta.local_concrete_fields
        size = max(1, min(500, connection.ops.bulk_batch_size(fields, self.objects)))
        for start in range(0, len(self.objects), size):
            self.model._base_manager._insert(self.objects[start : start + size], fields=fields, raw=True, using=connection.alias)
        self.objects = []


def _load(dump: Path, progress: Progress, *, by, manifest: dict, source: Path) -> None:
    from sigap.cases.actions import record_event

    loaded_models = set()
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # TRUNCATE refuses tables with deferred checks pending (restoring inside a caller's transaction).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in _flush_sql(manifest["database"]["rows"]):
                cursor.execute(statement)
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        count = 0
        deferred = []
        rows = _Rows()
        with dump.open("r", encoding="utf-8") as stream, connection.constraint_checks_disabled():
            try:
                objects = serializers.deserialize("jsonl", stream, ignorenonexistent=True, handle_forward_references=True)
                for obj in objects:
                    model = type(obj.object)
                    loaded_models.add(model)
                    if any(obj.m2m_data.values()) or obj.deferred_fields or model._meta.parents:
                        rows.flush()
                        obj.save()  # Django's own path: many-to-many rows, forward references
                        if obj.deferred_fields:
                            deferred.append(obj)
                    else:
                        rows.add(obj.object)
                    count += 1
                    if progress and count % 1000 == 0:
                        progress(count)
                rows.flush()
                for obj in deferred:
                    obj.save_deferred_fields()
            except serializers.base.DeserializationError as exc:
                raise BackupError(_("The backup's database could not be read: %(error)s") % {"error": str(exc)[:500]}) from None
            except DatabaseError as exc:
                raise BackupError(_("The backup's rows do not fit together: %(error)s") % {"error": str(exc)[:500]}) from None
        if progress:
            progress(count)
        # Relations were not checked while loading; they are now, before anything is committed.
        try:
            connection.check_constraints(table_names=[m._meta.db_table for m in loaded_models])
        except DatabaseError as exc:
            raise BackupError(_("The backup's rows do not fit together: %(error)s") % {"error": str(exc)[:500]}) from None
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(loaded_models)):
                cursor.execute(statement)
        record_event("restored", by=by, made_at=manifest.get("created_at", ""), rows=count, file=source.name[:200])


def _swap_media(staged: Path, media: Path) -> None:
    """The restored files take the media folder's place; any files it held are kept aside, not deleted."""
    if not staged.exists():
        staged.mkdir(parents=True)
    if media.exists():
        if any(media.iterdir()):
            aside = media.with_name(f"{media.name}.before-restore-{timezone.now():%Y%m%d-%H%M%S}")
            media.rename(aside)
        else:
            media.rmdir()
    shutil.move(str(staged), str(media))
