"""The one call sigap.cases.actions.record_event makes: queue what the connectors must do about an event.

It runs inside the action's transaction, so a forward or webhook is queued if and only if the
change it reports is committed; the worker does the network calls afterwards.
"""

import logging

from django.db import connection, transaction

from sigap.connectors.models import Connector

log = logging.getLogger(__name__)


def _any_active() -> bool:
    # Called for every event: one plain query on a table of a few rows, without the ORM's compile
    # cost (a few milliseconds here), so a Sigap without connectors pays next to nothing.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Connector._meta.db_table} WHERE active = %s AND kind <> %s LIMIT 1",
            [True, Connector.Kind.BUILTIN],
        )
        return cursor.fetchone() is not None


def on_event(event) -> None:
    if not _any_active():
        return
    connectors = list(
        Connector.objects.filter(active=True, kind__in=[Connector.Kind.OPEN311, Connector.Kind.WEBHOOK]).prefetch_related(
            "agencies"
        )
    )
    if not connectors:
        return
    from sigap.connectors import forwarding, webhooks  # they use sigap.cases.actions, which imports this module

    try:
        with transaction.atomic():  # a savepoint: a fault here must not undo the action itself
            webhooks.enqueue(event, [c for c in connectors if c.kind == Connector.Kind.WEBHOOK])
            forwarding.enqueue(event, [c for c in connectors if c.kind == Connector.Kind.OPEN311])
    except Exception:
        # The complaint itself is safe in Sigap, where it can be answered; the log says what was not queued.
        log.exception("connectors: nothing queued for event %s (%s)", event.pk, event.kind)
