"""`sigap worker`: the background loop. The database is the queue; run as many as you like."""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from sigap.cases import clockwatch, outbox
from sigap.ops.heartbeat import beat
from sigap.platforms import intake, polling
from sigap.recaps import schedule

log = logging.getLogger("sigap.worker")

# Each job handles one unit of work and says whether it found any.
JOBS = [
    intake.process_one_delivery,
    polling.poll_one_account,
    outbox.send_one_reply,
    outbox.flag_one_stale_sending,
    clockwatch.notify_one_overdue,
    schedule.run_one_schedule,
]


class Command(BaseCommand):
    help = "Run Sigap's background work: step clocks, replies, recaps."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain the work there is now, then exit.")

    def handle(self, *args, once: bool = False, **options):
        from django.conf import settings

        self.shutdown = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        if not once:
            self.stdout.write("Sigap worker started.")
        while not self.shutdown:
            worked = self.run_pass()
            beat("worker")  # what /healthz reads; writes at most every few seconds
            if not connection.in_atomic_block:  # inside a test's transaction, keep the connection
                close_old_connections()
            if not worked:
                if once:
                    return
                time.sleep(settings.SIGAP_WORKER_SLEEP)

    def run_pass(self) -> bool:
        worked = False
        for job in JOBS:
            # Bounded per pass so one busy job cannot starve the others.
            for _ in range(100):
                try:
                    if not job():
                        break
                except Exception:
                    log.exception("%s failed", job.__name__)
                    break
                worked = True
        return worked

    def _stop(self, signum, frame):
        self.shutdown = True
