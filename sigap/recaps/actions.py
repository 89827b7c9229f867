"""SOP steps 6 and 7: recap the answered complaints of a period, then archive the recap."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.agencies.models import Agency
from sigap.cases.actions import ActionError, check, complete_step, record_event, start_step
from sigap.cases.models import Complaint, Step
from sigap.recaps.models import Archive, Recap
from sigap.sop.models import SopVersion


def answered_in(period_start: datetime, period_end: datetime, *, agency: Agency | None = None, platform: str = ""):
    """Complaints whose answer was posted back (step 5 completed) within the period."""
    steps = Step.objects.filter(
        number=5, completed_at__gte=period_start, completed_at__lt=period_end, complaint__isnull=False
    ).exclude(outcome__startswith="closed").exclude(outcome__startswith="merged")
    complaints = Complaint.objects.filter(pk__in=steps.values("complaint_id"))
    if agency is not None:
        complaints = complaints.filter(agency=agency)
    if platform:
        complaints = complaints.filter(platform=platform)
    return complaints


@transaction.atomic
def recap_create(
    *, by, period_start: datetime, period_end: datetime, agency: Agency | None = None, platform: str = ""
) -> Recap:
    check(by, "recap")
    if period_end <= period_start:
        raise ActionError(_("The end of the period must be after its start."))
    now = timezone.now()
    if period_end > now:
        raise ActionError(_("A recap can only cover a period that has ended."))
    recap = Recap.objects.create(
        sop=SopVersion.current(),
        period_start=period_start,
        period_end=period_end,
        agency=agency,
        platform=platform,
        created_by=by,
        created_at=now,
    )
    complaints = answered_in(period_start, period_end, agency=agency, platform=platform)
    recap.complaints.set(complaints)
    # Step 6's input (the answers posted in the period) exists once the period is over.
    complete_step(start_step(recap=recap, number=6, started_at=period_end), by=by, at=now, outcome=_("recap made"))
    start_step(recap=recap, number=7, started_at=now)
    record_event("recap_created", by=by, recap=recap, complaints=recap.complaints.count())
    return recap


@transaction.atomic
def recap_archive(*, recap: Recap, by, reference: str = "") -> Archive:
    check(by, "archive")
    recap = Recap.objects.select_for_update().get(pk=recap.pk)
    if Archive.objects.filter(recap=recap).exists():
        raise ActionError(_("This recap is already archived."))
    now = timezone.now()
    archive = Archive.objects.create(recap=recap, archived_at=now, archived_by=by, reference=reference)
    step = recap.steps.get(number=7)
    complete_step(step, by=by, at=now, outcome=_("recap archived"))
    record_event("recap_archived", by=by, recap=recap, reference=reference)
    return archive
