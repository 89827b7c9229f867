"""The clock watch: notice each step as its due time passes, exactly once.

Run by `sigap worker`. Several workers may run at once (on PostgreSQL): a step is
claimed with a conditional UPDATE, and only the worker whose UPDATE changed the row
notifies. The claim and the notifications commit together, so a crash in between
leaves the step unclaimed for the next pass rather than silently forgotten.
"""

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.cases.models import Notification, Step
from sigap.people.models import Role, User

log = logging.getLogger(__name__)


def recipients(step: Step):
    """Who must hear: the step's role, and for an agency's step only that agency's liaisons."""
    users = User.objects.filter(is_active=True, role=step.role)
    if step.role == Role.LIAISON:
        agency_id = step.complaint.agency_id if step.complaint else None
        users = users.filter(agency_id=agency_id) if agency_id else users.none()
    return users


def _text(step: Step) -> str:
    subject = step.complaint or step.recap
    return _("Overdue: step %(n)s (%(name)s) of %(subject)s was due at %(due)s.") % {
        "n": step.number,
        "name": step.sop_step.name,
        "subject": subject,
        "due": timezone.localtime(step.due_at).strftime("%d-%m-%Y %H:%M"),
    }


def notify_one_overdue(now=None) -> bool:
    """Handle one overdue step; False when there is none left."""
    now = now or timezone.now()
    step = (
        Step.objects.filter(completed_at=None, overdue_at=None, due_at__lt=now)
        .select_related("sop_step", "complaint", "recap")
        .order_by("due_at")
        .first()
    )
    if step is None:
        return False
    try:
        _claim_and_notify(step, now)
    except Exception:
        # Never crash-loop on one bad row: mark it noticed, log, and move on.
        Step.objects.filter(pk=step.pk, overdue_at=None).update(overdue_at=now)
        raise
    return True


def _claim_and_notify(step: Step, now) -> None:
    with transaction.atomic():
        claimed = Step.objects.filter(pk=step.pk, completed_at=None, overdue_at=None).update(overdue_at=now)
        if claimed != 1:
            return  # another worker has it
        text = _text(step)
        link = step.subject().get_absolute_url()
        notes = [Notification(user=u, step=step, kind="overdue", text=text, link=link) for u in recipients(step)]
        Notification.objects.bulk_create(notes, ignore_conflicts=True)
        from sigap.cases.actions import record_event

        record_event("overdue", complaint=step.complaint, recap=step.recap, at=now, step=step.number, due_at=step.due_at.isoformat())
    _email(step, text)


def _email(step: Step, text: str) -> None:
    # After the commit: an e-mail server that is down must not undo the notice.
    pending = Notification.objects.filter(step=step, kind="overdue", emailed_at=None).select_related("user")
    for note in pending:
        if not note.user.email:
            continue
        try:
            send_mail(_("[Sigap] Overdue step"), text, None, [note.user.email])
        except OSError as exc:
            log.warning("could not e-mail %s about step %s: %s", note.user, step.pk, exc)
            continue
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
