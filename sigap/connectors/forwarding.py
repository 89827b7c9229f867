"""Forwarding to another complaint system through an Open311 connector, and pulling its answer back.

1. **Queue.** When the desk forwards a complaint (disposisi, step 4) or reopens a forwarded one,
   `enqueue` adds one ForwardLink per matching Open311 connector, in the action's transaction.
2. **Send** (`forward_one`, from `sigap worker`): the link is claimed with a conditional UPDATE,
   then POSTed to the connector's requests.json. The returned service_request_id (or token) is
   kept. Timeouts, 408, 429 and 5xx are retried with backoff; other refusals, and answers that
   cannot be read, stop and wait for a person (state "failed"), who can retry from the admin.
   A worker that dies mid-send leaves the link claimed; after the lease it is sent again. That
   may file the request twice over there (Sigap's own Open311 returns the first one when the
   same request comes again within ten minutes) but never loses it.
3. **Pull** (`poll_one_connector`): every `poll_interval` seconds, per connector, tokens are
   resolved, the updates extension is read from where the last read stopped, and
   requests.json?service_request_id=… gives the status of every open link. An answer (an update
   that carries one, or the request closed with its status notes) is recorded in step 4 through
   `complaint_answer`, as the connector's own user, once: each update is stored under its id
   with a unique constraint, and the link leaves "sent" in the same transaction.

What leaves Sigap: the tracking number, the category's service code, the text (masked as on the
public tracking page unless the connector may send the full text; a confidential complaint is
always masked, and is not forwarded at all unless the connector allows it), and where: the
kelurahan (or the coordinates an Open311 client gave, with the full text only). Never the
complainant's name, handle, contact, post link or media.
"""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.cases import actions
from sigap.cases.actions import ActionError
from sigap.cases.models import Status
from sigap.connectors.georeport import Client, clean_id, parse_time, text_of
from sigap.connectors.models import Connector, ForwardLink, RemoteUpdate
from sigap.connectors.remote import LEASE, MAX_ATTEMPTS, ConnectorError, backoff
from sigap.public.privacy import mask, mask_complaint_text

log = logging.getLogger(__name__)

TRIGGERS = ("forwarded", "reopened")
CITY = "Surakarta"
MAX_DESCRIPTION = 4000  # GeoReport v2's limit for description
BATCH = 50  # ids per requests.json call
PAGE_FULL = 1000  # the spec's default maximum: a full page means there may be more
OVERLAP = timedelta(minutes=2)  # re-read a little of the last window: clocks and commits are not exact
# FixMyStreet's closing states besides "closed" (its Open311 update statuses, lower-cased).
CLOSED = {"closed", "fixed", "duplicate", "not_councils_responsibility", "no_further_action", "internal_referral"}


# Queueing (inside the workflow action's transaction) -----------------------------------------


def enqueue(event, connectors: list[Connector]) -> None:
    if event.kind not in TRIGGERS or event.complaint_id is None or not connectors:
        return
    complaint = event.complaint
    if complaint.status != Status.FORWARDED:
        return  # reopened without an agency: the next forward queues it
    for connector in connectors:
        agency_ids = {a.pk for a in connector.agencies.all()}
        if agency_ids and complaint.agency_id not in agency_ids:
            continue
        if complaint.tracking_number and ForwardLink.objects.filter(
            connector=connector, remote_id=complaint.tracking_number
        ).exists():
            # This complaint is the other system's copy of one we forwarded: a connector pointed
            # at this very Sigap would otherwise send it round for ever.
            continue
        state, note = ForwardLink.State.PENDING, ""
        if complaint.confidential and not connector.include_confidential:
            state, note = ForwardLink.State.SKIPPED, _("Confidential: it stays inside Sigap, where the agency answers it.")
        ForwardLink.objects.get_or_create(
            complaint=complaint,
            connector=connector,
            round=complaint.round,
            defaults={"state": state, "last_error": note, "next_attempt_at": timezone.now()},
        )


# What is sent ---------------------------------------------------------------------------------


def request_fields(link: ForwardLink) -> dict:
    complaint, connector = link.complaint, link.connector
    masked = complaint.confidential or not connector.share_full_text
    text = mask_complaint_text(complaint) if masked else complaint.text
    number = complaint.tracking_number if link.round == 1 else f"{complaint.tracking_number} #{link.round}"
    fields = {"service_code": _service_code(connector, complaint), "description": f"[{number}] {text}"[:MAX_DESCRIPTION]}
    fields.update(_location(complaint, masked))
    return fields


def _service_code(connector: Connector, complaint) -> str:
    if complaint.category_id:
        from sigap.open311.models import ServiceCode
        from sigap.open311.services import ensure_codes

        ensure_codes()
        code = ServiceCode.objects.filter(category_id=complaint.category_id).values_list("code", flat=True).first()
        if code:
            return connector.service_code_for(code)
    if connector.default_service_code:
        return connector.default_service_code
    raise ConnectorError(
        _("The complaint has no category and the connector has no service code for that: choose a category, then retry."),
        permanent=True,
    )


def _location(complaint, masked: bool) -> dict:
    from sigap.open311.models import Submission

    submission = Submission.objects.filter(complaint=complaint).first()
    if submission and submission.lat is not None and not masked:
        return {"lat": f"{submission.lat:.6f}", "long": f"{submission.long:.6f}"}
    if submission and submission.address_string:
        return {"address_string": mask(submission.address_string) if masked else submission.address_string}
    if complaint.kelurahan_id:
        k = complaint.kelurahan
        return {"address_string": f"{k.name}, {k.kecamatan}, {CITY}"}
    return {"address_string": CITY}


# Sending --------------------------------------------------------------------------------------


def forward_one(now=None) -> bool:
    """Send one due forward; False when none is due."""
    now = now or timezone.now()
    link = ForwardLink.objects.select_related("connector", "complaint", "complaint__kelurahan").next_due(now, LEASE)
    if link is None:
        return False
    claimed = ForwardLink.objects.filter(pk=link.pk, state=link.state, claimed_at=link.claimed_at).update(
        state=ForwardLink.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return True  # another worker has it
    link.attempts += 1
    try:
        if not link.connector.active:
            raise ConnectorError(_("The connector is switched off."), permanent=True)
        remote_id, token = Client(link.connector).post_request(request_fields(link))
    except ConnectorError as exc:
        if exc.malformed:
            # The server said yes but we cannot tell to what: sending again could file it twice.
            exc = ConnectorError(
                _("%(error)s Check whether it arrived there before retrying.") % {"error": exc.message}, permanent=True
            )
        _failed(link, exc, now)
        return True
    except Exception as exc:
        # A bug must not leave the link claimed for ever, nor be retried in a tight loop.
        log.exception("forward %s crashed", link.pk)
        _failed(link, ConnectorError(f"internal error: {type(exc).__name__}", permanent=True), now)
        return True
    _sent(link, remote_id, token, now)
    return True


def _mine(link: ForwardLink, now):
    """The link while this worker's claim holds (another may have taken it over after the lease)."""
    return ForwardLink.objects.filter(pk=link.pk, state=ForwardLink.State.SENDING, claimed_at=now)


def _failed(link: ForwardLink, exc: ConnectorError, now) -> None:
    permanent = exc.permanent or link.attempts >= MAX_ATTEMPTS
    message = exc.message[:300]
    with transaction.atomic():
        if permanent:
            if _mine(link, now).update(state=ForwardLink.State.FAILED, last_error=message):
                actions.record_event(
                    "forward_failed", complaint=link.complaint, connector=link.connector.name, reason=message
                )
        else:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(link.attempts)
            _mine(link, now).update(state=ForwardLink.State.PENDING, next_attempt_at=now + wait, last_error=message)


def _sent(link: ForwardLink, remote_id: str, token: str, now) -> None:
    with transaction.atomic():
        if not _mine(link, now).update(
            state=ForwardLink.State.SENT, remote_id=remote_id, token=token, sent_at=timezone.now(), last_error=""
        ):
            return
        actions.record_event(
            "forward_sent", complaint=link.complaint, connector=link.connector.name, remote_id=remote_id or token
        )
        # The first answers come soon after the first forward; later ones wait for the interval.
        Connector.objects.filter(pk=link.connector_id, next_poll_at=None).update(next_poll_at=timezone.now())


# Pulling --------------------------------------------------------------------------------------


def poll_one_connector(now=None) -> bool:
    """Read one due Open311 connector's news; False when none is due."""
    now = now or timezone.now()
    connector = (
        Connector.objects.filter(kind=Connector.Kind.OPEN311, active=True)
        .filter(Q(next_poll_at__lte=now) | Q(next_poll_at=None))
        .order_by(F("next_poll_at").asc(nulls_first=True), "pk")
        .first()
    )
    if connector is None:
        return False
    # The claim: whoever moves next_poll_at on first polls; the others find it not due.
    if not Connector.objects.filter(pk=connector.pk, next_poll_at=connector.next_poll_at).update(
        next_poll_at=now + timedelta(seconds=max(connector.poll_interval, 10))
    ):
        return True
    links = list(connector.links.filter(state=ForwardLink.State.SENT).select_related("complaint"))
    if links:
        _poll(connector, links, now)
    return True


def _poll(connector: Connector, links: list[ForwardLink], now) -> None:
    client = Client(connector)
    errors: list[str] = []
    for link in [lk for lk in links if not lk.remote_id and lk.token]:
        try:
            remote_id = client.resolve_token(link.token)
        except ConnectorError as exc:
            errors.append(_("tokens: %(error)s") % {"error": exc.message})
            break
        if remote_id:
            ForwardLink.objects.filter(pk=link.pk).update(remote_id=remote_id)
            link.remote_id = remote_id
    by_id = {lk.remote_id: lk for lk in links if lk.remote_id}
    more = False
    if by_id and connector.use_updates:
        try:
            more = _pull_updates(client, connector, by_id, now)
        except ConnectorError as exc:
            if exc.status == 404:
                # The server has no updates extension: requests.json alone tells open from closed.
                Connector.objects.filter(pk=connector.pk).update(use_updates=False)
            else:
                errors.append(_("updates: %(error)s") % {"error": exc.message})
    still_sent = set(
        ForwardLink.objects.filter(pk__in=[lk.pk for lk in by_id.values()], state=ForwardLink.State.SENT).values_list("pk", flat=True)
    )
    open_ids = [rid for rid, lk in by_id.items() if lk.pk in still_sent]
    for start in range(0, len(open_ids), BATCH):
        try:
            items = client.requests(open_ids[start : start + BATCH])
        except ConnectorError as exc:
            errors.append(_("requests: %(error)s") % {"error": exc.message})
            break
        _apply_requests(by_id, items, now)
    changes = {"last_error": "; ".join(errors)[:300]}
    if more:
        changes["next_poll_at"] = now  # a full page: read the rest on the next pass
    Connector.objects.filter(pk=connector.pk).update(**changes)


def _pull_updates(client: Client, connector: Connector, by_id: dict, now) -> bool:
    since = connector.updates_since or min(lk.sent_at or now for lk in by_id.values())
    items = client.updates(since - OVERLAP)
    newest = connector.updates_since
    for item in items:
        at = parse_time(item.get("updated_datetime"))
        if at is not None and at <= now + timedelta(days=1) and (newest is None or at > newest):
            newest = at
        link = by_id.get(clean_id(item.get("service_request_id")))
        update_id = clean_id(item.get("update_id"))
        if link is None or not update_id:
            continue
        description = text_of(item, "description")
        # Sigap's own updates carry the approved answer under external_status_code "approved",
        # its description being a label, a blank line, then the answer.
        code = text_of(item, "external_status_code", 40).lower()
        answer = (description.partition("\n\n")[2] or description) if code == "approved" else ""
        _safely(link, _record, link, update_id, text_of(item, "status", 40).lower(), description, at, answer=answer, now=now)
    if newest is not None:
        Connector.objects.filter(pk=connector.pk).update(updates_since=newest)
    return len(items) >= PAGE_FULL


def _apply_requests(by_id: dict, items: list[dict], now) -> None:
    for item in items:
        link = by_id.get(clean_id(item.get("service_request_id")))
        if link is None:
            continue
        status = text_of(item, "status", 40).lower()
        ForwardLink.objects.filter(pk=link.pk).update(remote_status=status)
        if status not in CLOSED:
            continue
        notes = text_of(item, "status_notes")
        if not notes:
            closing = link.updates.filter(status__in=CLOSED).exclude(description="").order_by("-at", "-pk").first()
            notes = closing.description if closing else ""
        if notes:
            at = parse_time(item.get("updated_datetime"))
            _safely(link, _record, link, f"request:{status}", status, notes, at, answer=notes, now=now)
        else:
            ForwardLink.objects.filter(pk=link.pk, state=ForwardLink.State.SENT).update(
                state=ForwardLink.State.FAILED,
                last_error=_("Closed there without any answer: a person must answer it here.")[:300],
            )


def _safely(link: ForwardLink, function, *args, **kwargs) -> None:
    """One link's bug must not stop the others' answers: it is logged and shown on that link."""
    try:
        function(*args, **kwargs)
    except Exception as exc:
        log.exception("forward %s: applying an update crashed", link.pk)
        ForwardLink.objects.filter(pk=link.pk).update(last_error=f"internal error: {type(exc).__name__}"[:300])


def _record(link: ForwardLink, update_id: str, status: str, description: str, at, *, answer: str, now) -> None:
    """Keep one update; if it carries the answer and none was recorded yet, record it in step 4."""
    with transaction.atomic():
        link = ForwardLink.objects.select_for_update().select_related("connector", "complaint").get(pk=link.pk)
        update, created = RemoteUpdate.objects.get_or_create(
            link=link, update_id=update_id, defaults={"status": status, "description": description, "at": at}
        )
        if not created:
            return  # read before: never applied twice
        if not answer or link.state != ForwardLink.State.SENT:
            return
        applied, note = _answer(link, answer)
        if applied:
            RemoteUpdate.objects.filter(pk=update.pk).update(applied=True)
        ForwardLink.objects.filter(pk=link.pk).update(state=ForwardLink.State.ANSWERED, answered_at=now, last_error=note[:300])


def _answer(link: ForwardLink, text: str) -> tuple[bool, str]:
    """The other system's answer as the agency's answer, through the same action as the web's."""
    complaint = link.complaint
    complaint.refresh_from_db()
    if complaint.status != Status.FORWARDED or complaint.round != link.round:
        return False, _("Not recorded as the answer: the complaint was already “%(status)s”.") % {
            "status": complaint.get_status_display()
        }
    actor = link.connector.acting_user()
    try:
        with transaction.atomic():
            actions.complaint_answer(complaint=complaint, by=actor, text=text)
            if link.connector.auto_approve:
                actions.answer_approve(complaint=complaint, by=actor)
    except (ActionError, PermissionDenied) as exc:
        return False, _("Not recorded as the answer: %(error)s") % {"error": exc}
    return True, ""
