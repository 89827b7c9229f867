"""Recaps of answered complaints (SOP step 6), their schedules, and the archive (step 7)."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.agencies.models import Agency
from sigap.platforms.models import PlatformName
from sigap.sop.models import SopVersion


def scope_key(agency: Agency | None, platform: str = "") -> str:
    """A recap's scope as a short stable key: all, agency:DISHUB, platform:x, or both."""
    parts = []
    if agency is not None:
        parts.append(f"agency:{agency.code}")
    if platform:
        parts.append(f"platform:{platform}")
    return ",".join(parts) or "all"


class Recap(models.Model):
    sop = models.ForeignKey(SopVersion, on_delete=models.PROTECT, related_name="recaps")
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("to"))
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT)
    platform = models.CharField(_("platform"), max_length=20, choices=PlatformName.choices, blank=True)
    complaints = models.ManyToManyField("cases.Complaint", related_name="recaps", blank=True)
    schedule = models.ForeignKey(
        "RecapSchedule", verbose_name=_("schedule"), null=True, blank=True, on_delete=models.SET_NULL, related_name="recaps"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("recap")
        verbose_name_plural = _("recaps")
        constraints = [
            # However many workers run the schedule, one recap per scheduled period.
            models.UniqueConstraint(
                fields=["schedule", "period_start"], condition=Q(schedule__isnull=False), name="recap_once_per_schedule"
            )
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.period_start)
        end = timezone.localtime(self.period_end)
        return _("Recap %(start)s – %(end)s") % {"start": f"{start:%d-%m-%Y}", "end": f"{end:%d-%m-%Y}"}

    def get_absolute_url(self) -> str:
        return reverse("recap", args=[self.pk])

    @property
    def scope(self) -> str:
        return scope_key(self.agency, self.platform)


class RecapSchedule(models.Model):
    """When a recap is made by itself: weekly or monthly, for everyone or one agency or platform.

    `next_run_at` is the queue: `sigap worker` claims a due schedule by moving it forward with a
    conditional UPDATE, so two workers never make the same recap.
    """

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly: the seven days before the run day")
        MONTHLY = "monthly", _("Monthly: the calendar month before the run")

    WEEKDAYS = [
        (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
        (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")),
    ]  # fmt: skip

    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=WEEKDAYS,
        default=0,
        help_text=_("Weekly: the day the recap is made; the week ends the midnight before."),
    )
    day = models.PositiveSmallIntegerField(
        _("day of the month"), default=1, validators=[MinValueValidator(1), MaxValueValidator(28)], help_text=_("Monthly.")
    )
    at = models.TimeField(
        _("time (WIB)"),
        default=time(0, 10),
        help_text=_("SOP step 6 allows 30 minutes from the end of the period: a run soon after midnight is on time."),
    )
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.CASCADE)
    platform = models.CharField(_("platform"), max_length=20, choices=PlatformName.choices, blank=True)
    active = models.BooleanField(_("active"), default=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        ordering = ["frequency", "pk"]
        verbose_name = _("recap schedule")
        verbose_name_plural = _("recap schedules")
        indexes = [
            # sigap worker: active schedules whose time has come.
            models.Index(fields=["next_run_at"], condition=Q(active=True), name="recapschedule_due"),
        ]

    def __str__(self) -> str:
        scope = scope_key(self.agency, self.platform)
        when = self.get_weekday_display() if self.frequency == self.Frequency.WEEKLY else f"{self.day}"
        return f"{self.get_frequency_display()} ({when} {self.at:%H:%M}, {scope})"

    def _local(self, day: date) -> datetime:
        return datetime.combine(day, self.at, tzinfo=timezone.get_default_timezone())

    def slot_after(self, moment: datetime) -> datetime:
        """The first run time strictly after `moment`."""
        today = timezone.localtime(moment, timezone.get_default_timezone()).date()
        if self.frequency == self.Frequency.WEEKLY:
            day = today + timedelta(days=(self.weekday - today.weekday()) % 7)
            slot = self._local(day)
            return slot if slot > moment else self._local(day + timedelta(days=7))
        slot = self._local(today.replace(day=self.day))
        if slot > moment:
            return slot
        following = (today.replace(day=1) + timedelta(days=32)).replace(day=self.day)
        return self._local(following)

    def period_for(self, run_at: datetime) -> tuple[datetime, datetime]:
        """The period a run at `run_at` recaps: the last whole week (ending on the weekday) or month before it.

        Derived from the run time rather than stored, so a run retried an hour late still makes
        the same period.
        """
        tz = timezone.get_default_timezone()
        today = timezone.localtime(run_at, tz).date()
        if self.frequency == self.Frequency.WEEKLY:
            end_day = today - timedelta(days=(today.weekday() - self.weekday) % 7)
            return _midnight(end_day - timedelta(days=7)), _midnight(end_day)
        end_day = today.replace(day=1)
        return _midnight((end_day - timedelta(days=1)).replace(day=1)), _midnight(end_day)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


class AppendOnly(models.Model):
    """Rows that are written once: the ORM refuses to change or delete them (verify catches raw SQL)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("The archive is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The archive is append-only.")


class Archive(AppendOnly):
    """One entry in the archive register: a recap's files, chained by hash to the entry before.

    entry_hash = sha256(previous entry's hash + this entry's canonical content), see
    sigap.recaps.archive.canonical(); `sigap archive verify` recomputes the chain and every file's hash.
    """

    recap = models.OneToOneField(Recap, on_delete=models.PROTECT, related_name="archive")
    sequence = models.PositiveIntegerField(_("number in the register"), unique=True)
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("to"))
    scope = models.CharField(_("scope"), max_length=80)
    archived_at = models.DateTimeField(default=timezone.now)
    archived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Kept as text so that deleting a user never changes an entry's content (and its hash).
    archived_by_name = models.CharField(max_length=150, blank=True)
    reference = models.CharField(_("archive reference"), max_length=200, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(_("entry hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("archive entry")
        verbose_name_plural = _("archive entries")
        constraints = [
            models.UniqueConstraint(fields=["period_start", "period_end", "scope"], name="archive_period_scope_once"),
        ]

    def __str__(self) -> str:
        return f"{self.recap} ({self.archived_at:%Y-%m-%d})"


class ArchiveFile(AppendOnly):
    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"

    archive = models.ForeignKey(Archive, on_delete=models.PROTECT, related_name="files")
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # Named and stored by sigap.recaps.archive before the row is written; never overwritten.
    file = models.FileField(_("file"), upload_to="archive/", max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    # Past retention the bytes go; the row and its hash stay, so the chain still verifies.
    pruned_at = models.DateTimeField(_("pruned at"), null=True, blank=True)

    class Meta:
        ordering = ["archive", "format"]
        verbose_name = _("archived file")
        verbose_name_plural = _("archived files")
        constraints = [models.UniqueConstraint(fields=["archive", "format"], name="archive_file_once")]

    def __str__(self) -> str:
        return self.file.name


class LiveFigures(models.Model):
    """The dashboard's today / week / month figures of one scope, as the worker last computed them.

    Summing a month of answered complaints takes milliseconds for a city and seconds for a
    national deployment: the page shows the latest computation (sigap.recaps.live), which the
    worker refreshes every minute or so while someone is looking.
    """

    scope = models.CharField(max_length=80, unique=True)  # scope_key(agency, platform)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=20, blank=True)
    figures = models.BinaryField(default=b"")  # pickled {period name: build.Summary}
    computed_at = models.DateTimeField(null=True)
    compute_seconds = models.FloatField(default=0)
    viewed_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("live figures")
        verbose_name_plural = _("live figures")

    def __str__(self) -> str:
        return self.scope
