"""Fixtures for the audit, backup and privacy tests: their own media folder, raw SQL on events."""

import pytest
from django.db import connection
from django.utils import translation


@pytest.fixture
def english():
    """Messages asserted word for word are asserted in English; Indonesian is the default."""
    with translation.override("en"):
        yield


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tamper():
    """Change the event table behind Django's back, as someone with database access could."""

    def run(sql: str, *params) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run
