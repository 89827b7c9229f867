"""What "nothing half-written" means, checked over the whole database after each generated input.

A complaint always has its tracking number, the message it came from, its "received" event, and
exactly the open step its status says (none once it is posted, closed or merged); every step is
either open (no end, no verdict) or complete (an end not before its start, and a verdict); the
outbox never holds two acknowledgements or answers for one complaint and round.
"""

from django.db.models import Count

from sigap.cases.models import Complaint, Event, Message, Reply, Status, Step

OPEN_STEP = {
    Status.NEW: 2,
    Status.RECEIVED: 3,
    Status.REGISTERED: 4,
    Status.FORWARDED: 4,
    Status.ANSWERED: 4,
    Status.APPROVED: 5,
}


def problems() -> list[str]:
    found = []
    steps: dict[int, list[Step]] = {}
    for step in Step.objects.filter(complaint__isnull=False):
        steps.setdefault(step.complaint_id, []).append(step)
        if (step.completed_at is None) != (step.on_time is None):
            found.append(f"step {step.pk} of complaint {step.complaint_id}: completed_at and on_time disagree")
        if step.completed_at is not None and step.completed_at < step.started_at:
            found.append(f"step {step.pk} ends before it starts")
    with_message = set(Message.objects.exclude(complaint=None).values_list("complaint_id", flat=True))
    received = set(Event.objects.filter(kind="received").values_list("complaint_id", flat=True))
    for complaint in Complaint.objects.all():
        where = f"complaint {complaint.pk} ({complaint.status})"
        if not complaint.tracking_number:
            found.append(f"{where} has no tracking number")
        if complaint.pk not in with_message:
            found.append(f"{where} has no message")
        if complaint.pk not in received:
            found.append(f"{where} has no 'received' event")
        mine = steps.get(complaint.pk, [])
        open_steps = sorted(s.number for s in mine if s.completed_at is None)
        expected = [OPEN_STEP[complaint.status]] if complaint.status in OPEN_STEP else []
        if open_steps != expected:
            found.append(f"{where} has open steps {open_steps}, expected {expected}")
        keys = [(s.number, s.round) for s in mine]
        if len(keys) != len(set(keys)):
            found.append(f"{where} has a step twice")
    doubled = (
        Reply.objects.exclude(complaint=None)
        .exclude(kind=Reply.Kind.AUTO)
        .values("complaint_id", "kind", "round")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    found += [f"complaint {row['complaint_id']} has {row['n']} {row['kind']} replies" for row in doubled]
    return found


def assert_consistent() -> None:
    found = problems()
    assert not found, "half-written rows:\n" + "\n".join(found[:20])
