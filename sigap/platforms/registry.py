"""Which class speaks for which platform, and which platforms share a webhook endpoint."""

from importlib import import_module

from sigap.platforms.base import Platform, load_object

PLATFORMS = {
    "instagram": "sigap.platforms.instagram.Instagram",
    "facebook": "sigap.platforms.facebook.Facebook",
    "messenger": "sigap.platforms.facebook.Messenger",
    "whatsapp": "sigap.platforms.whatsapp.WhatsApp",
    "x": "sigap.platforms.x.X",
    "youtube": "sigap.platforms.youtube.YouTube",
    "telegram": "sigap.platforms.telegram.Telegram",
    "tiktok": "sigap.platforms.tiktok.TikTok",
}

# One endpoint per sender of webhooks: /webhooks/<group>. Meta delivers four products to one URL
# (§1.3); YouTube cannot push comments (§6.1) and has no endpoint.
WEBHOOK_GROUPS = {
    "meta": ("instagram", "facebook", "messenger", "whatsapp"),
    "x": ("x",),
    "tiktok": ("tiktok",),
    "telegram": ("telegram",),
}


def get_platform_class(name: str) -> type[Platform]:
    try:
        module_name, class_name = PLATFORMS[name].rsplit(".", 1)
    except KeyError:
        raise LookupError(f"unknown platform {name!r}") from None
    return getattr(import_module(module_name), class_name)


PLATFORM_CHOICES = [(name, get_platform_class(name).label) for name in PLATFORMS]


def webhook_platforms(group: str, body: bytes) -> list[str]:
    """The platforms whose parse() should read this delivery to /webhooks/<group>.

    For Meta the envelope's `object` decides: "page" is read by both Facebook (feed changes) and
    Messenger (messaging). Raises ValueError for a body that is not a JSON object.
    """
    names = WEBHOOK_GROUPS[group]
    if group != "meta":
        return list(names)
    meta_object = load_object(body).get("object")
    return [name for name in names if get_platform_class(name).meta_object == meta_object]
