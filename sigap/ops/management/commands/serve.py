"""`sigap serve`: Sigap in production mode on one machine: gunicorn web processes and background workers.

`make serve` runs it. Under systemd the same two commands run as units instead (docs/deploy/):
gunicorn with sigap/gunicorn_conf.py for the web, and `sigap worker` once per worker.

    SIGAP_WEB_WORKERS   web processes (default: 2 per CPU core; see sigap/gunicorn_conf.py)
    SIGAP_WORKERS       `sigap worker` processes (default 2)
    SIGAP_BIND          where gunicorn listens (default 127.0.0.1:8000)

It collects the static files first (whitenoise then serves them compressed, with far-future cache
headers on their hashed names) but does not migrate: `sigap migrate` is a deploy step of its own,
and serve refuses to start while migrations are missing.
"""

import os
import subprocess
import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from sigap.lib.supervise import supervise

GUNICORN_CONFIG = "python:sigap.gunicorn_conf"


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Serve Sigap in production mode: gunicorn web processes and `sigap worker` processes (Ctrl-C stops all)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="", help="Where gunicorn listens (default: SIGAP_BIND or 127.0.0.1:8000).")
        parser.add_argument("--web-workers", type=positive, default=None, metavar="N",
                            help="Web processes (default: SIGAP_WEB_WORKERS or 2 per CPU core).")
        parser.add_argument("--workers", type=positive, default=None, metavar="M",
                            help="Background worker processes (default: SIGAP_WORKERS or 2).")
        parser.add_argument("--no-collectstatic", action="store_true", help="Serve the static files collected earlier.")

    def handle(self, *args, bind: str, web_workers: int | None, workers: int | None, no_collectstatic: bool, **options):
        for name in ("SIGAP_WORKERS", "SIGAP_WEB_WORKERS"):  # gunicorn would only fail later, less clearly
            value = os.getenv(name, "").strip()
            try:
                if value:
                    positive(value)
            except ValueError:
                raise CommandError(f"{name} must be a whole number of at least 1, not {value!r}.") from None
        workers = workers or int(os.getenv("SIGAP_WORKERS") or 2)
        self._check_secret_key()
        self._check_migrations()
        if settings.DEBUG:
            self.stderr.write(self.style.WARNING("SIGAP_DEBUG is on: this is not production mode (unset it)."))
        if not no_collectstatic:
            self.stdout.write(f"Collecting static files into {settings.STATIC_ROOT} …")
            try:
                call_command("collectstatic", interactive=False, verbosity=0)
            except OSError as exc:
                raise CommandError(f"Cannot write the static files ({exc}): set SIGAP_STATIC_ROOT to a folder Sigap may write.") from None

        env = dict(os.environ)
        if bind:
            env["SIGAP_BIND"] = bind
        if web_workers:
            env["SIGAP_WEB_WORKERS"] = str(web_workers)
        # Each in a process group of its own: Ctrl-C reaches only this command, which then stops them
        # gracefully (SIGTERM), so gunicorn finishes its requests and a worker the job in hand.
        processes = {
            "web": subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG, "sigap.wsgi:application"],
                env=env, process_group=0,
            )
        }
        for n in range(1, workers + 1):
            processes[f"worker {n}"] = subprocess.Popen(
                [sys.executable, "-m", "sigap", "worker"], env=env, process_group=0
            )
        self._banner(env, workers)
        code = supervise(processes, out=self.stderr)
        self.stdout.write("Sigap stopped.")
        if code:
            sys.exit(code)

    def _check_secret_key(self) -> None:
        try:
            key = settings.SECRET_KEY
        except ImproperlyConfigured:
            key = ""
        if not key:
            raise CommandError(
                "No secret key: set SIGAP_SECRET_KEY_FILE to a file holding one (or SIGAP_SECRET_KEY), e.g. made with\n"
                "  python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > /etc/sigap/secret_key\n"
                "Production needs it to sign sessions and forms; keep it secret and keep it the same across restarts."
            )

    def _check_migrations(self) -> None:
        try:
            executor = MigrationExecutor(connection)
            missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            raise CommandError(f"Cannot reach the database (SIGAP_DATABASE_URL): {exc}".strip()) from None
        finally:
            connection.close()  # the children open their own; none is kept across the fork
        if missing:
            raise CommandError(
                f"The database lacks {len(missing)} migration(s): run `sigap migrate` first (a deploy step of its own)."
            )

    def _banner(self, env: dict, workers: int) -> None:
        import multiprocessing

        bind = env.get("SIGAP_BIND", "127.0.0.1:8000")
        web = env.get("SIGAP_WEB_WORKERS") or 2 * multiprocessing.cpu_count()
        engine = "SQLite" if connection.vendor == "sqlite" else connection.vendor
        self.stdout.write(self.style.SUCCESS(f"\nSigap (production mode) at http://{bind}/  (Ctrl-C stops it)"))
        self.stdout.write(f"  {web} web processes (gunicorn), {workers} background workers, database: {engine}")
        if connection.vendor == "sqlite":
            self.stdout.write("  SQLite serves one machine; several machines share PostgreSQL (SIGAP_DATABASE_URL).")
        if settings.SECURE_SSL_REDIRECT:
            self.stdout.write(
                "  Pages redirect to https:// (SIGAP_HTTPS): put the reverse proxy of docs/deploy/ in front, "
                "or set SIGAP_HTTPS=0 to try it over plain http."
            )
        self.stdout.write("")
