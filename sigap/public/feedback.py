"""The citizen's two moves on an answered complaint: rate the answer, or ask to reopen."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.cases import actions
from sigap.cases.models import Complaint, Status
from sigap.public.models import Feedback
from sigap.public.timeline import latest_answer


class FeedbackError(Exception):
    """Refused; the message is for the citizen."""


def reopen_deadline(complaint: Complaint) -> datetime | None:
    """Until when the citizen may ask to reopen: SIGAP_REOPEN_DAYS after the answer was posted."""
    if complaint.status != Status.POSTED:
        return None
    return _deadline(complaint, latest_answer(complaint))


def _deadline(complaint: Complaint, answer) -> datetime | None:
    if complaint.status != Status.POSTED:
        return None
    posted_at = (answer.posted_at if answer else None) or complaint.updated_at
    return posted_at + timedelta(days=settings.SIGAP_REOPEN_DAYS)


def on_page(complaint: Complaint, answer) -> dict:
    """The tracking page's rating and reopen state in one query; `answer` is latest_answer(complaint)."""
    given = {f.kind: f for f in Feedback.objects.filter(complaint=complaint, round=complaint.round)}
    rating, requested = given.get(Feedback.Kind.RATING), given.get(Feedback.Kind.REOPEN)
    deadline = _deadline(complaint, answer)
    return {
        "rating": rating,
        "can_rate": complaint.status == Status.POSTED and rating is None,  # can_rate()
        "can_reopen": deadline is not None and timezone.now() <= deadline and requested is None,  # can_reopen()
        "reopen_requested": requested,
        "reopen_deadline": deadline,
    }


def can_rate(complaint: Complaint) -> bool:
    return complaint.status == Status.POSTED and not already(complaint, Feedback.Kind.RATING)


def can_reopen(complaint: Complaint, now: datetime | None = None) -> bool:
    deadline = reopen_deadline(complaint)
    return deadline is not None and (now or timezone.now()) <= deadline and not already(complaint, Feedback.Kind.REOPEN)


def already(complaint: Complaint, kind: str) -> Feedback | None:
    return Feedback.objects.filter(complaint=complaint, round=complaint.round, kind=kind).first()


def rate(complaint: Complaint, *, rating: int, comment: str = "") -> Feedback:
    if complaint.status != Status.POSTED:
        raise FeedbackError(_("This complaint cannot be rated now."))
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                complaint=complaint, round=complaint.round, kind=Feedback.Kind.RATING, rating=rating, comment=comment
            )
    except IntegrityError:
        raise FeedbackError(_("This answer has already been rated. Thank you.")) from None


def reopen(complaint: Complaint, *, reason: str) -> Complaint:
    """Reopen through the workflow action as the citizen (by=None), recording the request."""
    if not can_reopen(complaint):
        if already(complaint, Feedback.Kind.REOPEN):
            raise FeedbackError(_("A request to reopen this complaint has already been received."))
        raise FeedbackError(
            _("This complaint can no longer be reopened here; please send a new complaint.")
            if complaint.status == Status.POSTED
            else _("This complaint cannot be reopened now.")
        )
    try:
        with transaction.atomic():
            Feedback.objects.create(complaint=complaint, round=complaint.round, kind=Feedback.Kind.REOPEN, comment=reason)
            return actions.complaint_reopen(complaint=complaint, by=None, reason=reason)
    except IntegrityError:
        raise FeedbackError(_("A request to reopen this complaint has already been received.")) from None
    except actions.ActionError:
        raise FeedbackError(_("This complaint cannot be reopened now.")) from None
