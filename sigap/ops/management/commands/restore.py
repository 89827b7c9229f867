"""`sigap restore FILE [--force]`: put a backup made by `sigap backup` back (sigap.ops.backup).

Every part of the file is checked against its manifest first; the rows are loaded in one
transaction and the files put in place after it commits, so a damaged file changes nothing.
Then the archive register and the event chain are verified, as `sigap archive verify` and
`sigap audit verify` would; the command fails if either does not.
"""

from pathlib import Path

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.lib.commands import BaseCommand
from sigap.ops import audit, backup
from sigap.ops.progress import Progress
from sigap.recaps import archive

PROGRESS_FROM = 20_000  # rows


class Command(BaseCommand):
    help = gettext_lazy("Restore a backup made by `sigap backup` into an empty database.")

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--force", action="store_true", help=gettext_lazy("Replace what this database and media folder hold now.")
        )
        parser.add_argument("--quiet", action="store_true", help=gettext_lazy("No progress bar."))

    def handle(self, *args, file: str, force: bool, quiet: bool, **options):
        path = Path(file)
        if not quiet:
            self.stderr.write(_("Checking %(file)s…") % {"file": path})
        try:
            checked = backup.check(path)
            progress = Progress(checked.rows, self.stderr, _("rows")) if checked.rows >= PROGRESS_FROM and not quiet else None
            backup.restore(path, force=force, progress=progress, checked=checked)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        made = checked.manifest.get("created_at", "?")
        self.stdout.write(
            _("Restored %(file)s, made %(made)s: %(rows)s rows, %(files)s files.")
            % {"file": path, "made": made, "rows": intcomma(checked.rows), "files": intcomma(checked.files)}
        )
        self._verify(checked.manifest)

    def _verify(self, manifest: dict) -> None:
        entries, files, problems = archive.verify()
        for problem in problems:
            self.stderr.write(str(problem))
        if not problems:
            self.stdout.write(
                _("The archive verifies: %(entries)s entries, %(files)s files, head hash %(hash)s.")
                % {"entries": entries, "files": files, "hash": archive.head_hash()}
            )
        report = audit.verify()
        for problem in report.problems:
            self.stderr.write(str(problem))
        if not report.problems:
            self.stdout.write(
                _("The event log verifies: %(n)s sealed events, head #%(head)s, head hash %(hash)s.")
                % {"n": report.sealed, "head": report.head_sequence, "hash": report.head_hash}
            )
        heads = manifest.get("heads") or {}
        if list(heads.get("events") or []) not in ([], [report.head_sequence, report.head_hash]):
            report.problems.append(audit.Problem("head", _("the event chain's head differs from the one the backup recorded")))
            self.stderr.write(str(report.problems[-1]))
        if problems or report.problems:
            raise CommandError(
                _("Restored, but it does not verify: %(n)s problem(s); see above.") % {"n": len(problems) + len(report.problems)}
            )
