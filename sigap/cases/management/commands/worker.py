"""`sigap worker`: the background loop. The database is the queue; run as many as you like."""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from sigap.cases import clockwatch, outbox, search
from sigap.connectors import forwarding, webhooks
from sigap.ops import audit, privacy, ratelimit
from sigap.ops.heartbeat import beat
from sigap.platforms import intake, polling
from sigap.recaps import live, schedule
from sigap.triage import overdue as triage_overdue

log = logging.getLogger("sigap.worker")

# Each job handles one unit of work and says whether it found any.
JOBS = [
    intake.process_one_delivery,
    polling.poll_one_account,
    outbox.send_one_reply,
    outbox.flag_one_stale_sending,
    clockwatch.notify_one_overdue,
    triage_overdue.notify_one_waiting_overdue,  # step 2 of messages still in the triage queue
    schedule.run_one_schedule,
    live.refresh_one,  # the dashboard's figures, while someone looks
    audit.seal_events,
    privacy.pseudonymise_one,
    forwarding.forward_one,
    forwarding.poll_one_connector,
    webhooks.send_one_webhook,
    ratelimit.prune_expired,  # expired rate-limit counters
    search.rebuild_words_when_due,  # the known words that typos are mended with, once a day
]


JOB_SLICE_SECONDS = 0.5
RECYCLE_SECONDS = 60


class Command(BaseCommand):
    help = "Run Sigap's background work: step clocks, replies, recaps."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain the work there is now, then exit.")

    def handle(self, *args, once: bool = False, **options):
        from django.conf import settings

        self.shutdown = False
        self.failed, self.recycled_at = False, time.monotonic()
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        if not once:
            self.stdout.write("Sigap worker started.")
        while not self.shutdown:
            worked = self.run_pass()
            beat("worker")  # what /healthz reads; writes at most every few seconds
            self.recycle_connection()
            if not worked:
                if once:
                    return
                time.sleep(settings.SIGAP_WORKER_SLEEP)

    def run_pass(self) -> bool:
        worked = False
        for job in JOBS:
            # Bounded per pass, in count and in time, so one busy job cannot starve the others:
            # a burst of incoming messages must not hold back the acknowledgements already queued.
            until = time.monotonic() + JOB_SLICE_SECONDS
            for _ in range(100):
                if time.monotonic() > until:
                    break
                try:
                    if not job():
                        break
                except Exception:
                    log.exception("%s failed", job.__name__)
                    self.failed = True
                    break
                worked = True
        return worked

    def recycle_connection(self) -> None:
        """Keep the database connection between passes; drop it after an error, or now and then.

        Reconnecting on every pass (what CONN_MAX_AGE=0 would do) costs more than a message's
        whole work on PostgreSQL; after an error the connection may be dead (a restarted server).
        """
        if connection.in_atomic_block:  # inside a test's transaction, keep the connection
            return
        now = time.monotonic()
        if self.failed or now - self.recycled_at > RECYCLE_SECONDS:
            close_old_connections()
            self.failed, self.recycled_at = False, now

    def _stop(self, signum, frame):
        self.shutdown = True
