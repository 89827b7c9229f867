import pytest
from django.db import connection

from sigap.lib.db import without_parallel_workers


def setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a PostgreSQL setting")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep the migrations' data for later tests
def test_queries_inside_plan_without_parallel_workers_and_the_setting_ends_with_them():
    before = setting()
    with without_parallel_workers():
        assert setting() == "0"
    assert setting() == before

