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
    poll_interval = models.PositiveIntegerField(
        _("poll every (seconds)"),
        default=0,
        help_text=_("0: the platform pushes webhooks. YouTube can only be polled; X and Telegram can be either."),
    )
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


class Delivery(models.Model):
    """One verified webhook POST, stored raw before the platform hears 200.

    The web process only stores; `sigap worker` parses (sigap.platforms.intake), so a burst of
    webhooks costs one INSERT each and a parser bug never loses a delivery.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be read")
        DONE = "done", _("Read")
        UNREADABLE = "unreadable", _("Could not be read: needs a person")

    endpoint = models.CharField(max_length=20)  # meta | x | tiktok | telegram | poll:<platform>
    body = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # sigap worker reads pending deliveries in arrival order.
            models.Index(fields=["id"], condition=models.Q(status="pending"), name="delivery_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} #{self.pk}"


class PollCursor(models.Model):
    """Where polling stopped for one account (X since_id, YouTube page, Telegram offset)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="cursor")
    cursor = models.CharField(max_length=200, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
