"""Personal data: pseudonymised after the retention period, exported on a citizen's request.

A finished complaint (closed, or its answer posted, or merged into one that is itself done) keeps
the complainant's personal data for SIGAP_PSEUDONYMISE_AFTER_DAYS; then `pseudonymise` replaces
it with pseudonyms. A pseudonym is a keyed HMAC of the value (SIGAP_PSEUDONYM_KEY), so one
handle, platform id, phone number or NIK always becomes the same pseudonym: "how many complaints
came from one person" still counts right, and without the key the pseudonym cannot be turned
back into the value (nor checked against a guessed phone number).

What is replaced, for the complaint, its messages, replies, answers and feedback: the
complainant's platform id, handle, name and contact; every NIK, phone number, e-mail address and
vehicle plate in the texts (sigap.triage.pii) and the complainant's handle and name where they
appear in them; the links to the citizen's posts and media and the platforms' raw payloads; an
Open311 street address (its coordinates are rounded to about 100 m). Raw webhook bodies past the
period are emptied: the messages parsed from them are what is kept.

What stays as it was: status, category, agency, kelurahan, times and step clocks (so every
statistic is unchanged), uploaded files (photos of the problem, stored under their hash), the
recap archive (immutable files that must still verify) and the event log, which holds no
personal data in the first place (sigap.ops.audit.scrub; events refer to messages by id).
"""

import hashlib
import hmac
import re
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from sigap.cases.models import TRIAGE_WAITING, Answer, Attachment, Complaint, Event, Message, Reply, Status, Step
from sigap.triage import pii

# When the worker found nothing to do, it looks again after this many seconds (the query that
# finds posted complaints joins their answers: not something to run on every pass).
IDLE_SECONDS = 600
_next_look = 0.0


# Pseudonyms -----------------------------------------------------------------------------


def _key() -> bytes:
    if settings.SIGAP_PSEUDONYM_KEY:
        return settings.SIGAP_PSEUDONYM_KEY.encode()
    return hashlib.sha256(b"sigap.privacy.pseudonym\x00" + settings.SECRET_KEY.encode()).digest()


def _digest(kind: str, value: str, length: int = 10) -> str:
    return hmac.new(_key(), f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:length]


def normal_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def pseudonym(kind: str, value: str, platform: str = "") -> str:
    """The stable pseudonym of one value: the same value (and platform) always gives the same one."""
    if not value:
        return ""
    if kind == "id":
        return "psd-" + _digest(f"id:{platform}", value.strip(), 16)
    if kind == "handle":
        return "warga_" + _digest(f"handle:{platform}", normal_handle(value))
    if kind == "name":
        return "Warga " + _digest(f"name:{platform}", " ".join(value.lower().split()), 8)
    if kind == "contact":
        return "kontak-" + _digest("contact", _normal_pii(_contact_kind(value), value))
    return f"[{kind}-{_digest(kind, _normal_pii(kind, value), 8)}]"


def _contact_kind(value: str) -> str:
    found = pii.find_pii(value)
    return found[0].kind if found else "contact"


def _normal_pii(kind: str, value: str) -> str:
    if kind in (pii.NIK, pii.PHONE):
        digits = re.sub(r"\D", "", value)
        return "0" + digits[2:] if kind == pii.PHONE and digits.startswith("62") else digits
    if kind == pii.PLATE:
        return re.sub(r"[\s-]", "", value).upper()
    return value.strip().lower()


def _not_identifiers(text: str, links: bool) -> list[tuple[int, int]]:
    """Spans that look like identifiers but are not a person's: tracking numbers (their last
    part can read as a plate), SHA-256 hashes (sixteen digits in a row can pass for a NIK) and,
    where asked, links (Sigap's own reply links in events)."""
    prefix = re.escape(settings.SIGAP_TRACKING_PREFIX)
    pattern = rf"(?<![\w-]){prefix}-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}(?![\w-])|\b[0-9a-f]{{40,}}\b"
    pattern += r"|https?://\S+" if links else ""
    return [m.span() for m in re.finditer(pattern, text, flags=re.I)]


def identifiers(text: str, *, keep_links: bool = False) -> list[pii.PiiMatch]:
    """The NIK, phone numbers, e-mail addresses and plates in a text (sigap.triage.pii)."""
    found = pii.find_pii(text)
    if not found:
        return found
    kept = _not_identifiers(text, keep_links)
    return [m for m in found if not any(m.start < end and m.end > start for start, end in kept)]


def mask(text: str, *, keep_links: bool = False) -> str:
    """The text with each identifier masked as the public pages mask it ("0812****789")."""
    return _replace(text, identifiers(text, keep_links=keep_links), pii.mask_value)


def _replace(text: str, matches: list[pii.PiiMatch], replacement) -> str:
    pieces, cursor = [], 0
    for match in matches:
        pieces += [text[cursor : match.start], replacement(match)]
        cursor = match.end
    return "".join(pieces) + text[cursor:]


class Person:
    """One complainant's identifiers on one platform, and how to take them out of a text."""

    def __init__(self, platform: str, *, platform_id: str = "", handle: str = "", name: str = "") -> None:
        self.platform, self.platform_id, self.handle, self.name = platform, platform_id, handle, name

    def text(self, text: str) -> str:
        """The text with identifiers, and this person's handle and name, replaced by pseudonyms."""
        if not text:
            return text
        text = _replace(text, identifiers(text), lambda match: pseudonym(match.kind, match.value))
        handle = normal_handle(self.handle)
        if len(handle) >= 3:
            replacement = pseudonym("handle", handle, self.platform)
            text = re.sub(rf"@?(?<![\w.]){re.escape(handle)}(?!\w)", lambda m: replacement, text, flags=re.I)
        name = " ".join(self.name.split())
        if len(name) >= 3:
            pattern = r"\s+".join(re.escape(word) for word in name.split())
            replacement = pseudonym("name", name, self.platform)
            text = re.sub(rf"(?<!\w){pattern}(?!\w)", lambda m: replacement, text, flags=re.I)
        return text


# Pseudonymising ------------------------------------------------------------------------


def cutoff(now: datetime | None = None) -> datetime | None:
    days = settings.SIGAP_PSEUDONYMISE_AFTER_DAYS
    return None if days <= 0 else (now or timezone.now()) - timedelta(days=days)


def due(now: datetime | None = None):
    """Finished complaints past the retention period whose personal data is still held."""
    limit = cutoff(now)
    if limit is None:
        return Complaint.objects.none()
    waiting = Complaint.objects.filter(pseudonymised_at=None)
    closed = Q(status=Status.CLOSED, closed_at__lt=limit)
    # A duplicate goes with the complaint it joined, whose thread it is part of.
    merged = Q(status=Status.MERGED, closed_at__lt=limit, merged_into__pseudonymised_at__isnull=False)
    posted = waiting.filter(status=Status.POSTED).annotate(last_post=Max("answers__posted_at")).filter(last_post__lt=limit)
    return waiting.filter(closed | merged | Q(pk__in=posted.values("pk"))).order_by("pk")


def due_messages(now: datetime | None = None):
    """Messages that never became part of a complaint (greetings, questions), past the period."""
    limit = cutoff(now)
    if limit is None:
        return Message.objects.none()
    return (
        Message.objects.filter(complaint=None, pseudonymised_at=None, received_at__lt=limit)
        .exclude(triage_state__in=TRIAGE_WAITING)
        .order_by("pk")
    )


def _message(message: Message, person: Person | None, now: datetime) -> None:
    person = person or Person(message.platform, platform_id=message.author_id, handle=message.author_handle, name=message.author_name)
    Message.objects.filter(pk=message.pk).update(
        author_id=pseudonym("id", message.author_id, message.platform),
        author_handle=pseudonym("handle", message.author_handle, message.platform),
        author_name=pseudonym("name", message.author_name, message.platform),
        text=person.text(message.text),
        permalink="",
        raw={},
        pseudonymised_at=now,
    )


@transaction.atomic
def pseudonymise_complaint(complaint: Complaint, *, by=None, now: datetime | None = None) -> bool:
    """Replace one complaint's personal data; False if another worker did it first."""
    from sigap.cases.actions import record_event

    now = now or timezone.now()
    complaint = Complaint.objects.select_for_update().filter(pk=complaint.pk, pseudonymised_at=None).first()
    if complaint is None:
        return False
    platform = complaint.platform
    person = Person(platform, platform_id=complaint.complainant_id, handle=complaint.complainant_handle, name=complaint.complainant_name)
    author_id = pseudonym("id", complaint.complainant_id, platform)
    thread_key = complaint.thread_key
    if thread_key and complaint.complainant_id and thread_key.endswith(":" + complaint.complainant_id):
        thread_key = thread_key[: -len(complaint.complainant_id)] + author_id
    Complaint.objects.filter(pk=complaint.pk).update(
        complainant_id=author_id,
        complainant_handle=pseudonym("handle", complaint.complainant_handle, platform),
        complainant_name=pseudonym("name", complaint.complainant_name, platform),
        contact=pseudonym("contact", complaint.contact),
        text=person.text(complaint.text),
        permalink="",
        thread_key=thread_key,
        pseudonymised_at=now,
    )  # update(): updated_at stays the time of the last real change
    for message in Message.objects.filter(complaint=complaint):
        _message(message, person, now)
    for answer in Answer.objects.filter(complaint=complaint).only("pk", "text", "review_reason"):
        Answer.objects.filter(pk=answer.pk).update(text=person.text(answer.text), review_reason=person.text(answer.review_reason))
    for reply in Reply.objects.filter(complaint=complaint).only("pk", "text"):
        Reply.objects.filter(pk=reply.pk).update(text=person.text(reply.text))
    for step in Step.objects.filter(complaint=complaint).exclude(outcome="").only("pk", "outcome"):
        # Only the note ("closed: <reason>"); the step's times, which every statistic uses, stay.
        Step.objects.filter(pk=step.pk).update(outcome=person.text(step.outcome)[:300])
    for attachment in Attachment.objects.filter(complaint=complaint).only("pk", "file", "url", "name"):
        # The photo stays (it shows the problem, under its content hash); the citizen's file name
        # and the link to their media on the platform go.
        name = f"lampiran-{attachment.pk}" if attachment.file else ""
        Attachment.objects.filter(pk=attachment.pk).update(url="", name=name)
    _related(complaint, person)
    record_event("pseudonymised", by=by, complaint=complaint, at=now, after_days=settings.SIGAP_PSEUDONYMISE_AFTER_DAYS)
    return True


def _related(complaint: Complaint, person: Person) -> None:
    """Rows other apps keep about the complaint: the citizen's feedback, an Open311 address."""
    from sigap.open311.models import Submission
    from sigap.public.models import Feedback

    for feedback in Feedback.objects.filter(complaint=complaint).exclude(comment=""):
        Feedback.objects.filter(pk=feedback.pk).update(comment=person.text(feedback.comment))
    for submission in Submission.objects.filter(complaint=complaint):
        Submission.objects.filter(pk=submission.pk).update(
            address_string=pseudonym("address", submission.address_string) if submission.address_string else "",
            address_id="",
            lat=round(submission.lat, 3) if submission.lat is not None else None,
            long=round(submission.long, 3) if submission.long is not None else None,
        )


def pseudonymise_message(message: Message, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message.pk, pseudonymised_at=None, complaint=None).first()
        if message is None:
            return False
        _message(message, None, now)
    return True


def empty_old_deliveries(now: datetime | None = None, batch: int = 1000) -> int:
    """Raw webhook bodies past the period: emptied, the rows kept (their parsed messages are the record)."""
    from sigap.platforms.models import Delivery

    limit = cutoff(now)
    if limit is None:
        return 0
    done = [Delivery.Status.DONE, Delivery.Status.UNREADABLE]
    ids = list(
        Delivery.objects.filter(status__in=done, received_at__lt=limit).exclude(body=b"").order_by("pk").values_list("pk", flat=True)[:batch]
    )
    return Delivery.objects.filter(pk__in=ids).update(body=b"") if ids else 0


def pseudonymise_one() -> bool:
    """The worker's job: one complaint (or message, or batch of deliveries) past the period."""
    global _next_look
    if time.monotonic() < _next_look:
        return False
    complaint = due().first()
    if complaint is not None:
        return pseudonymise_complaint(complaint) or True
    message = due_messages().first()
    if message is not None:
        return pseudonymise_message(message) or True
    if empty_old_deliveries():
        return True
    _next_look = time.monotonic() + IDLE_SECONDS
    return False


# Export ---------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def find_person(*, platform: str = "", handle: str = "", tracking_number: str = "") -> tuple[str, set[str], set[str]]:
    """(platform, platform ids, handles) of the citizen asked about; empty sets if nobody matches.

    A tracking number stands for its complainant; a handle for whoever used it on the platform.
    Either way the ids and handles found on their complaints are followed once, so a citizen
    who changed their handle gets both.
    """
    ids: set[str] = set()
    handles: set[str] = set()
    if tracking_number:
        complaint = Complaint.objects.filter(tracking_number=tracking_number.strip().upper()).first()
        if complaint is None:
            return platform, ids, handles
        platform = complaint.platform
        ids.add(complaint.complainant_id)
        handles.add(normal_handle(complaint.complainant_handle))
    else:
        handles.add(normal_handle(handle))
    ids.discard("")
    handles.discard("")
    if not ids and not handles:
        return platform, ids, handles
    found = Complaint.objects.filter(platform=platform).filter(_who(ids, handles, "complainant_id", "complainant_handle"))
    for platform_id, found_handle in found.values_list("complainant_id", "complainant_handle"):
        ids.add(platform_id)
        handles.add(normal_handle(found_handle))
    ids.discard("")
    handles.discard("")
    return platform, ids, handles


def _who(ids: set[str], handles: set[str], id_field: str, handle_field: str) -> Q:
    q = Q(pk__in=[])
    if ids:
        q |= Q(**{f"{id_field}__in": ids})
    for handle in handles:
        q |= Q(**{f"{handle_field}__iexact": handle}) | Q(**{f"{handle_field}__iexact": "@" + handle})
    return q


def export(*, platform: str, ids: set[str], handles: set[str], tracking_number: str = "") -> dict:
    """Everything held about one citizen, as plain JSON-ready data."""
    complaints = Complaint.objects.filter(platform=platform).filter(_who(ids, handles, "complainant_id", "complainant_handle"))
    if tracking_number:
        complaints = complaints | Complaint.objects.filter(tracking_number=tracking_number.strip().upper())
    complaints = complaints.distinct().select_related("category", "agency", "kelurahan").order_by("posted_at", "pk")
    in_complaints = set()
    result = []
    for c in complaints:
        in_complaints.add(c.pk)
        result.append(_complaint(c))
    others = Message.objects.filter(platform=platform).filter(_who(ids, handles, "author_id", "author_handle"))
    others = others.exclude(complaint_id__in=in_complaints).order_by("posted_at", "pk")
    return {
        "format": "sigap-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "platform": platform,
        "platform_ids": sorted(ids),
        "handles": sorted(handles),
        "complaints": result,
        "other_messages": [_message_data(m) for m in others],
    }


def _complaint(c: Complaint) -> dict:
    from sigap.open311.models import Submission
    from sigap.public.models import Feedback

    submission = Submission.objects.filter(complaint=c).first()
    return {
        "tracking_number": c.tracking_number,
        "status": c.status,
        "round": c.round,
        "platform": c.platform,
        "complainant_id": c.complainant_id,
        "handle": c.complainant_handle,
        "name": c.complainant_name,
        "contact": c.contact,
        "text": c.text,
        "permalink": c.permalink,
        "posted_at": _iso(c.posted_at),
        "received_at": _iso(c.received_at),
        "closed_at": _iso(c.closed_at),
        "pseudonymised_at": _iso(c.pseudonymised_at),
        "category": str(c.category) if c.category else None,
        "agency": c.agency.code if c.agency else None,
        "kelurahan": str(c.kelurahan) if c.kelurahan else None,
        "confidential": c.confidential,
        "anonymous": c.anonymous,
        "messages": [_message_data(m) for m in c.messages.order_by("posted_at", "pk")],
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "url": a.url, "file": a.file.name or None}
            for a in c.attachments.order_by("pk")
        ],
        "answers": [
            {"round": a.round, "status": a.status, "text": a.text, "created_at": _iso(a.created_at), "posted_at": _iso(a.posted_at), "posted_link": a.posted_link}
            for a in c.answers.order_by("created_at", "pk")
        ],
        "replies": [
            {"kind": r.kind, "status": r.status, "text": r.text, "sent_at": _iso(r.sent_at), "permalink": r.permalink}
            for r in c.replies.order_by("pk")
        ],
        "feedback": [
            {"kind": f.kind, "round": f.round, "rating": f.rating, "comment": f.comment, "created_at": _iso(f.created_at)}
            for f in Feedback.objects.filter(complaint=c).order_by("created_at")
        ],
        "open311": {"address": submission.address_string, "lat": submission.lat, "long": submission.long} if submission else None,
        "steps": [
            {"step": s.number, "round": s.round, "started_at": _iso(s.started_at), "due_at": _iso(s.due_at), "completed_at": _iso(s.completed_at), "on_time": s.on_time}
            for s in c.steps.order_by("number", "round")
        ],
        "events": [{"at": _iso(e.at), "kind": e.kind, "by": e.actor_name, "data": e.data} for e in Event.objects.filter(complaint=c).order_by("at", "pk")],
    }


def _message_data(m: Message) -> dict:
    return {
        "platform": m.platform,
        "kind": m.kind,
        "author_id": m.author_id,
        "handle": m.author_handle,
        "name": m.author_name,
        "text": m.text,
        "permalink": m.permalink,
        "posted_at": _iso(m.posted_at),
        "received_at": _iso(m.received_at),
        "pseudonymised_at": _iso(m.pseudonymised_at),
    }
