"""The event log's hash chain: sealed by the worker, verified by `sigap audit verify`."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import translation

from sigap.cases import actions
from sigap.cases.management.commands import worker
from sigap.cases.models import Event, EventChainHead, Status
from sigap.ops import audit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def log(make_complaint, walk_to, processor):
    """Three complaints walked through the workflow: a couple of dozen events, all sealed."""
    for text in ("Lampu PJU mati.", "Sampah menumpuk.", "Jalan berlubang."):
        walk_to(make_complaint(text=text), Status.POSTED)
    actions.complaint_close(complaint=Event.objects.first().complaint, by=processor, reason="selesai")
    audit.seal_all()
    return list(Event.objects.order_by("sequence"))


def verify_messages() -> list[str]:
    return [str(p) for p in audit.verify().problems]


def test_the_sealer_chains_every_event_in_id_order_and_the_chain_verifies(log):
    assert [e.sequence for e in log] == list(range(1, len(log) + 1))
    assert [e.pk for e in log] == sorted(e.pk for e in log)
    assert log[0].previous_hash == audit.GENESIS
    assert all(later.previous_hash == earlier.entry_hash for earlier, later in zip(log, log[1:]))
    head = EventChainHead.objects.get()
    assert (head.sequence, head.entry_hash) == (len(log), log[-1].entry_hash)
    report = audit.verify()
    assert report.problems == [] and report.sealed == len(log) and report.unsealed == 0


def test_batches_are_sealed_one_after_another_in_several_statements(make_complaint, walk_to, settings, monkeypatch):
    settings.SIGAP_AUDIT_SEAL_BATCH = 7
    monkeypatch.setattr(audit, "UPDATE_ROWS", 3)
    for _ in range(3):
        walk_to(make_complaint(), Status.POSTED)
    n = Event.objects.count()
    assert audit.seal() == 7 and audit.seal_all() == n - 7
    assert audit.verify().problems == [] and EventChainHead.objects.get().sequence == n


def test_writing_an_event_only_inserts_and_the_worker_seals_it(log, processor):
    event = actions.record_event("closed", by=processor, complaint=log[0].complaint, reason="uji")
    assert event.sequence is None and audit.verify().unsealed == 1
    assert audit.seal_events in worker.JOBS
    assert audit.seal_events() is True and audit.seal_events() is False
    event.refresh_from_db()
    assert event.sequence == len(log) + 1 and event.previous_hash == log[-1].entry_hash
    assert audit.verify().problems == []


def test_an_edited_event_is_named_by_its_id(log, tamper):
    victim = log[5]
    tamper("UPDATE cases_event SET actor_name = %s WHERE id = %s", "someone-else", victim.pk)
    assert verify_messages() == [f"event {victim.pk} (#{victim.sequence}) was edited: its content no longer matches its hash"]


def test_edited_data_or_a_moved_time_is_noticed_too(log, tamper):
    tamper("UPDATE cases_event SET data = %s WHERE id = %s", '{"reason": "lain"}', log[2].pk)
    tamper("UPDATE cases_event SET at = %s WHERE id = %s", "2020-01-01 00:00:00", log[3].pk)
    found = verify_messages()
    assert len(found) == 2 and f"event {log[2].pk} " in found[0] and f"event {log[3].pk} " in found[1]


def test_a_deleted_event_is_named_by_its_id(log, tamper):
    victim = log[4]
    tamper("DELETE FROM cases_event WHERE id = %s", victim.pk)
    assert verify_messages() == [f"event {victim.pk} (sealed as #{victim.sequence}) was deleted"]


def test_several_deleted_events_are_named_by_their_numbers_and_neighbours(log, tamper):
    for victim in log[4:7]:
        tamper("DELETE FROM cases_event WHERE id = %s", victim.pk)
    found = verify_messages()
    assert found == [
        f"sealed event(s) #5–#7 are missing (between event ids {log[3].pk}–{log[7].pk}): deleted"
    ]


def test_events_cut_off_the_end_are_noticed_through_the_head(log, tamper):
    for victim in log[-2:]:
        tamper("DELETE FROM cases_event WHERE id = %s", victim.pk)
    n = len(log)
    assert verify_messages() == [f"sealed event(s) #{n - 1}–#{n} are missing from the end of the log: deleted"]


def test_reordered_events_break_the_chain(log, tamper):
    a, b = log[2], log[3]
    # Swap their places in the chain (through a free number: the sequence is unique).
    tamper("UPDATE cases_event SET sequence = %s WHERE id = %s", 999999, a.pk)
    tamper("UPDATE cases_event SET sequence = %s WHERE id = %s", a.sequence, b.pk)
    tamper("UPDATE cases_event SET sequence = %s WHERE id = %s", b.sequence, a.pk)
    found = verify_messages()
    assert f"event {b.pk} (#{a.sequence}) does not chain onto the event before it" in found[0]
    assert any(f"event {a.pk} (#{b.sequence}) was edited" in m for m in found)


def test_a_rewritten_end_that_skips_the_head_row_is_noticed(log, tamper):
    tamper("UPDATE cases_event SET entry_hash = %s WHERE id = %s", "f" * 64, log[-1].pk)
    found = verify_messages()
    assert f"event {log[-1].pk} (#{len(log)}) was edited" in found[0]
    assert "the chain's head" in found[1]


def test_gaps_in_the_ids_and_late_commits_are_not_deletions(log, processor):
    # A rolled-back transaction leaves an unused id on PostgreSQL.
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.record_event("closed", by=processor, reason="dibatalkan")
        raise RuntimeError
    actions.record_event("closed", by=processor, reason="sesudah celah")
    audit.seal_all()
    # A transaction that took its id early and committed after later ones were sealed.
    late = Event(pk=log[0].pk + 100_000, kind="closed", actor_name="sigap", data={})
    Event.objects.bulk_create([late])
    early = Event(pk=log[-1].pk + 1_000, kind="closed", actor_name="sigap", data={})
    Event.objects.bulk_create([early])
    assert audit.seal() == 2
    report = audit.verify()
    assert report.problems == [] and report.unsealed == 0 and report.sealed == len(log) + 3


def test_a_sealer_that_read_a_stale_head_changes_nothing(log, processor, monkeypatch):
    actions.record_event("closed", by=processor, reason="baru")
    real_chain = audit.chain

    def meanwhile_another_sealer(previous, content):
        # Another worker extends the chain between this one's read of the head and its update.
        EventChainHead.objects.filter(pk=1).update(sequence=len(log) + 50)
        return real_chain(previous, content)

    monkeypatch.setattr(audit, "chain", meanwhile_another_sealer)
    assert audit.seal() == 0
    assert Event.objects.filter(sequence=None).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_a_second_sealer_skips_while_the_first_holds_the_head(make_complaint):
    make_complaint()
    locked, release = threading.Event(), threading.Event()

    def first_sealer():
        with transaction.atomic():
            EventChainHead.objects.select_for_update().get(pk=1)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=first_sealer)
    thread.start()
    try:
        assert locked.wait(10)
        assert audit.seal() == 0  # skipped at once, not queued behind the lock
    finally:
        release.set()
        thread.join()
    assert audit.seal() > 0


def test_identifiers_typed_into_an_event_are_masked_but_numbers_and_links_kept(make_complaint, processor):
    complaint = make_complaint()
    event = actions.record_event(
        "closed",
        by=processor,
        complaint=complaint,
        reason="Pelapor minta dihubungi di 081234567890 atau sri@example.id, NIK 3372015708900001, motor AD 1234 XY",
        into=complaint.tracking_number,
        link="https://www.instagram.com/p/C0ffee/c/AD1234XY/",
        nested={"notes": ["telp 0812 3456 7890"]},
    )
    event.refresh_from_db()
    reason = event.data["reason"]
    for secret in ("081234567890", "sri@example.id", "3372015708900001", "1234"):
        assert secret not in reason
    assert "0812****890" in reason and "s***@example.id" in reason and "AD **** XY" in reason
    assert event.data["into"] == complaint.tracking_number
    assert event.data["link"] == "https://www.instagram.com/p/C0ffee/c/AD1234XY/"
    assert "7890" not in event.data["nested"]["notes"][0]


def test_the_citizens_words_and_post_link_stay_out_of_events(make_complaint):
    complaint = make_complaint(text="Saya Sri, 081234567890, lampu mati", permalink="https://x.com/sri_solo/status/1")
    data = Event.objects.get(complaint=complaint, kind="received").data
    assert data == {"platform": "instagram", "via": "form"}


def test_the_command_seals_and_verifies(make_complaint, monkeypatch):
    from sigap.ops.management.commands import audit as command

    make_complaint()
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "0 sealed events" in out.getvalue() and "not sealed yet" in out.getvalue()
    monkeypatch.setattr(command, "PROGRESS_FROM", 1)
    out, err = StringIO(), StringIO()
    call_command("audit", "seal", stdout=out, stderr=err)
    n = Event.objects.count()
    assert f"Sealed {n} event(s); head #{n}" in out.getvalue() and "100%" in err.getvalue()
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    assert f"The event log verifies: {n} sealed events, head #{n}" in out.getvalue()
    assert "not sealed" not in out.getvalue() and "100%" in err.getvalue()


def test_the_command_fails_and_names_the_problem(log, tamper):
    tamper("DELETE FROM cases_event WHERE id = %s", log[1].pk)
    err = StringIO()
    with pytest.raises(CommandError, match="does not verify: 1 problem"):
        call_command("audit", "verify", "--quiet", stderr=err)
    assert f"event {log[1].pk} (sealed as #2) was deleted" in err.getvalue()


def test_the_command_speaks_indonesian_by_default(log, tamper):
    tamper("DELETE FROM cases_event WHERE id = %s", log[1].pk)
    err = StringIO()
    with translation.override("id"), pytest.raises(CommandError, match="Log peristiwa tidak lolos pemeriksaan"):
        call_command("audit", "verify", "--quiet", stderr=err)
    assert f"peristiwa {log[1].pk} (disegel sebagai #2) telah dihapus" in err.getvalue()
