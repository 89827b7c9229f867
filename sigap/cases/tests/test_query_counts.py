"""The complaint's pages read a fixed number of queries, however long the complaint's history.

A complaint reopened many times, with many messages, replies, duplicates, recaps and routing
decisions, costs the staff page and the public tracking page no more queries than a fresh one:
an N+1 (a query per row shown) fails here. The rate limiter's storage is left out of the public
page's count (sigap.ops.ratelimit has its own tests).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sigap.cases import actions
from sigap.cases.models import Message, Reply, Status

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 10, 5, 9, 0, tzinfo=WIB)  # the history is made over the weeks after it
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)  # the pages are read then

# Session, user, complaint, its steps, the recaps that cover it and their steps, answers, events,
# duplicates merged in, attachments, messages, replies; the menu's two counts; the routing box (the
# suggestion, the decisions, whether there are possible duplicates, then those) and the forward box
# (whether anything was forwarded or failed, then the links and their updates).
STAFF_PAGE = 21
# No recap covers it (no recap steps), no possible duplicate, nothing forwarded to another system.
STAFF_PAGE_UNRECAPPED = STAFF_PAGE - 4
# At step 4 the forward form and the routing box each list the active categories and agencies.
STAFF_PAGE_WITH_ROUTING_FORMS = STAFF_PAGE_UNRECAPPED + 4
# The complaint, its public events, its answers, the citizen's feedback.
PUBLIC_PAGE = 4

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(make_complaint, walk_to, processor, reviewer, agencies):
    """A complaint with `rounds` rounds of answers and as many messages, replies, links and duplicates."""
    from sigap.connectors.models import Connector, ForwardLink, RemoteUpdate
    from sigap.recaps.actions import recap_create
    from sigap.triage.models import DuplicateLink, RoutingDecision

    def make(rounds: int, *, confidential: bool = False):
        with time_machine.travel(MONDAY, tick=False) as clock:
            complaint = make_complaint(
                posted_at=MONDAY - timedelta(minutes=10),
                links=[f"https://example.test/foto/{i}.jpg" for i in range(rounds)],
                confidential=confidential,
            )
            walk_to(complaint, Status.POSTED)
            for i in range(rounds - 1):
                clock.shift(timedelta(hours=1))
                actions.complaint_reopen(complaint=complaint, by=processor, reason=f"Belum beres ({i})")
                actions.complaint_answer(complaint=complaint, by=reviewer, text=f"Kami cek ({i}).")
                actions.answer_return(complaint=complaint, by=reviewer, reason="Kurang jelas")
                actions.complaint_answer(complaint=complaint, by=reviewer, text=f"Sudah diperbaiki ({i}).")
                actions.answer_approve(complaint=complaint, by=reviewer)
                actions.complaint_post_answer(complaint=complaint, by=processor, link=f"https://instagram.com/p/{i}")
            for i in range(rounds):
                Message.objects.create(complaint=complaint, platform="instagram", text=f"Lagi {i}", posted_at=MONDAY)
                Reply.objects.create(complaint=complaint, kind=Reply.Kind.AUTO, platform="instagram", text="Terima kasih")
                actions.complaint_merge(complaint=make_complaint(text=f"Sama ({i})"), into=complaint, by=processor)
                DuplicateLink.objects.create(complaint=make_complaint(text=f"Mirip ({i})"), other=complaint, score=0.5)
                RoutingDecision.objects.create(
                    complaint=complaint, kind=RoutingDecision.Kind.CORRECTED, agency=agencies["DISHUB"], by=reviewer
                )
            # Switched off, so that no action forwards anything by itself.
            connector, _new = Connector.objects.get_or_create(
                name="ULAS", kind=Connector.Kind.OPEN311, url="https://ulas.example.test/", active=False
            )
            for i in range(rounds):
                link = ForwardLink.objects.create(complaint=complaint, connector=connector, round=i + 1)
                RemoteUpdate.objects.create(link=link, update_id=f"u{i}", status="open")
        with time_machine.travel(TUESDAY, tick=False):
            for i in range(rounds):
                start, end = MONDAY - timedelta(days=i + 1), TUESDAY - timedelta(days=1)
                recap_create(by=processor, period_start=start, period_end=end)
        complaint.refresh_from_db()
        return complaint

    return make


@pytest.fixture(autouse=True)
def tuesday():
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        yield traveller


def count(client, url: str) -> int:
    client.get(url)  # warm the per-process memos (SOP version, labels): the count is a steady page's
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


class TestStaffPage:
    @pytest.mark.parametrize("person", ["processor", "reviewer", "supervisor", "liaison_dishub"])
    def test_a_long_history_costs_no_more_queries_than_a_short_one(self, busy, as_user, request, person):
        client = as_user(request.getfixturevalue(person))
        short, long = busy(1), busy(5)
        assert count(client, reverse("complaint", args=[long.pk])) == count(
            client, reverse("complaint", args=[short.pk])
        )

    @pytest.mark.parametrize("person", ["processor", "reviewer", "supervisor", "liaison_dishub"])
    def test_the_page_of_a_complaint_with_a_long_history_reads_a_fixed_number_of_queries(
        self, busy, as_user, request, person, django_assert_max_num_queries
    ):
        client = as_user(request.getfixturevalue(person))
        url = reverse("complaint", args=[busy(5).pk])
        client.get(url)
        with django_assert_max_num_queries(STAFF_PAGE):
            assert client.get(url).status_code == 200

    def test_the_forward_form_and_the_routing_box_add_only_their_choice_lists(
        self, make_complaint, walk_to, as_user, processor, django_assert_max_num_queries
    ):
        complaint = walk_to(make_complaint(posted_at=TUESDAY - timedelta(minutes=10)), Status.REGISTERED)
        client = as_user(processor)
        url = reverse("complaint", args=[complaint.pk])
        client.get(url)
        with django_assert_max_num_queries(STAFF_PAGE_WITH_ROUTING_FORMS):
            assert "action-forward" in client.get(url).text

    def test_the_approved_answer_to_post_comes_from_the_answers_already_read(
        self, walk_to, make_complaint, as_user, processor, django_assert_max_num_queries
    ):
        complaint = walk_to(make_complaint(posted_at=TUESDAY - timedelta(minutes=10)), Status.APPROVED)
        client = as_user(processor)
        url = reverse("complaint", args=[complaint.pk])
        client.get(url)
        with django_assert_max_num_queries(STAFF_PAGE_UNRECAPPED):
            response = client.get(url)
        assert response.context["approved_answer"] == complaint.current_answer()
        assert "Sudah kami perbaiki." in response.text

    def test_another_agencys_complaint_is_still_refused_and_an_unknown_one_not_found(self, busy, as_user, liaison_dlh):
        client = as_user(liaison_dlh)
        theirs = busy(1)  # forwarded to DISHUB
        assert client.get(reverse("complaint", args=[theirs.pk])).status_code == 403
        assert client.get(reverse("complaint", args=[theirs.pk + 1000])).status_code == 404


class TestPublicPage:
    @pytest.fixture(autouse=True)
    def no_rate_limit(self, monkeypatch):
        from sigap.public import views

        monkeypatch.setattr(views, "_limited", lambda request: 0)

    @pytest.mark.parametrize("confidential", [False, True])
    def test_a_long_history_costs_no_more_queries_than_a_short_one(self, busy, client, confidential):
        short, long = busy(1, confidential=confidential), busy(5, confidential=confidential)
        assert count(client, reverse("track-detail", args=[long.tracking_number])) == count(
            client, reverse("track-detail", args=[short.tracking_number])
        )

    @pytest.mark.parametrize("confidential", [False, True])
    def test_the_tracking_page_reads_a_fixed_number_of_queries(
        self, busy, client, confidential, django_assert_max_num_queries
    ):
        url = reverse("track-detail", args=[busy(5, confidential=confidential).tracking_number])
        with django_assert_max_num_queries(PUBLIC_PAGE):
            response = client.get(url)
        assert response.status_code == 200 and response.context["can_rate"]

    def test_the_page_still_shows_every_round_and_the_latest_answer(self, busy, client):
        complaint = busy(3)
        response = client.get(reverse("track-detail", args=[complaint.tracking_number]))
        page = response.content.decode()
        assert response.context["answer"] == "Sudah diperbaiki (1)."  # the latest round's
        for text in ("Sudah kami perbaiki.", "Sudah diperbaiki (0).", "Dinas Perhubungan"):
            assert text in page, text
        assert [e.kind for e in response.context["entries"]].count("approved") == 3


@pytest.mark.parametrize("language", ["id", "en"])
def test_times_on_the_staff_pages_read_as_djangos_date_format_wrote_them(language):
    # wib and wib_date write the format themselves (they run for every time on every row shown).
    from django.utils import formats, timezone, translation

    from sigap.cases.templatetags.sigap import wib, wib_date

    with translation.override(language):
        for month in range(1, 13):
            value = datetime(2026, month, 1 + month, 2 * month - 1, 4 * month, tzinfo=ZoneInfo("UTC"))
            local = timezone.localtime(value)
            assert wib(value) == f"{formats.date_format(local, 'j M Y H:i')} WIB"
            assert wib_date(value) == formats.date_format(local, "j M Y")
        independence_day = datetime(2026, 8, 17, 3, 0, tzinfo=ZoneInfo("UTC"))
        assert wib(independence_day) == {"id": "17 Agu 2026 10:00 WIB", "en": "17 Aug 2026 10:00 WIB"}[language]
