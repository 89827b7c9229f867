"""Keyset ("cursor") pagination: stable under inserts, and no OFFSET scans on deep pages.

The cursor is the last row's sort key, signed so a client cannot hand us a forged one.
"""

from datetime import datetime

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sigap.api.errors import ApiError

SALT = "sigap.api.cursor"


def page(queryset: QuerySet, *, field: str, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Rows ordered by `field` then pk, newest first, after `cursor`; and the next cursor."""
    queryset = queryset.order_by(f"-{field}", "-pk")
    if cursor:
        try:
            value, pk = signing.loads(cursor, salt=SALT)
            value = datetime.fromisoformat(value)
            pk = int(pk)
        except (signing.BadSignature, ValueError, TypeError):
            raise ApiError(400, "invalid", _("The cursor is not valid; start again without it.")) from None
        # The plain `<=` lets the index on (field, id) start at the cursor instead of filtering from the top.
        queryset = queryset.filter(Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk}), **{f"{field}__lte": value})
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = signing.dumps([getattr(last, field).isoformat(), last.pk], salt=SALT)
    return rows, next_cursor
