"""`sigap privacy pseudonymise|export`: personal data past its retention period, or on request.

`pseudonymise` does now what the worker does by itself (sigap.ops.privacy); `export` writes a
JSON file of everything Sigap holds about one citizen, for a request under the data protection
law (UU 27/2022 Pelindungan Data Pribadi). Both are recorded as events.
"""

import json
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.cases.actions import record_event
from sigap.cases.models import Complaint
from sigap.lib import tracking
from sigap.lib.commands import BaseCommand
from sigap.ops import privacy
from sigap.ops.progress import Progress
from sigap.platforms.models import PlatformName

_HANDLE = re.compile(r"[^\x00-\x1f\x7f]{1,120}")  # printable, as long as the field


class Command(BaseCommand):
    help = gettext_lazy("Pseudonymise personal data past its retention period, or export one citizen's data.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        pseudonymise = sub.add_parser(
            "pseudonymise", help=gettext_lazy("Replace the personal data of complaints finished SIGAP_PSEUDONYMISE_AFTER_DAYS ago.")
        )
        pseudonymise.add_argument("--dry-run", action="store_true", help=gettext_lazy("Only count what would be pseudonymised."))
        pseudonymise.add_argument("--quiet", action="store_true", help=gettext_lazy("No progress bar."))
        export = sub.add_parser("export", help=gettext_lazy("Write everything held about one citizen as JSON."))
        export.add_argument("--handle", default="", help=gettext_lazy("The citizen's handle (with --platform)."))
        export.add_argument("--platform", default="", choices=PlatformName.values)
        export.add_argument("--tracking", default="", metavar="NUMBER", help=gettext_lazy("Or a tracking number of one of their complaints."))
        export.add_argument("--out", default="-", metavar="FILE", help=gettext_lazy("Where to write (default: standard output)."))
        export.add_argument("--reference", default="", help=gettext_lazy("The request's letter or ticket number, for the record."))

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _pseudonymise(self, *, dry_run: bool, quiet: bool, **options):
        days = settings.SIGAP_PSEUDONYMISE_AFTER_DAYS
        if days <= 0:
            self.stdout.write(_("SIGAP_PSEUDONYMISE_AFTER_DAYS is 0: personal data is kept until deleted by hand."))
            return
        now = timezone.now()
        complaints, messages = privacy.due(now), privacy.due_messages(now)
        if dry_run:
            self.stdout.write(
                _("Would pseudonymise %(c)s complaint(s) and %(m)s other message(s) finished more than %(days)s days ago.")
                % {"c": complaints.count(), "m": messages.count(), "days": days}
            )
            return
        total = complaints.count()
        progress = Progress(total, self.stderr, _("complaints")) if total >= 1000 and not quiet else None
        done = 0
        # Merged duplicates become due once the complaint they joined is done: loop until none is left.
        while batch := list(privacy.due(now)[:500]):
            for complaint in batch:
                done += privacy.pseudonymise_complaint(complaint, now=now)
                if progress:
                    progress(done)
        others = sum(privacy.pseudonymise_message(m, now) for m in messages.iterator())
        deliveries = 0
        while emptied := privacy.empty_old_deliveries(now):
            deliveries += emptied
        self.stdout.write(
            _("Pseudonymised %(c)s complaint(s) and %(m)s other message(s); emptied %(d)s raw webhook bodies.")
            % {"c": done, "m": others, "d": deliveries}
        )

    def _export(self, *, handle: str, platform: str, tracking: str, out: str, reference: str, **options):
        number = self._query(handle, platform, tracking)
        platform, ids, handles = privacy.find_person(platform=platform, handle=handle, tracking_number=number)
        if not ids and not handles and not number:
            raise CommandError(_("Give --handle and --platform, or --tracking."))
        data = privacy.export(platform=platform, ids=ids, handles=handles, tracking_number=number)
        if not data["complaints"] and not data["other_messages"]:
            raise CommandError(_("Nothing is held about this citizen."))
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"
        if out == "-":
            self.stdout.write(text, ending="")
        else:
            self._write(Path(out), text)
        # One event per complaint, on its timeline; the handle itself stays out of the log.
        numbers = [c["tracking_number"] for c in data["complaints"]]
        for complaint in Complaint.objects.filter(tracking_number__in=[n for n in numbers if n]):
            record_event("data_exported", complaint=complaint, reference=reference[:100], complaints=len(numbers))
        if not numbers:
            record_event("data_exported", reference=reference[:100], messages=len(data["other_messages"]))
        if out != "-":
            self.stderr.write(
                _("Wrote %(file)s: %(c)s complaint(s), %(m)s other message(s).")
                % {"file": out, "c": len(numbers), "m": len(data["other_messages"])}
            )

    def _query(self, handle: str, platform: str, number: str) -> str:
        if number:
            if handle:
                raise CommandError(_("Give either --handle or --tracking, not both."))
            normal = tracking.normalize(number, settings.SIGAP_TRACKING_PREFIX)
            if normal is None:
                raise CommandError(_("“%(number)s” is not a tracking number.") % {"number": number[:40]})
            if not Complaint.objects.filter(tracking_number=normal).exists():
                raise CommandError(_("No complaint has the tracking number %(number)s.") % {"number": normal})
            return normal
        if not handle or not platform:
            raise CommandError(_("Give --handle and --platform, or --tracking."))
        if not _HANDLE.fullmatch(handle.strip()):
            raise CommandError(_("“%(handle)s” is not a handle.") % {"handle": handle[:40]})
        return ""

    def _write(self, target: Path, text: str) -> None:
        if not target.parent.is_dir():
            raise CommandError(_("The folder %(path)s does not exist.") % {"path": target.parent})
        # Written beside the target and renamed: a half-written export never looks finished.
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.chmod(temporary, 0o600)  # personal data: readable by its owner only
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
