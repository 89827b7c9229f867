"""Rating an answer and asking to reopen, from the tracking page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sigap.cases.models import Event, Status
from sigap.public.models import Feedback

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def travel():
    with time_machine.travel(TUESDAY, tick=False) as t:
        yield t


@pytest.fixture
def posted(make_complaint, walk_to):
    return walk_to(make_complaint(), Status.POSTED)


def rate_url(c):
    return reverse("track-rate", args=[c.tracking_number])


def reopen_url(c):
    return reverse("track-reopen", args=[c.tracking_number])


def test_the_citizen_rates_the_posted_answer_once(client, posted):
    response = client.post(rate_url(posted), {"rating": "4", "comment": "Cepat, terima kasih"})
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.round, feedback.kind) == (4, 1, "rating")
    page = client.get(response["Location"]).content.decode()
    assert "4" in page and 'name="rating"' not in page
    client.post(rate_url(posted), {"rating": "1"})
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize("rating", ["0", "6", "lima", "", "4.5"])
def test_a_rating_outside_one_to_five_is_refused(client, posted, rating):
    response = client.post(rate_url(posted), {"rating": rating})
    assert response.status_code == 400
    assert not Feedback.objects.exists()


def test_an_answer_not_yet_posted_cannot_be_rated(client, make_complaint, walk_to):
    forwarded = walk_to(make_complaint(), Status.FORWARDED)
    client.post(rate_url(forwarded), {"rating": "5"})
    assert not Feedback.objects.exists()


def test_the_citizen_reopens_within_the_window_through_the_workflow(client, posted):
    response = client.post(reopen_url(posted), {"reason": "Lampunya mati lagi malam ini."})
    assert response.status_code == 302
    posted.refresh_from_db()
    assert posted.status == Status.FORWARDED and posted.round == 2
    event = Event.objects.get(complaint=posted, kind="reopened")
    assert event.actor is None and event.data["reason"] == "Lampunya mati lagi malam ini."
    assert posted.steps.filter(number=4, round=2, completed_at=None).exists()
    assert Feedback.objects.get().kind == "reopen"


def test_reopening_twice_does_not_open_a_third_round(client, posted):
    client.post(reopen_url(posted), {"reason": "Belum beres sama sekali."})
    client.post(reopen_url(posted), {"reason": "Belum beres sama sekali."})
    posted.refresh_from_db()
    assert posted.round == 2
    assert Event.objects.filter(complaint=posted, kind="reopened").count() == 1


def test_the_window_closes_after_the_configured_days(client, posted, travel, settings):
    settings.SIGAP_REOPEN_DAYS = 3
    travel.shift(timedelta(days=3, minutes=1))
    page = client.get(reverse("track-detail", args=[posted.tracking_number])).content.decode()
    assert 'name="reason"' not in page
    client.post(reopen_url(posted), {"reason": "Masih rusak."})
    posted.refresh_from_db()
    assert posted.status == Status.POSTED and not Event.objects.filter(kind="reopened").exists()


def test_an_empty_reason_is_refused(client, posted):
    response = client.post(reopen_url(posted), {"reason": "  "})
    assert response.status_code == 400
    posted.refresh_from_db()
    assert posted.status == Status.POSTED


def test_the_forms_need_a_csrf_token(posted):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.post(reopen_url(posted), {"reason": "Masih rusak."}).status_code == 403
    posted.refresh_from_db()
    assert posted.status == Status.POSTED


def test_a_huge_comment_is_refused(client, posted):
    response = client.post(rate_url(posted), {"rating": "3", "comment": "x" * 5000})
    assert response.status_code == 400 and not Feedback.objects.exists()


def test_after_a_reopen_the_old_answer_stays_in_the_timeline_only(client, posted):
    client.post(reopen_url(posted), {"reason": "Lampunya mati lagi malam ini."})
    page = client.get(reverse("track-detail", args=[posted.tracking_number])).content.decode()
    assert page.count("Sudah kami perbaiki.") == 1  # in the timeline, not as the current answer
    assert "Dibuka kembali atas permintaan pengadu" in page
