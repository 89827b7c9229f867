from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # The SOP's two executor roles, the agencies' liaisons, and the people who watch.
    PROCESSOR = "processor", _("Data and information processor (Pengolah Data dan Informasi)")
    REVIEWER = "reviewer", _("Policy technical reviewer (Penelaah Teknis Kebijakan)")
    LIAISON = "liaison", _("Agency liaison")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PROCESSOR)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Required for agency liaisons: they see only this agency's complaints."),
    )

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    def has_role(self, *roles: str) -> bool:
        return self.is_admin or self.role in roles

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class RecoveryCode(models.Model):
    """A one-time code for logging in when the phone is lost (sigap.people.twofactor).

    Only a hash is kept: the person sees the codes once, when they are made.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique")]

    def __str__(self) -> str:
        return f"{self.user} recovery code {self.pk}"
