"""Per-client rate limits in Django's cache (a database table, so every process shares it).

Fixed windows: simple, and enough to make enumerating tracking numbers or guessing tokens
pointless. Client addresses are hashed with the secret key before they become cache keys, so
the cache table holds no IP addresses.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


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


def _key(scope: str, ident: str, window_start: int) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{ident}".encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{window_start}"


def hit(scope: str, ident: str, rate: Rate, *, cost: int = 1) -> int:
    """Count one request; 0 if allowed, else the seconds until the window resets."""
    now = int(time.time())
    window_start = now - now % rate.window
    key = _key(scope, ident, window_start)
    expires = window_start + rate.window + 5 - now
    if cache.add(key, cost, expires):
        count = cost
    else:
        # Not cache.incr(): on the database cache that is a get and a set which puts the entry's
        # timeout back to the default 300 s, so windows longer than that were forgotten early.
        count = (cache.get(key) or 0) + cost
        cache.set(key, count, expires)
    if count > rate.limit:
        return max(1, window_start + rate.window - now)
    return 0


def peek(scope: str, ident: str, rate: Rate) -> int:
    """Like hit() without counting: 0 if the client is still under the limit."""
    now = int(time.time())
    window_start = now - now % rate.window
    count = cache.get(_key(scope, ident, window_start), 0)
    if count >= rate.limit:
        return max(1, window_start + rate.window - now)
    return 0
