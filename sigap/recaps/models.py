"""Recaps of answered complaints (SOP step 6) and their archive (step 7)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.agencies.models import Agency
from sigap.platforms.models import PlatformName
from sigap.sop.models import SopVersion


class Recap(models.Model):
    sop = models.ForeignKey(SopVersion, on_delete=models.PROTECT, related_name="recaps")
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("to"))
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT)
    platform = models.CharField(_("platform"), max_length=20, choices=PlatformName.choices, blank=True)
    complaints = models.ManyToManyField("cases.Complaint", related_name="recaps", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("recap")
        verbose_name_plural = _("recaps")

    def __str__(self) -> str:
        start = timezone.localtime(self.period_start)
        end = timezone.localtime(self.period_end)
        return _("Recap %(start)s – %(end)s") % {"start": f"{start:%d-%m-%Y}", "end": f"{end:%d-%m-%Y}"}

    def get_absolute_url(self) -> str:
        return reverse("recap", args=[self.pk])


class Archive(models.Model):
    recap = models.OneToOneField(Recap, on_delete=models.PROTECT, related_name="archive")
    archived_at = models.DateTimeField(default=timezone.now)
    archived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reference = models.CharField(_("archive reference"), max_length=200, blank=True)

    class Meta:
        ordering = ["-archived_at"]
        verbose_name = _("archive entry")
        verbose_name_plural = _("archive entries")

    def __str__(self) -> str:
        return f"{self.recap} ({self.archived_at:%Y-%m-%d})"
