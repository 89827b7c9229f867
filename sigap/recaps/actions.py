"""SOP steps 6 and 7: recap the answered complaints of a period, then archive the recap."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.agencies.models import Agency
from sigap.cases.actions import ActionError, check, complete_step, record_event, start_step
from sigap.recaps import archive as register
from sigap.recaps.build import answered_complaints
from sigap.recaps.models import Archive, Recap, RecapSchedule
from sigap.sop.models import SopVersion

BATCH = 2000


def answered_in(period_start: datetime, period_end: datetime, *, agency: Agency | None = None, platform: str = ""):
    """Complaints whose answer was posted back (step 5 completed) within the period."""
    return answered_complaints(period_start, period_end, agency=agency, platform=platform)


@transaction.atomic
def recap_create(
    *,
    by,
    period_start: datetime,
    period_end: datetime,
    agency: Agency | None = None,
    platform: str = "",
    schedule: RecapSchedule | None = None,
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
        schedule=schedule,
        created_by=by,
        created_at=now,
    )
    count = _list_complaints(recap)
    # Step 6's input (the answers posted in the period) exists once the period is over.
    complete_step(start_step(recap=recap, number=6, started_at=period_end), by=by, at=now, outcome=_("recap made"))
    start_step(recap=recap, number=7, started_at=now)
    record_event("recap_created", by=by, recap=recap, complaints=count, scheduled=schedule is not None)
    return recap


def _list_complaints(recap: Recap) -> int:
    """Keep the recap's complaints, in batches: a year's recap must not load every complaint at once."""
    through = Recap.complaints.through
    ids = answered_in(recap.period_start, recap.period_end, agency=recap.agency, platform=recap.platform)
    ids = ids.order_by().values_list("pk", flat=True)
    count, batch = 0, []
    for pk in ids.iterator(chunk_size=BATCH):
        batch.append(through(recap_id=recap.pk, complaint_id=pk))
        if len(batch) == BATCH:
            through.objects.bulk_create(batch)
            count, batch = count + len(batch), []
    through.objects.bulk_create(batch)
    return count + len(batch)


def _refuse_duplicate(recap: Recap) -> None:
    other = register.duplicate_of(recap)
    if other is None:
        return
    if other.recap_id == recap.pk:
        raise ActionError(_("This recap is already archived."))
    raise ActionError(
        _("A recap of this period and scope is archived already (register entry #%(n)s, recap of %(made)s).")
        % {"n": other.sequence, "made": timezone.localtime(other.recap.created_at).strftime("%d-%m-%Y %H:%M")}
    )


def recap_archive(*, recap: Recap, by, reference: str = "") -> Archive:
    """Store the recap's XLSX, PDF and CSV for good and enter them in the archive register: step 7 done.

    The files are rendered before the transaction (that is the slow part), then the entry is
    written; if the entry cannot be written the files are removed again.
    """
    check(by, "archive")
    recap = Recap.objects.select_related("agency", "sop").get(pk=recap.pk)
    _refuse_duplicate(recap)
    stored = register.store(recap)
    try:
        with transaction.atomic():
            recap = Recap.objects.select_for_update(of=("self",)).select_related("agency", "sop").get(pk=recap.pk)
            _refuse_duplicate(recap)
            now = timezone.now()
            try:
                entry = register.append(recap=recap, by=by, reference=reference, stored=stored, at=now)
            except register.DuplicateArchive:
                _refuse_duplicate(recap)
                raise
            complete_step(recap.steps.get(number=7), by=by, at=now, outcome=_("recap archived"))
            record_event(
                "recap_archived",
                by=by,
                recap=recap,
                at=now,
                reference=reference,
                sequence=entry.sequence,
                entry_hash=entry.entry_hash,
                files=[s.name for s in stored],
            )
    except BaseException:
        register.discard(stored)
        raise
    # Files of an earlier attempt killed mid-way (a worker SIGKILLed while archiving) go once this one is in.
    transaction.on_commit(lambda: register.sweep_leftovers(recap))
    return entry
