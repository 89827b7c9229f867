"""The dashboard's live figures: computed by the worker, read by the page in one query.

A page view reads the scope's latest `LiveFigures` row; a scope nobody has looked at yet, or
whose "today" has since ended, is computed there and then (milliseconds at a city's size). While
someone keeps looking — and always for the city-wide scope — the worker recomputes the scope
every REFRESH, or less often when one computation takes long (a million complaints), so that
the dashboard never holds the worker for more than a tenth of its time.
"""

import logging
import pickle
import time
from datetime import datetime, timedelta
from datetime import time as clock

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sigap.agencies.models import Agency
from sigap.recaps.build import RecapData, Summary
from sigap.recaps.models import LiveFigures, scope_key

log = logging.getLogger(__name__)

PERIODS = ("today", "week", "month")
REFRESH = timedelta(seconds=60)
# A scope keeps being refreshed this long after its last view; the city-wide one always.
KEEP_WARM = timedelta(minutes=15)
# A computation running longer than this was interrupted: another worker may take the scope.
LEASE = timedelta(minutes=10)
# At most one write of viewed_at per scope this often, however many people look.
VIEW_MARK = timedelta(seconds=30)
CITY_WIDE = scope_key(None, "")


def period_of(name: str, now: datetime) -> tuple[datetime, datetime]:
    """Today, this week (from Monday) or this month, in WIB, up to now."""
    today = timezone.localdate(now, timezone.get_default_timezone())
    first = {"today": today, "week": today - timedelta(days=today.weekday()), "month": today.replace(day=1)}[name]
    return datetime.combine(first, clock.min, tzinfo=timezone.get_default_timezone()), now


def compute(agency: Agency | None, platform: str, now: datetime) -> dict[str, Summary]:
    return {name: RecapData(*period_of(name, now), agency=agency, platform=platform).summary for name in PERIODS}


def figures(agency: Agency | None, platform: str, now: datetime | None = None) -> tuple[dict[str, Summary], datetime]:
    """The scope's summaries per period and when they were computed."""
    now = now or timezone.now()
    key = scope_key(agency, platform)
    row = LiveFigures.objects.filter(scope=key).first()
    summaries = _current(row, now)
    if summaries is not None:
        if now - row.viewed_at > VIEW_MARK:
            LiveFigures.objects.filter(pk=row.pk).update(viewed_at=now)
        return summaries, row.computed_at
    started = time.monotonic()
    summaries = compute(agency, platform, now)
    _store(key, agency, platform, summaries, now, time.monotonic() - started)
    return summaries, now


def _current(row: LiveFigures | None, now: datetime) -> dict[str, Summary] | None:
    """The stored summaries, unless missing, unreadable, or from before today began."""
    if row is None or not row.figures or row.computed_at is None or row.computed_at > now:
        return None
    try:
        summaries = pickle.loads(bytes(row.figures))
    except Exception:  # written by another version of Sigap: computed afresh
        return None
    if set(summaries) != set(PERIODS) or summaries["today"].period_start != period_of("today", now)[0]:
        return None
    return summaries


def _next_due(now: datetime, seconds: float) -> datetime:
    return now + max(REFRESH, timedelta(seconds=10 * seconds))


def _store(key: str, agency, platform: str, summaries: dict, now: datetime, seconds: float) -> None:
    values = {
        "agency": agency,
        "platform": platform,
        "figures": pickle.dumps(summaries, protocol=pickle.HIGHEST_PROTOCOL),
        "computed_at": now,
        "compute_seconds": seconds,
        "due_at": _next_due(now, seconds),
    }
    try:
        with transaction.atomic():
            LiveFigures.objects.update_or_create(scope=key, defaults={**values, "viewed_at": now})
    except IntegrityError:
        pass  # another request stored the same scope at the same moment: theirs will do


def refresh_one(now: datetime | None = None) -> bool:
    """Recompute the most overdue scope someone is watching; False when none is due."""
    now = now or timezone.now()
    watched = Q(scope=CITY_WIDE) | Q(viewed_at__gte=now - KEEP_WARM)
    row = (
        LiveFigures.objects.filter(watched, due_at__lte=now)
        .select_related("agency")
        .order_by("due_at")
        .only("pk", "scope", "agency", "platform", "due_at")
        .first()
    )
    if row is None:
        return False
    # Claimed by moving its due time on: a worker killed mid-computation leaves it due again later.
    if not LiveFigures.objects.filter(pk=row.pk, due_at=row.due_at).update(due_at=now + LEASE):
        return True  # another worker has it
    started = time.monotonic()
    summaries = compute(row.agency, row.platform, now)
    seconds = time.monotonic() - started
    LiveFigures.objects.filter(pk=row.pk).update(
        figures=pickle.dumps(summaries, protocol=pickle.HIGHEST_PROTOCOL),
        computed_at=now,
        compute_seconds=seconds,
        due_at=_next_due(now, seconds),
    )
    return True
