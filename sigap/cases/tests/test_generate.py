"""`sigap generate`: realistic synthetic complaints that the rest of Sigap reads like real ones."""

import random
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Count

from sigap.cases.management.commands.generate import FastCalendar
from sigap.cases.models import OPEN_STATUSES, Answer, Complaint, Event, Message, Status, Step
from sigap.lib import tracking
from sigap.sop.models import work_calendar

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def generate(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("generate", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_it_makes_complaints_with_their_messages_steps_answers_and_events(clock, processor, reviewer):
    out, err = generate(complaints=400, days=30, seed=1)
    assert Complaint.objects.count() == 400
    assert "Added 400 complaints" in out and "100%" in err
    assert Message.objects.filter(complaint__isnull=False).values("complaint").distinct().count() == 400
    assert Event.objects.filter(kind="received").count() == 400
    assert Answer.objects.exists()
    # Every complaint went through step 2, and every open one has exactly one open step.
    assert Step.objects.filter(number=2).count() == 400
    open_steps = Step.objects.filter(completed_at=None).values("complaint").annotate(n=Count("pk"))
    assert all(row["n"] == 1 for row in open_steps)
    assert Complaint.objects.filter(status__in=OPEN_STATUSES).count() == open_steps.count()


def test_statuses_steps_and_times_agree(clock, processor, reviewer):
    generate(complaints=400, days=30, seed=2)
    for c in Complaint.objects.prefetch_related("steps"):
        steps = {s.number: s for s in c.steps.all()}
        assert c.posted_at <= c.received_at <= NOW
        assert tracking.normalize(c.tracking_number, "SKA") == c.tracking_number
        if c.status == Status.POSTED:
            assert all(steps[n].completed_at for n in (2, 3, 4, 5)) and c.answers.filter(posted_at__isnull=False).exists()
        if c.status == Status.RECEIVED:
            assert steps[3].completed_at is None
        for s in steps.values():
            assert s.started_at <= s.due_at
            if s.completed_at:
                assert s.on_time == (s.completed_at <= s.due_at) and s.completed_at <= NOW
    # Realistic: most steps on time, some late, and a few complaints still open and overdue.
    done = Step.objects.exclude(completed_at=None)
    late = done.filter(on_time=False).count() / done.count()
    assert 0.03 < late < 0.4
    assert Complaint.objects.values("platform").distinct().count() >= 5
    assert Complaint.objects.exclude(agency=None).values("agency").distinct().count() >= 5


def test_every_complaint_is_routed_and_a_person_confirmed_or_corrected_each_forwarded_one(clock, processor, reviewer):
    from sigap.triage.models import RoutingDecision, RoutingSuggestion

    generate(complaints=300, days=30, seed=4)
    assert RoutingSuggestion.objects.count() == 300
    forwarded = Complaint.objects.filter(events__kind="forwarded")
    decided = RoutingDecision.objects.values_list("complaint", flat=True)
    assert forwarded.exists() and set(forwarded.values_list("pk", flat=True)) == set(decided)
    for decision in RoutingDecision.objects.select_related("complaint__routing"):
        suggestion, complaint = decision.complaint.routing, decision.complaint
        assert (decision.category_id, decision.agency_id) == (complaint.category_id, complaint.agency_id)
        assert (decision.suggested_category_id, decision.suggested_agency_id) == (suggestion.top_category_id, suggestion.top_agency_id)
        assert decision.kind == ("confirmed" if (decision.category_id, decision.agency_id) == (suggestion.top_category_id, suggestion.top_agency_id) else "corrected")
        assert complaint.events.filter(kind=f"routing_{decision.kind}").exists()
    assert RoutingDecision.objects.filter(kind="confirmed").count() > RoutingDecision.objects.filter(kind="corrected").count()


def test_numbers_are_unique_and_ids_continue_after_existing_rows(clock, processor, make_complaint):
    first = make_complaint()
    generate(complaints=300, days=10, seed=3)
    generate(complaints=300, days=10, seed=3)  # the same seed again: still no duplicate number
    numbers = list(Complaint.objects.values_list("tracking_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 601
    assert Complaint.objects.order_by("pk").first() == first
    later = make_complaint()  # the database's own ids carry on after the generated ones
    assert later.pk > Complaint.objects.exclude(pk=later.pk).order_by("-pk").first().pk


def test_it_mixes_in_texts_from_a_csv(clock, processor, tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text("id,keluhan\n1,Jalan di depan sekolah berlubang besar sekali mohon diperbaiki\n", encoding="utf-8")
    generate(complaints=100, days=5, seed=4, texts=path)
    assert Complaint.objects.filter(text__startswith="Jalan di depan sekolah").exists()


@pytest.mark.parametrize(
    "options, message",
    [
        ({"complaints": 0}, "--complaints"),
        ({"complaints": 20_000_000}, "--complaints"),
        ({"complaints": 10, "days": 0}, "--days"),
        ({"complaints": 10, "batch": 0}, "--batch"),
    ],
)
def test_bad_options_are_refused_with_a_message(clock, options, message):
    with pytest.raises(CommandError, match=message):
        generate(**options)
    assert Complaint.objects.count() == 0


def test_a_missing_or_unreadable_text_file_is_refused_before_anything_is_written(clock, tmp_path):
    with pytest.raises(CommandError, match="missing.csv"):
        generate(complaints=10, texts=tmp_path / "missing.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no column"):
        generate(complaints=10, texts=wrong)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CommandError):
        generate(complaints=10, texts=binary)
    assert Complaint.objects.count() == 0


def test_the_fast_calendar_gives_the_working_calendars_deadlines(db):
    calendar = work_calendar()
    fast = FastCalendar(calendar, date(2025, 1, 1), date(2027, 1, 31))
    rng = random.Random(5)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for _ in range(2000):
        moment = start + timedelta(minutes=rng.randrange(0, 700 * 24 * 60))
        amount = rng.choice([1, 2, 15, 60, 400])
        unit, clock = rng.choice([("minutes", "office"), ("minutes", "continuous"), ("workdays", "office"), ("hours", "office"), ("days", "continuous")])
        assert fast.add(moment, amount, unit, clock) == calendar.add(moment, amount, unit, clock), (moment, amount, unit, clock)
