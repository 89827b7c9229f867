"""A complaint's progress in plain language, for people outside the desk.

Only these events are public, and only their kind, time and the agency involved: never who on
the staff did it, internal notes, review returns or reasons for closing. Shared by the tracking
page and Open311.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from sigap.agencies.models import Agency
from sigap.cases.models import Answer, Complaint, Event, Status
from sigap.public.privacy import mask_complaint_text

PUBLIC_KINDS = ("received", "registered", "forwarded", "approved", "posted", "closed", "reopened", "merged")


@dataclass
class Entry:
    id: int
    kind: str
    at: datetime
    label: str
    answer: str = ""  # the approved answer's text, masked, on "approved" entries


def agency_name(agency: Agency | None) -> str:
    return agency.name if agency else _("the agency concerned")


def status_label(complaint: Complaint, *, detailed: bool = True) -> str:
    """The current status in the citizen's words; `detailed=False` leaves out the agency."""
    s = complaint.status
    if s in (Status.NEW, Status.RECEIVED):
        return _("Received")
    if s == Status.REGISTERED:
        return _("Registered, to be forwarded to the agency concerned")
    if s in (Status.FORWARDED, Status.ANSWERED):
        if detailed and complaint.agency_id:
            return _("Being handled by %(agency)s") % {"agency": complaint.agency.name}
        return _("Being handled by the agency concerned")
    if s == Status.APPROVED:
        return _("Answered; the answer is being posted")
    if s == Status.POSTED:
        return _("Answered")
    if s == Status.CLOSED:
        return _("Closed")
    return _("Merged into another complaint")


def _label(event: Event, complaint: Complaint, agencies: dict, answers: dict) -> tuple[str, str]:
    data = event.data or {}
    kind = event.kind
    if kind == "received":
        return _("Complaint received from %(platform)s") % {"platform": complaint.get_platform_display()}, ""
    if kind == "registered":
        return _("Registered; the tracking number was sent to the complainant"), ""
    if kind == "forwarded":
        return _("Forwarded to %(agency)s") % {"agency": agency_name(agencies.get(data.get("agency")))}, ""
    if kind == "approved":
        answer = answers.get(data.get("answer"))
        text = mask_complaint_text(complaint, answer.text) if answer else ""
        agency = answer.agency if answer else complaint.agency
        return _("Answered by %(agency)s") % {"agency": agency_name(agency)}, text
    if kind == "posted":
        return _("Answer posted on %(platform)s") % {"platform": complaint.get_platform_display()}, ""
    if kind == "closed":
        return _("Closed"), ""
    if kind == "reopened":
        if event.actor_id is None:
            return _("Reopened at the complainant's request"), ""
        return _("Reopened"), ""
    # merged
    target = complaint.merged_into
    if target is not None and not target.confidential and target.tracking_number:
        return _("Merged into complaint %(number)s") % {"number": target.tracking_number}, ""
    return _("Merged into another complaint"), ""


def public_events(complaints) -> list[Event]:
    return list(Event.objects.filter(complaint__in=complaints, kind__in=PUBLIC_KINDS).order_by("at", "pk"))


def entries(complaint: Complaint, events: list[Event] | None = None, answers: dict | None = None) -> list[Entry]:
    """The public timeline, oldest first; `answers` by id when the caller has read them already."""
    events = public_events([complaint]) if events is None else events
    codes = {e.data.get("agency") for e in events if e.kind == "forwarded"} - {None, ""}
    known = complaint.agency if Complaint.agency.is_cached(complaint) else None
    if known is not None and codes <= {known.code}:
        agencies = {known.code: known}  # forwarded only to the agency it has: no need to read it again
    else:
        agencies = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    if answers is None:
        answers = {a.pk: a for a in Answer.objects.filter(pk__in=answer_ids(events)).select_related("agency")}
    result = []
    for event in events:
        label, answer = _label(event, complaint, agencies, answers)
        result.append(Entry(id=event.pk, kind=event.kind, at=event.at, label=label, answer=answer))
    return result


def answer_ids(events: list[Event]) -> list[int]:
    """The answers the timeline's "approved" entries show."""
    ids = [e.data.get("answer") for e in events if e.kind == "approved"]
    return [i for i in ids if isinstance(i, int)]


def latest_answer(complaint: Complaint) -> Answer | None:
    """The approved answer of the latest round that has one."""
    return (
        complaint.answers.filter(status=Answer.Status.APPROVED).select_related("agency").order_by("-round", "-pk").first()
    )
