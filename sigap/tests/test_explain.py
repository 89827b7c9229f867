"""No page load reads a whole complaints table: every query of the pages that must stay fast at a
million complaints can be answered from an index (PostgreSQL only; `make bench-scale` times them).

The data comes from `sigap generate`, with fresh statistics. Sequential scans are then switched
off for the EXPLAIN: PostgreSQL still chooses one when no index can answer a query, so a "Seq Scan"
left in a plan means a missing index whatever the size of the test's tables, not a planner's
preference for a small table.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sigap.api.models import ApiToken
from sigap.cases.models import Complaint
from sigap.cases.search import complaints_matching, rebuild_words_when_due
from sigap.people.models import Role, User

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL query plans"),
]
BIG_TABLES = ("cases_complaint", "cases_step", "cases_message", "cases_event", "cases_answer")


@pytest.fixture
def generated(db, processor, reviewer, supervisor):
    call_command("generate", complaints=600, days=30, seed=3, stdout=None, stderr=None)
    with connection.cursor() as cursor:
        for table in BIG_TABLES:
            cursor.execute(f"ANALYZE {table}")
    return Complaint.objects.order_by("-pk")


def scans_of(queries: list[dict]) -> list[str]:
    """The plan lines that read a whole big table, for each captured SELECT."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN " + sql)
            for (line,) in cursor.fetchall():
                if "Seq Scan" in line and any(f" on {t} " in f"{line} " for t in BIG_TABLES):
                    found.append(f"{line.strip()}  ←  {sql[:200]}")
    return found


def page_queries(client, url, params=None, **extra) -> list[dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {}, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return ctx.captured_queries


@pytest.mark.parametrize("step", [2, 3, 4, 5, 6, 7])
def test_each_queue_tab_reads_no_whole_table(generated, as_user, processor, step):
    assert scans_of(page_queries(as_user(processor), reverse("home"), {"step": step})) == []


def test_the_overdue_list_reads_no_whole_table(generated, as_user, supervisor):
    assert scans_of(page_queries(as_user(supervisor), reverse("overdue"))) == []


def test_a_complaint_page_reads_no_whole_table(generated, as_user, processor):
    complaint = generated[10]
    assert scans_of(page_queries(as_user(processor), reverse("complaint", args=[complaint.pk]))) == []


@pytest.mark.parametrize("params", [{}, {"status": "posted"}, {"q": "sampah"}, {"q": "lampu mati"}, {"q": "smpah"}, {"q": "Santoso"}])
def test_the_staff_list_and_its_search_read_no_whole_table(generated, as_user, processor, params):
    assert scans_of(page_queries(as_user(processor), reverse("complaints"), params)) == []


@pytest.mark.parametrize("q", ["sampah", "gak ada", "roboh", "Santoso"])
def test_a_text_search_is_answered_by_the_stored_vectors_gin_index(generated, q):
    # Words are looked for in cases_complaint.search (migration 0007), never by stemming each row's text.
    with CaptureQueriesContext(connection) as ctx:
        complaints_matching(q, Complaint.objects.all(), identity=True)
    searches = [query for query in ctx.captured_queries if ".search @@" in query["sql"]]
    assert searches and scans_of(searches) == []
    assert all("to_tsvector" not in query["sql"] for query in searches)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + searches[-1]["sql"])  # the widest look: the whole table here
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Bitmap Index Scan on complaint_search" in plan, plan


@pytest.mark.parametrize("q", ["smapah", "lampu mti"])
def test_a_typo_is_looked_up_in_the_word_tables_trigram_index(generated, q):
    # The known words (migration 0008) as the worker rebuilds them; the typo path then asks their
    # trigram index for the closest ones and the stored vectors' index for the complaints.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_searchword_due SET due_at = now()")
    assert rebuild_words_when_due()
    with CaptureQueriesContext(connection) as ctx:
        found = Complaint.objects.filter(complaints_matching(q, Complaint.objects.all(), identity=True))
        assert found.exists()
    lookups = [query for query in ctx.captured_queries if "cases_searchword" in query["sql"]]
    assert lookups and scans_of(ctx.captured_queries) == []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + lookups[0]["sql"])
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Bitmap Index Scan on searchword_trgm" in plan and "Seq Scan" not in plan, plan


def test_the_dashboard_reads_no_whole_table(generated, as_user, supervisor):
    assert scans_of(page_queries(as_user(supervisor), reverse("report-dashboard"))) == []


def test_the_public_lookup_reads_no_whole_table(generated, client):
    number = generated.exclude(tracking_number=None).first().tracking_number
    assert scans_of(page_queries(client, reverse("track-detail", args=[number]))) == []


@pytest.mark.parametrize("params", [{}, {"status": "forwarded"}, {"q": "sampah"}, {"agency": "DLH"}])
def test_the_api_list_reads_no_whole_table(generated, client, processor, params):
    raw = ApiToken.issue(user=processor, name="explain")[1]
    queries = page_queries(client, "/api/v1/complaints", params, HTTP_AUTHORIZATION=f"Bearer {raw}")
    nxt = client.get("/api/v1/complaints", params, HTTP_AUTHORIZATION=f"Bearer {raw}").json()["next_cursor"]
    if nxt:
        queries += page_queries(client, "/api/v1/complaints", {**params, "cursor": nxt}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert scans_of(queries) == []


def test_the_generated_users_exist_for_the_pages(generated):
    # The pages above are seen by the desk's roles; the generator worked for them.
    assert User.objects.filter(role=Role.PROCESSOR).exists() and generated.count() >= 600
