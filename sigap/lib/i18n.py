"""Translated tables made once per language."""

from functools import cache, wraps

from django.utils import translation


def per_language(build):
    """`build()` made once per language: tables of labels read for every row or match a page shows."""
    made = cache(lambda language: build())

    @wraps(build)
    def labels() -> dict:
        return made(translation.get_language())

    return labels
