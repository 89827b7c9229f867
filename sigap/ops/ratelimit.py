"""Per-client rate limits, counted in a database table (RateCounter) that every process shares.

Fixed windows: simple, and enough to make enumerating tracking numbers or guessing tokens
pointless. Client identities are hashed with the secret key before they become counter keys, so
the table holds no IP addresses.

A hit is one upsert statement: it runs on every public lookup, API call and login attempt, where
Django's database cache cost a dozen queries (a COUNT(*) of its table to cull on every write, a
failed INSERT, a read and an UPDATE). Expired rows are deleted by the worker, not by the request.
"""

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from sigap.ops.models import RateCounter

PRUNE_BATCH = 1000
PRUNE_IDLE_SECONDS = 60
_next_prune = 0.0


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'30/600' = 30 requests per 600 seconds."""
        limit, _, window = text.partition("/")
        return cls(int(limit), int(window or 60))


def client_ip(request) -> str:
    """The client's address; behind SIGAP_PROXY_COUNT proxies, taken from X-Forwarded-For."""
    hops = settings.SIGAP_PROXY_COUNT
    if hops > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            # Each proxy appends the address it saw; the client is `hops` entries from the end.
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, ident: str, rate: Rate, window_start: int) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{ident}".encode()).hexdigest()[:32]
    # The window length is part of the key so that two rates in one scope never share a row
    # whose expiry only one of them chose.
    return f"{scope}:{rate.window}:{digest}:{window_start}"


def _window(rate: Rate) -> tuple[int, int]:
    now = int(time.time())
    return now, now - now % rate.window


def hit(scope: str, ident: str, rate: Rate, *, cost: int = 1) -> int:
    """Count one request; 0 if allowed, else the seconds until the window resets."""
    now, window_start = _window(rate)
    expires_at = datetime.fromtimestamp(window_start + rate.window, UTC)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    # One atomic statement (PostgreSQL, SQLite >= 3.35): concurrent hits from several processes
    # each add their cost under the row lock, so none is lost, and no read-then-write race.
    sql = (
        f'INSERT INTO {table} ("key", "count", "expires_at") VALUES (%s, %s, %s) '
        f'ON CONFLICT ("key") DO UPDATE SET "count" = {table}."count" + excluded."count" '
        'RETURNING "count"'
    )
    params = [_key(scope, ident, rate, window_start), cost, connection.ops.adapt_datetimefield_value(expires_at)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (count,) = cursor.fetchone()
    if count > rate.limit:
        return max(1, window_start + rate.window - now)
    return 0


def peek(scope: str, ident: str, rate: Rate) -> int:
    """Like hit() without counting: 0 if the client is still under the limit."""
    now, window_start = _window(rate)
    counted = RateCounter.objects.filter(key=_key(scope, ident, rate, window_start)).values_list("count", flat=True)
    if next(iter(counted), 0) >= rate.limit:
        return max(1, window_start + rate.window - now)
    return 0


def prune_expired() -> bool:
    """The worker's job: delete a batch of counters whose window has ended; True if it deleted any.

    After finding none it rests for PRUNE_IDLE_SECONDS: rows are only clutter, never read again.
    """
    global _next_prune
    if time.monotonic() < _next_prune:
        return False
    expired = RateCounter.objects.filter(expires_at__lt=timezone.now()).values("pk")[:PRUNE_BATCH]
    deleted, _ = RateCounter.objects.filter(pk__in=expired).delete()
    if not deleted:
        _next_prune = time.monotonic() + PRUNE_IDLE_SECONDS
    return deleted > 0
