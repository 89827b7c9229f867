"""`sigap run`: the whole system on one machine: web server and worker. Ctrl-C stops both.

Unless `--no-fake`, it also starts `sigap fakeplatform`, and the web server and worker get an
environment pointing every platform's API URL, secret and token at it (sigap.fakeplatform.wiring),
generated afresh for each run: the demo accounts of `sigap demo` then receive simulated citizens'
messages and Sigap's replies land on the fake, never on a real platform.
"""

import os
import subprocess
import sys

from django.core.management.base import BaseCommand

from sigap.cases.management.commands.demo import PASSWORD, USERS
from sigap.fakeplatform import wiring
from sigap.lib.supervise import supervise

# With the fake, replies should show up within seconds: the worker naps less between empty passes.
DEMO_WORKER_SLEEP = "0.5"


class Command(BaseCommand):
    help = "Start the web server and the background worker together (development and demos)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Where the web server listens.")
        parser.add_argument("--fake-addr", default="127.0.0.1:8001", help="Where the fake platforms listen.")
        parser.add_argument(
            "--no-fake", action="store_true",
            help="Do not start the fake platforms; use the platform URLs and secrets set in the environment.",
        )

    def handle(self, *args, addr: str, fake_addr: str = "127.0.0.1:8001", no_fake: bool = False, **options):
        sigap = [sys.executable, "-m", "sigap"]
        env = None if no_fake else self._fake_env(fake_addr)
        processes = {
            "web": subprocess.Popen([*sigap, "runserver", "--noreload", addr], env=env),
            "worker": subprocess.Popen([*sigap, "worker"], env=env),
        }
        if not no_fake:
            deliver_to = f"http://{_local(addr)}"
            processes["fake"] = subprocess.Popen(
                [*sigap, "fakeplatform", "--addr", fake_addr, "--deliver-to", deliver_to], env=env
            )
        self._banner(addr, None if no_fake else fake_addr)
        supervise(processes, out=self.stderr, grace=10)
        self.stdout.write("Sigap stopped.")

    @staticmethod
    def _fake_env(fake_addr: str) -> dict[str, str]:
        env = wiring.apply(dict(os.environ), wiring.fake_environment(fake_addr))
        env.setdefault("SIGAP_WORKER_SLEEP", DEMO_WORKER_SLEEP)
        return env

    def _banner(self, addr: str, fake_addr: str | None = None) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nSigap is running at http://{addr}/  (Ctrl-C stops it)"))
        if fake_addr:
            self.stdout.write(
                f"Fake social platforms: http://{fake_addr}/  (simulated citizens write every few seconds; "
                "Sigap's replies appear under their posts)"
            )
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        for username, role, agency, _name in USERS:
            where = f" — {agency}" if agency else ""
            self.stdout.write(f"  {username:<11} {role.label}{where}")
        self.stdout.write("")


def _local(addr: str) -> str:
    """Where the fake can reach the web server: a wildcard or missing host means this machine."""
    host, _, port = addr.rpartition(":")
    return f"{host if host not in ('', '0.0.0.0', '[::]', '::') else '127.0.0.1'}:{port}"
