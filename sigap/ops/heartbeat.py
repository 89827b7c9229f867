"""Worker liveness: `beat(name)` is called from each pass of a background loop.

A pass can take milliseconds, so the row is written at most once per BEAT_EVERY seconds
per process: liveness needs seconds of resolution, not a write per pass.
"""

import logging
import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from sigap.ops.models import Heartbeat

log = logging.getLogger(__name__)
BEAT_EVERY = 10.0
_last_written: dict[str, float] = {}


def beat(name: str = "worker", *, force: bool = False) -> bool:
    """Record that the loop `name` is alive; True when a row was written."""
    now = time.monotonic()
    if not force and now - _last_written.get(name, -BEAT_EVERY) < BEAT_EVERY:
        return False
    try:
        Heartbeat.objects.update_or_create(
            name=name[:60],
            defaults={"beat_at": timezone.now(), "host": socket.gethostname()[:120], "pid": os.getpid()},
        )
    except DatabaseError:
        # The database is away (restarting, locked): the loop must outlive it and beat again later;
        # a missing beat is what /healthz should see meanwhile.
        log.warning("heartbeat %s not written: the database is unavailable", name, exc_info=True)
        return False
    _last_written[name] = now
    return True


def stale_after() -> timedelta:
    return timedelta(seconds=settings.SIGAP_WORKER_STALE_SECONDS)


def status(now=None) -> list[dict]:
    """Every known loop with its last beat, age in seconds and whether it is stale."""
    now = now or timezone.now()
    limit = stale_after()
    return [
        {
            "name": hb.name,
            "last_beat": hb.beat_at.isoformat(),
            "age_seconds": max(0, int((now - hb.beat_at).total_seconds())),
            "stale": now - hb.beat_at > limit,
        }
        for hb in Heartbeat.objects.all()
    ]
