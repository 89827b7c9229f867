"""`sigap run`: the whole system on one machine: web server and worker. Ctrl-C stops both."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from sigap.cases.management.commands.demo import PASSWORD, USERS


class Command(BaseCommand):
    help = "Start the web server and the background worker together (development and demos)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Where the web server listens.")

    def handle(self, *args, addr: str, **options):
        sigap = [sys.executable, "-m", "sigap"]
        processes = {
            "web": subprocess.Popen([*sigap, "runserver", "--noreload", addr]),
            "worker": subprocess.Popen([*sigap, "worker"]),
        }
        self._banner(addr)
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in processes.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} stopped (exit {proc.returncode}); stopping the rest.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in processes.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            self.stdout.write("Sigap stopped.")

    def _banner(self, addr: str) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nSigap is running at http://{addr}/  (Ctrl-C stops it)"))
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        for username, role, agency, _name in USERS:
            where = f" — {agency}" if agency else ""
            self.stdout.write(f"  {username:<11} {role.label}{where}")
        self.stdout.write("")
