"""Adapters wired to this deployment: secrets and API URLs from settings, tokens from the account."""

from django.conf import settings

from sigap.platforms.base import Platform
from sigap.platforms.registry import get_platform_class

# The settings group each platform's app-level secret and API URL live in.
FAMILY = {
    "instagram": "meta",
    "facebook": "meta",
    "messenger": "meta",
    "whatsapp": "meta",
    "x": "x",
    "tiktok": "tiktok",
    "telegram": "telegram",
    "youtube": "youtube",
}


def _config(platform: str) -> dict:
    return settings.SIGAP_PLATFORMS.get(FAMILY.get(platform, platform), {})


def build(platform: str, *, account_id: str = "", token: str = "", client=None) -> Platform:
    conf = _config(platform)
    kwargs = {
        "account_id": account_id,
        "token": token,
        "secret": conf.get("secret", ""),
        "api_url": conf.get("api_url", ""),
        "client": client,
    }
    if FAMILY.get(platform) == "meta":
        kwargs["verify_token"] = conf.get("verify_token", "")
    return get_platform_class(platform)(**kwargs)


def adapter_for(account, *, platform: str = "", client=None) -> Platform:
    """The adapter for an account; `platform` picks the product where an account serves two (a Page: Facebook and Messenger)."""
    return build(platform or account.platform, account_id=account.external_id, token=account.token(), client=client)
