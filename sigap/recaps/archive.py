"""SOP step 7: the archive register. Files are written once, hashed, and chained entry to entry.

Each Archive entry lists its files (XLSX, PDF, CSV) with their SHA-256 and is chained to the
entry before it: entry_hash = sha256(previous entry's hash + "\\n" + canonical content), the
canonical content being the entry's fields and its files' names, sizes and hashes as sorted
JSON, time stamp included. `sigap archive verify` recomputes everything and names what changed:

- a file's bytes changed (or two files swapped)      → its hash no longer matches;
- a file deleted                                      → missing;
- a file put into the archive folder by hand          → not in the register;
- entries reordered, removed or edited in the database → the chain or an entry's hash breaks.

An attacker who can rewrite the last entry and its hash together is not caught by the chain
alone: keep the head hash that `sigap archive list` prints somewhere else (it is also in the
"recap_archived" event of each recap).

Retention: past SIGAP_ARCHIVE_RETENTION_DAYS after its period, `prune` deletes an entry's files
but keeps the entry and the files' hashes, marked pruned, so the chain still verifies.
"""

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sigap.recaps import csv, pdf, xlsx
from sigap.recaps.build import RecapData, local
from sigap.recaps.models import Archive, ArchiveFile, Recap

GENESIS = "0" * 64
ROOT = "archive"
RENDERERS = (("xlsx", xlsx.render), ("pdf", pdf.render), ("csv", csv.render))  # the XLSX first: it sums the summary


class DuplicateArchive(Exception):
    """This recap, or another of the same period and scope, is in the register already."""


@dataclass
class Stored:
    format: str
    name: str
    sha256: str
    size: int


@dataclass
class Problem:
    kind: str  # changed, missing, added, chain, entry, sequence
    message: str

    def __str__(self) -> str:
        return self.message


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def file_stem(recap: Recap) -> str:
    first = local(recap.period_start)
    last = local(recap.period_end) - timedelta(microseconds=1)
    scope = recap.scope.replace("agency:", "").replace("platform:", "").replace(",", "-").lower()
    return f"rekap-{first:%Y%m%d}-{last:%Y%m%d}-{scope}"


def store(recap: Recap, *, language: str | None = None) -> list[Stored]:
    """Render the recap's files and put them in storage under new names; nothing in the database yet."""
    data = RecapData.for_recap(recap)
    stem = f"{ROOT}/{local(recap.period_start):%Y}/{file_stem(recap)}"
    stored: list[Stored] = []
    try:
        with translation.override(language or settings.LANGUAGE_CODE), tempfile.TemporaryDirectory() as tmp:
            for fmt, render in RENDERERS:
                path = Path(tmp) / f"recap.{fmt}"
                with path.open("wb") as out:
                    render(data, out)
                with path.open("rb") as handle:
                    digest = _sha256(handle)
                    handle.seek(0)
                    # The storage picks a new name if this one is taken: an archived file is never overwritten.
                    name = default_storage.save(f"{stem}.{fmt}", File(handle))
                stored.append(Stored(fmt, name, digest, path.stat().st_size))
                _read_only(name)
    except BaseException:
        discard(stored)
        raise
    return stored


def sweep_leftovers(recap: Recap) -> list[str]:
    """Remove the files an interrupted attempt to archive this period and scope left, never registered.

    Called once the entry is committed. A period and scope have one entry at most, so an unregistered
    file under its name was stored by an attempt that was killed before its entry was written (or by
    a concurrent one, which cannot be written now and discards its files anyway); left there it would
    read as a file added by hand to `sigap archive verify`.
    """
    folder = f"{ROOT}/{local(recap.period_start):%Y}"
    if not default_storage.exists(folder):
        return []
    own = re.compile(re.escape(file_stem(recap)) + r"(_[A-Za-z0-9]{7})?\.(" + "|".join(f for f, _r in RENDERERS) + ")")
    registered = set(ArchiveFile.objects.filter(file__startswith=f"{folder}/").values_list("file", flat=True))
    removed = []
    for name in default_storage.listdir(folder)[1]:
        path = f"{folder}/{name}"
        if own.fullmatch(name) and path not in registered:
            try:
                default_storage.delete(path)
            except OSError:
                continue  # still reported by verify; nothing archived depends on it
            removed.append(path)
    return removed


def _read_only(name: str) -> None:
    try:
        os.chmod(default_storage.path(name), 0o444)
    except (NotImplementedError, OSError):
        pass  # a storage without local paths keeps its own protection


def discard(stored: list[Stored]) -> None:
    """Remove files stored for an entry that was never written."""
    for item in stored:
        default_storage.delete(item.name)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(entry: Archive, files: list[ArchiveFile]) -> str:
    """The entry's content as the chain hashes it: sorted JSON, times in UTC to the microsecond."""
    content = {
        "sequence": entry.sequence,
        "recap": entry.recap_id,
        "period_start": _iso(entry.period_start),
        "period_end": _iso(entry.period_end),
        "scope": entry.scope,
        "archived_at": _iso(entry.archived_at),
        "archived_by": entry.archived_by_name,
        "reference": entry.reference,
        "files": sorted(
            ({"format": f.format, "name": f.file.name, "sha256": f.sha256, "size": f.size} for f in files),
            key=lambda f: f["format"],
        ),
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain(previous_hash: str, content: str) -> str:
    return hashlib.sha256(f"{previous_hash}\n{content}".encode()).hexdigest()


def duplicate_of(recap: Recap) -> Archive | None:
    return (
        Archive.objects.filter(recap=recap).first()
        or Archive.objects.filter(period_start=recap.period_start, period_end=recap.period_end, scope=recap.scope).first()
    )


def append(*, recap: Recap, by, reference: str, stored: list[Stored], at: datetime) -> Archive:
    """Write the register entry for stored files at the head of the chain."""
    for _attempt in range(5):
        head = Archive.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
        sequence, previous = (head[0] + 1, head[1]) if head else (1, GENESIS)
        entry = Archive(
            recap=recap,
            sequence=sequence,
            period_start=recap.period_start,
            period_end=recap.period_end,
            scope=recap.scope,
            archived_at=at,
            archived_by=by,
            archived_by_name=by.get_username() if by else "sigap",
            reference=reference,
            previous_hash=previous,
        )
        files = [ArchiveFile(format=s.format, file=s.name, sha256=s.sha256, size=s.size) for s in stored]
        entry.entry_hash = chain(previous, canonical(entry, files))
        try:
            with transaction.atomic():
                entry.save()
                for f in files:
                    f.archive = entry
                ArchiveFile.objects.bulk_create(files)
        except IntegrityError:
            if duplicate_of(recap) is not None:
                raise DuplicateArchive from None
            continue  # another worker took this sequence number: chain onto its entry instead
        return entry
    raise RuntimeError("could not append to the archive register: too many concurrent writers")


# Checking and pruning --------------------------------------------------------------------


def _walk(path: str):
    if not default_storage.exists(path):
        return
    dirs, files = default_storage.listdir(path)
    for name in files:
        yield f"{path}/{name}"
    for name in dirs:
        yield from _walk(f"{path}/{name}")


def verify() -> tuple[int, int, list[Problem]]:
    """(entries, files checked, problems): the chain, every entry's hash, every file's bytes, stray files."""
    problems: list[Problem] = []
    expected_previous, expected_sequence = GENESIS, 1
    registered: set[str] = set()
    entries = checked = 0
    for entry in Archive.objects.order_by("sequence").prefetch_related("files"):
        entries += 1
        files = list(entry.files.all())
        n = entry.sequence
        if n != expected_sequence:
            message = _("entry #%(n)s follows #%(m)s: an entry is missing or renumbered")
            problems.append(Problem("sequence", message % {"n": n, "m": expected_sequence - 1}))
        if entry.previous_hash != expected_previous:
            message = _("entry #%(n)s does not chain onto the entry before it: entries were reordered, removed or rewritten")
            problems.append(Problem("chain", message % {"n": n}))
        if chain(entry.previous_hash, canonical(entry, files)) != entry.entry_hash:
            message = _("entry #%(n)s was edited: its content no longer matches its hash")
            problems.append(Problem("entry", message % {"n": n}))
        for f in files:
            registered.add(f.file.name)
            if f.pruned_at is None:
                checked += 1
                problem = _check_file(f, n)
                if problem is not None:
                    problems.append(problem)
        expected_previous, expected_sequence = entry.entry_hash, n + 1
    for name in sorted(_walk(ROOT)):
        if name not in registered:
            problems.append(Problem("added", _("added file: %(name)s is not in the archive register") % {"name": name}))
    return entries, checked, problems


def _check_file(f: ArchiveFile, n: int) -> Problem | None:
    if not default_storage.exists(f.file.name):
        return Problem("missing", _("missing file: %(name)s (entry #%(n)s)") % {"name": f.file.name, "n": n})
    with default_storage.open(f.file.name, "rb") as handle:
        if _sha256(handle) == f.sha256:
            return None
    message = _("changed file: %(name)s (entry #%(n)s): its SHA-256 differs from the register")
    return Problem("changed", message % {"name": f.file.name, "n": n})


def head_hash() -> str:
    return Archive.objects.order_by("-sequence").values_list("entry_hash", flat=True).first() or GENESIS


def prunable(now: datetime | None = None):
    days = settings.SIGAP_ARCHIVE_RETENTION_DAYS
    if days <= 0:
        return ArchiveFile.objects.none()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return ArchiveFile.objects.filter(pruned_at=None, archive__period_end__lt=cutoff).select_related("archive__recap")


def prune(now: datetime | None = None) -> list[ArchiveFile]:
    """Delete the files past retention; their entries, names and hashes stay in the register."""
    from sigap.cases.actions import record_event

    now = now or timezone.now()
    pruned = []
    for f in prunable(now):
        # Marked first: a crash before the delete leaves a pruned file still there, which is
        # harmless; the other order would leave a registered file missing.
        if ArchiveFile.objects.filter(pk=f.pk, pruned_at=None).update(pruned_at=now) != 1:
            continue
        default_storage.delete(f.file.name)
        record_event("archive_pruned", recap=f.archive.recap, at=now, file=f.file.name, sequence=f.archive.sequence)
        pruned.append(f)
    return pruned
