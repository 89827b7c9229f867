"""`sigap token create USERNAME [--name N]`, `sigap token list [USERNAME]`, `sigap token revoke ID`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sigap.api.models import ApiToken


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (the REST API and Open311 api_key)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for a user; it is printed once.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for, e.g. 'ULAS integration'.")
        listing = sub.add_parser("list", help="List tokens (never the tokens themselves).")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, username, name, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"{username!r} is not active.")
        token, raw = ApiToken.issue(user=user, name=name or f"{username} token")
        self.stderr.write(f"Token {token.pk} for {username} ({user.role}). Store it now: it is not shown again.")
        self.stdout.write(raw)

    def _list(self, username=None, **options):
        tokens = ApiToken.objects.select_related("user")
        if username:
            tokens = tokens.filter(user__username=username)
        for t in tokens:
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(f"{t.pk}\t{t.user.username}\t{t.prefix}…\t{t.name}\t{state}\tlast used {used}")

    def _revoke(self, id, **options):
        token = ApiToken.objects.filter(pk=id).first()
        if token is None:
            raise CommandError(f"No token with id {id}.")
        token.revoke()
        self.stdout.write(f"Token {id} revoked.")
