"""`sigap backup [FILE]`: the database and the files it refers to, as one .tar.gz (sigap.ops.backup).

Safe while Sigap runs. Restore it with `sigap restore FILE`.
"""

from pathlib import Path

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management.base import CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.lib.commands import BaseCommand
from sigap.ops import backup
from sigap.ops.progress import Progress

PROGRESS_FROM = 20_000  # rows


class Command(BaseCommand):
    help = gettext_lazy("Back up the database, the attachments and the archived recaps into one file.")

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", default="", metavar="FILE", help=gettext_lazy("Where to write it (default: sigap-backup-<time>.tar.gz here).")
        )
        parser.add_argument("--quiet", action="store_true", help=gettext_lazy("No progress bar."))

    def handle(self, *args, file: str, quiet: bool, **options):
        target = Path(file or f"sigap-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz")
        if target.is_dir():
            raise CommandError(_("%(path)s is a folder: give a file name.") % {"path": target})
        if target.exists():
            raise CommandError(_("%(path)s exists already: a backup is never written over another.") % {"path": target})
        rows = 0 if quiet else sum(model._base_manager.count() for model in backup.saved_models())
        progress = Progress(rows, self.stderr, _("rows")) if rows >= PROGRESS_FROM else None
        try:
            made = backup.make(target, progress=progress)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        for name in made.missing:
            self.stderr.write(_("missing file, not in the backup: %(name)s") % {"name": name})
        self.stdout.write(
            _("Wrote %(file)s (%(size)s): %(rows)s rows, %(files)s files.")
            % {"file": made.path, "size": filesizeformat(made.size), "rows": intcomma(made.rows), "files": intcomma(made.files)}
        )
