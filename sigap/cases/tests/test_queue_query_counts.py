"""The queues, "overdue now" and the staff list read a fixed number of queries, however many rows.

Each page is counted with a row or two and again with more than a page of them: a query per row
shown (an N+1), per tab or per complaint in the database fails here. The lists show what the
templates used to work out per cell (badges, labels, excerpts); the badge is checked against the
partial the complaint page still renders.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from sigap.cases import views
from sigap.cases.models import Message, Notification, Status, Step, TriageState
from sigap.cases.templatetags.sigap import step_badge

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 9, 0, tzinfo=WIB)  # the complaints come in
FRIDAY = datetime(2026, 11, 6, 9, 0, tzinfo=WIB)  # every step of them is overdue

# Session, user, the tabs' counts, the page's steps, the menu's unread notifications.
QUEUE_SUPERVISOR = 5
# … and, for whoever enters complaints, the menu's triage count, the reply backlog (2) and the
# triage queue's step-2 figures; step 6 adds the answers not yet in a recap.
QUEUE_PROCESSOR = 9
QUEUE_PROCESSOR_STEP_6 = 10
# Session, user, the totals per role and agency, the shown steps (a query per role that has
# overdue steps: the SOP has three), the menu's counts; on PostgreSQL the totals are read with
# parallel workers off (a savepoint, the SET and its release: sigap/lib/db.py).
PARALLEL_OFF = 3 if connection.vendor == "postgresql" else 0
OVERDUE_SUPERVISOR = 4 + 3 + PARALLEL_OFF
OVERDUE_PROCESSOR = 5 + 3 + PARALLEL_OFF
# Session, user, the page, the menu's counts, the agencies of the filter form.
LIST_SUPERVISOR = 5
LIST_PROCESSOR = 6

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(make_complaint, walk_to, processor):
    """`add(n)` puts n complaints at step 3, and two each at steps 4 (two agencies) and 5, and a recap at step 7."""
    from sigap.recaps.actions import recap_create

    def add(n: int):
        with time_machine.travel(TUESDAY, tick=False) as clock:
            for i in range(n):
                make_complaint(text=f"Sampah menumpuk di TPS nomor {i}, belum diangkut", anonymous=i % 5 == 0)
            for code in ("DISHUB", "DLH"):
                walk_to(make_complaint(text=f"Lampu mati ({code})"), Status.FORWARDED, agency_code=code)
            for _ in range(2):
                walk_to(make_complaint(text="Jalan berlubang"), Status.APPROVED)
            clock.shift(timedelta(hours=2))
            recap_create(by=processor, period_start=TUESDAY - timedelta(days=7), period_end=TUESDAY)

    return add


def count(client, url: str, params: dict | None = None) -> int:
    client.get(url, params or {})  # warm the per-process memos (SOP version, labels): the count is a steady page's
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return len(queries)


def counts_small_and_large(desk, client, url: str, params: dict | None = None) -> tuple[int, int]:
    desk(1)
    with time_machine.travel(FRIDAY, tick=False):
        small = count(client, url, params)
    desk(51)  # more than a queue's page of 50
    with time_machine.travel(FRIDAY, tick=False):
        large = count(client, url, params)
    return small, large


class TestQueues:
    @pytest.mark.parametrize("step", [2, 3, 4, 5, 6, 7])
    def test_a_tab_reads_the_same_few_queries_with_one_row_or_a_full_page(self, desk, as_user, supervisor, step):
        small, large = counts_small_and_large(desk, as_user(supervisor), reverse("home"), {"step": step})
        assert small == large
        assert large <= QUEUE_SUPERVISOR

    @pytest.mark.parametrize("step", [2, 3, 4, 5, 6, 7])
    def test_the_menu_and_backlog_of_whoever_enters_complaints_add_a_fixed_few(self, desk, as_user, processor, step):
        small, large = counts_small_and_large(desk, as_user(processor), reverse("home"), {"step": step})
        assert small == large
        assert large <= (QUEUE_PROCESSOR_STEP_6 if step == 6 else QUEUE_PROCESSOR)

    def test_a_liaisons_queue_reads_no_more_queries_with_more_of_its_agencys_rows(self, desk, as_user, liaison_dishub):
        small, large = counts_small_and_large(desk, as_user(liaison_dishub), reverse("home"), {"step": 4})
        assert small == large <= QUEUE_SUPERVISOR + 1  # the page's header names the liaison's agency

    def test_the_tabs_count_is_the_pages_count_and_the_last_page_holds_the_rest(self, desk, as_user, supervisor):
        desk(51)
        client = as_user(supervisor)
        with time_machine.travel(FRIDAY, tick=False):
            first = client.get(reverse("home"), {"step": 3})
            second = client.get(reverse("home"), {"step": 3, "page": 2})
        tab = next(t for t in first.context["tabs"] if t["number"] == 3)
        assert tab["count"] == 51 and first.context["page"].paginator.num_pages == 2
        assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 1
        shown = [s.pk for s in first.context["page"]] + [s.pk for s in second.context["page"]]
        expected = Step.objects.open().filter(number=3).order_by("due_at", "pk").values_list("pk", flat=True)
        assert shown == list(expected)
        assert "Halaman 1 dari 2" in first.text

    def test_a_row_shows_the_complaint_as_before(self, desk, as_user, processor):
        desk(1)
        client = as_user(processor)
        with time_machine.travel(FRIDAY, tick=False):
            text = client.get(reverse("home"), {"step": 4}).text
        for shown in ("Lampu mati (DISHUB)", "Didisposisikan ke OPD", "chip chip-instagram", "Instagram", "Warga Solo", "DLH"):
            assert shown in text, shown
        assert 'class="badge badge-late">terlambat' in text and 'class="is-late"' in text

    def test_a_recap_row_names_its_period_and_scope(self, desk, as_user, reviewer):
        desk(1)
        with time_machine.travel(FRIDAY, tick=False):
            text = as_user(reviewer).get(reverse("home"), {"step": 7}).text
        assert "Rekap 27-10-2026 – 03-11-2026" in text
        assert "Semua OPD" in text and "Semua platform" in text


class TestOverdue:
    def test_the_list_reads_the_same_few_queries_however_many_steps_are_overdue(self, desk, as_user, supervisor):
        # One query per role with rows to show, until OVERDUE_SHOWN are shown: more rows, never more queries.
        small, large = counts_small_and_large(desk, as_user(supervisor), reverse("overdue"))
        assert large <= small <= OVERDUE_SUPERVISOR

    def test_whoever_enters_complaints_adds_only_the_menus_triage_count(self, desk, as_user, processor):
        small, large = counts_small_and_large(desk, as_user(processor), reverse("overdue"))
        assert large <= small <= OVERDUE_PROCESSOR

    @pytest.mark.parametrize("agency", ["none", "DISHUB"])
    def test_an_agencys_list_reads_no_more(self, desk, as_user, supervisor, agencies, agency):
        params = {"agency": "none" if agency == "none" else agencies[agency].pk}
        small, large = counts_small_and_large(desk, as_user(supervisor), reverse("overdue"), params)
        assert large <= small <= OVERDUE_SUPERVISOR

    def test_it_shows_the_first_rows_by_role_then_longest_overdue_as_one_sorted_query_would(
        self, desk, as_user, supervisor, monkeypatch
    ):
        desk(3)
        monkeypatch.setattr(views, "OVERDUE_SHOWN", 6)
        with time_machine.travel(FRIDAY, tick=False):
            response = as_user(supervisor).get(reverse("overdue"))
            late = Step.objects.overdue()
        expected = list(late.order_by("role", "due_at", "pk").values_list("role", "number")[:6])
        shown = [(role, row["number"]) for role, rows in response.context["groups"] for row in rows]
        assert shown == expected
        assert response.context["shown_only"] == 6
        assert response.context["total"] == late.count() == 3 + 2 + 2 + 1
        assert {r["role"]: r["n"] for r in response.context["by_role"]} == {"processor": 5, "liaison": 2, "reviewer": 1}

    def test_the_agency_totals_leave_out_recaps_and_name_complaints_without_an_agency(self, desk, as_user, supervisor):
        desk(3)
        with time_machine.travel(FRIDAY, tick=False):
            response = as_user(supervisor).get(reverse("overdue"))
            none = as_user(supervisor).get(reverse("overdue"), {"agency": "none"})
            complaint_steps = Step.objects.overdue().filter(complaint__isnull=False)
        expected = {}
        for abbreviation in complaint_steps.values_list("complaint__agency__abbreviation", flat=True):
            expected[abbreviation] = expected.get(abbreviation, 0) + 1
        totals = {a["complaint__agency__abbreviation"]: a["n"] for a in response.context["by_agency"]}
        assert totals == expected and sum(totals.values()) == 3 + 2 + 2  # not the recap's step
        assert [a["n"] for a in response.context["by_agency"]] == sorted(totals.values(), reverse=True)
        assert sum(len(rows) for _, rows in none.context["groups"]) == expected.get(None, 0)


class TestComplaintList:
    @pytest.mark.parametrize("params", [{}, {"status": "registered"}, {"status": "posted"}, {"page": "2"}])
    def test_the_list_reads_the_same_few_queries_with_one_row_or_a_full_page(self, desk, as_user, supervisor, params):
        small, large = counts_small_and_large(desk, as_user(supervisor), reverse("complaints"), params)
        assert small == large <= LIST_SUPERVISOR

    def test_whoever_enters_complaints_adds_only_the_menus_triage_count(self, desk, as_user, processor):
        small, large = counts_small_and_large(desk, as_user(processor), reverse("complaints"))
        assert small == large <= LIST_PROCESSOR

    def test_a_row_shows_the_complaint_as_before(self, desk, as_user, supervisor):
        desk(5)
        text = as_user(supervisor).get(reverse("complaints")).text
        for shown in ("badge badge-status status-approved", "Jawaban disetujui, menunggu diunggah", "Anonim", "Sampah menumpuk di TPS nomor 4"):
            assert shown in text, shown


class TestMenuBadges:
    def test_unread_notifications_are_counted_up_to_99(self, as_user, processor):
        Notification.objects.bulk_create(Notification(user=processor, text=f"n{i}") for i in range(99))
        assert ">99<" in as_user(processor).get(reverse("complaints")).text

    def test_past_99_unread_notifications_the_menu_says_99_plus(self, as_user, processor, supervisor):
        Notification.objects.bulk_create(Notification(user=processor, text=f"n{i}") for i in range(150))
        Notification.objects.bulk_create(Notification(user=supervisor, text=f"n{i}") for i in range(2))
        client = as_user(processor)
        with CaptureQueriesContext(connection) as queries:
            text = client.get(reverse("complaints")).text
        assert ">99+<" in text
        counted = [q["sql"] for q in queries if "cases_notification" in q["sql"]]
        assert len(counted) == 1 and "LIMIT 100" in counted[0]
        assert ">2<" in as_user(supervisor).get(reverse("complaints")).text

    def test_past_99_waiting_messages_the_triage_item_says_99_plus(self, as_user, processor):
        Message.objects.bulk_create(
            Message(platform="instagram", text=f"halo {i}", posted_at=TUESDAY, triage_state=TriageState.PENDING)
            for i in range(120)
        )
        assert ">99+<" in as_user(processor).get(reverse("complaints")).text


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_lists_badge_reads_as_the_step_result_partial_writes_it(make_complaint, language):
    # The lists build the badge in Python (step_badge); the complaint page still renders the partial.
    with time_machine.travel(TUESDAY, tick=False):
        complaint = make_complaint()
    steps = list(Step.objects.filter(complaint=complaint).order_by("number"))
    done, open_ = steps[0], steps[1]  # step 2 (completed on receipt) and step 3
    late_done = Step(due_at=done.due_at, completed_at=done.due_at + timedelta(hours=1), on_time=False)
    with translation.override(language):
        for step in (done, late_done, open_):
            for now in (TUESDAY, TUESDAY + timedelta(minutes=30), FRIDAY):
                css, text = step_badge(step, now)
                partial = render_to_string("_step_result.html", {"step": step, "now": now}).strip()
                assert partial == f'<span class="badge {css}">{text}</span>', (step, now)
