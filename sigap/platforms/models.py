import os
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlatformName(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    MESSENGER = "messenger", "Messenger"
    WHATSAPP = "whatsapp", "WhatsApp"
    X = "x", "X"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"
    TELEGRAM = "telegram", "Telegram"
    OTHER = "other", _("Other")


class Account(models.Model):
    """One of the city's own accounts on a platform (Lapor Mas Wali's Instagram, the Page, the WA number…)."""

    platform = models.CharField(_("platform"), max_length=20, choices=PlatformName.choices)
    external_id = models.CharField(
        _("account id"), max_length=100, help_text=_("The platform's id: IG account id, Page id, WA phone-number id, …")
    )
    name = models.CharField(_("name"), max_length=120)
    handle = models.CharField(_("handle"), max_length=120, blank=True)
    # Tokens are never stored in the database: only where to read them from.
    token_env = models.CharField(_("token environment variable"), max_length=100, blank=True)
    token_file = models.CharField(_("token file"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        ordering = ["platform", "name"]
        verbose_name = _("city account")
        verbose_name_plural = _("city accounts")
        constraints = [models.UniqueConstraint(fields=["platform", "external_id"], name="account_unique")]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.name}"

    def token(self) -> str:
        if self.token_file:
            return Path(self.token_file).read_text().strip()
        if self.token_env:
            return os.getenv(self.token_env, "")
        return ""
