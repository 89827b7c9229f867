"""Searching complaints by what was written: the staff list's search box and the API's `q`."""

import threading
import time
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import DataError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from sigap.cases.models import Complaint, Message, Status
from sigap.cases import search
from sigap.cases.search import complaints_matching, edits, rebuild_words_when_due, spellings

WIB = timezone.get_default_timezone()
pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL full text and trigrams")


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 11, 3, 14, 0, tzinfo=WIB), tick=False) as traveller:
        yield traveller


def found(client, q, **params):
    response = client.get(reverse("complaints"), {"q": q, **params})
    assert response.status_code == 200
    return list(response.context["page"])


class TestStaffSearch:
    def test_it_finds_a_complaint_by_a_word_of_its_text(self, clock, as_user, processor, make_complaint):
        wanted = make_complaint(text="Sampah di TPS Jebres belum diangkut tiga hari")
        make_complaint(text="Lampu PJU di Jl. Slamet Riyadi mati")
        assert found(as_user(processor), "sampah") == [wanted]

    def test_it_finds_a_complaint_by_a_follow_up_message(self, clock, as_user, processor, make_complaint):
        wanted = make_complaint(text="Lampu PJU mati")
        other = make_complaint(text="Lampu PJU mati juga")
        Message.objects.create(
            complaint=wanted, platform="instagram", text="Update: tiangnya miring hampir roboh", posted_at=timezone.now()
        )
        assert found(as_user(processor), "roboh") == [wanted]
        assert set(found(as_user(processor), "lampu")) == {wanted, other}

    def test_it_finds_by_handle_name_and_part_of_the_number(self, clock, as_user, processor, make_complaint):
        wanted = make_complaint(handle="mbak_tika_slo", name="Tika Lestari")
        make_complaint(handle="budi_solo", name="Budi")
        client = as_user(processor)
        assert found(client, "tika_slo") == [wanted]
        assert found(client, "Lestari") == [wanted]
        assert found(client, wanted.tracking_number[4:9]) == [wanted]

    def test_an_agency_does_not_find_an_anonymous_complainant_by_name(
        self, clock, as_user, reviewer, liaison_dishub, make_complaint, walk_to
    ):
        hidden = walk_to(make_complaint(name="Rina Kusuma", anonymous=True), Status.FORWARDED, agency_code="DISHUB")
        assert found(as_user(liaison_dishub), "Kusuma") == []
        assert found(as_user(reviewer), "Kusuma") == [hidden]

    def test_the_search_keeps_the_other_filters(self, clock, as_user, processor, make_complaint, walk_to):
        forwarded = walk_to(make_complaint(text="Sampah menumpuk di Pasar Legi"), Status.FORWARDED, agency_code="DLH")
        make_complaint(text="Sampah menumpuk di Pasar Gede")
        assert found(as_user(processor), "sampah", status="forwarded") == [forwarded]

    @pytest.mark.parametrize(
        "q", ["%", "_", "'; DROP TABLE cases_complaint; --", "a & b | !c", "<script>", "\\", "((", "x" * 5000, "🙏"]
    )
    def test_odd_or_oversized_input_is_a_search_not_an_error(self, clock, as_user, processor, make_complaint, q):
        make_complaint(text="Lampu PJU mati")
        response = as_user(processor).get(reverse("complaints"), {"q": q})
        assert response.status_code == 200

    def test_a_nul_character_is_refused_by_the_form_not_the_database(self, clock, as_user, processor, make_complaint):
        make_complaint()
        response = as_user(processor).get(reverse("complaints"), {"q": "lampu\x00"})
        assert response.status_code == 200

    def test_the_list_pages_without_counting(self, clock, as_user, processor, make_complaint):
        for n in range(27):
            make_complaint(text=f"Lampu PJU mati nomor {n}")
        client = as_user(processor)
        first = client.get(reverse("complaints"))
        assert first.context["page"].has_next and len(first.context["page"]) == 25
        assert "Menampilkan 1–25" in first.text or "Showing 1–25" in first.text
        last = client.get(reverse("complaints"), {"page": 2})
        assert not last.context["page"].has_next and len(last.context["page"]) == 2
        assert client.get(reverse("complaints"), {"page": "x"}).status_code == 200


@postgres_only
class TestIndonesianSearch:
    def test_a_word_finds_its_other_forms(self, clock, as_user, processor, make_complaint):
        wanted = make_complaint(text="Jalannya rusak parah dan sampahnya berserakan")
        assert found(as_user(processor), "jalan") == [wanted]
        assert found(as_user(processor), "sampah berserakan") == [wanted]

    def test_slang_finds_the_standard_word_and_back(self, clock, as_user, processor, make_complaint):
        formal = make_complaint(text="Sampah tidak diangkut sudah seminggu")
        casual = make_complaint(text="Sampah gak diangkut udah seminggu")
        client = as_user(processor)
        assert set(found(client, "gak diangkut")) == {formal, casual}
        assert set(found(client, "tidak diangkut")) == {formal, casual}

    def test_a_typo_still_finds_the_complaint(self, clock, as_user, processor, make_complaint):
        wanted = make_complaint(text="Tumpukan sampah di dekat Pasar Gede, jalan berlubang")
        others = [make_complaint(text="Sampah dan jalan berlubang di Jebres") for _ in range(2)]
        make_complaint(text="Lampu PJU mati")
        learn_words()
        client = as_user(processor)
        assert found(client, "smapah") == [*reversed(others), wanted]
        assert found(client, "jalan berlubng") == [*reversed(others), wanted]


def learn_words():
    """The worker's daily rebuild of the known words, now."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_searchword_due SET due_at = %s", [timezone.now()])
    assert rebuild_words_when_due()


def known_words() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM cases_searchword")
        return {word for (word,) in cursor.fetchall()}


@postgres_only
class TestTypos:
    """A word nobody wrote is looked up among the words of at least 3 complaints (migration 0008)."""

    def ids(self, q):
        condition = complaints_matching(q, Complaint.objects.all(), identity=True)
        return set(Complaint.objects.filter(condition).values_list("pk", flat=True))

    def test_typos_find_the_complaints_of_the_words_meant(self, clock, make_complaint):
        rubbish = {make_complaint(text=f"Sampah menumpuk di TPS nomor {n}").pk for n in range(3)}
        holes = {make_complaint(text=f"Jalan berlubang di gang {n}").pk for n in range(3)}
        lamps = {make_complaint(text=f"Lampu PJU mati di tiang {n}").pk for n in range(3)}
        dark = {make_complaint(text=f"Lampu taman mati di blok {n}").pk for n in range(3)}
        learn_words()
        assert self.ids("smapah") == self.ids("sampha") == rubbish  # two letters swapped
        assert self.ids("jalan berlubng") == holes  # the known word kept, the other mended
        assert self.ids("pju mti") == lamps  # "mati" of all the words one letter from "mti"
        assert self.ids("lampu mti") == lamps | dark
        assert self.ids("qwxyz") == set()  # nothing close: nothing found, rather than anything

    def test_a_word_only_one_or_two_complaints_use_is_not_known(self, clock, make_complaint):
        named = [make_complaint(text=f"Pak Wiryosuprapto membuang sampah ke sungai {n}") for n in range(2)]
        learn_words()
        assert "sampah" not in known_words()  # two complaints
        make_complaint(text="Pak Wiryosuprapto membuang sampah lagi")
        learn_words()
        assert {"wiryosuprapto", "sampah", "membuang"} <= known_words()
        # Pseudonymised, one complaint no longer names him: the next rebuild forgets the name.
        Complaint.objects.filter(pk=named[0].pk).update(text="Pak [nama] membuang sampah ke sungai")
        learn_words()
        assert "wiryosuprapto" not in known_words() and "sampah" in known_words()
        assert self.ids("wiryosuprapt") == set()

    def test_a_known_word_or_slang_is_not_mended(self, clock, make_complaint):
        roads = {make_complaint(text=f"Jalan rusak di gang {n}").pk for n in range(3)}
        for n in range(3):
            make_complaint(text=f"Jalur sepeda nomor {n} licin")
        learn_words()
        # "sepeda" is known and "jalan" slang's standard form: neither is taken for a typo (of
        # "jalur"), so together they find nothing, as no complaint has both.
        assert self.ids("jalan sepeda") == set()
        assert self.ids("jln rusak") == roads

    def test_the_word_table_is_rebuilt_once_a_day(self, clock, make_complaint):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_searchword_due SET due_at = %s", [timezone.now()])
        assert rebuild_words_when_due() is True
        assert rebuild_words_when_due() is False
        for _ in range(3):
            make_complaint(text="Selokan tersumbat")
        clock.shift(timedelta(hours=23))
        assert rebuild_words_when_due() is False and "selokan" not in known_words()
        clock.shift(timedelta(hours=1))
        assert rebuild_words_when_due() is True and "selokan" in known_words()
        assert rebuild_words_when_due() is False

    def test_a_rebuild_that_did_not_finish_is_tried_again_after_its_lease(self, clock, monkeypatch):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_searchword_due SET due_at = %s", [timezone.now()])
        monkeypatch.setattr(search, "REBUILD_WORDS", "SELECT 1/0")
        with pytest.raises(DataError):
            rebuild_words_when_due()  # a worker's failure, or its death, after claiming the rebuild
        monkeypatch.undo()
        clock.shift(search.WORDS_LEASE - timedelta(minutes=1))
        assert rebuild_words_when_due() is False
        clock.shift(timedelta(minutes=1))
        assert rebuild_words_when_due() is True

    @pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep the migrations' data for later tests
    def test_two_workers_never_rebuild_at_once(self):
        """The second worker finds the rebuild claimed while the first is still at it."""
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_searchword_due SET due_at = now()")
        results, failures = {}, []

        def work(name):
            try:
                results[name] = rebuild_words_when_due()
            except Exception as exc:  # reported by the assertion below
                failures.append(exc)
            finally:
                connection.close()

        with transaction.atomic(), connection.cursor() as cursor:
            # The first worker's claim commits; its rebuild then waits for this lock.
            cursor.execute("LOCK TABLE cases_searchword IN EXCLUSIVE MODE")
            first = threading.Thread(target=work, args=("first",))
            first.start()
            for _ in range(500):
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.01)
            second = threading.Thread(target=work, args=("second",))
            second.start()
            second.join(10)
        first.join(10)
        assert failures == []
        assert results == {"first": True, "second": False}


@postgres_only
class TestStoredSearchVector:
    """PostgreSQL keeps each complaint's search vector (migration 0007): no step of Sigap's own refreshes it."""

    def ids(self, q):
        condition = complaints_matching(q, Complaint.objects.all(), identity=True)
        return set(Complaint.objects.filter(condition).values_list("pk", flat=True))

    def add_message(self, complaint, text):
        return Message.objects.create(complaint=complaint, platform="instagram", text=text, posted_at=timezone.now())

    def test_a_new_complaint_is_found_at_once(self, clock, make_complaint):
        wanted = make_complaint(text="Saluran air di Kampung Baru tersumbat lumpur")
        assert self.ids("tersumbat") == {wanted.pk}

    def test_a_follow_up_message_is_found_at_once_and_its_words_join_the_text(self, clock, make_complaint):
        wanted = make_complaint(text="Lampu PJU mati di Jl. Adi Sucipto")
        make_complaint(text="Tiang listrik miring di Jl. Ahmad Yani")
        self.add_message(wanted, "Kabelnya menjuntai ke jalan")
        assert self.ids("menjuntai") == {wanted.pk}
        # One follow-up's words and the text's together find it: both are the complaint's.
        assert self.ids("lampu menjuntai") == {wanted.pk}

    def test_an_edited_moved_or_deleted_message_takes_its_words_along(self, clock, make_complaint):
        first, second = make_complaint(text="Lampu PJU mati"), make_complaint(text="Jalan berlubang")
        message = self.add_message(first, "Tiangnya miring hampir roboh")
        Message.objects.filter(pk=message.pk).update(text="Tiangnya sudah dipasang kawat")
        assert self.ids("roboh") == set() and self.ids("kawat") == {first.pk}
        Message.objects.filter(pk=message.pk).update(complaint=second)
        assert self.ids("kawat") == {second.pk}
        Message.objects.filter(pk=message.pk).delete()
        assert self.ids("kawat") == set()

    def test_an_edited_complaint_text_is_found_by_its_new_words_only(self, clock, make_complaint):
        complaint = make_complaint(text="Sampah menumpuk di TPS Jebres")
        Complaint.objects.filter(pk=complaint.pk).update(text="Selokan meluap di Jebres")
        assert self.ids("selokan") == {complaint.pk}
        # The form's first message still holds the original words: they find it, as before.
        assert self.ids("sampah") == {complaint.pk}
        Message.objects.filter(complaint=complaint).update(text="Selokan meluap di Jebres")
        assert self.ids("sampah") == set()

    def test_complaints_and_messages_written_with_copy_are_found(self, clock, processor, reviewer):
        # `sigap generate` writes with COPY under session_replication_role = replica.
        call_command("generate", complaints=60, days=10, seed=5, stdout=StringIO(), stderr=StringIO())
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_complaint WHERE search IS NULL")
            assert cursor.fetchone()[0] == 0
        found_by_follow_up = 0
        for message in Message.objects.exclude(complaint=None).exclude(external_id__regex=r"^sgen-[0-9]+$"):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT to_tsvector('indonesian', text) @@ plainto_tsquery('indonesian', %s)"
                    " FROM cases_complaint WHERE id = %s",
                    [message.text, message.complaint_id],
                )
                if cursor.fetchone()[0]:
                    continue  # the complaint's own text has these words too: no proof either way
            assert message.complaint_id in self.ids(message.text), message.text
            found_by_follow_up += 1
        assert found_by_follow_up

    @pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep the migrations' data for later tests
    def test_two_messages_added_at_once_are_both_found(self, make_complaint):
        """The second writer waits for the first: neither overwrites the vector with one missing the other."""
        complaint = make_complaint(text="Lampu PJU mati")
        first_added, failures = threading.Event(), []

        def add(text, before_commit):
            try:
                with transaction.atomic():
                    self.add_message(complaint, text)
                    before_commit()
            except Exception as exc:  # reported by the assertion below
                failures.append(exc)
            finally:
                connection.close()

        def wait_for_the_second_to_block():
            first_added.set()
            for _ in range(500):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    if cursor.fetchone()[0]:
                        return
                time.sleep(0.01)

        one = threading.Thread(target=add, args=("Kabelnya menjuntai", wait_for_the_second_to_block))
        one.start()
        first_added.wait(10)
        two = threading.Thread(target=add, args=("Tiangnya keropos", lambda: None))
        two.start()
        one.join(10), two.join(10)
        assert failures == []
        assert self.ids("menjuntai") == self.ids("keropos") == {complaint.pk}


def test_edits_count_a_swap_of_two_letters_as_one():
    assert edits("smapah", "sampah") == 1
    assert edits("berlubng", "berlubang") == edits("mti", "mati") == 1
    assert edits("kitten", "sitting") == 3
    assert edits("sampah", "sampah") == 0 and edits("", "pju") == 3
    assert edits("kitten", "sitting", 1) == 2 and edits("kitten", "sitting", 3) == 3


def test_the_worker_rebuilds_the_known_words():
    from sigap.cases.management.commands import worker

    assert rebuild_words_when_due in worker.JOBS


def test_the_rebuild_is_no_job_without_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite has no word table")
    assert rebuild_words_when_due() is False


def test_spellings_give_slang_and_standard_forms():
    assert {"tidak", "gak"} <= set(spellings("gak"))
    assert {"tidak", "gak"} <= set(spellings("tidak"))
    assert spellings("sampah")[0] == "sampah"


def test_a_tracking_number_with_a_valid_check_is_an_exact_match(clock, make_complaint):
    c = make_complaint()
    condition = complaints_matching(c.tracking_number.lower().replace("-", " "), Complaint.objects.all(), identity=True)
    assert list(Complaint.objects.filter(condition)) == [c]


class TestApiSearch:
    def test_the_api_q_filter_uses_the_same_search(self, clock, make_complaint, processor):
        from sigap.api.models import ApiToken

        wanted = make_complaint(text="Air PDAM keruh dan bau di Laweyan")
        make_complaint(text="Lampu PJU mati")
        Message.objects.create(complaint=wanted, platform="instagram", text="Masih keruh sampai sekarang", posted_at=timezone.now())
        raw = ApiToken.issue(user=processor, name="test")[1]
        from django.test import Client

        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        ids = [c["id"] for c in client.get("/api/v1/complaints", {"q": "keruh"}).json()["results"]]
        assert ids == [wanted.pk]
        bad = client.get("/api/v1/complaints", {"q": "x" * 300})
        assert bad.status_code == 400


def test_searching_reads_no_whole_table(clock, make_complaint):
    """Each query of a search can be answered from an index on PostgreSQL (sigap/tests/test_explain.py checks pages)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans")
    from django.test.utils import CaptureQueriesContext

    make_complaint(text="Sampah menumpuk")
    with CaptureQueriesContext(connection) as ctx:
        list(Complaint.objects.filter(complaints_matching("sampah", Complaint.objects.all(), identity=True)))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in ctx.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on cases_" not in plan, plan


def test_a_common_word_lists_the_newest_matches_up_to_the_cap(clock, make_complaint, monkeypatch):
    """The small windows ask for the newest CAP matches; more matches never push the newest out."""
    if connection.vendor != "postgresql":
        pytest.skip("windows are PostgreSQL's")
    from sigap.cases import search

    monkeypatch.setattr(search, "CAP", 3)
    monkeypatch.setattr(search, "WINDOWS", (4, 20, None))
    made = [make_complaint(text=f"Sampah menumpuk nomor {i}") for i in range(8)]
    make_complaint(text="Lampu PJU mati")
    matching = Complaint.objects.filter(complaints_matching("sampah", Complaint.objects.all(), identity=True))
    assert sorted(matching.values_list("pk", flat=True)) == sorted(c.pk for c in made[-3:])


def test_the_matching_ids_go_to_the_database_as_one_array_parameter(clock, make_complaint):
    """One placeholder for all the ids: the client-side binding parses the query around every one."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL binding")
    from django.test.utils import CaptureQueriesContext

    made = [make_complaint(text=f"Sampah menumpuk nomor {i}") for i in range(30)]
    with CaptureQueriesContext(connection) as ctx:
        found = list(Complaint.objects.filter(complaints_matching("sampah", Complaint.objects.all(), identity=True)))
    assert {c.pk for c in found} == {c.pk for c in made}
    listing = ctx.captured_queries[-1]["sql"]
    assert " = ANY(" in listing and " IN (" not in listing
