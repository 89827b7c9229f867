"""`sigap audit verify|seal`: the event log's hash chain (sigap.ops.audit).

`verify` exits non-zero and names every event that was edited, deleted or reordered; run it from
cron and alert on failure, and keep the head hash it prints somewhere else.
"""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.lib.commands import BaseCommand
from sigap.ops import audit
from sigap.ops.progress import Progress

PROGRESS_FROM = 20_000  # events; a smaller log is checked before a bar would be read


class Command(BaseCommand):
    help = gettext_lazy("Verify or seal the hash chain of the event log.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help=gettext_lazy("Recompute the chain; exit 1 on any problem."))
        seal = sub.add_parser("seal", help=gettext_lazy("Seal the events written since the worker last did, now."))
        for each in (verify, seal):
            each.add_argument("--quiet", action="store_true", help=gettext_lazy("No progress bar."))

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _progress(self, total: int, quiet: bool):
        return Progress(total, self.stderr, _("events")) if total >= PROGRESS_FROM and not quiet else None

    def _verify(self, *, quiet: bool, **options):
        report = audit.verify(progress=self._progress(audit.sealed_count(), quiet))
        for problem in report.problems:
            self.stderr.write(str(problem))
        if report.problems:
            raise CommandError(_("The event log does not verify: %(n)s problem(s).") % {"n": len(report.problems)})
        self.stdout.write(
            _("The event log verifies: %(n)s sealed events, head #%(head)s, head hash %(hash)s.")
            % {"n": report.sealed, "head": report.head_sequence, "hash": report.head_hash}
        )
        if report.unsealed:
            self.stdout.write(
                _("%(n)s newer event(s) are not sealed yet: the worker seals them, or `sigap audit seal` now.")
                % {"n": report.unsealed}
            )

    def _seal(self, *, quiet: bool, **options):
        sealed = audit.seal_all(progress=self._progress(audit.unsealed_count(), quiet))
        head = audit.head_of_chain()
        self.stdout.write(
            _("Sealed %(n)s event(s); head #%(head)s, head hash %(hash)s.")
            % {"n": sealed, "head": head[0], "hash": head[1]}
        )
