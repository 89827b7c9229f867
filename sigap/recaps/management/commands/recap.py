"""`sigap recap`: one recap file for any period and scope, written to a file and not archived.

    sigap recap --from 2026-01-10 --to 2026-01-16 --format xlsx --out rekap.xlsx
    sigap recap --from 2026-01-01 --to 2026-01-31 --agency DISHUB --platform instagram --format pdf --out dishub.pdf

Dates are whole local (WIB) days, both included; a period reaching today ends now. The file is
written beside its final name and moved there at the end, so a failure leaves nothing behind.
"""

import os
import tempfile
from collections import deque
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.agencies.models import Agency
from sigap.lib.commands import BaseCommand
from sigap.platforms.models import PlatformName
from sigap.recaps import csv, pdf, xlsx
from sigap.recaps.build import RecapData
from sigap.recaps.narrative import fmt_int, period_label

PROGRESS_FROM = 5000  # rows; smaller recaps are done before a bar would be read


class Progress:
    """A plain-text bar on stderr: redrawn in place on a terminal, a line per 10% elsewhere."""

    def __init__(self, total: int, stream) -> None:
        self.total, self.stream = max(total, 1), stream  # a command's OutputWrapper
        self.tty = stream.isatty()
        self.shown = -1

    def __call__(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        step = 1 if self.tty else 10
        if percent == self.shown or (percent // step == self.shown // step and percent < 100):
            return
        self.shown = percent
        bar = "#" * (percent // 5) + "-" * (20 - percent // 5)
        line = f"[{bar}] {percent:3d}%  " + _("%(done)s/%(total)s rows") % {"done": fmt_int(done), "total": fmt_int(self.total)}
        end = "\n" if not self.tty or percent == 100 else ""
        self.stream.write(f"\r{line}" if self.tty else line, ending=end)
        self.stream.flush()


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = _("%(option)s: “%(value)s” is not a date (YYYY-MM-DD).") % {"option": option, "value": value}
        raise CommandError(message) from None


class Command(BaseCommand):
    help = gettext_lazy("Make a recap of the answered complaints of a period as XLSX, PDF or CSV, without archiving it.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, metavar="DATE", help=_("First day (YYYY-MM-DD, WIB)."))
        parser.add_argument("--to", dest="end", required=True, metavar="DATE", help=_("Last day, included."))
        parser.add_argument("--agency", default="", metavar="CODE", help=_("Only this agency (its code, e.g. DISHUB)."))
        parser.add_argument("--platform", default="", choices=PlatformName.values, help=_("Only this platform."))
        parser.add_argument("--format", required=True, choices=["xlsx", "pdf", "csv"])
        parser.add_argument("--out", required=True, metavar="FILE")
        parser.add_argument("--bom", action="store_true", help=_("CSV: start with a byte-order mark, for Excel."))
        parser.add_argument("--quiet", action="store_true", help=_("No progress bar."))

    def handle(self, *args, start, end, agency, platform, format, out, bom, quiet, **options):
        data = RecapData(*self._period(start, end), agency=self._agency(agency), platform=platform)
        target = self._target(out)
        total = data.count()
        progress = Progress(total, self.stderr) if total >= PROGRESS_FROM and not quiet else None
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                self._render(data, format, stream, bom, progress)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(
            _("Wrote %(file)s: %(rows)s answered complaints, %(period)s.")
            % {"file": target, "rows": fmt_int(total), "period": period_label(data.period_start, data.period_end)}
        )

    def _period(self, start: str, end: str) -> tuple[datetime, datetime]:
        first, last = parse_day(start, "--from"), parse_day(end, "--to")
        if last < first:
            raise CommandError(_("--to (%(to)s) is before --from (%(from)s).") % {"to": last, "from": first})
        tz, now = timezone.get_default_timezone(), timezone.now()
        period_start = datetime.combine(first, time.min, tzinfo=tz)
        if period_start >= now:
            raise CommandError(_("The period starts in the future: there is nothing to recap yet."))
        return period_start, min(datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz), now)

    def _agency(self, code: str) -> Agency | None:
        if not code:
            return None
        agency = Agency.objects.filter(code__iexact=code).first()
        if agency is None:
            raise CommandError(_("No agency has the code “%(code)s” (see the agencies in the admin).") % {"code": code})
        return agency

    def _target(self, out: str) -> Path:
        target = Path(out).expanduser().absolute()
        if target.is_dir():
            raise CommandError(_("%(path)s is a directory: name the file to write.") % {"path": target})
        if not target.parent.is_dir():
            raise CommandError(_("The folder %(path)s does not exist.") % {"path": target.parent})
        if not os.access(target.parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
            raise CommandError(_("Cannot write to %(path)s.") % {"path": target})
        return target

    def _render(self, data: RecapData, format: str, stream, bom: bool, progress) -> None:
        if format == "xlsx":
            xlsx.render(data, stream, progress=progress)
        elif format == "csv":
            csv.render(data, stream, bom=bom, progress=progress)
        else:
            deque(data.rows(progress=progress), maxlen=0)  # the figures first, with the bar
            pdf.render(data, stream)
