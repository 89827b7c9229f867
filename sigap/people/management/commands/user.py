"""`sigap user reset-2fa USERNAME`: for a lost phone, remove a person's two-step verification."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sigap.people import twofactor


class Command(BaseCommand):
    help = "Manage people's accounts: reset-2fa USERNAME removes their authenticator and recovery codes."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reset = sub.add_parser("reset-2fa", help="Remove a person's two-step verification (e.g. a lost phone).")
        reset.add_argument("username")

    def handle(self, *args, action, **options):
        getattr(self, "_" + action.replace("-", "_"))(**options)

    def _reset_2fa(self, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not twofactor.disable(user, by=None, kind="two_factor_reset", via="sigap user reset-2fa"):
            self.stdout.write(f"{username} has no two-step verification; nothing to reset.")
            return
        then = "must set it up again at their next login" if twofactor.required(user) else "may set it up again"
        self.stdout.write(f"Two-step verification of {username} removed; they log in with their password and {then}.")
