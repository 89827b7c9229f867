from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ServiceCode(models.Model):
    """The Open311 service_code of a category, fixed at first publication so it never changes
    when the category is renamed (integrators configure these codes)."""

    category = models.OneToOneField("agencies.Category", on_delete=models.CASCADE, related_name="open311")
    code = models.SlugField(_("service code"), max_length=80, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Open311 service code")
        verbose_name_plural = _("Open311 service codes")

    def __str__(self) -> str:
        return self.code


class Submission(models.Model):
    """A service request POSTed through Open311: which integration sent it, the location it
    gave, and the token for tokens/<token>. The complaint itself is an ordinary Complaint."""

    complaint = models.OneToOneField("cases.Complaint", on_delete=models.CASCADE, related_name="open311")
    api_token = models.ForeignKey("api.ApiToken", null=True, on_delete=models.SET_NULL, related_name="+")
    token = models.CharField(max_length=40, unique=True)
    # A hash of what was sent: the same request again within minutes is a client retry, not a new complaint.
    fingerprint = models.CharField(max_length=64, db_index=True)
    service_code = models.CharField(max_length=80)
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    address_string = models.CharField(max_length=300, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.token
