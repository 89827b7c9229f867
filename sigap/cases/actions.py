"""Workflow actions: every SOP transition, shared by the web UI, admin, API and workers.

Each action locks its complaint, checks who may do it and from which status, does its
writes in one transaction, stamps the step clocks and writes an Event. Views validate
input; actions do the change.
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.agencies.models import Agency, Category, Kelurahan
from sigap.ops import audit
from sigap.connectors import hooks as connector_hooks
from sigap.cases.models import OPEN_STATUSES, Answer, Attachment, Complaint, Event, Message, Reply, Status, Step
from sigap.lib import tracking
from sigap.people.models import Role
from sigap.sop.models import SopVersion

P, R, L = Role.PROCESSOR, Role.REVIEWER, Role.LIAISON

# Who may do what (administrators may do everything), and from which statuses.
RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "receive": ((P,), ()),
    "confirm": ((P,), (Status.NEW,)),
    "register": ((P,), (Status.RECEIVED,)),
    "forward": ((P, R), (Status.REGISTERED, Status.FORWARDED)),
    "answer": ((L, R), (Status.FORWARDED,)),
    "approve": ((R,), (Status.ANSWERED,)),
    "return": ((R,), (Status.ANSWERED,)),
    "post": ((P,), (Status.APPROVED,)),
    "close": ((P, R), (*OPEN_STATUSES, Status.POSTED)),
    "reopen": ((P, R), (Status.POSTED, Status.CLOSED)),
    "merge": ((P, R), tuple(OPEN_STATUSES)),
    "flags": ((P, R), (*OPEN_STATUSES, Status.POSTED, Status.CLOSED)),
    "recap": ((P, R), ()),
    "archive": ((P, R), ()),
    # sigap.triage: deciding doubtful messages and answering questions, and confirming or correcting
    # the suggested routing until the complaint is forwarded (forwarding itself chooses the agency).
    "triage": ((P, R), ()),
    "route": ((P, R), (Status.NEW, Status.RECEIVED, Status.REGISTERED)),
}


class ActionError(Exception):
    """The action cannot be done now; the message is for the person who tried."""


def _permitted(user, action: str, complaint: Complaint | None = None) -> bool:
    roles = RULES[action][0]
    if not user.is_authenticated or not user.has_role(*roles):
        return False
    # A liaison acts only on its own agency's complaints.
    return not (
        complaint is not None
        and user.role == Role.LIAISON
        and not user.is_admin
        and complaint.agency_id != user.agency_id
    )


def may(user, action: str, complaint: Complaint | None = None) -> bool:
    statuses = RULES[action][1]
    if not _permitted(user, action, complaint):
        return False
    return complaint is None or not statuses or complaint.status in statuses


def allowed_actions(user, complaint: Complaint) -> list[str]:
    return [name for name in RULES if RULES[name][1] and may(user, name, complaint)]


def check(user, action: str, complaint: Complaint | None = None) -> None:
    """Permission first, state second: another agency's liaison gets 403, not a state message."""
    if user is not None and not _permitted(user, action, complaint):
        raise PermissionDenied
    statuses = RULES[action][1]
    if complaint is not None and statuses and complaint.status not in statuses:
        raise ActionError(
            _("This cannot be done while the complaint is “%(status)s”.") % {"status": complaint.get_status_display()}
        )


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def record_event(kind: str, *, by=None, complaint=None, recap=None, at=None, **data) -> Event:
    event = Event.objects.create(
        kind=kind,
        actor=by,
        actor_name=by.get_username() if by else "sigap",
        complaint=complaint,
        recap=recap,
        at=at or timezone.now(),
        data=audit.scrub(data),  # the sealed log must hold no identifiers (sigap.ops.audit)
    )
    connector_hooks.on_event(event)  # forwards and webhooks, queued in this transaction (sigap.connectors)
    return event


def start_step(
    *, number: int, started_at: datetime, complaint=None, recap=None, round: int = 1, save: bool = True
) -> Step:
    """The step's clock from `started_at`; `save=False` leaves the insert to the caller (bulk_create)."""
    sop = (complaint or recap).sop
    sop_step = sop.step(number)
    step = Step(
        complaint=complaint,
        recap=recap,
        sop_step=sop_step,
        number=number,
        round=round,
        role=sop_step.role,
        started_at=started_at,
        due_at=sop_step.due_from(started_at),
    )
    if save:
        step.save(force_insert=True)
    return step


def complete_step(step: Step, *, by=None, at: datetime | None = None, outcome: str = "", save: bool = True) -> Step:
    step.completed_at = at or timezone.now()
    step.completed_by = by
    step.outcome = outcome[:300]
    step.on_time = step.completed_at <= step.due_at
    if save:
        step.save(update_fields=["completed_at", "completed_by", "outcome", "on_time"])
    return step


def _open_step(complaint: Complaint, number: int) -> Step:
    step = complaint.steps.filter(number=number, completed_at=None).order_by("-round").first()
    if step is None:
        raise ActionError(_("Step %(n)s is not open for this complaint.") % {"n": number})
    return step


def issue_tracking_number(complaint: Complaint) -> str:
    """Give the complaint its nomor lacak; retried on the (astronomically rare) collision."""
    if complaint.tracking_number:
        return complaint.tracking_number
    for _attempt in range(5):
        number = tracking.generate(settings.SIGAP_TRACKING_PREFIX)
        try:
            with transaction.atomic():
                Complaint.objects.filter(pk=complaint.pk, tracking_number=None).update(tracking_number=number)
        except IntegrityError:
            continue
        complaint.tracking_number = number
        return number
    raise RuntimeError("could not issue a unique tracking number")


# Step 2 ---------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)  # nested in the API's and Open311's transactions: a savepoint costs round trips
def complaint_receive(
    *,
    by,
    platform: str,
    text: str,
    posted_at: datetime,
    permalink: str = "",
    handle: str = "",
    name: str = "",
    complainant_id: str = "",
    contact: str = "",
    account=None,
    category: Category | None = None,
    agency: Agency | None = None,
    kelurahan: Kelurahan | None = None,
    confidential: bool = False,
    anonymous: bool = False,
    uploads: Iterable = (),
    links: Iterable[str] = (),
    raw: dict | None = None,
) -> Complaint:
    """Enter a complaint from the Form Aduan Media Sosial: SOP step 2 done, step 3 begins."""
    check(by, "receive")
    now = timezone.now()
    complaint = Complaint.objects.create(
        sop=SopVersion.current(),
        status=Status.RECEIVED,
        platform=platform,
        account=account,
        complainant_id=complainant_id,
        complainant_handle=handle,
        complainant_name=name,
        contact=contact,
        text=text,
        permalink=permalink,
        posted_at=posted_at,
        received_at=now,
        category=category,
        agency=agency or (category.usual_agency if category else None),
        kelurahan=kelurahan,
        confidential=confidential,
        anonymous=anonymous,
        created_by=by,
    )
    message = Message.objects.create(
        complaint=complaint,
        platform=platform,
        account=account,
        author_id=complainant_id,
        author_handle=handle,
        author_name=name,
        text=text,
        permalink=permalink,
        posted_at=posted_at,
        received_at=now,
        raw=raw or {},
    )
    Attachment.objects.bulk_create(
        Attachment(complaint=complaint, message=message, url=url, name=url[-200:]) for url in links
    )  # one insert however many links
    for upload in uploads:
        _attach_upload(complaint, message, upload)
    issue_tracking_number(complaint)
    # Step 2 done and step 3 begun, in one insert.
    received = start_step(complaint=complaint, number=2, started_at=posted_at, save=False)
    complete_step(received, by=by, at=now, outcome=_("received"), save=False)
    Step.objects.bulk_create([received, start_step(complaint=complaint, number=3, started_at=now, save=False)])
    record_event("received", by=by, complaint=complaint, platform=platform, via="form")
    # The same routing suggestion as a channel complaint gets (form, API, Open311 alike); what the
    # person chose or left empty stands until they confirm or correct it in the routing box.
    from sigap.triage.decide import route_complaint  # sigap.triage imports this module

    route_complaint(complaint, fill=False, new=True)
    return complaint


def thread_complaint(message: Message) -> Complaint | None:
    """The open complaint a message continues: same platform, account, thread and author.

    Inside a transaction the thread stays locked until commit, so two workers reading two messages
    of one thread at once cannot both find no complaint and open two.
    """
    key = message.thread_key
    if not key:
        return None
    _lock_thread(key)
    return Complaint.objects.filter(thread_key=key, status__in=OPEN_STATUSES).order_by("-pk").first()


THREAD_LOCKS = 0x53494741  # the advisory-lock namespace of threads ("SIGA")


def _lock_thread(key: str) -> None:
    # SQLite needs none: a writing transaction holds the whole database from BEGIN (IMMEDIATE).
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s::integer, hashtext(%s))", [THREAD_LOCKS, key])


UNKNOWN = object()  # "not looked up yet", where None means "looked up: there is none"


@transaction.atomic(savepoint=False)  # nothing in it is retried: a failure fails the caller's transaction
def complaint_open_from_message(*, message: Message, by=None, thread=UNKNOWN) -> Complaint:
    """A message from a channel: a follow-up joins its thread's open complaint, else a new complaint opens.

    Step 2 runs from the citizen's post time to this decision (the worker's, or `by`'s when a
    person decided in the triage queue); the step-3 acknowledgement carrying the tracking number
    is queued in the outbox. `thread` is what `thread_complaint(message)` returned, when the
    caller has already looked it up in this transaction (the thread stays locked until commit).
    """
    key = message.thread_key
    open_one = thread_complaint(message) if thread is UNKNOWN else thread
    if open_one is not None:
        Message.objects.filter(pk=message.pk).update(complaint=open_one)
        record_event("follow_up", by=by, complaint=open_one, message=message.pk)  # its words stay in the Message
        return open_one
    now = timezone.now()
    complaint = Complaint.objects.create(
        sop=SopVersion.current(),
        status=Status.RECEIVED,
        platform=message.platform,
        account=message.account,
        complainant_id=message.author_id,
        complainant_handle=message.author_handle,
        complainant_name=message.author_name,
        text=message.text,
        permalink=message.permalink,
        posted_at=message.posted_at,
        received_at=now,
        thread_key=key,
        created_by=by,
    )
    Message.objects.filter(pk=message.pk).update(complaint=complaint)
    for media in (message.raw or {}).get("_media", []):
        if media.get("url"):
            Attachment.objects.create(complaint=complaint, message=message, url=media["url"][:1000], name=media.get("type", ""))
    issue_tracking_number(complaint)
    # Step 2 done and step 3 begun, in one insert.
    received = start_step(complaint=complaint, number=2, started_at=message.posted_at, save=False)
    complete_step(received, by=by, at=now, outcome=_("received"), save=False)
    Step.objects.bulk_create([received, start_step(complaint=complaint, number=3, started_at=now, save=False)])
    record_event("received", by=by, complaint=complaint, platform=message.platform, via="channel")
    if message.account_id:
        # A complaint opened just now has no reply yet: no need for queue_reply's look-up first.
        _create_reply(complaint=complaint, message=message, kind=Reply.Kind.ACK, text="")
    return complaint


def queue_reply(*, complaint: Complaint, kind: str, message: Message | None = None, text: str = "") -> Reply | None:
    """Put a reply in the outbox, once per complaint, kind and round."""
    message = message or complaint.messages.order_by("pk").first()
    if message is None or message.account_id is None:
        return None
    reply, _created = Reply.objects.get_or_create(
        complaint=complaint,
        kind=kind,
        round=complaint.round,
        defaults={
            "message": message, "platform": message.platform, "account_id": message.account_id,
            "text": _reply_text(complaint, message, kind, text),
        },
    )
    return reply


def _create_reply(*, complaint: Complaint, message: Message, kind: str, text: str) -> Reply:
    return Reply.objects.create(
        complaint=complaint, kind=kind, round=complaint.round, message=message,
        platform=message.platform, account_id=message.account_id, text=_reply_text(complaint, message, kind, text),
    )


def _reply_text(complaint: Complaint, message: Message, kind: str, text: str) -> str:
    from sigap.cases import replies

    if kind == Reply.Kind.ACK:
        # X refuses links in API replies (platform-apis §5.6): the number alone must do there.
        return replies.ack_text(complaint, with_link=message.platform != "x")
    return text


def _attach_upload(complaint: Complaint, message: Message, upload) -> Attachment:
    attachment = Attachment(
        complaint=complaint,
        message=message,
        name=upload.name[:200],
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
    )
    upload.file.seek(0)
    attachment.file.save(upload.sha256, upload.file, save=False)
    attachment.save()
    return attachment


# Step 3 ---------------------------------------------------------------------------------


@transaction.atomic
def complaint_register(*, complaint: Complaint, by, ack_via: str, ack_link: str = "", note: str = "") -> Complaint:
    """The tracking number is in the system and the complainant has been told it: step 3 done."""
    complaint = _locked(complaint)
    check(by, "register", complaint)
    number = issue_tracking_number(complaint)
    now = timezone.now()
    complete_step(_open_step(complaint, 3), by=by, at=now, outcome=_("acknowledged via %(via)s") % {"via": ack_via})
    start_step(complaint=complaint, number=4, started_at=now, round=complaint.round)
    complaint.status = Status.REGISTERED
    complaint.save(update_fields=["status", "updated_at"])
    record_event("registered", by=by, complaint=complaint, tracking_number=number, ack_via=ack_via, ack_link=ack_link, note=note)
    return complaint


# Step 4 ---------------------------------------------------------------------------------


@transaction.atomic
def complaint_forward(
    *, complaint: Complaint, by, agency: Agency, category: Category | None = None, note: str = ""
) -> Complaint:
    """Disposisi: send the complaint to the agency that must answer it."""
    complaint = _locked(complaint)
    check(by, "forward", complaint)
    changes = {"agency": [str(complaint.agency or ""), str(agency)]}
    complaint.agency = agency
    if category is not None:
        changes["category"] = [str(complaint.category or ""), str(category)]
        complaint.category = category
    complaint.status = Status.FORWARDED
    complaint.save(update_fields=["agency", "category", "status", "updated_at"])
    record_event("forwarded", by=by, complaint=complaint, agency=agency.code, note=note, changes=changes)
    return complaint


@transaction.atomic
def complaint_answer(*, complaint: Complaint, by, text: str) -> Answer:
    """The agency's answer (tindak lanjut), waiting for the reviewer."""
    complaint = _locked(complaint)
    check(by, "answer", complaint)
    answer = Answer.objects.create(
        complaint=complaint, round=complaint.round, agency=complaint.agency, text=text, created_by=by
    )
    complaint.status = Status.ANSWERED
    complaint.save(update_fields=["status", "updated_at"])
    record_event("answered", by=by, complaint=complaint, answer=answer.pk, agency=complaint.agency.code)
    return answer


def _submitted_answer(complaint: Complaint) -> Answer:
    answer = complaint.answers.filter(round=complaint.round, status=Answer.Status.SUBMITTED).first()
    if answer is None:
        raise ActionError(_("There is no answer waiting for review."))
    return answer


@transaction.atomic
def answer_approve(*, complaint: Complaint, by) -> Complaint:
    complaint = _locked(complaint)
    check(by, "approve", complaint)
    answer = _submitted_answer(complaint)
    now = timezone.now()
    answer.status, answer.reviewed_by, answer.reviewed_at = Answer.Status.APPROVED, by, now
    answer.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    complete_step(_open_step(complaint, 4), by=by, at=now, outcome=_("answer approved"))
    start_step(complaint=complaint, number=5, started_at=now, round=complaint.round)
    complaint.status = Status.APPROVED
    complaint.save(update_fields=["status", "updated_at"])
    record_event("approved", by=by, complaint=complaint, answer=answer.pk)
    from sigap.cases import replies

    # Where the complaint came through a connected account, the worker posts the answer itself.
    queue_reply(complaint=complaint, kind=Reply.Kind.ANSWER, text=replies.answer_text(complaint, answer.text))
    return complaint


@transaction.atomic
def answer_return(*, complaint: Complaint, by, reason: str) -> Complaint:
    complaint = _locked(complaint)
    check(by, "return", complaint)
    answer = _submitted_answer(complaint)
    answer.status, answer.reviewed_by, answer.reviewed_at = Answer.Status.RETURNED, by, timezone.now()
    answer.review_reason = reason
    answer.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
    complaint.status = Status.FORWARDED
    complaint.save(update_fields=["status", "updated_at"])
    record_event("returned", by=by, complaint=complaint, answer=answer.pk, reason=reason)
    return complaint


# Step 5 ---------------------------------------------------------------------------------


@transaction.atomic
def complaint_post_answer(*, complaint: Complaint, by, link: str, at: datetime | None = None) -> Complaint:
    """The approved answer is on the platform the complainant used; the link is the proof."""
    complaint = _locked(complaint)
    check(by, "post", complaint)
    answer = complaint.answers.filter(round=complaint.round, status=Answer.Status.APPROVED).first()
    if answer is None:
        raise ActionError(_("There is no approved answer to post."))
    now = at or timezone.now()
    if by is not None:
        # A person posted it by hand: the outbox must not post it a second time.
        complaint.replies.filter(kind=Reply.Kind.ANSWER, round=complaint.round, status=Reply.Status.PENDING).update(
            status=Reply.Status.CANCELLED, last_error=_("posted by hand")
        )
    answer.posted_link, answer.posted_at = link, now
    answer.save(update_fields=["posted_link", "posted_at"])
    complete_step(_open_step(complaint, 5), by=by, at=now, outcome=_("answer posted"))
    complaint.status = Status.POSTED
    complaint.save(update_fields=["status", "updated_at"])
    record_event("posted", by=by, complaint=complaint, link=link)
    return complaint


# Around the steps -----------------------------------------------------------------------


def _stop_open_steps(complaint: Complaint, *, by, outcome: str) -> None:
    for step in complaint.steps.filter(completed_at=None):
        complete_step(step, by=by, outcome=outcome)


@transaction.atomic
def complaint_close(*, complaint: Complaint, by, reason: str) -> Complaint:
    complaint = _locked(complaint)
    check(by, "close", complaint)
    _stop_open_steps(complaint, by=by, outcome=_("closed: %(reason)s") % {"reason": reason})
    complaint.status, complaint.closed_at = Status.CLOSED, timezone.now()
    complaint.save(update_fields=["status", "closed_at", "updated_at"])
    record_event("closed", by=by, complaint=complaint, reason=reason)
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, by, reason: str) -> Complaint:
    """The citizen says it is not fixed: the agency answers again, a new round of steps 4 and 5."""
    complaint = _locked(complaint)
    check(by, "reopen", complaint)
    complaint.round += 1
    complaint.status = Status.FORWARDED if complaint.agency_id else Status.REGISTERED
    complaint.closed_at = None
    complaint.save(update_fields=["round", "status", "closed_at", "updated_at"])
    start_step(complaint=complaint, number=4, started_at=timezone.now(), round=complaint.round)
    record_event("reopened", by=by, complaint=complaint, reason=reason, round=complaint.round)
    return complaint


@transaction.atomic
def complaint_merge(*, complaint: Complaint, into: Complaint, by) -> Complaint:
    """A duplicate joins the complaint that carries on; its messages are kept where they are."""
    if complaint.pk == into.pk:
        raise ActionError(_("A complaint cannot be merged into itself."))
    complaint = _locked(complaint)
    check(by, "merge", complaint)
    into = Complaint.objects.get(pk=into.pk)
    if into.status == Status.MERGED:
        raise ActionError(_("%(number)s was itself merged; merge into the complaint it joined.") % {"number": into})
    if by is not None and not into.can_view(by):
        raise PermissionDenied
    _stop_open_steps(complaint, by=by, outcome=_("merged into %(number)s") % {"number": into})
    complaint.status, complaint.merged_into, complaint.closed_at = Status.MERGED, into, timezone.now()
    complaint.save(update_fields=["status", "merged_into", "closed_at", "updated_at"])
    record_event("merged", by=by, complaint=complaint, into=str(into))
    record_event("merged_in", by=by, complaint=into, duplicate=str(complaint))
    return complaint


@transaction.atomic
def complaint_set_flags(*, complaint: Complaint, by, confidential: bool, anonymous: bool) -> Complaint:
    complaint = _locked(complaint)
    check(by, "flags", complaint)
    changes = {}
    if complaint.confidential != confidential:
        changes["confidential"] = [complaint.confidential, confidential]
    if complaint.anonymous != anonymous:
        changes["anonymous"] = [complaint.anonymous, anonymous]
    if changes:
        complaint.confidential, complaint.anonymous = confidential, anonymous
        complaint.save(update_fields=["confidential", "anonymous", "updated_at"])
        record_event("flags", by=by, complaint=complaint, changes=changes)
    return complaint
