"""`sigap fakeplatform`: every social platform Sigap talks to, played by one local server (demos, tests)."""

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError

from sigap.fakeplatform.server import Config, FakePlatform
from sigap.fakeplatform.wiring import API_PATHS


class Command(BaseCommand):
    help = "Run a fake Instagram/Facebook/WhatsApp/X/YouTube/Telegram/TikTok for Sigap, with simulated citizens."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8001", help="Where the fake listens (keep it local).")
        parser.add_argument(
            "--deliver-to",
            default="",
            metavar="URL",
            help="Sigap's base URL for webhooks, e.g. http://127.0.0.1:8000 (default: none, poll only).",
        )
        parser.add_argument(
            "--poll",
            default="",
            metavar="PLATFORMS",
            help="Comma-separated x,telegram: hold their items for polling instead of webhooks.",
        )
        parser.add_argument("--interval", type=float, default=4.0, help="Seconds between simulated citizens' messages.")
        parser.add_argument("--seed", type=int, default=None, help="Make the citizens say the same things every run.")
        parser.add_argument("--no-citizens", action="store_true", help="Only answer API calls and /_control/ requests.")

    def handle(self, *args, addr, deliver_to, poll, interval, seed, no_citizens, **options):
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError("--addr must look like 127.0.0.1:8001")
        polled = frozenset(p.strip() for p in poll.split(",") if p.strip())
        if polled - {"x", "telegram"}:
            raise CommandError("--poll takes x and/or telegram (YouTube is always polled)")
        if interval <= 0:
            raise CommandError("--interval must be positive")
        # One INFO line per webhook from httpx would drown the demo's console; failures are logged anyway.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        config = Config.from_env(
            deliver_to=deliver_to, poll=polled, interval=interval, seed=seed, citizens=not no_citizens
        )
        try:
            fake = FakePlatform(config).start(host, int(port))
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {addr} ({exc.strerror}). Pick another with --addr (`sigap run --fake-addr`), "
                "or run Sigap without the fake: `sigap run --no-fake`."
            ) from exc
        self._banner(fake)
        stopping = []
        signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        try:
            while not stopping:
                time.sleep(0.5)
        finally:
            fake.stop()

    def _banner(self, fake) -> None:
        self.stdout.write(self.style.SUCCESS(f"Fake platforms at {fake.url}/  (Ctrl-C stops it)"))
        for name, path in API_PATHS.items():
            self.stdout.write(f"  {name}={fake.url}{path}")
        targets = fake.deliverer.targets
        self.stdout.write("  webhooks to: " + (", ".join(targets.values()) or "nowhere (poll only)"))
