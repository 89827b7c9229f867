"""The SOP as data: versions, their steps and standard times, and the working calendar."""

import json
from functools import lru_cache
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from sigap.lib import memo, workdays
from sigap.people.models import Role

DEFAULT_SOP_FILE = Path(__file__).parent / "data" / "surakarta-2024.json"


class Unit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    WORKDAYS = "workdays", _("working days")
    DAYS = "days", _("calendar days")


class Clock(models.TextChoices):
    CONTINUOUS = "continuous", _("around the clock")
    OFFICE = "office", _("office hours only")


class SopVersion(models.Model):
    code = models.CharField(_("SOP number"), max_length=120)
    title = models.CharField(_("title"), max_length=200)
    version = models.PositiveIntegerField(_("version"))
    active = models.BooleanField(_("active"), default=False, help_text=_("New complaints start under the active version."))
    source = models.JSONField(_("source data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("SOP version")
        verbose_name_plural = _("SOP versions")
        constraints = [
            models.UniqueConstraint(fields=["version"], name="sop_version_unique"),
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="sop_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @classmethod
    def current(cls) -> "SopVersion":
        # Read for every complaint opened; one instance per process, its steps cached on it.
        return memo.remembered("sop.current", lambda: cls.objects.get(active=True))

    def step(self, number: int) -> "SopStep":
        # Steps are few and read on every transition: one query per version per process is enough.
        cache = self.__dict__.setdefault("_steps", {})
        if not cache:
            cache.update({s.number: s for s in self.steps.all()})
        return cache[number]

    def in_use(self) -> bool:
        return self.complaints.exists() or self.recaps.exists()

    @transaction.atomic
    def copy_as_new_version(self) -> "SopVersion":
        """Standards change by new version, so complaints keep the version they started under."""
        latest = SopVersion.objects.select_for_update().order_by("-version").first()
        new = SopVersion.objects.create(code=self.code, title=self.title, version=latest.version + 1, source=self.source)
        for step in self.steps.all():
            step.pk, step.version = None, new
            step.save()
        return new

    @transaction.atomic
    def activate(self) -> None:
        SopVersion.objects.filter(active=True).exclude(pk=self.pk).update(active=False)
        self.active = True
        self.save(update_fields=["active"])


class SopStep(models.Model):
    version = models.ForeignKey(SopVersion, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("step"))
    name = models.CharField(_("activity"), max_length=300)
    role = models.CharField(_("executor role"), max_length=20, choices=Role.choices)
    input = models.CharField(_("required input (kelengkapan)"), max_length=200, blank=True)
    output = models.CharField(_("output"), max_length=200, blank=True)
    amount = models.PositiveIntegerField(_("standard time"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    clock = models.CharField(_("clock"), max_length=12, choices=Clock.choices, default=Clock.CONTINUOUS)
    remarks = models.CharField(_("remarks"), max_length=300, blank=True)

    class Meta:
        ordering = ["version", "number"]
        verbose_name = _("SOP step")
        verbose_name_plural = _("SOP steps")
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="sop_step_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def standard_label(self) -> str:
        return f"{self.amount} {self.get_unit_display()}"

    def due_from(self, start: datetime) -> datetime:
        return work_calendar().add(start, self.amount, self.unit, self.clock)

    def clean(self) -> None:
        if self.version_id and self.version.in_use():
            raise ValidationError(_("This SOP version is in use by complaints; copy it as a new version to change it."))


class ClosureDay(models.Model):
    """A day the offices are closed beyond the national calendar (local holiday, emergency)."""

    date = models.DateField(_("date"), unique=True)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("closure day")
        verbose_name_plural = _("closure days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


def work_calendar() -> workdays.WorkCalendar:
    """The calendar for deadlines: national holidays, cuti bersama and the admin's closure days."""
    this_year = date.today().year
    extra = memo.remembered("sop.closure_days", lambda: tuple(ClosureDay.objects.values_list("date", flat=True)))
    return _calendar(this_year, extra, settings.SIGAP_OFFICE_DAYS, settings.SIGAP_OFFICE_HOURS)


@lru_cache(maxsize=8)
def _calendar(this_year: int, extra: tuple, days: str, hours: str) -> workdays.WorkCalendar:
    # Building the holiday table costs milliseconds; deadlines are computed on every transition.
    years = range(this_year - 3, this_year + 4)
    return workdays.build_calendar(years=years, extra_closed=extra, days=days, hours=hours)


def load_sop_file(path: Path = DEFAULT_SOP_FILE) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    numbers = [s["number"] for s in data["steps"]]
    if numbers != [2, 3, 4, 5, 6, 7]:
        raise ValueError(f"{path}: the SOP must list steps 2 to 7 in order, found {numbers}")
    return data


def install_sop(data: dict, *, SopVersion=SopVersion, SopStep=SopStep) -> "SopVersion":
    """Create a version from SOP data (the migration passes its historical models)."""
    latest = SopVersion.objects.order_by("-version").first()
    version = SopVersion.objects.create(
        code=data["code"], title=data["title"], version=(latest.version + 1) if latest else 1, source=data
    )
    for s in data["steps"]:
        SopStep.objects.create(
            version=version,
            number=s["number"],
            name=s["name"],
            role=s["role"],
            input=s.get("input", ""),
            output=s.get("output", ""),
            amount=s["amount"],
            unit=s["unit"],
            clock=s.get("clock", "continuous"),
            remarks=s.get("remarks", ""),
        )
    return version
