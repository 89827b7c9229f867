"""`sigap check --deploy`: a connected platform must have what it needs to verify and reply, and
the production settings must be safe (DEBUG off, a real secret key, two-step verification on)."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
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


# Sigap's own deployment checks beside the platforms': the ones Django also makes (DEBUG, the secret
# key) are errors here and name the SIGAP_* variable to change; settings.py silences Django's copies.
# `sigap check --deploy` fails on any warning too (sigap/people/management/commands/check.py).

# Keys that are public: the test and benchmark settings' and the documentation's examples.
_PUBLIC_KEY_MARKS = ("test-only", "bench-only", "not-for-production", "change-me", "changeme", "example", "django-insecure-")


@register("sigap", deploy=True)
def production_settings(app_configs, **kwargs):
    from sigap.ops.ratelimit import Rate

    problems = []
    if settings.DEBUG:
        problems.append(
            Error(
                "SIGAP_DEBUG is on: error pages would show settings and code to anyone.",
                hint="Unset SIGAP_DEBUG (or set it to 0) in production.",
                id="sigap.E001",
            )
        )
    try:
        key = settings.SECRET_KEY or ""
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    if len(key) < 50 or len(set(key)) < 5 or any(mark in key.lower() for mark in _PUBLIC_KEY_MARKS):
        problems.append(
            Error(
                "The secret key is missing, short or a published example: sessions, CSRF tokens and "
                "password-reset links could be forged.",
                hint='Set SIGAP_SECRET_KEY_FILE to a file holding e.g. `python -c "import secrets; '
                'print(secrets.token_urlsafe(50))"` (or SIGAP_SECRET_KEY).',
                id="sigap.E002",
            )
        )
    if not settings.SIGAP_ADMIN_2FA:
        problems.append(
            Warning(
                "SIGAP_ADMIN_2FA is off: administrators can log in with a password alone.",
                hint="Unset SIGAP_ADMIN_2FA.",
                id="sigap.W005",
            )
        )
    if settings.SECURE_SSL_REDIRECT and settings.SIGAP_PROXY_COUNT > 0 and not settings.SECURE_PROXY_SSL_HEADER:
        problems.append(
            Warning(
                "Sigap is behind a proxy (SIGAP_PROXY_COUNT) and redirects http:// to https://, but does not "
                "know which requests came in over HTTPS: every request would be redirected again.",
                hint="Set SIGAP_PROXY_SSL_HEADER=X-Forwarded-Proto and make the proxy set that header.",
                id="sigap.W006",
            )
        )
    for name in ("SIGAP_LOGIN_RATE_LIMIT", "SIGAP_LOGIN_IP_RATE_LIMIT", "SIGAP_LOGIN_CODE_RATE_LIMIT"):
        try:
            Rate.parse(getattr(settings, name))
        except ValueError:
            problems.append(Error(f"{name} is not of the form attempts/seconds, e.g. 5/900.", id="sigap.E003"))
    return problems
