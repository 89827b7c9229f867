"""API tokens and idempotency keys.

A token acts as one user (a person, or an integration's own user with the role it needs), so
the API grants exactly what the web interface grants that user. Only a SHA-256 digest of the
token is stored: the token itself is shown once, by `sigap token create`. Tokens are 256-bit
random strings, so a fast digest is enough (there is nothing to brute-force offline).
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "sgp_"


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("Who or what uses it, e.g. “ULAS integration”."))
    prefix = models.CharField(_("prefix"), max_length=16, help_text=_("The token's first characters, to recognise it."))
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple["ApiToken", str]:
        """A new token for `user`; the raw token is returned here and nowhere else."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name[:100], prefix=raw[:12], digest=digest(raw))
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> "ApiToken | None":
        if not raw or len(raw) > 200:
            return None
        token = cls.objects.select_related("user", "user__agency").filter(digest=digest(raw), revoked_at=None).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        # One write a minute at most: the API must not turn every read into a write.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key on a create: the same key again returns the same complaint."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    complaint = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_unique")]
