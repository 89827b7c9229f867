"""`sigap account add|list|remove`: the city's own accounts on each platform.

Tokens are never stored or printed: an account names the environment variable or file that holds it.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from sigap.platforms.models import Account, PlatformName


class Command(BaseCommand):
    help = "Manage the city's accounts on the social platforms."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Connect an account.")
        add.add_argument("platform", choices=[p for p in PlatformName.values if p != "other"])
        add.add_argument("account_id", help="The platform's id for the account (IG account id, Page id, …).")
        add.add_argument("--name", required=True)
        add.add_argument("--handle", default="")
        add.add_argument(
            "--poll", type=int, default=None, metavar="SECONDS",
            help="Poll every SECONDS instead of waiting for webhooks (YouTube: always, default 300).",
        )
        token = add.add_mutually_exclusive_group()
        token.add_argument("--token-env", default="", help="Environment variable that holds the access token.")
        token.add_argument("--token-file", default="", help="File that holds the access token.")
        sub.add_parser("list", help="List the accounts.")
        remove = sub.add_parser("remove", help="Disconnect an account.")
        remove.add_argument("platform")
        remove.add_argument("account_id")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _add(self, *, platform, account_id, name, handle, token_env, token_file, poll, **_):
        if poll is None:
            poll = 300 if platform == "youtube" else 0  # YouTube cannot push comments (platform-apis §6.1)
        if poll < 0 or (platform == "youtube" and poll == 0):
            raise CommandError("--poll must be a positive number of seconds (YouTube can only be polled).")
        account_id = account_id.strip()
        if not account_id or len(account_id) > 100:
            raise CommandError("The account id must be 1 to 100 characters.")
        if token_file and not Path(token_file).is_file():
            raise CommandError(f"The token file {token_file} does not exist.")
        if token_env and token_env not in os.environ:
            self.stderr.write(f"Warning: {token_env} is not set in this environment; set it where the worker runs.")
        if Account.objects.filter(platform=platform, external_id=account_id).exists():
            raise CommandError(f"{platform} account {account_id} is already connected.")
        try:
            with transaction.atomic():
                Account.objects.create(
                    platform=platform,
                    external_id=account_id,
                    name=name,
                    handle=handle,
                    token_env=token_env,
                    token_file=token_file,
                    poll_interval=poll,
                )
        except IntegrityError:
            raise CommandError(f"{platform} account {account_id} is already connected.") from None
        self.stdout.write(self.style.SUCCESS(f"Connected {platform} account {account_id} ({name})."))

    def _list(self, **_):
        accounts = Account.objects.all()
        if not accounts:
            self.stdout.write("No accounts connected.")
        for a in accounts:
            source = f"env {a.token_env}" if a.token_env else f"file {a.token_file}" if a.token_file else "no token"
            state = "" if a.active else " (inactive)"
            error = f"  last error: {a.last_error}" if a.last_error else ""
            self.stdout.write(f"{a.platform:<10} {a.external_id:<22} {a.name}{state}  [{source}]{error}")

    def _remove(self, *, platform, account_id, **_):
        deleted, _details = Account.objects.filter(platform=platform, external_id=account_id).delete()
        if not deleted:
            raise CommandError(f"No {platform} account {account_id}.")
        self.stdout.write(f"Removed {platform} account {account_id}.")
