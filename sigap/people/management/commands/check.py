"""`sigap check --deploy` fails on warnings too: for a deployment, a warning is a problem to fix.

Django's `check` fails only on errors unless told `--fail-level WARNING`; an operator running
the README's one command should not have to know that. Without --deploy, or with an explicit
--fail-level, it is Django's command unchanged.
"""

from django.core.management.commands import check


class Command(check.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(fail_level=None)

    def handle(self, *app_labels, **options):
        if options["fail_level"] is None:
            options["fail_level"] = "WARNING" if options["deploy"] else "ERROR"
        return super().handle(*app_labels, **options)
