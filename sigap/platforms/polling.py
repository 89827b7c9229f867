"""Polling, for platforms that cannot push (YouTube) or accounts set to poll (X mentions, Telegram getUpdates).

One account at a time: it is claimed by moving its next_poll_at forward with a conditional UPDATE,
polled outside any transaction (the platform may be slow), and its items are ingested together
with the new cursor, so a crash re-polls from the old cursor and dedupe absorbs the overlap.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sigap.platforms import intake
from sigap.platforms.base import PlatformError
from sigap.platforms.connect import adapter_for
from sigap.platforms.models import Account, PollCursor

log = logging.getLogger(__name__)


def poll_one_account(now=None) -> bool:
    now = now or timezone.now()
    for account in Account.objects.filter(active=True, poll_interval__gt=0):
        cursor, _created = PollCursor.objects.get_or_create(account=account)
        if cursor.next_poll_at and cursor.next_poll_at > now:
            continue
        claimed = PollCursor.objects.filter(
            Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now), pk=cursor.pk
        ).update(next_poll_at=now + timedelta(seconds=account.poll_interval))
        if claimed == 1:
            _poll(account, cursor, now)
            return True
    return False


def _poll(account: Account, cursor: PollCursor, now) -> None:
    try:
        items, new_cursor = adapter_for(account).poll(cursor.cursor or None)
    except PlatformError as exc:
        wait = exc.retry_after or (3600 if exc.permanent else account.poll_interval)
        PollCursor.objects.filter(pk=cursor.pk).update(
            last_error=exc.message[:300], next_poll_at=now + timedelta(seconds=max(wait, account.poll_interval))
        )
        if exc.permanent:
            Account.objects.filter(pk=account.pk).update(last_error=exc.message[:300])
        return
    with transaction.atomic():
        for item in items:
            intake.ingest(item)
        PollCursor.objects.filter(pk=cursor.pk).update(cursor=new_cursor or cursor.cursor, last_error="")
