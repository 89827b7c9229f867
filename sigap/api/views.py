"""The REST API, /api/v1/: the same complaints, permissions and workflow actions as the web.

Reads go through Complaint.objects.for_user (a liaison's token sees its agency only); every
write is one of sigap.cases.actions, which checks the role and the status exactly as the web
interface does. The OpenAPI document is /api/v1/openapi.json, its reader /api/v1/docs.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, NinjaAPI, Query
from ninja.responses import Status as HttpStatus

from sigap.agencies.models import Agency, Category, Kelurahan
from sigap.api import errors, schemas
from sigap.api.auth import TokenAuth
from sigap.api.errors import ERROR_STATUSES, ApiError
from sigap.api.models import IdempotencyKey
from sigap.api.pagination import page
from sigap.api.schemas import Ref
from sigap.cases import actions, search
from sigap.cases.models import Complaint, Step
from sigap.lib import tracking
from sigap.people.models import Role
from sigap.recaps.models import Archive, Recap

api = NinjaAPI(
    title="Sigap API",
    version="1",
    description=(
        "Complaints received on the city of Surakarta's social media, handled under the SOP "
        "“Penanganan Aduan Melalui Media Sosial”. Authenticate with `Authorization: Bearer <token>` "
        "(`sigap token create USERNAME`); a token can do what its user can do in the web interface. "
        "Errors are `{\"code\", \"message\"}`; messages follow Accept-Language (Indonesian by default)."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=TokenAuth(),
)
errors.install(api)

E = ERROR_STATUSES
ACTIONS = ("register", "forward", "answer", "approve", "return", "post", "close", "reopen", "merge", "flags")
# The desk (and admins) see who complained even when the complaint is anonymous; the agency does not.
DESK_ROLES = (Role.PROCESSOR, Role.REVIEWER, Role.SUPERVISOR)


def _user(request: HttpRequest):
    return request.auth.user


def _sees_identity(user, complaint: Complaint) -> bool:
    return not complaint.anonymous or user.has_role(*DESK_ROLES)


# Shapes ------------------------------------------------------------------------------------


def _agency(agency: Agency | None) -> dict | None:
    return {"code": agency.code, "name": agency.name} if agency else None


def _step(step, now) -> dict:
    return {
        "number": step.number,
        "round": step.round,
        "started_at": step.started_at,
        "due_at": step.due_at,
        "completed_at": step.completed_at,
        "on_time": step.on_time,
        "overdue": step.is_overdue(now),
    }


def _complaint(user, c: Complaint, *, open_steps: dict, now) -> dict:
    identity = _sees_identity(user, c)
    step = open_steps.get(c.pk)
    return {
        "id": c.pk,
        "tracking_number": c.tracking_number,
        "status": c.status,
        "status_label": str(c.get_status_display()),
        "round": c.round,
        "platform": c.platform,
        "permalink": c.permalink if identity else "",
        "text": c.text,
        "posted_at": c.posted_at,
        "received_at": c.received_at,
        "updated_at": c.updated_at,
        "closed_at": c.closed_at,
        "complainant": {
            "name": c.complainant_name,
            "handle": c.complainant_handle,
            "platform_id": c.complainant_id,
            "contact": c.contact,
        }
        if identity
        else None,
        "category": {"id": c.category.pk, "name": c.category.name} if c.category else None,
        "agency": _agency(c.agency),
        "kelurahan": {"id": c.kelurahan.pk, "name": c.kelurahan.name, "kecamatan": c.kelurahan.kecamatan}
        if c.kelurahan
        else None,
        "confidential": c.confidential,
        "anonymous": c.anonymous,
        "merged_into": c.merged_into.tracking_number if c.merged_into else None,
        "open_step": _step(step, now) if step else None,
        "allowed_actions": [a for a in actions.allowed_actions(user, c) if a in ACTIONS],
    }


def _open_steps(complaints) -> dict:
    steps = Step.objects.filter(complaint__in=complaints, completed_at=None).order_by("-number")
    return {s.complaint_id: s for s in steps}  # the lowest open number wins (ordered last)


def _lowest_open(steps) -> Step | None:
    """_open_steps() for one complaint whose steps are at hand: the lowest open number."""
    return min((s for s in steps if s.completed_at is None), key=lambda s: (s.number, -s.round), default=None)


def _detail(user, c: Complaint) -> dict:
    """One complaint with its steps, answers and events; `c` as _base_queryset() reads it."""
    now = timezone.now()
    steps = list(c.steps.order_by("round", "number"))
    data = _complaint(user, c, open_steps={c.pk: _lowest_open(steps)}, now=now)
    data["steps"] = [_step(s, now) for s in steps]
    data["answers"] = [
        {
            "id": a.pk,
            "round": a.round,
            "status": a.status,
            "text": a.text,
            "agency": _agency(a.agency),
            "created_at": a.created_at,
            "reviewed_at": a.reviewed_at,
            "posted_at": a.posted_at,
            "posted_link": a.posted_link,
        }
        for a in c.answers.select_related("agency").order_by("round", "created_at", "pk")
    ]
    data["events"] = [
        {"id": pk, "kind": kind, "at": at, "actor": actor_name or None}
        for pk, kind, at, actor_name in c.events.order_by("at", "pk").values_list("pk", "kind", "at", "actor_name")
    ]
    return data


def _base_queryset():
    return Complaint.objects.select_related("category", "agency", "kelurahan", "merged_into")


def _reread(pk: int) -> Complaint:
    """The complaint as it is now, after an action changed it (the actions lock and read their own copy)."""
    return _base_queryset().get(pk=pk)


def _get_complaint(user, ref: str) -> Complaint:
    """By id or tracking number, among the complaints this user may see; else 404."""
    visible = _base_queryset().for_user(user)
    complaint = None
    if ref.isdigit() and len(ref) <= 10 and int(ref) <= schemas.MAX_ID:
        complaint = visible.filter(pk=int(ref)).first()
    else:
        number = tracking.normalize(ref, _prefix())
        complaint = visible.filter(tracking_number=number).first() if number else None
    if complaint is None:
        raise ApiError(404, "not_found", _("No complaint %(ref)s among those you may see.") % {"ref": ref})
    return complaint


def _prefix() -> str:
    return settings.SIGAP_TRACKING_PREFIX


def _agency_by_code(code: str, field: str) -> Agency:
    agency = Agency.objects.filter(code__iexact=code, active=True).first()
    if agency is None:
        raise _invalid(field, _("No active agency has the code %(code)s.") % {"code": code})
    return agency


def _category_by_id(pk: int, field: str) -> Category:
    category = Category.objects.filter(pk=pk, active=True).select_related("usual_agency").first()
    if category is None:
        raise _invalid(field, _("No active category has the id %(id)s.") % {"id": pk})
    return category


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        400,
        "invalid",
        _("The request is not valid: %(details)s") % {"details": f"{field}: {message}"},
        errors=[{"field": field, "message": message}],
    )


# Who am I ----------------------------------------------------------------------------------


@api.get("/me", response={200: schemas.MeOut, E: schemas.ErrorOut}, tags=["tokens"], summary="The token's user")
def me(request):
    user = _user(request)
    return {"username": user.get_username(), "role": user.role, "agency": _agency(user.agency), "token": request.auth.name}


# Complaints --------------------------------------------------------------------------------


@api.get("/complaints", response={200: schemas.ComplaintPage, E: schemas.ErrorOut}, tags=["complaints"])
def list_complaints(request, filters: Query[schemas.ComplaintFilters]):
    """Complaints you may see, newest first, `limit` at a time."""
    user = _user(request)
    qs = _base_queryset().for_user(user)
    if filters.status:
        qs = qs.filter(status__in=[s.value for s in filters.status])
    if filters.platform:
        qs = qs.filter(platform=filters.platform.value)
    if filters.agency:
        qs = qs.filter(agency=_agency_by_code_any(filters.agency))
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.posted_after:
        qs = qs.filter(posted_at__gte=filters.posted_after)
    if filters.posted_before:
        qs = qs.filter(posted_at__lt=filters.posted_before)
    if filters.q:
        # The same search as the staff list (sigap.cases.search); who complained only where it may be shown.
        qs = qs.filter(search.complaints_matching(filters.q, qs, identity=user.has_role(*DESK_ROLES)))
    rows, next_cursor = page(qs, field="posted_at", cursor=filters.cursor, limit=filters.limit)
    now = timezone.now()
    steps = _open_steps(rows)
    return {"results": [_complaint(user, c, open_steps=steps, now=now) for c in rows], "next_cursor": next_cursor}


def _agency_by_code_any(code: str) -> Agency:
    agency = Agency.objects.filter(code__iexact=code).first()
    if agency is None:
        raise _invalid("agency", _("No agency has the code %(code)s.") % {"code": code})
    return agency


@api.post(
    "/complaints",
    response={200: schemas.ComplaintDetailOut, 201: schemas.ComplaintDetailOut, E: schemas.ErrorOut},
    tags=["complaints"],
)
def create_complaint(
    request,
    payload: schemas.ComplaintIn,
    idempotency_key: schemas.Text(100, 1) | None = Header(None, alias="Idempotency-Key"),  # type: ignore[valid-type]
):
    """Enter a complaint (SOP step 2, as the Form Aduan Media Sosial does): 201 with the new complaint.

    Send an `Idempotency-Key` header to make retries safe: the same key again returns the
    complaint it created (200) instead of a second one.
    """
    user = _user(request)
    actions.check(user, "receive")
    token = request.auth
    if idempotency_key:
        earlier = IdempotencyKey.objects.filter(token=token, key=idempotency_key).first()
        if earlier is not None:
            return HttpStatus(200, _detail(user, _reread(earlier.complaint_id)))
    now = timezone.now()
    posted_at = payload.posted_at or now
    if posted_at > now + timedelta(minutes=5):
        raise _invalid("posted_at", _("Cannot be in the future."))
    category = _category_by_id(payload.category, "category") if payload.category else None
    agency = _agency_by_code(payload.agency, "agency") if payload.agency else None
    kelurahan = None
    if payload.kelurahan:
        kelurahan = Kelurahan.objects.filter(pk=payload.kelurahan).first()
        if kelurahan is None:
            raise _invalid("kelurahan", _("No kelurahan has the id %(id)s.") % {"id": payload.kelurahan})
    try:
        with transaction.atomic():
            complaint = actions.complaint_receive(
                by=user,
                platform=payload.platform.value,
                text=payload.text,
                posted_at=posted_at,
                permalink=payload.permalink,
                handle=payload.handle,
                name=payload.name,
                complainant_id=payload.complainant_id,
                contact=payload.contact,
                category=category,
                agency=agency,
                kelurahan=kelurahan,
                confidential=payload.confidential,
                anonymous=payload.anonymous,
                links=payload.links,
                raw={"via": "api", "token": token.pk},
            )
            if idempotency_key:
                IdempotencyKey.objects.create(token=token, key=idempotency_key, complaint=complaint)
    except IntegrityError:
        # Two requests with the same key raced; the other one's complaint stands, this one rolled back.
        earlier = IdempotencyKey.objects.filter(token=token, key=idempotency_key).first() if idempotency_key else None
        if earlier is None:
            raise
        return HttpStatus(200, _detail(user, _reread(earlier.complaint_id)))
    return HttpStatus(201, _detail(user, _reread(complaint.pk)))


@api.get("/complaints/{ref}", response={200: schemas.ComplaintDetailOut, E: schemas.ErrorOut}, tags=["complaints"])
def read_complaint(request, ref: Ref):
    """One complaint by id or tracking number, with its steps, answers and events."""
    user = _user(request)
    return _detail(user, _get_complaint(user, ref))  # just read with _base_queryset(): no need to read it again


# Workflow actions: one endpoint per action, each a thin call of sigap.cases.actions ---------

_action = {"response": {200: schemas.ComplaintDetailOut, E: schemas.ErrorOut}, "tags": ["workflow"]}


@api.post("/complaints/{ref}/register", summary="Register and inform (SOP step 3)", **_action)
def register(request, ref: Ref, payload: schemas.RegisterIn):
    user = _user(request)
    c = _get_complaint(user, ref)
    actions.complaint_register(complaint=c, by=user, ack_via=payload.ack_via, ack_link=payload.ack_link, note=payload.note)
    return _detail(user, _reread(c.pk))


@api.post("/complaints/{ref}/forward", summary="Forward to an agency (disposisi, step 4)", **_action)
def forward(request, ref: Ref, payload: schemas.ForwardIn):
    user = _user(request)
    c = _get_complaint(user, ref)
    agency = _agency_by_code(payload.agency, "agency")
    category = _category_by_id(payload.category, "category") if payload.category else None
    actions.complaint_forward(complaint=c, by=user, agency=agency, category=category, note=payload.note)
    return _detail(user, _reread(c.pk))


@api.post("/complaints/{ref}/answer", summary="The agency's answer (tindak lanjut, step 4)", **_action)
def answer(request, ref: Ref, payload: schemas.AnswerIn):
    user = _user(request)
    c = _get_complaint(user, ref)
    actions.complaint_answer(complaint=c, by=user, text=payload.text)
    return _detail(user, _reread(c.pk))


@api.post("/complaints/{ref}/approve", summary="Approve the answer (step 4 done, step 5 starts)", **_action)
def approve(request, ref: Ref):
    user = _user(request)
    c = _get_complaint(user, ref)
    actions.answer_approve(complaint=c, by=user)
    return _detail(user, _reread(c.pk))


@api.post("/complaints/{ref}/return", summary="Return the answer for revision", **_action)
def return_answer(request, ref: Ref, payload: schemas.ReasonIn):
    user = _user(request)
    c = _get_complaint(user, ref)
    actions.answer_return(complaint=c, by=user, reason=payload.reason)
    return _detail(user, _reread(c.pk))


@api.post("/complaints/{ref}/post", summary="The answer is posted on the platform (step 5)", **_action)
def post_answer(request, ref: Ref, payload: schemas.PostIn):
    user = _user(request)
    c = _get_complaint(user, ref)
    actions.complaint_post_answer(complaint=c, by=user, link=payload.link)
    return _detail(user, _reread(c.pk))


@api.post("/complaints/{ref}/close", summary="Close", **_action)
def close(request, ref: Ref, payload: schemas.ReasonIn):
    user = _user(request)
    c = _get_complaint(user, ref)
    actions.complaint_close(complaint=c, by=user, reason=payload.reason)
    return _detail(user, _reread(c.pk))


@api.post("/complaints/{ref}/reopen", summary="Reopen (a new round of steps 4 and 5)", **_action)
def reopen(request, ref: Ref, payload: schemas.ReasonIn):
    user = _user(request)
    c = _get_complaint(user, ref)
    actions.complaint_reopen(complaint=c, by=user, reason=payload.reason)
    return _detail(user, _reread(c.pk))


@api.post("/complaints/{ref}/merge", summary="Merge this duplicate into another complaint", **_action)
def merge(request, ref: Ref, payload: schemas.MergeIn):
    user = _user(request)
    c = _get_complaint(user, ref)
    into = _get_complaint(user, payload.into)
    actions.complaint_merge(complaint=c, into=into, by=user)
    return _detail(user, _reread(c.pk))


@api.post("/complaints/{ref}/flags", summary="Set confidential (rahasia) and anonymous (anonim)", **_action)
def flags(request, ref: Ref, payload: schemas.FlagsIn):
    user = _user(request)
    c = _get_complaint(user, ref)
    actions.complaint_set_flags(complaint=c, by=user, confidential=payload.confidential, anonymous=payload.anonymous)
    return _detail(user, _reread(c.pk))


# Reference data ----------------------------------------------------------------------------


def _agency_out(a: Agency) -> dict:
    return {"code": a.code, "name": a.name, "abbreviation": a.abbreviation, "kind": a.kind, "active": a.active}


@api.get("/agencies", response={200: list[schemas.AgencyOut], E: schemas.ErrorOut}, tags=["reference"])
def list_agencies(request):
    return [_agency_out(a) for a in Agency.objects.order_by("name")]


@api.get("/agencies/{code}", response={200: schemas.AgencyOut, E: schemas.ErrorOut}, tags=["reference"])
def read_agency(request, code: schemas.AgencyCode):
    agency = Agency.objects.filter(code__iexact=code).first()
    if agency is None:
        raise ApiError(404, "not_found", _("No agency has the code %(code)s.") % {"code": code})
    return _agency_out(agency)


def _category_out(c: Category) -> dict:
    return {"id": c.pk, "name": c.name, "usual_agency": _agency(c.usual_agency), "active": c.active}


@api.get("/categories", response={200: list[schemas.CategoryOut], E: schemas.ErrorOut}, tags=["reference"])
def list_categories(request):
    return [_category_out(c) for c in Category.objects.select_related("usual_agency").order_by("name")]


@api.get("/categories/{category_id}", response={200: schemas.CategoryOut, E: schemas.ErrorOut}, tags=["reference"])
def read_category(request, category_id: schemas.Id):
    category = Category.objects.select_related("usual_agency").filter(pk=category_id).first()
    if category is None:
        raise ApiError(404, "not_found", _("No category has the id %(id)s.") % {"id": category_id})
    return _category_out(category)


# Recaps and archives (SOP steps 6 and 7) -----------------------------------------------------


def _recaps_for(user):
    recaps = Recap.objects.select_related("agency", "archive", "archive__archived_by")
    if user.role == Role.LIAISON and not user.is_admin:
        return recaps.filter(agency_id=user.agency_id) if user.agency_id else recaps.none()
    return recaps


def _archive_out(a: Archive) -> dict:
    return {
        "id": a.pk,
        "recap": a.recap_id,
        "archived_at": a.archived_at,
        "archived_by": a.archived_by.get_username() if a.archived_by else None,
        "reference": a.reference,
    }


def _recap_out(r: Recap, count: int) -> dict:
    try:
        archive = r.archive
    except Archive.DoesNotExist:
        archive = None
    return {
        "id": r.pk,
        "period_start": r.period_start,
        "period_end": r.period_end,
        "agency": _agency(r.agency),
        "platform": r.platform,
        "created_at": r.created_at,
        "complaint_count": count,
        "archive": _archive_out(archive) if archive else None,
    }


@api.get("/recaps", response={200: schemas.RecapPage, E: schemas.ErrorOut}, tags=["recaps"])
def list_recaps(request, query: Query[schemas.PageQuery]):
    """Recaps of answered complaints (step 6), newest period first; liaisons see their agency's."""
    recaps = _recaps_for(_user(request)).annotate(n=Count("complaints"))
    rows, next_cursor = page(recaps, field="period_end", cursor=query.cursor, limit=query.limit)
    return {"results": [_recap_out(r, r.n) for r in rows], "next_cursor": next_cursor}


@api.get("/recaps/{recap_id}", response={200: schemas.RecapDetailOut, E: schemas.ErrorOut}, tags=["recaps"])
def read_recap(request, recap_id: schemas.Id):
    user = _user(request)
    recap = _recaps_for(user).filter(pk=recap_id).first()
    if recap is None:
        raise ApiError(404, "not_found", _("No recap %(id)s among those you may see.") % {"id": recap_id})
    numbers = list(
        Complaint.objects.for_user(user).filter(recaps=recap).order_by("posted_at").values_list("tracking_number", flat=True)
    )
    data = _recap_out(recap, recap.complaints.count())
    data["complaints"] = [n for n in numbers if n]
    return data


@api.get("/archives", response={200: schemas.ArchivePage, E: schemas.ErrorOut}, tags=["recaps"])
def list_archives(request, query: Query[schemas.PageQuery]):
    """Archived recaps (step 7), newest first."""
    archives = Archive.objects.select_related("archived_by").filter(recap__in=_recaps_for(_user(request)))
    rows, next_cursor = page(archives, field="archived_at", cursor=query.cursor, limit=query.limit)
    return {"results": [_archive_out(a) for a in rows], "next_cursor": next_cursor}


@api.get("/archives/{archive_id}", response={200: schemas.ArchiveOut, E: schemas.ErrorOut}, tags=["recaps"])
def read_archive(request, archive_id: schemas.Id):
    archive = (
        Archive.objects.select_related("archived_by").filter(recap__in=_recaps_for(_user(request)), pk=archive_id).first()
    )
    if archive is None:
        raise ApiError(404, "not_found", _("No archive %(id)s among those you may see.") % {"id": archive_id})
    return _archive_out(archive)
