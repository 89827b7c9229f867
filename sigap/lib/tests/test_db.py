import pytest
from django.db import connection

from sigap.lib.db import without_parallel_workers


def setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_queries_inside_plan_without_parallel_workers_and_the_setting_ends_with_them():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    before = setting()
    with without_parallel_workers():
        assert setting() == "0"
    assert setting() == before

