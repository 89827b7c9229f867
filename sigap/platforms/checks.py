"""`sigap check --deploy`: a connected platform must have what it needs to verify and reply."""

from django.conf import settings
from django.core.checks import Warning, register
from django.db import DatabaseError

from sigap.platforms.connect import FAMILY

WEBHOOK_SECRETS = {
    "meta": "SIGAP_META_APP_SECRET",
    "x": "SIGAP_X_CONSUMER_SECRET",
    "tiktok": "SIGAP_TIKTOK_APP_SECRET",
    "telegram": "SIGAP_TELEGRAM_SECRET_TOKEN",
}


@register("sigap", deploy=True)
def platform_secrets(app_configs, **kwargs):
    from sigap.platforms.models import Account

    problems = []
    try:
        accounts = list(Account.objects.filter(active=True))
    except DatabaseError:
        return []  # not migrated yet: `sigap migrate` will say so
    for account in accounts:
        family = FAMILY.get(account.platform)
        variable = WEBHOOK_SECRETS.get(family)
        if variable and account.poll_interval == 0 and not settings.SIGAP_PLATFORMS[family]["secret"]:
            problems.append(
                Warning(
                    f"{account} receives webhooks but {variable} is not set: every delivery will be refused.",
                    hint=f"Set {variable} (or {variable}_FILE) in the environment.",
                    id="sigap.W001",
                )
            )
        if (account.token_env or account.token_file) and not _token_readable(account):
            problems.append(
                Warning(
                    f"{account}: its access token cannot be read, so replies cannot be posted.",
                    hint="Set the environment variable or create the file named on the account.",
                    id="sigap.W002",
                )
            )
        elif not (account.token_env or account.token_file):
            problems.append(Warning(f"{account} has no access token configured.", id="sigap.W003"))
    if family_needs_verify_token(accounts) and not settings.SIGAP_PLATFORMS["meta"]["verify_token"]:
        problems.append(Warning("SIGAP_META_VERIFY_TOKEN is not set: Meta cannot subscribe the webhook.", id="sigap.W004"))
    return problems


def family_needs_verify_token(accounts) -> bool:
    return any(FAMILY.get(a.platform) == "meta" for a in accounts)


def _token_readable(account) -> bool:
    try:
        return bool(account.token())
    except OSError:
        return False
