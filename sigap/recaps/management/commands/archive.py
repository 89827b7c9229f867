"""`sigap archive list|verify|prune`: the archive register of recaps (SOP step 7).

`verify` exits non-zero and names every file or entry that changed, went missing, was added or
was reordered; run it from cron and alert on failure.
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.lib.commands import BaseCommand
from sigap.recaps import archive
from sigap.recaps.models import Archive


class Command(BaseCommand):
    help = gettext_lazy("List, verify or prune the archive of recaps.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help=gettext_lazy("List the register, oldest first, and the head hash."))
        sub.add_parser("verify", help=gettext_lazy("Check the chain and every file; exit 1 on any problem."))
        prune = sub.add_parser("prune", help=gettext_lazy("Delete the files past SIGAP_ARCHIVE_RETENTION_DAYS."))
        prune.add_argument("--dry-run", action="store_true", help=gettext_lazy("Only say what would be deleted."))

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _list(self, **options):
        entries = Archive.objects.order_by("sequence").select_related("recap").prefetch_related("files")
        pruned = _("pruned")
        for entry in entries:
            files = ", ".join(f"{f.format} ({pruned})" if f.pruned_at else f.format for f in entry.files.all())
            self.stdout.write(
                f"#{entry.sequence:<4} {timezone.localtime(entry.archived_at):%Y-%m-%d %H:%M}  "
                f"{timezone.localtime(entry.period_start):%Y-%m-%d} – {timezone.localtime(entry.period_end):%Y-%m-%d %H:%M}  "
                f"{entry.scope:<24} {files or '–':<26} {entry.reference or '–':<20} {entry.entry_hash[:16]}"
            )
        self.stdout.write(_("Head hash: %(hash)s") % {"hash": archive.head_hash()})

    def _verify(self, **options):
        entries, files, problems = archive.verify()
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(_("The archive does not verify: %(n)s problem(s).") % {"n": len(problems)})
        self.stdout.write(
            _("The archive verifies: %(entries)s entries, %(files)s files, head hash %(hash)s.")
            % {"entries": entries, "files": files, "hash": archive.head_hash()}
        )

    def _prune(self, *, dry_run: bool, **options):
        days = settings.SIGAP_ARCHIVE_RETENTION_DAYS
        if days <= 0:
            self.stdout.write(_("SIGAP_ARCHIVE_RETENTION_DAYS is 0: archived files are kept forever."))
            return
        files = list(archive.prunable()) if dry_run else archive.prune()
        verb = _("would delete") if dry_run else _("deleted")
        for f in files:
            self.stdout.write(f"{verb}: {f.file.name} (#{f.archive.sequence})")
        self.stdout.write(
            _("%(n)s file(s) past the retention of %(days)s days.") % {"n": len(files), "days": days}
        )
