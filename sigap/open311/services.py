"""Categories as Open311 services, and complaints as service requests (public fields only)."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sigap.agencies.models import Category
from sigap.cases.models import Answer, Complaint, Event, Status, Step
from sigap.open311.models import ServiceCode
from sigap.open311.render import w3c
from sigap.public import timeline
from sigap.public.privacy import mask_complaint_text


def ensure_codes() -> None:
    """Give every category without one its service code (its name, slugified), once."""
    for category in Category.objects.filter(open311__isnull=True):
        base = slugify(category.name)[:70] or f"category-{category.pk}"
        for code in (base, f"{base}-{category.pk}"):
            try:
                with transaction.atomic():
                    ServiceCode.objects.create(category=category, code=code)
                break
            except IntegrityError:
                continue


def services() -> list[dict]:
    ensure_codes()
    result = []
    categories = Category.objects.filter(active=True).select_related("usual_agency", "open311").order_by("name")
    for c in categories:
        agency = c.usual_agency
        result.append(
            {
                "service_code": c.open311.code,
                "service_name": c.name,
                "description": _describe(c, agency),
                "metadata": False,
                "type": "realtime",
                "keywords": ", ".join(k.strip() for k in c.keywords.splitlines() if k.strip()),
                "group": agency.name if agency else "",
            }
        )
    return result


def _describe(category: Category, agency) -> str:
    if agency is None:
        return _("Complaints about %(category)s.") % {"category": category.name}
    return _("Complaints about %(category)s; usually handled by %(agency)s.") % {"category": category.name, "agency": agency.name}


def category_for(code: str) -> Category | None:
    ensure_codes()
    return Category.objects.filter(open311__code=code).select_related("usual_agency", "open311").first()


def public_complaints():
    """What Open311 may show: numbered complaints that are not confidential."""
    ensure_codes()  # so that every category read below has its service_code
    return Complaint.objects.filter(confidential=False, tracking_number__isnull=False).select_related(
        "category", "category__open311", "agency", "kelurahan", "merged_into"
    )


def requests(complaints: list[Complaint]) -> list[dict]:
    """Service requests for these complaints, with a constant number of queries."""
    ids = [c.pk for c in complaints]
    updated = dict(
        Event.objects.filter(complaint_id__in=ids, kind__in=timeline.PUBLIC_KINDS)
        .values_list("complaint_id")
        .annotate(at=Max("at"))
        .order_by()
    )
    answers: dict[int, Answer] = {}
    for a in Answer.objects.filter(complaint_id__in=ids, status=Answer.Status.APPROVED).order_by("round", "pk"):
        answers[a.complaint_id] = a  # the latest round's wins
    due = {s.complaint_id: s.due_at for s in Step.objects.filter(complaint_id__in=ids, completed_at=None).order_by("-number")}
    return [_request(c, updated.get(c.pk), answers.get(c.pk), due.get(c.pk)) for c in complaints]


def _request(c: Complaint, updated_at, answer: Answer | None, due_at) -> dict:
    status = "open" if c.is_open else "closed"
    notes = timeline.status_label(c)
    if answer is not None and c.status in (Status.APPROVED, Status.POSTED, Status.CLOSED):
        notes = mask_complaint_text(c, answer.text)
    address = f"{c.kelurahan.name}, {c.kelurahan.kecamatan}, Surakarta" if c.kelurahan else None
    code = getattr(c.category, "open311", None) if c.category else None
    return {
        "service_request_id": c.tracking_number,
        "status": status,
        "status_notes": notes,
        "service_name": c.category.name if c.category else None,
        "service_code": code.code if code else None,
        "description": mask_complaint_text(c),
        "agency_responsible": c.agency.name if c.agency else None,
        "service_notice": None,
        "requested_datetime": w3c(c.posted_at),
        "updated_datetime": w3c(updated_at or c.updated_at),
        "expected_datetime": w3c(due_at) if c.is_open and due_at else None,
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


_CLOSED_AFTER = {"posted", "closed", "merged"}


def updates(events: list[Event]) -> list[dict]:
    """The service-request-updates extension: one entry per public event."""
    by_complaint: dict[int, list[Event]] = {}
    for e in events:
        by_complaint.setdefault(e.complaint_id, []).append(e)
    complaints = {c.pk: c for c in public_complaints().filter(pk__in=by_complaint)}
    # Every answer the page's events show, in one query rather than one per complaint.
    answers = {a.pk: a for a in Answer.objects.filter(pk__in=timeline.answer_ids(events)).select_related("agency")}
    result = []
    for complaint_id, group in by_complaint.items():
        complaint = complaints.get(complaint_id)
        if complaint is None:
            continue
        for entry in timeline.entries(complaint, group, answers=answers):
            description = f"{entry.label}\n\n{entry.answer}" if entry.answer else entry.label
            result.append(
                {
                    "update_id": str(entry.id),
                    "service_request_id": complaint.tracking_number,
                    "status": "closed" if entry.kind in _CLOSED_AFTER else "open",
                    "updated_datetime": w3c(entry.at),
                    "description": description,
                    "media_url": "",
                    "external_status_code": entry.kind,
                }
            )
    result.sort(key=lambda u: (u["updated_datetime"], int(u["update_id"])))
    return result
