"""Settings kept in the database but read on every message: remembered per process for a few seconds.

The active SOP version, the closure days, the routing keywords and the active categories and
agencies change when an administrator edits them, a few times a year, yet intake reads them for
every complaint it opens. Each is kept here for MEMO_SECONDS; a save or delete in this process
forgets it at once (and again at commit, so a value read inside the editing transaction is not
kept), other processes see it within MEMO_SECONDS. Tests forget everything between tests (conftest).
"""

import threading
import time
from collections.abc import Callable

from django.db import transaction

MEMO_SECONDS = 10.0

_lock = threading.Lock()
_values: dict[str, tuple[float, object]] = {}


def remembered(key: str, load: Callable[[], object], seconds: float = MEMO_SECONDS):
    now = time.monotonic()
    with _lock:
        hit = _values.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1]
    value = load()
    with _lock:
        _values[key] = (now, value)
    return value


def forget(*keys: str) -> None:
    with _lock:
        for key in keys or list(_values):
            _values.pop(key, None)


def forget_on_change(key: str, *models) -> None:
    """Forget `key` whenever one of these models is saved or deleted (connect in AppConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    def changed(**kwargs):
        forget(key)
        transaction.on_commit(lambda: forget(key), using=kwargs.get("using"))

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(changed, sender=model, weak=False, dispatch_uid=f"memo:{key}:{model._meta.label}:{signal}")
