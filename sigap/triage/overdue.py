"""Step 2's clock for messages still waiting in the triage queue: notice each one once, when it passes.

A doubtful message has no complaint and no Step row yet: step 2 starts (already late, if it is)
only when a person decides it is a complaint. Its 60 minutes run from the platform's post time
all the same, so `sigap worker` runs `notify_one_waiting_overdue` beside the clock watch
(sigap.cases.clockwatch): the processors hear about a message the moment it passes its step-2
deadline while still undecided. Questions waiting for an operator's answer have been decided
already (not a complaint), so their step 2 is over and they raise no notice.

Several workers may run at once: the `WaitingOverdue` row is the claim (unique per message),
inserted in the same transaction as the notifications, so a crash in between leaves the message
unclaimed for the next pass, and a race lets exactly one worker notify.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.cases.actions import record_event
from sigap.cases.models import Message, Notification, TriageState
from sigap.people.models import User
from sigap.sop.models import SopStep, SopVersion
from sigap.triage.models import WaitingOverdue

log = logging.getLogger(__name__)

KIND = "triage_overdue"
STEP = 2


def step_two() -> SopStep:
    return SopVersion.current().step(STEP)


def waiting() -> Iterable[Message]:
    """Messages waiting for a person's triage decision, oldest post first (index message_triage_queue)."""
    return Message.objects.filter(triage_state=TriageState.PENDING).order_by("posted_at", "pk")


def late_count(now: datetime | None = None, sop_step: SopStep | None = None) -> int:
    """How many waiting messages are past step 2's deadline.

    Deadlines grow with the post time, so the late ones are a prefix of the oldest-first list:
    counting stops at the first message still on time.
    """
    now, sop_step = now or timezone.now(), sop_step or step_two()
    late = 0
    for posted_at in waiting().values_list("posted_at", flat=True).iterator():
        if sop_step.due_from(posted_at) >= now:
            break
        late += 1
    return late


def waiting_counts() -> dict[str, int]:
    """Waiting messages, and how many of them the clock has noticed as late, in one query.

    For pages with a query budget (the home page): "late" here lags the deadline by at most one
    worker pass, the same moment the processors are notified.
    """
    return Message.objects.filter(triage_state=TriageState.PENDING).aggregate(
        waiting=Count("pk"), late=Count("pk", filter=Q(triage_overdue__isnull=False))
    )


def notify_one_waiting_overdue(now: datetime | None = None) -> bool:
    """Notice the oldest waiting message past its step-2 deadline; False when there is none."""
    now = now or timezone.now()
    message = waiting().filter(triage_overdue__isnull=True).select_related("account").first()
    if message is None:
        return False
    sop_step = step_two()
    due_at = sop_step.due_from(message.posted_at)
    if due_at >= now:
        return False  # the oldest unnoticed one is on time, so all later ones are
    try:
        notified = _claim_and_notify(message, sop_step, due_at, now)
    except Exception:
        # Never crash-loop on one bad row: claim it without notices, log (the worker does), move on.
        try:
            with transaction.atomic():
                WaitingOverdue.objects.create(message=message, due_at=due_at, noticed_at=now)
        except IntegrityError:
            pass
        raise
    if notified:
        _email(notified)
    return True


def _text(message: Message, due_at: datetime) -> str:
    return _(
        "Overdue: a %(platform)s message from %(author)s posted at %(posted)s is still waiting in the triage "
        "queue; step 2 was due at %(due)s."
    ) % {
        "platform": message.get_platform_display(),
        "author": message.author_handle or message.author_name or _("a citizen"),
        "posted": timezone.localtime(message.posted_at).strftime("%d-%m-%Y %H:%M"),
        "due": timezone.localtime(due_at).strftime("%d-%m-%Y %H:%M"),
    }


def _claim_and_notify(message: Message, sop_step: SopStep, due_at: datetime, now: datetime) -> list[int]:
    """The claim, the notices and the event in one transaction; the ids of the notices made."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                WaitingOverdue.objects.create(message=message, due_at=due_at, noticed_at=now)
        except IntegrityError:
            return []  # another worker has it
        if not Message.objects.filter(pk=message.pk, triage_state=TriageState.PENDING).exists():
            # Decided between our read and our claim: nothing is waiting, keep quiet. The claim
            # stays, harmlessly: the message can no longer come back to the queue.
            return []
        text = _text(message, due_at)
        link = f"{reverse('triage')}?tab=pending#msg-{message.pk}"
        users = User.objects.filter(is_active=True, role=sop_step.role)
        notes = Notification.objects.bulk_create(
            [Notification(user=user, step=None, kind=KIND, text=text[:500], link=link) for user in users]
        )
        record_event(KIND, at=now, message=message.pk, platform=message.platform, due_at=due_at.isoformat())
    return [note.pk for note in notes]


def _email(ids: list[int]) -> None:
    # After the commit: an e-mail server that is down must not undo the notice.
    for note in Notification.objects.filter(pk__in=ids, emailed_at=None).select_related("user"):
        if not note.user.email:
            continue
        try:
            send_mail(_("[Sigap] Message waiting past step 2"), note.text, None, [note.user.email])
        except OSError as exc:
            log.warning("could not e-mail %s about a waiting message: %s", note.user, exc)
            continue
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
