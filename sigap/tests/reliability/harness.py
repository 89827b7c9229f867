"""Crash harness: real Sigap processes killed with SIGKILL under load, then the totals counted.

Processes, as in production: gunicorn (2 sync workers) serving Sigap, one `sigap worker`, and
`sigap fakeplatform` playing every platform (it signs and delivers webhooks exactly as the
platforms do, retries them on anything but 2xx, and answers Sigap's replies). They share a
throwaway database: a SQLite file in a temporary directory, or, when SIGAP_DATABASE_URL points
to PostgreSQL, a database of its own on that server (created and dropped here).

Phases, each with a seeded RNG so that the choice and spacing of kills repeat for a seed (the
moment each kill lands in the processes' work still depends on the machine):

1. crashes: citizens post on six platforms through the fake's control API while a killer
   SIGKILLs the gunicorn master with its workers, a single gunicorn worker, or `sigap worker`,
   and starts them again. The fake holds every API answer a moment after carrying the call out,
   so some kills land after a platform accepted a reply and before Sigap recorded it.
2. database: on PostgreSQL the test database refuses connections and its sessions are
   terminated (the server itself is shared, so it is never restarted) while citizens post and
   while the web is probed; on SQLite another connection holds the write lock.
3. recap: a weekly recap schedule falls due and the worker is killed while it runs.

Then the totals: every webhook the fake saw accepted is one Message, every complaint has one
acknowledgement (sent once, or handed to a person when a kill interrupted the send), no step is
half-done, no reply went out twice, the recap was made and archived once.

    .venv/bin/python -m sigap.tests.reliability.harness [--seed 1] [--items 120]
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable

# Platforms and kinds the citizens use, with how many of every 20 posts each gets.
MIX = [
    ("instagram", "comment", 6),
    ("facebook", "comment", 3),
    ("whatsapp", "dm", 3),
    ("telegram", "dm", 3),
    ("x", "mention", 3),
    ("tiktok", "comment", 2),
]
DM_PLATFORMS = {"whatsapp", "telegram"}
LEASE_SECONDS = 5  # SIGAP_REPLY_LEASE_SECONDS for the worker: a send interrupted longer ago is flagged
API_DELAY = 0.3  # the fake answers each API call this long after carrying it out
DRAIN_TIMEOUT = 90.0

SETUP = """
import json
from datetime import time, timedelta
from django.utils import timezone
from sigap.fakeplatform.accounts import CITY_ACCOUNTS, TOKEN_ENV
from sigap.platforms.models import Account
from sigap.recaps.models import RecapSchedule

for platform in PLATFORMS:
    account = CITY_ACCOUNTS[platform]
    Account.objects.get_or_create(
        platform=platform, external_id=account["id"],
        defaults={"name": account["name"], "handle": account["handle"], "token_env": TOKEN_ENV[platform]},
    )
schedule = RecapSchedule.objects.create(
    frequency="weekly", weekday=0, at=time(0, 10), next_run_at=timezone.now() + timedelta(days=365)
)
print("HARNESS-JSON " + json.dumps({"schedule": schedule.pk}))
"""


# The database ------------------------------------------------------------------------------


class Database:
    """The throwaway database and plain SQL on it (no Django in this process: the processes own it)."""

    def __init__(self, tmp: Path, base_url: str = "") -> None:
        self.postgres = base_url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urlsplit(base_url)
            self.name = (parts.path.lstrip("/") or "sigap") + "_crash"
            self.url = urlunsplit(parts._replace(path="/" + self.name))
            self.admin_url = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
        else:
            self.name = "SQLite"
            self.path = tmp / "sigap.sqlite3"
            self.url = f"sqlite:///{self.path}"

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.postgres else "SQLite"

    def create(self) -> None:
        if self.postgres:
            self.admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.postgres:
            self.admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')
            self.admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def admin(self, statement: str, params=()) -> list:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def query(self, sql: str, params=()) -> list[tuple]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url.replace("postgres://", "postgresql://", 1), connect_timeout=5) as conn:
                return conn.execute(sql, params).fetchall()
        with sqlite3.connect(self.path, timeout=30) as conn:
            rows = conn.execute(sql.replace("%s", "?"), params).fetchall()
        conn.close()
        return rows

    def execute(self, sql: str, params=()) -> None:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
                conn.execute(sql, params)
            return
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            with conn:
                conn.execute(sql.replace("%s", "?"), params)
        finally:
            conn.close()

    def moment(self, when: datetime):
        """A UTC datetime as the backend stores it (Django keeps SQLite datetimes as naive UTC text)."""
        return when if self.postgres else when.astimezone(dt_timezone.utc).replace(tzinfo=None).isoformat(" ")


# The processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class Stack:
    """gunicorn, `sigap worker` and `sigap fakeplatform` on one database, each killable and restartable."""

    def __init__(self, tmp: Path, db: Database) -> None:
        from sigap.fakeplatform import wiring

        self.tmp, self.db = tmp, db
        self.fake_port, self.web_port = free_port(), free_port()
        fake_env = wiring.fake_environment(f"127.0.0.1:{self.fake_port}")
        self.secrets = fake_env
        self.env = wiring.apply(dict(os.environ), fake_env) | {
            "DJANGO_SETTINGS_MODULE": "sigap.test_settings",
            "SIGAP_DATABASE_URL": db.url,
            "PYTHONPATH": str(ROOT),
            "SIGAP_VAR_DIR": str(tmp / "var"),
            "SIGAP_MEDIA_ROOT": str(tmp / "media"),
            "SIGAP_STATIC_ROOT": str(tmp / "static"),
            "SIGAP_SITE_URL": f"http://127.0.0.1:{self.web_port}",
            "SIGAP_WORKER_SLEEP": "0.2",
            "SIGAP_REPLY_LEASE_SECONDS": str(LEASE_SECONDS),
            "SIGAP_LOG_LEVEL": "WARNING",
            "SIGAP_TRACK_RATE_LIMIT": "100000/600",
            "PYTHONUNBUFFERED": "1",
        }
        (tmp / "static").mkdir(exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = {name: open(tmp / f"{name}.log", "ab") for name in ("web", "worker", "fake", "setup")}
        self.kills: Counter = Counter()
        self.worker_exits: list[int] = []  # exits the harness did not cause (a worker that died by itself)
        self.worker_starts = 0
        self.left_sending: set[int] = set()  # replies a killed worker left "sending"

    # Starting

    def run_django(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [PYTHON, "-m", "sigap", *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
        self.logs["setup"].write((done.stdout + done.stderr).encode())
        if done.returncode:
            raise RuntimeError(f"sigap {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def setup(self, platforms) -> dict:
        self.run_django("migrate", "--no-input", "-v0")
        out = self.run_django("shell", "-c", SETUP.replace("PLATFORMS", repr(sorted(platforms))))
        line = next(line for line in out.splitlines() if line.startswith("HARNESS-JSON "))
        return json.loads(line.removeprefix("HARNESS-JSON "))

    def start_fake(self) -> None:
        self.procs["fake"] = subprocess.Popen(
            [PYTHON, "-m", "sigap", "fakeplatform", "--addr", f"127.0.0.1:{self.fake_port}",
             "--deliver-to", f"http://127.0.0.1:{self.web_port}", "--no-citizens"],
            env=self.env, cwd=ROOT, stdout=self.logs["fake"], stderr=subprocess.STDOUT,
        )  # fmt: skip
        if not wait_for_port(self.fake_port):
            raise RuntimeError("the fake platform did not start")

    def start_web(self, wait: bool = True) -> None:
        # Its own session, so that one killpg takes the master and its workers together.
        self.procs["web"] = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync", "--preload",
             "--bind", f"127.0.0.1:{self.web_port}", "--graceful-timeout", "1", "--log-level", "warning",
             "sigap.wsgi:application"],
            env=self.env, cwd=ROOT, stdout=self.logs["web"], stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        if wait and not wait_for_port(self.web_port):
            raise RuntimeError("gunicorn did not start")

    def start_worker(self) -> None:
        self.worker_starts += 1
        self.procs["worker"] = subprocess.Popen(
            [PYTHON, "-m", "sigap", "worker"], env=self.env, cwd=ROOT,
            stdout=self.logs["worker"], stderr=subprocess.STDOUT,
        )  # fmt: skip

    # Killing

    def kill_worker(self, kind: str = "worker") -> None:
        proc = self.procs["worker"]
        if proc.poll() is not None:
            self.worker_exits.append(proc.returncode)
        else:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.kills[kind] += 1
        self.left_sending |= self.sending()
        self.start_worker()

    def wait_worker_ready(self, timeout: float = 30) -> bool:
        """Until the newest worker has started its loop (it prints one line then)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.logs["worker"].flush()
            if (self.tmp / "worker.log").read_bytes().count(b"Sigap worker started.") >= self.worker_starts:
                return True
            self.check_alive()
            time.sleep(0.05)
        return False

    def city_posts(self) -> int:
        """How many items the city (Sigap) has posted on the fake, all platforms together."""
        return sum(n for key, n in self.control("GET", "/_control/stats").items() if key.startswith("city:"))

    def wait_for_city_post(self, before: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.city_posts() > before:
                return True
            time.sleep(0.005)
        return False

    def sending(self) -> set[int]:
        return {pk for (pk,) in self.db.query("SELECT id FROM cases_reply WHERE status = 'sending'")}

    def wait_for_new_sending(self, timeout: float) -> bool:
        """Until the running worker has claimed a reply (not one a killed worker left "sending")."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sending() - self.left_sending:
                return True
            time.sleep(0.01)
        return False

    def kill_web(self) -> None:
        proc = self.procs["web"]
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        self.kills["web"] += 1
        # The killed workers' sockets are gone with them; the port is free again at once.
        self.start_web()

    def kill_web_worker(self, rng: random.Random) -> None:
        children = _children(self.procs["web"].pid)
        if not children:
            return
        try:
            os.kill(rng.choice(sorted(children)), signal.SIGKILL)
        except ProcessLookupError:
            return
        self.kills["web worker"] += 1

    def check_alive(self) -> None:
        """A worker that died by itself (not killed here) is a failure worth reporting: restart and count it."""
        proc = self.procs.get("worker")
        if proc is not None and proc.poll() is not None:
            self.worker_exits.append(proc.returncode)
            self.start_worker()

    def stop(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is None:
                if name == "web":
                    try:
                        os.killpg(proc.pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
                else:
                    proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for handle in self.logs.values():
            handle.close()

    def tail(self, name: str, size: int = 3000) -> str:
        if not self.logs[name].closed:
            self.logs[name].flush()
        data = (self.tmp / f"{name}.log").read_bytes()
        return data[-size:].decode(errors="replace")

    # Talking to the fake and the web

    def control(self, method: str, path: str, body: dict | None = None, timeout: float = 30):
        return http_json(method, f"http://127.0.0.1:{self.fake_port}{path}", body, timeout=timeout)

    def web(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout=30):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}{path}", data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()


def _children(pid: int) -> set[int]:
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def http_json(method: str, url: str, body: dict | None = None, timeout: float = 30):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


# The citizens ------------------------------------------------------------------------------


@dataclass
class Driver:
    """Posts citizens' messages through the fake's control API: each a new thread, so each opens a complaint."""

    stack: Stack
    rng: random.Random
    posted: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _dm_people: dict = field(default_factory=dict)

    def plan(self, count: int) -> list[tuple[str, str, str]]:
        from sigap.fakeplatform import texts

        places = texts.wilayah()
        weighted = [(p, k) for p, k, w in MIX for _ in range(w)]
        plan = []
        for n in range(count):
            platform, kind = weighted[n % len(weighted)]
            text = texts.complaint(self.rng, texts.slots(self.rng, *self.rng.choice(places)))[1]
            plan.append((platform, kind, text))
        return plan

    def post(self, platform: str, kind: str, text: str, serial: int) -> None:
        body: dict = {"platform": platform, "kind": kind, "text": text}
        if platform in DM_PLATFORMS:
            # A second DM from the same person would rightly join their open complaint: a new person each time.
            number = self._dm_people.get(platform, 0) + 1
            self._dm_people[platform] = number
            body["person"] = number
        else:
            body["person"] = serial % 80 + 1
            if platform == "instagram":
                body["thread"] = f"1806{serial:013d}"
            elif platform == "facebook":
                body["thread"] = f"104000000000001_{1222 * 10**11 + serial}"
        try:
            answer = self.stack.control("POST", "/_control/posts", body)
            self.posted.append(answer["item"])
        except Exception as exc:  # the fake is never killed; a failure here is the harness's own
            self.errors.append(f"{platform} {kind}: {type(exc).__name__}: {exc}")

    def run(self, plan, rate: float, first_serial: int = 0) -> None:
        start = time.monotonic()
        for n, (platform, kind, text) in enumerate(plan):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.post(platform, kind, text, first_serial + n)


# Phases ------------------------------------------------------------------------------------


@dataclass
class Figures:
    database: str
    seed: int
    kills: Counter = field(default_factory=Counter)
    posted: int = 0
    accepted: int = 0  # webhooks the fake saw answered 2xx
    refused_then_redelivered: int = 0  # items whose webhook got a non-2xx or no answer at least once
    messages: int = 0
    complaints: int = 0
    acks_sent: int = 0
    acks_flagged: int = 0  # interrupted after the claim: handed to a person, not resent
    flagged_already_posted: int = 0  # of those, the platform had it: resending would have doubled it
    triage_waiting: int = 0
    db_outages: int = 0
    outage_answers: Counter = field(default_factory=Counter)
    recap_kills: int = 0
    recap_kills_mid_run: int = 0
    worker_exits: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    seconds: float = 0.0
    phases: dict = field(default_factory=dict)  # seconds each phase took
    replies: dict = field(default_factory=dict)  # outbox rows by kind and status at the end
    recap_log: list = field(default_factory=list)  # what each kill during a recap run found

    @property
    def lost(self) -> int:
        return sum(1 for p in self.problems if p.startswith("LOST"))

    def summary(self) -> str:
        kills = ", ".join(f"{n} {what}" for what, n in sorted(self.kills.items())) or "none"
        lines = [
            f"crash test on {self.database} (seed {self.seed}, {self.seconds:.0f} s): "
            f"{sum(self.kills.values())} SIGKILLs ({kills}), {self.recap_kills} of them during recap runs "
            f"({self.recap_kills_mid_run} mid-run)",
            f"  {self.posted} citizen posts, {self.accepted} webhooks accepted ({self.refused_then_redelivered} only "
            f"after a redelivery), {self.messages} messages, {self.complaints} complaints, {self.triage_waiting} "
            "left for triage by a person",
            f"  acknowledgements: {self.acks_sent} sent once, {self.acks_flagged} interrupted mid-send and handed to "
            f"a person ({self.flagged_already_posted} of which the platform had already posted), 0 sent twice",
        ]
        if self.db_outages:
            answers = ", ".join(f"{n}× {code}" for code, n in sorted(self.outage_answers.items()))
            lines.append(f"  database outages: {self.db_outages}; web answers meanwhile: {answers}")
        if self.worker_exits:
            lines.append(f"  worker exited by itself {len(self.worker_exits)} times: {self.worker_exits}")
        lines.append("  recap kills: " + "; ".join(self.recap_log))
        lines.append("  outbox at the end: " + ", ".join(f"{k} {v}" for k, v in sorted(self.replies.items())))
        lines.append("  seconds per phase: " + ", ".join(f"{k} {v:g}" for k, v in self.phases.items()))
        lines.append(f"  lost: {self.lost}; problems: {len(self.problems)}")
        lines += [f"    {p}" for p in self.problems[:20]]
        return "\n".join(lines)


# What the killer aims at, and how often (out of 10).
KILLS = [
    ("worker mid-send, platform has it", 2),
    ("worker mid-send, before the call", 1),
    ("worker mid-intake", 3),
    ("web", 2),
    ("web worker", 2),
]


def crash_phase(
    stack: Stack, driver: Driver, rng: random.Random, items: int, rate: float, kills: int, limit: float
) -> None:
    """Citizens post while the killer works, until both are done; every kill is followed by a restart."""
    plan = driver.plan(items)
    posting = threading.Thread(target=driver.run, args=(plan, rate), daemon=True)
    posting.start()
    kinds = [kind for kind, weight in KILLS for _ in range(weight)]
    deadline = time.monotonic() + limit
    while (posting.is_alive() or sum(stack.kills.values()) < kills) and time.monotonic() < deadline:
        time.sleep(rng.uniform(0.3, 1.5))
        stack.check_alive()
        kind = rng.choice(kinds)
        if kind.startswith("worker"):
            if not stack.wait_worker_ready(timeout=30):
                continue
            if kind.startswith("worker mid-send"):
                # Once a reply is claimed: at once (before the platform call), or once the platform has
                # carried the call out (the fake then holds its answer API_DELAY s), before Sigap records it.
                posted = stack.city_posts()
                if not stack.wait_for_new_sending(timeout=4):
                    continue
                if kind.endswith("platform has it") and not stack.wait_for_city_post(posted, timeout=2):
                    continue
            else:
                time.sleep(rng.uniform(0.0, 0.6))
            stack.kill_worker(kind)
        elif kind == "web":
            stack.kill_web()
        else:
            stack.kill_web_worker(rng)
    posting.join()


def database_phase(stack: Stack, driver: Driver, rng: random.Random, figures: Figures, outages: int = 3) -> None:
    """The database goes away for a few seconds, several times, while citizens post and the web is probed."""
    from sigap.fakeplatform.webhooks import meta_signature

    db = stack.db
    plan = driver.plan(outages * 6)
    posting = threading.Thread(target=driver.run, args=(plan, 3.0, 10_000), daemon=True)
    posting.start()
    secret = stack.secrets["SIGAP_META_APP_SECRET"]
    for n in range(outages):
        time.sleep(rng.uniform(0.5, 1.5))
        hold = HeldDatabase(db)
        hold.start()
        figures.db_outages += 1
        # Released on a timer: a probe may wait on the database (SQLite waits for its lock).
        timer = threading.Timer(rng.uniform(2.0, 3.5), hold.release)
        timer.start()
        try:
            while not hold.released.is_set():
                # A webhook straight from "Meta", signed with its secret: while the database is away it
                # must get an error (so Meta delivers it again), never a 200 for a body not stored.
                body = json.dumps({"object": "instagram", "entry": []}).encode()
                status, headers, _ = stack.web(
                    "POST", "/webhooks/meta", body,
                    {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(secret, body)},
                    timeout=40,
                )  # fmt: skip
                figures.outage_answers[f"webhook {status}"] += 1
                status, headers, _ = stack.web("GET", "/lacak/SKA-AAAA-AAAA", timeout=40)
                figures.outage_answers[f"page {status}"] += 1
                if status >= 500 and status != 503:
                    figures.problems.append(f"the web answered {status} while the database was away")
                if status == 503 and "Retry-After" not in headers:
                    figures.problems.append("a 503 without Retry-After while the database was away")
                time.sleep(0.2)
        finally:
            timer.join()
    posting.join()


class HeldDatabase:
    """The database away for a moment: PostgreSQL refuses new sessions and ends the open ones; SQLite is locked."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = None
        self.released = threading.Event()

    def start(self) -> None:
        if self.db.postgres:
            self.db.admin(f'ALTER DATABASE "{self.db.name}" ALLOW_CONNECTIONS false')
            self.db.admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.db.name,),
            )
        else:
            self.conn = sqlite3.connect(self.db.path, timeout=30, isolation_level=None, check_same_thread=False)
            self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        if self.db.postgres:
            self.db.admin(f'ALTER DATABASE "{self.db.name}" ALLOW_CONNECTIONS true')
        elif self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
        self.released.set()


def recap_phase(stack: Stack, rng: random.Random, schedule_pk: int, figures: Figures, kills: int = 3) -> None:
    """The schedule falls due and the worker is killed while it runs it.

    Nothing here runs the recap again by hand: a run left unfinished must be taken up again by the
    worker once its claim lapses. The harness only makes that time pass (the claim's next_run_at is
    moved to now when it is a retry within the hour); a schedule that moved on to next week without
    its archive is what a lost run looks like, and check_recap counts it.
    """
    db = stack.db

    def next_run() -> datetime:
        return _aware(db.query("SELECT next_run_at FROM recaps_recapschedule WHERE id = %s", (schedule_pk,))[0][0])

    def due_now() -> None:
        db.execute(
            "UPDATE recaps_recapschedule SET next_run_at = %s WHERE id = %s",
            (db.moment(datetime.now(dt_timezone.utc) - timedelta(seconds=1)), schedule_pk),
        )

    def claimed_since(moment: datetime) -> bool:
        (claimed,) = db.query("SELECT last_run_at FROM recaps_recapschedule WHERE id = %s", (schedule_pk,))[0]
        return bool(claimed and _aware(claimed) >= moment)

    stack.wait_worker_ready()
    since = datetime.now(dt_timezone.utc)
    due_now()
    for _ in range(kills):
        # From the claim on, a run takes a fraction of a second (the recap, then its XLSX, PDF and CSV):
        # kill at once, or a little later, to land before or after the recap is made.
        deadline = time.monotonic() + 20
        while not claimed_since(since) and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.choice([0.0, rng.uniform(0.0, 0.1), rng.uniform(0.0, 0.3)]))
        if _archived(db, schedule_pk):
            break
        stack.kill_worker("worker mid-recap")
        figures.recap_kills += 1
        recaps = db.query("SELECT COUNT(*) FROM recaps_recap WHERE schedule_id = %s", (schedule_pk,))[0][0]
        claimed, archived = claimed_since(since), _archived(db, schedule_pk)
        figures.recap_log.append(f"claimed={claimed} recap made={bool(recaps)} archived={archived}")
        if (recaps or claimed) and not archived:
            figures.recap_kills_mid_run += 1
        since = datetime.now(dt_timezone.utc)  # the new worker is still starting: its claim comes later
        stack.wait_worker_ready()
        held = next_run()
        if held > datetime.now(dt_timezone.utc) + timedelta(hours=2):
            break  # moved on to next week's slot
        if held > datetime.now(dt_timezone.utc):
            due_now()  # the claim's lease (or the retry delay) has passed
    deadline = time.monotonic() + 60
    while not _archived(db, schedule_pk) and time.monotonic() < deadline:
        held = next_run()
        if held > datetime.now(dt_timezone.utc) + timedelta(hours=2):
            break
        if held > datetime.now(dt_timezone.utc):
            due_now()
        stack.check_alive()
        time.sleep(0.5)


def _archived(db: Database, schedule_pk: int) -> bool:
    return bool(
        db.query(
            "SELECT COUNT(*) FROM recaps_archive a JOIN recaps_recap r ON a.recap_id = r.id WHERE r.schedule_id = %s",
            (schedule_pk,),
        )[0][0]
    )


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt_timezone.utc)


def drain(stack: Stack, timeout: float = DRAIN_TIMEOUT) -> bool:
    """Wait until the fake has nothing left to deliver and Sigap nothing left to read or send."""
    db = stack.db
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        stack.check_alive()
        stack.control("POST", "/_control/deliver", {})
        jobs = stack.control("GET", "/_control/record")["jobs"]
        pending_jobs = sum(1 for j in jobs if j["state"] == "pending")
        pending_deliveries = db.query("SELECT COUNT(*) FROM platforms_delivery WHERE status = 'pending'")[0][0]
        open_replies = db.query("SELECT COUNT(*) FROM cases_reply WHERE status IN ('pending', 'sending')")[0][0]
        busy = pending_jobs + pending_deliveries + open_replies
        if busy == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 1.5:
                return True
        else:
            quiet_since = None
        time.sleep(0.5)
    return False


# The totals --------------------------------------------------------------------------------


def check(stack: Stack, driver: Driver, figures: Figures) -> None:
    db, problems = stack.db, figures.problems
    record = stack.control("GET", "/_control/record")
    jobs = {j["id"]: j for j in record["jobs"]}
    items = {i["id"]: i for i in record["items"]}
    posted = [items[p["id"]] for p in driver.posted if p["id"] in items]
    figures.posted = len(posted)
    problems += [f"driver: {e}" for e in driver.errors]

    messages = {
        (platform, external_id): (pk, complaint_id, triage)
        for pk, platform, external_id, complaint_id, triage in db.query(
            "SELECT id, platform, external_id, complaint_id, triage_state FROM cases_message"
        )
    }
    for state, n in db.query("SELECT status, COUNT(*) FROM platforms_delivery GROUP BY status"):
        if state != "done":
            problems.append(f"{n} webhook deliveries left {state}")

    complaint_items = {}
    for item in posted:
        states = [jobs[j]["state"] for j in item["deliveries"] if j in jobs]
        if len(states) != len(item["deliveries"]):
            problems.append(f"the fake forgot a webhook job of {item['id']}")
        attempts = [a for j in item["deliveries"] if j in jobs for a in jobs[j]["attempts"]]
        if "delivered" in states:
            figures.accepted += 1
            if any(a.get("status") != 200 for a in attempts):
                figures.refused_then_redelivered += 1
        else:
            problems.append(f"LOST? the platform gave up on {item['platform']} {item['id']}: {attempts}")
            continue
        found = messages.get((item["platform"], item["id"]))
        if found is None:
            problems.append(f"LOST: accepted {item['platform']} {item['kind']} {item['id']} has no message")
            continue
        figures.messages += 1
        if found[1] is not None:
            complaint_items[found[1]] = item
        elif found[2] in ("pending", "to_answer"):
            figures.triage_waiting += 1
        if len(item["replies"]) > 1:
            problems.append(f"DOUBLE: {item['platform']} {item['id']} got {len(item['replies'])} replies")

    figures.complaints = len(complaint_items)
    check_complaints(db, complaint_items, figures)
    for kind, status, n in db.query("SELECT kind, status, COUNT(*) FROM cases_reply GROUP BY kind, status"):
        figures.replies[f"{kind} {status}"] = n
        if status in ("pending", "sending"):
            problems.append(f"{n} replies still {status} after the drain")


# What each status means for the open steps (steps 2–5 of a complaint).
OPEN_STEP = {"received": 3, "registered": 4, "forwarded": 4, "answered": 4, "approved": 5}


def check_complaints(db: Database, complaint_items: dict, figures: Figures) -> None:
    problems = figures.problems
    if not complaint_items:
        problems.append("no complaint was opened at all")
        return
    ids = sorted(complaint_items)
    marks = ",".join(["%s"] * len(ids))
    statuses = dict(db.query(f"SELECT id, status FROM cases_complaint WHERE id IN ({marks})", ids))
    steps: dict[int, list] = {}
    for complaint_id, number, rnd, started, completed, on_time in db.query(
        f"SELECT complaint_id, number, round, started_at, completed_at, on_time FROM cases_step "
        f"WHERE complaint_id IN ({marks})",
        ids,
    ):
        steps.setdefault(complaint_id, []).append((number, rnd, started, completed, on_time))
    acks: dict[int, list] = {}
    for complaint_id, status, last_error in db.query(
        f"SELECT complaint_id, status, last_error FROM cases_reply WHERE kind = 'ack' AND complaint_id IN ({marks})", ids
    ):
        acks.setdefault(complaint_id, []).append((status, last_error))
    events: dict[tuple, int] = {}
    for complaint_id, kind, n in db.query(
        f"SELECT complaint_id, kind, COUNT(*) FROM cases_event WHERE complaint_id IN ({marks}) GROUP BY complaint_id, kind",
        ids,
    ):
        events[(complaint_id, kind)] = n

    for complaint_id in ids:
        item, status = complaint_items[complaint_id], statuses[complaint_id]
        where = f"complaint {complaint_id} ({item['platform']} {item['id']})"
        mine = steps.get(complaint_id, [])
        keys = [(n, r) for n, r, *_ in mine]
        if len(keys) != len(set(keys)):
            problems.append(f"HALF: {where} has a step twice: {sorted(keys)}")
        for number, _round, started, completed, on_time in mine:
            if (completed is None) != (on_time is None):
                problems.append(f"HALF: {where} step {number} completed={completed!r} on_time={on_time!r}")
            if completed is not None and _aware(completed) < _aware(started):
                problems.append(f"HALF: {where} step {number} ends before it starts")
        open_steps = sorted(n for n, _r, _s, completed, _o in mine if completed is None)
        done_steps = sorted(n for n, _r, _s, completed, _o in mine if completed is not None)
        if open_steps != [OPEN_STEP.get(status)]:
            problems.append(f"HALF: {where} is {status} with open steps {open_steps}")
        if events.get((complaint_id, "received"), 0) != 1:
            problems.append(f"HALF: {where} has {events.get((complaint_id, 'received'), 0)} 'received' events")
        ack = acks.get(complaint_id, [])
        if len(ack) != 1:
            problems.append(f"{where} has {len(ack)} acknowledgements queued")
            continue
        (ack_status, last_error), at_platform = ack[0], len(item["replies"])
        registered = events.get((complaint_id, "registered"), 0)
        if ack_status == "sent":
            figures.acks_sent += 1
            if at_platform != 1:
                problems.append(f"{where}: acknowledgement marked sent, the platform has {at_platform}")
            if status != "registered" or done_steps != [2, 3] or registered != 1:
                problems.append(f"HALF: {where} ack sent but {status}, steps done {done_steps}, {registered} registered")
        elif ack_status == "uncertain":
            figures.acks_flagged += 1
            figures.flagged_already_posted += at_platform
            if status != "received" or done_steps != [2] or registered:
                problems.append(f"HALF: {where} ack uncertain but {status}, steps done {done_steps}")
        else:
            problems.append(f"{where}: acknowledgement {ack_status} ({last_error}); the platform has {at_platform}")


def check_recap(stack: Stack, schedule_pk: int, figures: Figures) -> None:
    db, problems = stack.db, figures.problems
    recaps = db.query("SELECT id FROM recaps_recap WHERE schedule_id = %s", (schedule_pk,))
    if len(recaps) != 1:
        problems.append(f"the scheduled recap was made {len(recaps)} times")
        return
    (recap_id,) = recaps[0]
    archives = db.query("SELECT COUNT(*) FROM recaps_archive WHERE recap_id = %s", (recap_id,))[0][0]
    if archives != 1:
        problems.append(f"the scheduled recap was archived {archives} times")
    steps = db.query("SELECT number, completed_at FROM cases_step WHERE recap_id = %s ORDER BY number", (recap_id,))
    if [(n, c is not None) for n, c in steps] != [(6, True), (7, True)]:
        problems.append(f"HALF: the scheduled recap's steps are {steps}")
    (next_run, error) = db.query(
        "SELECT next_run_at, last_error FROM recaps_recapschedule WHERE id = %s", (schedule_pk,)
    )[0]
    if _aware(next_run) < datetime.now(dt_timezone.utc) or error:
        problems.append(f"the recap schedule did not move on (next run {next_run}, error {error!r})")
    try:
        stack.run_django("archive", "verify")  # exits non-zero when an entry or file does not verify
    except RuntimeError as exc:
        problems.append(f"sigap archive verify: {str(exc)[-300:]}")


# All of it ---------------------------------------------------------------------------------


def run(
    *,
    seed: int = 1,
    items: int = 120,
    rate: float = 4.0,
    kills: int = 12,
    recap_kills: int = 3,
    outages: int = 3,
    database_url: str = "",
    keep: bool = False,
    log=print,
) -> Figures:
    started = time.monotonic()
    mark = [started]

    def phase(name: str) -> None:
        now = time.monotonic()
        figures.phases[name] = round(now - mark[0], 1)
        mark[0] = now
    rng = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix="sigap-crash-"))
    db = Database(tmp, database_url)
    figures = Figures(database=db.label, seed=seed)
    db.create()
    stack = Stack(tmp, db)
    try:
        ids = stack.setup({p for p, _k, _w in MIX})
        stack.start_fake()
        stack.control("POST", "/_control/rules", {"api_delay": API_DELAY})
        stack.start_web()
        stack.start_worker()
        phase("setup")
        driver = Driver(stack, random.Random(seed + 1))
        crash_phase(stack, driver, rng, items, rate, kills, limit=90)
        phase("crashes")
        database_phase(stack, driver, rng, figures, outages)
        phase("database")
        stack.check_alive()
        if not drain(stack):
            figures.problems.append("the backlog did not drain within the time allowed")
        phase("drain")
        recap_phase(stack, rng, ids["schedule"], figures, recap_kills)
        drain(stack, timeout=20)
        phase("recap")
        figures.kills = stack.kills
        figures.worker_exits = list(stack.worker_exits)
        check(stack, driver, figures)
        check_recap(stack, ids["schedule"], figures)
        phase("checks")
        if figures.worker_exits:
            figures.problems.append(f"the worker died by itself: exit codes {figures.worker_exits}")
    except Exception:
        for name in ("web", "worker", "fake", "setup"):
            log(f"--- {name} log ---\n{stack.tail(name)}")
        raise
    finally:
        stack.stop()
        figures.seconds = time.monotonic() - started
        try:
            db.drop()
        except Exception as exc:
            log(f"could not drop {db.name}: {exc}")
    if figures.problems:
        for name in ("worker", "web"):
            log(f"--- {name} log (tail) ---\n{stack.tail(name, 4000)}")
        log(f"(processes' logs and the database are kept in {tmp})")
    elif not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--rate", type=float, default=4.0, help="citizen posts per second during the kills")
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs at least, while the citizens post")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, SQLite file)")
    parser.add_argument("--database-url", default=os.environ.get("SIGAP_DATABASE_URL", ""))
    args = parser.parse_args()
    figures = run(
        seed=args.seed, items=args.items, rate=args.rate, kills=args.kills, database_url=args.database_url, keep=args.keep
    )
    print(figures.summary())
    sys.exit(1 if figures.problems else 0)


if __name__ == "__main__":
    main()
