"""Tamper evidence for the event log: events are sealed into a hash chain, like the archive register.

Writing an event stays a plain INSERT (webhook intake writes them on its hot path, so nothing
there waits on a chain lock). Shortly after, the worker's `seal_events` job chains the unsealed
events in id order, a batch at a time: each gets the next `sequence`, the `previous_hash` of the
event before it and its `entry_hash` = sha256(previous hash + "\\n" + canonical content), the
content being the event's immutable fields as sorted JSON (times in UTC to the microsecond).
The one `EventChainHead` row holds the last sequence and hash; a sealer locks it and updates it
conditionally, so two workers never extend the chain at once and a lost race only retries.

The chain links by sequence, not by id: on PostgreSQL a rolled-back transaction leaves a gap in
the ids, and a transaction that commits late gives an event a smaller id than ones already
sealed; both are fine. Only a sealed event can be missed. `sigap audit verify` names:

- an event edited in the database             → its content no longer matches its hash;
- an event deleted                            → its sequence number is missing;
- events reordered or their chain rewritten   → an event does not chain onto the one before;
- events cut off the end                       → the head row is ahead of the last event.

As with the archive, whoever can rewrite every event from some point on together with the head
row is not caught by the chain alone: keep the head hash that `sigap audit verify` prints
somewhere else (the worker log, a ticket, the monthly recap's minutes).

Personal data is kept out of events (see `scrub`): the event log is never rewritten, so it must
not hold what `sigap privacy pseudonymise` has to remove later.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.cases.models import Event, EventChainHead

GENESIS = "0" * 64
HEAD_PK = 1
UPDATE_ROWS = 250  # rows per UPDATE statement: 1,000 parameters, well inside SQLite's limit


@dataclass
class Problem:
    kind: str  # edited, deleted, chain, head
    message: str
    event_id: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class Report:
    sealed: int = 0
    unsealed: int = 0
    head_sequence: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(event: Event) -> str:
    """The event's content as the chain hashes it: every field but the chain's own, sorted JSON."""
    content = {
        "id": event.pk,
        "sequence": event.sequence,
        "kind": event.kind,
        "at": _iso(event.at),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "complaint": event.complaint_id,
        "recap": event.recap_id,
        "data": event.data,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain(previous_hash: str, content: str) -> str:
    return hashlib.sha256(f"{previous_hash}\n{content}".encode()).hexdigest()


# Keeping personal data out ------------------------------------------------------------------


def scrub(data: dict) -> dict:
    """Event data without identifiers: NIK, phone numbers, e-mail addresses and plates are masked.

    Callers put ids and codes in events, and the citizen's own words stay in Message rows (which
    pseudonymisation can rewrite); this catches identifiers typed into staff notes and reasons.
    """
    from sigap.ops.privacy import mask

    def clean(value):
        if isinstance(value, str):
            return mask(value, keep_links=True)
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    return clean(data)


# Sealing ---------------------------------------------------------------------------------


def _head() -> EventChainHead:
    head, _created = EventChainHead.objects.get_or_create(pk=HEAD_PK)
    return head


def seal(batch: int | None = None) -> int:
    """Chain the oldest unsealed events onto the head, in one transaction; how many were sealed.

    0 when there is nothing to seal or another worker is sealing right now.
    """
    batch = batch or settings.SIGAP_AUDIT_SEAL_BATCH
    if not Event.objects.filter(sequence=None).exists():
        return 0  # idle: no transaction (on SQLite that would take the write lock for nothing)
    _head()  # made by the migration; a restored or hand-emptied table gets it back
    with transaction.atomic():
        # skip_locked: a second worker moves on to other jobs instead of queueing behind the first.
        head = EventChainHead.objects.select_for_update(skip_locked=True).filter(pk=HEAD_PK).first()
        if head is None:
            return 0
        events = list(Event.objects.filter(sequence=None).order_by("pk")[:batch])
        if not events:
            return 0
        sequence, previous = head.sequence, head.entry_hash
        for event in events:
            sequence += 1
            event.sequence, event.previous_hash = sequence, previous
            event.entry_hash = previous = chain(previous, canonical(event))
        # Conditional, so a sealer that read a stale head (SQLite has no row locks) changes nothing.
        moved = EventChainHead.objects.filter(pk=HEAD_PK, sequence=head.sequence, entry_hash=head.entry_hash).update(
            sequence=sequence, entry_hash=previous, sealed_at=timezone.now()
        )
        if moved != 1:
            transaction.set_rollback(True)
            return 0
        # The chain's own columns are the one thing ever written to an existing event, here only,
        # past the append-only guard: UPDATE … FROM (VALUES …), a few statements per batch
        # (PostgreSQL; SQLite from 3.33), several times faster than Django's CASE-per-row bulk_update.
        for start in range(0, len(events), UPDATE_ROWS):
            _write_chain(events[start : start + UPDATE_ROWS])
    return len(events)


def _write_chain(events: list[Event]) -> None:
    q = connection.ops.quote_name
    table = q(Event._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(events))
    sql = (
        f"UPDATE {table} SET {q('sequence')} = v.column2, {q('previous_hash')} = v.column3, "
        f"{q('entry_hash')} = v.column4 FROM (VALUES {rows}) AS v "
        f"WHERE {table}.{q('id')} = v.column1 AND {table}.{q('sequence')} IS NULL"
    )
    params = [value for e in events for value in (e.pk, e.sequence, e.previous_hash, e.entry_hash)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def seal_events() -> bool:
    """The worker's job: seal one batch; True while there was work."""
    return seal() > 0


def seal_all(progress: Callable[[int], None] | None = None) -> int:
    total = 0
    while sealed := seal():
        total += sealed
        if progress:
            progress(total)
    return total


# Verifying -------------------------------------------------------------------------------


def unsealed_count() -> int:
    return Event.objects.filter(sequence=None).count()


def sealed_count() -> int:
    return Event.objects.exclude(sequence=None).count()


def _missing(first: int, last: int, before: int | None, after: int) -> Problem:
    numbers = f"#{first}" if first == last else f"#{first}–#{last}"
    if before is not None and first == last and after - before == 2 and not Event.objects.filter(pk=before + 1).exists():
        # One sealed event between two survivors whose ids are one apart: its id is the one in
        # between (unless that id is still there, sealed elsewhere: then say only where it was).
        message = _("event %(id)s (sealed as %(numbers)s) was deleted") % {"id": before + 1, "numbers": numbers}
        return Problem("deleted", message, before + 1)
    between = f"{before}–{after}" if before is not None else f"…–{after}"
    message = _("sealed event(s) %(numbers)s are missing (between event ids %(between)s): deleted") % {
        "numbers": numbers,
        "between": between,
    }
    return Problem("deleted", message)


def verify(progress: Callable[[int], None] | None = None) -> Report:
    """Recompute the whole chain: (sealed, unsealed, head, problems)."""
    report = Report(unsealed=unsealed_count())
    expected_sequence, expected_previous = 1, GENESIS
    last_id = None
    fields = ["id", "sequence", "previous_hash", "entry_hash", "kind", "at", "actor_id", "actor_name", "complaint_id", "recap_id", "data"]
    events = Event.objects.exclude(sequence=None).order_by("sequence").only(*fields)
    for event in events.iterator(chunk_size=2000):
        report.sealed += 1
        n = event.sequence
        if n != expected_sequence:
            report.problems.append(_missing(expected_sequence, n - 1, last_id, event.pk))
        elif event.previous_hash != expected_previous:
            message = _(
                "event %(id)s (#%(n)s) does not chain onto the event before it: events were reordered, removed or rewritten"
            )
            report.problems.append(Problem("chain", message % {"id": event.pk, "n": n}, event.pk))
        if chain(event.previous_hash, canonical(event)) != event.entry_hash:
            message = _("event %(id)s (#%(n)s) was edited: its content no longer matches its hash")
            report.problems.append(Problem("edited", message % {"id": event.pk, "n": n}, event.pk))
        expected_sequence, expected_previous, last_id = n + 1, event.entry_hash, event.pk
        if progress and report.sealed % 1000 == 0:
            progress(report.sealed)
    if progress:
        progress(report.sealed)
    last = expected_sequence - 1
    head = EventChainHead.objects.filter(pk=HEAD_PK).first()
    if head is None:
        if last:
            report.problems.append(Problem("head", _("the chain's head row is missing: it was deleted")))
        report.head_sequence, report.head_hash = last, expected_previous
        return report
    report.head_sequence, report.head_hash = head.sequence, head.entry_hash
    if head.sequence > last:
        message = _("sealed event(s) #%(first)s–#%(last)s are missing from the end of the log: deleted")
        report.problems.append(Problem("deleted", message % {"first": last + 1, "last": head.sequence}))
    elif head.sequence < last or head.entry_hash != expected_previous:
        message = _("the chain's head (#%(head)s) does not match its last event (#%(last)s): the end was rewritten")
        report.problems.append(Problem("head", message % {"head": head.sequence, "last": last}))
    return report


def head_of_chain() -> tuple[int, str]:
    """The head row's (sequence, hash), as the sealer left it."""
    head = EventChainHead.objects.filter(pk=HEAD_PK).first()
    return (head.sequence, head.entry_hash) if head else (0, GENESIS)
