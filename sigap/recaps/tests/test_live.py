"""The dashboard's figures: computed once, served from the stored row, refreshed by the worker while watched."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from sigap.recaps import live
from sigap.recaps.models import LiveFigures
from sigap.recaps.tests.conftest import LAMP, WIB

pytestmark = pytest.mark.django_db
FRIDAY = datetime(2026, 11, 6, 18, 0, tzinfo=WIB)


def dashboard(client, **params):
    response = client.get(reverse("report-dashboard"), params)
    assert response.status_code == 200
    return response


def received_today(response) -> int:
    return {p["name"]: p["summary"] for p in response.context["strip"]}["today"].received


def test_the_first_view_computes_the_figures_and_stores_them_for_the_next(client, supervisor, week, django_assert_max_num_queries):
    client.force_login(supervisor)
    with time_machine.travel(FRIDAY, tick=False):
        first = dashboard(client, period="week")
        with django_assert_max_num_queries(12):  # the session, the user, the stored figures, the agencies: not the rows
            second = dashboard(client, period="week")
    assert LiveFigures.objects.get(scope="all").computed_at == FRIDAY
    assert second.context["summary"].answered == first.context["summary"].answered == 4
    assert "Angka per pukul 18:00 WIB" in second.content.decode()


def test_new_complaints_show_once_the_worker_has_refreshed_the_figures(client, supervisor, week, make_complaint):
    client.force_login(supervisor)
    with time_machine.travel(FRIDAY, tick=False):
        assert received_today(dashboard(client)) == 1
        make_complaint(posted_at=FRIDAY - timedelta(minutes=5), text=LAMP)
        assert received_today(dashboard(client)) == 1  # the stored figures, until the worker's next pass
        assert live.refresh_one() is False  # not due yet
    with time_machine.travel(FRIDAY + live.REFRESH, tick=False):
        assert live.refresh_one() is True
        assert live.refresh_one() is False  # done, and due again a minute later
        assert received_today(dashboard(client)) == 2


def test_a_scope_nobody_looks_at_any_more_is_no_longer_refreshed_but_the_city_wide_one_is(client, supervisor, week):
    client.force_login(supervisor)
    with time_machine.travel(FRIDAY, tick=False):
        dashboard(client)
        dashboard(client, agency="DISHUB")
    later = FRIDAY + live.KEEP_WARM + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert live.refresh_one() is True
        assert live.refresh_one() is False
    refreshed = dict(LiveFigures.objects.values_list("scope", "computed_at"))
    assert refreshed == {"all": later, "agency:DISHUB": FRIDAY}


def test_figures_from_before_midnight_are_not_shown_as_today(client, supervisor, week):
    client.force_login(supervisor)
    with time_machine.travel(datetime(2026, 11, 5, 23, 59, tzinfo=WIB), tick=False):
        assert received_today(dashboard(client)) == 2
    with time_machine.travel(datetime(2026, 11, 6, 0, 1, tzinfo=WIB), tick=False):
        response = dashboard(client)
    assert received_today(response) == 0
    assert response.context["computed_at"] == datetime(2026, 11, 6, 0, 1, tzinfo=WIB)


def test_unreadable_stored_figures_are_computed_afresh(client, supervisor, week):
    client.force_login(supervisor)
    with time_machine.travel(FRIDAY, tick=False):
        dashboard(client)
        LiveFigures.objects.update(figures=b"not a pickle")
        assert dashboard(client, period="week").context["summary"].answered == 4


def test_a_slow_computation_is_repeated_less_often():
    now = datetime(2026, 11, 6, 18, 0, tzinfo=WIB)
    assert live._next_due(now, 0.05) == now + live.REFRESH
    assert live._next_due(now, 12.0) == now + timedelta(seconds=120)


def test_two_workers_never_compute_the_same_scope_at_once(client, supervisor, week):
    client.force_login(supervisor)
    with time_machine.travel(FRIDAY, tick=False):
        dashboard(client)
    row = LiveFigures.objects.get(scope="all")
    with time_machine.travel(FRIDAY + live.REFRESH, tick=False):
        # Another worker claimed it first: this one's conditional update finds the due time moved.
        LiveFigures.objects.filter(pk=row.pk).update(due_at=FRIDAY + live.REFRESH + live.LEASE)
        assert live.refresh_one() is False
    row.refresh_from_db()
    assert row.computed_at == FRIDAY


def test_a_worker_killed_mid_computation_leaves_the_scope_to_be_taken_again_after_the_lease(client, supervisor, week):
    client.force_login(supervisor)
    with time_machine.travel(FRIDAY, tick=False):
        dashboard(client)
    claimed = FRIDAY + live.REFRESH
    LiveFigures.objects.update(due_at=claimed + live.LEASE)  # claimed, then the worker died
    with time_machine.travel(claimed + live.LEASE, tick=False):
        assert live.refresh_one() is True
    assert LiveFigures.objects.get(scope="all").computed_at == claimed + live.LEASE
