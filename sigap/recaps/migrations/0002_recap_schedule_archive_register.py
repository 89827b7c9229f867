"""Recap schedules, and the archive register: files with their SHA-256, entries chained by hash.

Entries archived before this migration (no files) are numbered in the order they were archived
and chained, so that `sigap archive verify` passes on them.
"""

import datetime

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def chain_existing_entries(apps, schema_editor):
    from sigap.recaps.archive import GENESIS, canonical, chain
    from sigap.recaps.models import scope_key

    Archive = apps.get_model("recaps", "Archive")
    previous = GENESIS
    for sequence, entry in enumerate(Archive.objects.select_related("recap__agency", "archived_by").order_by("archived_at", "pk"), 1):
        recap = entry.recap
        entry.sequence = sequence
        entry.period_start, entry.period_end = recap.period_start, recap.period_end
        entry.scope = scope_key(recap.agency, recap.platform)
        entry.archived_by_name = entry.archived_by.username if entry.archived_by else "sigap"
        entry.previous_hash = previous
        entry.entry_hash = previous = chain(previous, canonical(entry, []))
        entry.save()


def default_schedules(apps, schema_editor):
    # Weekly on Monday and monthly on the 1st, at 00:10 WIB: SOP step 6 allows 30 minutes from the
    # end of the period. The worker sets their first run; an administrator can change them.
    RecapSchedule = apps.get_model("recaps", "RecapSchedule")
    RecapSchedule.objects.create(frequency="weekly", weekday=0, at=datetime.time(0, 10))
    RecapSchedule.objects.create(frequency="monthly", day=1, at=datetime.time(0, 10))


class Migration(migrations.Migration):

    dependencies = [
        ("agencies", "0002_surakarta_defaults"),
        ("cases", "0003_reply"),
        ("recaps", "0001_initial"),
        ("sop", "0002_surakarta_sop"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RecapSchedule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("frequency", models.CharField(choices=[("weekly", "Weekly: the seven days before the run day"), ("monthly", "Monthly: the calendar month before the run")], max_length=10, verbose_name="frequency")),
                ("weekday", models.PositiveSmallIntegerField(choices=[(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"), (6, "Sunday")], default=0, help_text="Weekly: the day the recap is made; the week ends the midnight before.", verbose_name="weekday")),
                ("day", models.PositiveSmallIntegerField(default=1, help_text="Monthly.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(28)], verbose_name="day of the month")),
                ("at", models.TimeField(default=datetime.time(0, 10), help_text="SOP step 6 allows 30 minutes from the end of the period: a run soon after midnight is on time.", verbose_name="time (WIB)")),
                ("platform", models.CharField(blank=True, choices=[("instagram", "Instagram"), ("facebook", "Facebook"), ("messenger", "Messenger"), ("whatsapp", "WhatsApp"), ("x", "X"), ("tiktok", "TikTok"), ("youtube", "YouTube"), ("telegram", "Telegram"), ("other", "Other")], max_length=20, verbose_name="platform")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                ("next_run_at", models.DateTimeField(blank=True, null=True, verbose_name="next run")),
                ("last_run_at", models.DateTimeField(blank=True, null=True, verbose_name="last run")),
                ("last_error", models.CharField(blank=True, max_length=300, verbose_name="last error")),
                ("agency", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to="agencies.agency", verbose_name="agency")),
            ],
            options={
                "verbose_name": "recap schedule",
                "verbose_name_plural": "recap schedules",
                "ordering": ["frequency", "pk"],
                "indexes": [models.Index(condition=models.Q(("active", True)), fields=["next_run_at"], name="recapschedule_due")],
            },
        ),
        migrations.AddField(
            model_name="recap",
            name="schedule",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="recaps", to="recaps.recapschedule", verbose_name="schedule"),
        ),
        migrations.AddConstraint(
            model_name="recap",
            constraint=models.UniqueConstraint(condition=models.Q(("schedule__isnull", False)), fields=("schedule", "period_start"), name="recap_once_per_schedule"),
        ),
        migrations.AlterModelOptions(
            name="archive",
            options={"ordering": ["-sequence"], "verbose_name": "archive entry", "verbose_name_plural": "archive entries"},
        ),
        migrations.AddField(model_name="archive", name="sequence", field=models.PositiveIntegerField(null=True, verbose_name="number in the register")),
        migrations.AddField(model_name="archive", name="period_start", field=models.DateTimeField(null=True, verbose_name="from")),
        migrations.AddField(model_name="archive", name="period_end", field=models.DateTimeField(null=True, verbose_name="to")),
        migrations.AddField(model_name="archive", name="scope", field=models.CharField(default="all", max_length=80, verbose_name="scope")),
        migrations.AddField(model_name="archive", name="archived_by_name", field=models.CharField(blank=True, max_length=150)),
        migrations.AddField(model_name="archive", name="previous_hash", field=models.CharField(default="", max_length=64)),
        migrations.AddField(model_name="archive", name="entry_hash", field=models.CharField(null=True, max_length=64, verbose_name="entry hash")),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
        migrations.AlterField(model_name="archive", name="sequence", field=models.PositiveIntegerField(unique=True, verbose_name="number in the register")),
        migrations.AlterField(model_name="archive", name="period_start", field=models.DateTimeField(verbose_name="from")),
        migrations.AlterField(model_name="archive", name="period_end", field=models.DateTimeField(verbose_name="to")),
        migrations.AlterField(model_name="archive", name="scope", field=models.CharField(max_length=80, verbose_name="scope")),
        migrations.AlterField(model_name="archive", name="previous_hash", field=models.CharField(max_length=64)),
        migrations.AlterField(model_name="archive", name="entry_hash", field=models.CharField(max_length=64, unique=True, verbose_name="entry hash")),
        migrations.AddConstraint(
            model_name="archive",
            constraint=models.UniqueConstraint(fields=("period_start", "period_end", "scope"), name="archive_period_scope_once"),
        ),
        migrations.CreateModel(
            name="ArchiveFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("format", models.CharField(choices=[("xlsx", "XLSX"), ("pdf", "PDF"), ("csv", "CSV")], max_length=4, verbose_name="format")),
                ("file", models.FileField(max_length=300, upload_to="archive/", verbose_name="file")),
                ("sha256", models.CharField(max_length=64)),
                ("size", models.PositiveBigIntegerField(default=0)),
                ("pruned_at", models.DateTimeField(blank=True, null=True, verbose_name="pruned at")),
                ("archive", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="files", to="recaps.archive")),
            ],
            options={
                "verbose_name": "archived file",
                "verbose_name_plural": "archived files",
                "ordering": ["archive", "format"],
                "constraints": [models.UniqueConstraint(fields=("archive", "format"), name="archive_file_once")],
            },
        ),
        migrations.RunPython(default_schedules, migrations.RunPython.noop),
    ]
