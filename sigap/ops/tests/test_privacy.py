"""Personal data: pseudonymised after the retention period, exported on request."""

import json
import os
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from sigap.cases import actions
from sigap.cases.management.commands import worker
from sigap.cases.models import Answer, Complaint, Event, Message, Status, Step
from sigap.ops import audit, privacy
from sigap.platforms.models import Delivery
from sigap.recaps import archive
from sigap.recaps.actions import recap_archive, recap_create

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)
A_YEAR_LATER = MONDAY + timedelta(days=366)
TEXT = (
    "Saya Sri Rahayu (@sri_solo), NIK 3372015708900001, HP 081234567890, sri.rahayu@example.id. "
    "Motor AD 1234 XY ditabrak di Jl. Slamet Riyadi, lampu PJU mati."
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media_root")]


@pytest.fixture(autouse=True)
def awake():
    privacy._next_look = 0.0  # the worker job rests after finding nothing; each test starts awake


@pytest.fixture
def sri(make_complaint, walk_to, processor):
    """Sri's complaint, answered, posted and closed on a Monday."""
    with time_machine.travel(MONDAY, tick=False):
        complaint = make_complaint(
            text=TEXT, handle="@sri_solo", name="Sri Rahayu", complainant_id="1789", contact="0812-3456-7890",
            permalink="https://www.instagram.com/p/C0ffee/",
        )
        complaint = walk_to(complaint, Status.POSTED)
        Answer.objects.filter(complaint=complaint).update(text="Terima kasih Sri Rahayu, lampu sudah diperbaiki.")
        actions.complaint_close(complaint=complaint, by=processor, reason="selesai")
    Step.objects.filter(complaint=complaint, number=3).update(outcome="acknowledged to Sri Rahayu via 081234567890")
    complaint.refresh_from_db()
    return complaint


def pseudonymise_all(now=A_YEAR_LATER) -> int:
    """What the worker does at `now`, until there is nothing left."""
    privacy._next_look = 0.0
    with time_machine.travel(now, tick=False):
        done = 0
        while privacy.pseudonymise_one():
            done += 1
        return done


def test_a_finished_complaint_past_the_period_loses_its_personal_data(sri):
    pseudonymise_all()
    c = Complaint.objects.get(pk=sri.pk)
    assert c.pseudonymised_at is not None
    assert c.complainant_handle.startswith("warga_") and c.complainant_name.startswith("Warga ")
    assert c.complainant_id.startswith("psd-") and c.contact.startswith("kontak-") and c.permalink == ""
    for secret in ("Sri", "sri_solo", "3372015708900001", "081234567890", "sri.rahayu@example.id", "AD 1234 XY"):
        assert secret.lower() not in c.text.lower()
    assert "[nik-" in c.text and "[phone-" in c.text and "[email-" in c.text and "[plate-" in c.text
    assert c.complainant_handle in c.text and "Jl. Slamet Riyadi, lampu PJU mati." in c.text  # the problem stays
    message = Message.objects.get(complaint=c)
    assert (message.author_handle, message.author_name, message.author_id) == (c.complainant_handle, c.complainant_name, c.complainant_id)
    assert message.text == c.text and message.raw == {} and message.pseudonymised_at
    assert "Sri" not in Answer.objects.get(complaint=c).text
    outcome = Step.objects.get(complaint=c, number=3).outcome
    assert "Sri" not in outcome and "081234567890" not in outcome and outcome.startswith("acknowledged to Warga ")
    assert Event.objects.filter(complaint=c, kind="pseudonymised").count() == 1


def test_statistics_stay_the_same(sri, agencies):
    def figures():
        c = Complaint.objects.get(pk=sri.pk)
        steps = list(Step.objects.filter(complaint=c).values_list("number", "started_at", "due_at", "completed_at", "on_time"))
        return (c.status, c.category_id, c.agency_id, c.kelurahan_id, c.posted_at, c.received_at, c.closed_at, c.round, steps)

    before = figures()
    pseudonymise_all()
    assert figures() == before


def test_one_person_keeps_one_pseudonym_so_counts_by_complainant_stay_valid(sri, make_complaint, processor):
    with time_machine.travel(MONDAY, tick=False):
        again = make_complaint(text="Sampah lagi.", handle="sri_solo", name="Sri Rahayu", complainant_id="1789")
        other = make_complaint(text="Got mampet.", handle="budi", name="Budi")
        for c in (again, other):
            actions.complaint_close(complaint=c, by=processor, reason="selesai")
    pseudonymise_all()
    rows = {c.pk: c for c in Complaint.objects.all()}
    assert rows[sri.pk].complainant_handle == rows[again.pk].complainant_handle != rows[other.pk].complainant_handle
    assert rows[sri.pk].complainant_id == rows[again.pk].complainant_id
    assert rows[sri.pk].complainant_name == rows[again.pk].complainant_name
    # The same phone number in two texts is the same pseudonym too.
    assert privacy.pseudonym("phone", "0812-3456-7890") == privacy.pseudonym("phone", "+6281234567890")


def test_pseudonyms_depend_on_the_key(settings):
    settings.SIGAP_PSEUDONYM_KEY = "kunci-satu"
    one = privacy.pseudonym("handle", "sri_solo", "instagram")
    settings.SIGAP_PSEUDONYM_KEY = "kunci-dua"
    assert privacy.pseudonym("handle", "sri_solo", "instagram") != one


def test_nothing_is_touched_before_the_period_ends_or_while_the_complaint_is_open(sri, make_complaint, walk_to):
    with time_machine.travel(MONDAY, tick=False):
        still_open = walk_to(make_complaint(text="Masih proses, hubungi 081234567890."), Status.FORWARDED)
    assert pseudonymise_all(MONDAY + timedelta(days=364)) == 0
    assert pseudonymise_all() == 1
    assert Complaint.objects.get(pk=still_open.pk).pseudonymised_at is None
    assert "081234567890" in Complaint.objects.get(pk=still_open.pk).text


def test_a_posted_complaint_counts_from_when_its_answer_was_posted(make_complaint, walk_to):
    with time_machine.travel(MONDAY, tick=False):
        posted = walk_to(make_complaint(text="Lampu mati.", handle="tono"), Status.POSTED)
    assert pseudonymise_all(MONDAY + timedelta(days=364)) == 0
    assert pseudonymise_all() == 1
    assert Complaint.objects.get(pk=posted.pk).complainant_handle.startswith("warga_")


def test_a_merged_duplicate_waits_for_the_complaint_it_joined(make_complaint, processor):
    with time_machine.travel(MONDAY, tick=False):
        main = make_complaint(text="Lampu mati.", handle="tono")
        duplicate = make_complaint(text="Lampu mati juga.", handle="tini")
        actions.complaint_merge(complaint=duplicate, into=main, by=processor)
    pseudonymise_all()
    assert Complaint.objects.get(pk=duplicate.pk).pseudonymised_at is None  # main is still open
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        actions.complaint_close(complaint=main, by=processor, reason="selesai")
    pseudonymise_all(MONDAY + timedelta(days=400))
    assert Complaint.objects.filter(pseudonymised_at=None).count() == 0


def test_the_archive_and_the_event_chain_still_verify(sri, processor, reviewer):
    with time_machine.travel(MONDAY + timedelta(days=7, hours=1), tick=False):
        recap = recap_create(by=processor, period_start=MONDAY - timedelta(days=1), period_end=MONDAY + timedelta(days=6))
        recap_archive(recap=recap, by=reviewer)
    audit.seal_all()
    events_before = list(Event.objects.order_by("pk").values_list("pk", "data", "entry_hash"))
    pseudonymise_all()
    assert archive.verify()[2] == []
    audit.seal_all()
    assert audit.verify().problems == []
    assert list(Event.objects.order_by("pk").values_list("pk", "data", "entry_hash"))[: len(events_before)] == events_before


def test_stray_messages_and_old_webhook_bodies_go_too(account_message):
    pseudonymise_all()
    message = Message.objects.get(pk=account_message.pk)
    assert message.author_handle.startswith("warga_") and "081234567890" not in message.text and message.raw == {}
    assert Delivery.objects.get().body in (b"", memoryview(b""))


@pytest.fixture
def account_message():
    """A greeting that never became a complaint, and the webhook body it came in."""
    with time_machine.travel(MONDAY, tick=False):
        Delivery.objects.create(endpoint="meta", body=b'{"from": "sri_solo"}', status=Delivery.Status.DONE)
        return Message.objects.create(
            platform="instagram", external_id="m1", author_handle="sri_solo", author_name="Sri", author_id="1789",
            text="Halo min, wa saya 081234567890", posted_at=MONDAY, raw={"from": {"username": "sri_solo"}},
        )


def test_the_worker_runs_it_and_rests_when_there_is_nothing(sri):
    assert privacy.pseudonymise_one in worker.JOBS
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        assert privacy.pseudonymise_one() is False
    with time_machine.travel(A_YEAR_LATER, tick=False):
        assert privacy.pseudonymise_one() is False  # resting: nothing looked at before IDLE_SECONDS pass
        privacy._next_look = 0.0
        assert privacy.pseudonymise_one() is True


def test_zero_days_keeps_personal_data(sri, settings):
    settings.SIGAP_PSEUDONYMISE_AFTER_DAYS = 0
    assert pseudonymise_all(MONDAY + timedelta(days=5000)) == 0
    out = StringIO()
    call_command("privacy", "pseudonymise", stdout=out)
    assert "SIGAP_PSEUDONYMISE_AFTER_DAYS is 0" in out.getvalue()


def test_the_command_counts_on_a_dry_run_then_pseudonymises(sri, account_message):
    with time_machine.travel(A_YEAR_LATER, tick=False):
        out = StringIO()
        call_command("privacy", "pseudonymise", "--dry-run", stdout=out)
        assert "Would pseudonymise 1 complaint(s) and 1 other message(s)" in out.getvalue()
        assert Complaint.objects.get(pk=sri.pk).pseudonymised_at is None
        out = StringIO()
        call_command("privacy", "pseudonymise", "--quiet", stdout=out)
        assert "Pseudonymised 1 complaint(s) and 1 other message(s); emptied 1 raw webhook bodies." in out.getvalue()
        out = StringIO()
        call_command("privacy", "pseudonymise", stdout=out)
        assert "Pseudonymised 0 complaint(s)" in out.getvalue()


def test_a_second_run_never_pseudonymises_a_pseudonym(sri):
    pseudonymise_all()
    first = Complaint.objects.get(pk=sri.pk)
    assert privacy.pseudonymise_complaint(first) is False
    assert Complaint.objects.get(pk=sri.pk).complainant_handle == first.complainant_handle


# Export ----------------------------------------------------------------------------------


def export(*args) -> dict:
    out = StringIO()
    call_command("privacy", "export", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_export_by_handle_holds_everything_about_the_citizen(sri, account_message, make_complaint):
    with time_machine.travel(MONDAY, tick=False):
        make_complaint(text="Dari orang lain.", handle="budi")
    data = export("--handle", "@SRI_SOLO", "--platform", "instagram")
    assert [c["tracking_number"] for c in data["complaints"]] == [sri.tracking_number]
    complaint = data["complaints"][0]
    assert complaint["name"] == "Sri Rahayu" and complaint["contact"] == "0812-3456-7890" and complaint["text"] == TEXT
    assert complaint["messages"][0]["text"] == TEXT and complaint["answers"] and complaint["steps"] and complaint["events"]
    assert [m["text"] for m in data["other_messages"]] == ["Halo min, wa saya 081234567890"]
    recorded = Event.objects.get(kind="data_exported")
    assert recorded.complaint_id == sri.pk and "sri" not in json.dumps(recorded.data).lower()


def test_export_by_tracking_number_follows_the_person_to_their_other_complaints(sri, make_complaint, tmp_path):
    with time_machine.travel(MONDAY, tick=False):
        renamed = make_complaint(text="Handle baru.", handle="sri_baru", complainant_id="1789")
    target = tmp_path / "sri.json"
    call_command("privacy", "export", "--tracking", sri.tracking_number.lower(), "--out", str(target), "--reference", "PPID/12", stderr=StringIO())
    data = json.loads(target.read_text())
    assert {c["tracking_number"] for c in data["complaints"]} == {sri.tracking_number, renamed.tracking_number}
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert set(Event.objects.filter(kind="data_exported").values_list("data__reference", flat=True)) == {"PPID/12"}


def test_after_pseudonymisation_nothing_is_held_under_the_old_handle(sri):
    pseudonymise_all()
    with pytest.raises(CommandError, match="Nothing is held about this citizen"):
        export("--handle", "sri_solo", "--platform", "instagram")


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "Give --handle and --platform, or --tracking"),
        (["--handle", "sri_solo"], "Give --handle and --platform, or --tracking"),
        (["--handle", "sri_solo", "--platform", "myspace"], "invalid choice"),
        (["--handle", "sri\x00solo", "--platform", "instagram"], "is not a handle"),
        (["--handle", "x" * 121, "--platform", "instagram"], "is not a handle"),
        (["--tracking", "SKA-0000"], "is not a tracking number"),
        (["--tracking", "SKA-2222-2222", "--handle", "a"], "either --handle or --tracking"),
        (["--handle", "nobody", "--platform", "instagram"], "Nothing is held"),
    ],
)
def test_export_refuses_bad_input_with_a_clear_message(sri, args, message):
    with pytest.raises(CommandError, match=message):
        export(*args)
    assert not Event.objects.filter(kind="data_exported").exists()


def test_export_of_an_unknown_tracking_number_says_so(sri, settings):
    from sigap.lib import tracking

    unknown = tracking.generate(settings.SIGAP_TRACKING_PREFIX)
    with pytest.raises(CommandError, match=f"No complaint has the tracking number {unknown}"):
        export("--tracking", unknown)


def test_export_refuses_a_missing_folder(sri, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        export("--handle", "sri_solo", "--platform", "instagram", "--out", str(tmp_path / "no" / "x.json"))
