"""Acknowledgement latency: from a citizen's webhook reaching Sigap to the acknowledgement on the platform.

Citizens' Instagram comments are posted through the fake platform's control API
(POST /_control/posts) at a steady, bounded rate; the fake delivers each signed webhook to Sigap,
served by gunicorn (2 sync workers, bench.settings, DEBUG off). ONE `sigap worker` reads the
deliveries, triages them, opens the complaints and posts the acknowledgements (tracking number)
back to the fake. Target: p99 < 5 s. Run on a throwaway SQLite database and, where it answers,
PostgreSQL (database sigap_bench_latency, dropped and created afresh, dropped again at the end).
Figures only: nothing here asserts a timing.

    .venv/bin/python bench/ack_latency.py [--events 1000] [--rate 20] [--worker-sleep 0.2]

Definitions printed with the figures:
  webhook receipt = Delivery.received_at: Sigap's clock when its webhook view stored the delivery
                    (the earliest, if the fake had to redeliver);
  ack posted      = Reply.sent_at of the complaint's acknowledgement: Sigap's clock just after the
                    fake answered the reply call. The fake's own record of the reply (Item.created)
                    is exposed by GET /_control/state for the newest 40 comments only, so it serves
                    as a cross-check on the comments it was seen for, not as the measure.
Each comment is matched to its reply by the comment id: the webhook body's comment id →
Message.external_id → Reply(kind=ack).
"""

import argparse
import http.client
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sigap.fakeplatform import wiring  # noqa: E402
from sigap.fakeplatform.citizens import PEOPLE  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "sigap_bench_latency"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
TARGET_P99 = 5.0
WARMUP = 10  # events before the measured ones, so model loading and first connections are not counted
SENDERS = 8  # concurrent control-API clients: the schedule, not their speed, sets the rate
STATE_EVERY = 1.0  # seconds between reads of the fake's /_control/state
STALL = 30.0  # stop waiting for acknowledgements when none has arrived for this long
MAX_EVENTS = 20_000
MAX_RATE = 200.0

# In the Django subprocess: create the city's Instagram account as `sigap demo` does, and choose
# complaint texts (the fake's own generator) that the worker's triage model opens by itself.
SETUP = """
import json, random
from sigap.fakeplatform import texts
from sigap.fakeplatform.accounts import CITY_ACCOUNTS, DEMO_POLL_INTERVALS, TOKEN_ENV
from sigap.platforms.models import Account
from sigap.triage import decide
from sigap.triage.models import Label

account = CITY_ACCOUNTS["instagram"]
Account.objects.get_or_create(
    platform="instagram", external_id=account["id"],
    defaults={"name": account["name"], "handle": account["handle"], "token_env": TOKEN_ENV["instagram"],
              "poll_interval": DEMO_POLL_INTERVALS.get("instagram", 0)},
)
rng, places, wanted = random.Random(2026), texts.wilayah(), WANTED
model, threshold, chosen = decide.triage_model(), decide.threshold(), []
for _ in range(50):
    batch = [texts.complaint(rng, texts.slots(rng, *rng.choice(places)))[1] for _ in range(200)]
    chosen += [t for t, r in zip(batch, model.classify_many(batch)) if r.label == Label.COMPLAINT and r.confidence >= threshold]
    if len(chosen) >= wanted:
        break
print("BENCH-JSON " + json.dumps(chosen[:wanted]))
"""

# In the Django subprocess, after the run: receipt, queue and send times per comment id.
EXTRACT = """
import json
from django.db.models import Count
from sigap.cases.models import Message, Reply
from sigap.platforms.models import Delivery
from sigap.triage.models import Decision

received = {}
for body, at in Delivery.objects.filter(endpoint="meta").values_list("body", "received_at").iterator():
    try:
        data = json.loads(bytes(body))
    except ValueError:
        continue
    for entry in data.get("entry", []):
        for change in entry.get("changes", []):
            value = change.get("value") or {}
            if change.get("field") == "comments" and value.get("id"):
                t = at.timestamp()
                received[value["id"]] = min(received.get(value["id"], t), t)
acks = {
    ext: {"status": status, "queued": created.timestamp(), "sent": sent.timestamp() if sent else None, "error": error}
    for ext, status, created, sent, error in Reply.objects.filter(kind="ack", message__platform="instagram")
    .values_list("message__external_id", "status", "created_at", "sent_at", "last_error")
}
outcomes = {
    ext: outcome for ext, outcome in Decision.objects.filter(message__platform="instagram")
    .values_list("message__external_id", "outcome")
}
deliveries = {row["status"]: row["n"] for row in Delivery.objects.order_by().values("status").annotate(n=Count("pk"))}
print("BENCH-JSON " + json.dumps({"received": received, "acks": acks, "outcomes": outcomes, "deliveries": deliveries}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not start on 127.0.0.1:{port}")


def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
        return True
    except Exception:
        return False


def pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def django_json(env: dict, code: str, timeout: float = 300):
    """Run `code` in `sigap shell` with the benchmark's environment; its BENCH-JSON line, parsed."""
    done = subprocess.run(
        [sys.executable, "-m", "sigap", "shell", "-c", code],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=timeout,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    raise SystemExit(f"no result from the Django subprocess:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


class Fake:
    """The fake platform's control API, over plain HTTP on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, path: str, body: dict | None = None, timeout: float = 30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
            response = conn.getresponse()
            payload = response.read()
        finally:
            conn.close()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {response.status} {payload[:200]!r}")
        return json.loads(payload)

    def comment(self, index: int, text: str) -> dict:
        # A new (thread, author) pair for every comment: the same person again under the same media
        # would be a follow-up to their open complaint, which is (rightly) not acknowledged again.
        person, media = index % PEOPLE + 1, f"1806{index // PEOPLE:013d}"
        return self.call(
            "POST", "/_control/posts",
            {"platform": "instagram", "kind": "comment", "text": text, "person": person, "thread": media},
        )

    def state(self) -> dict:
        return self.call("GET", "/_control/state", timeout=10)


class StateWatcher(threading.Thread):
    """Reads the fake's state every STATE_EVERY s: how many city replies there are, and when each was made."""

    def __init__(self, fake: Fake, deadline: float) -> None:
        super().__init__(name="state-watcher", daemon=True)
        self.fake, self.deadline = fake, deadline
        self.stop = threading.Event()
        self.replies = 0
        self.reply_at: dict[str, float] = {}  # citizen comment id -> the fake's time of the city's first reply
        self.last_change = time.monotonic()
        self._lock = threading.Lock()

    def read(self) -> None:
        state = self.fake.state()
        with self._lock:
            count = int(state.get("stats", {}).get("city:instagram:reply", 0))
            if count != self.replies:
                self.replies, self.last_change = count, time.monotonic()
            for item in state.get("platforms", {}).get("instagram", []):
                times = [r["created"] for r in item.get("replies", []) if r.get("answers") == item["id"]]
                if times and item["id"] not in self.reply_at:
                    self.reply_at[item["id"]] = min(times)

    def run(self) -> None:
        while not self.stop.wait(STATE_EVERY) and time.monotonic() < self.deadline:
            try:
                self.read()
            except Exception:  # a slow or failed read is retried on the next tick
                pass

    def snapshot(self) -> tuple[int, float]:
        with self._lock:
            return self.replies, self.last_change


def post_paced(fake: Fake, texts: list[str], first_index: int, rate: float, deadline: float) -> list[dict]:
    """Post every text once, the n-th at start + n/rate; several clients, so one slow call does not stall the schedule."""
    records: list[dict | None] = [None] * len(texts)
    errors: list[str] = []
    lock = threading.Lock()
    next_n = [0]
    start = time.monotonic() + 0.2

    def client() -> None:
        while True:
            with lock:
                n = next_n[0]
                next_n[0] += 1
            if n >= len(texts) or time.monotonic() > deadline:
                return
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            posted = time.time()
            try:
                answer = fake.comment(first_index + n, texts[n])
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            returned = time.time()
            attempts = [a for d in answer.get("deliveries", []) for a in d.get("attempts", [])]
            records[n] = {
                "id": answer["item"]["id"],
                "posted": posted,
                "returned": returned,
                "first_status": attempts[0].get("status", attempts[0].get("error")) if attempts else None,
            }

    threads = [threading.Thread(target=client, name=f"sender-{i}") for i in range(SENDERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, deadline - time.monotonic() + 35))
    if errors:
        print(f"  {len(errors)} control-API posts failed, e.g. {errors[0]}")
    return [r for r in records if r is not None]


def wait_for_replies(watcher: StateWatcher, wanted: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        replies, last_change = watcher.snapshot()
        if replies >= wanted:
            return True
        if time.monotonic() - last_change > STALL:
            return False
        time.sleep(0.5)
    return False


def percentile(values: list[float], q: float) -> float:
    """Nearest rank; values may hold math.inf for events never acknowledged."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def run_database(name: str, url: str, args, tmp: Path) -> dict:
    fake_port, web_port = free_port(), free_port()
    env = wiring.apply(dict(os.environ), wiring.fake_environment(f"127.0.0.1:{fake_port}"))
    env |= {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SIGAP_DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "SIGAP_WORKER_SLEEP": str(args.worker_sleep),
        "SIGAP_VAR_DIR": str(tmp / "var"),
        "SIGAP_MEDIA_ROOT": str(tmp / "media"),
        "SIGAP_STATIC_ROOT": str(tmp / "static"),  # exists, if empty: spares the "No directory" warning
        "SIGAP_MODEL_DIR": str(tmp / "models"),  # empty: the shipped triage model, as on a fresh install
        "SIGAP_SITE_URL": f"http://127.0.0.1:{web_port}",
    }
    (tmp / "static").mkdir(exist_ok=True)
    python = sys.executable
    subprocess.run([python, "-m", "sigap", "migrate", "-v0"], env=env, check=True, cwd=ROOT, timeout=600)
    texts = django_json(env, SETUP.replace("WANTED", str(WARMUP + args.events)))
    if len(texts) < WARMUP + args.events:
        # Fewer distinct texts than events: repeat them (ids, authors and threads stay distinct).
        texts = [texts[i % len(texts)] for i in range(WARMUP + args.events)]

    processes: dict[str, subprocess.Popen] = {}
    watcher = None
    try:
        processes["web"] = subprocess.Popen(
            [python, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{web_port}",
             "--log-level", "warning", "sigap.wsgi:application"],
            env=env, cwd=ROOT,
        )
        processes["fake"] = subprocess.Popen(
            [python, "-m", "sigap", "fakeplatform", "--addr", f"127.0.0.1:{fake_port}",
             "--deliver-to", f"http://127.0.0.1:{web_port}", "--no-citizens"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
        )
        processes["worker"] = subprocess.Popen([python, "-m", "sigap", "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        wait_for(web_port, "gunicorn")
        wait_for(fake_port, "the fake platform")
        fake = Fake(fake_port)

        posting = args.events / args.rate
        deadline = time.monotonic() + 150 + 4 * posting + args.drain
        watcher = StateWatcher(fake, deadline)
        watcher.read()
        watcher.start()

        # Warm-up: the worker loads its triage model on the first message; not counted.
        post_paced(fake, texts[:WARMUP], 0, args.rate, time.monotonic() + 60)
        if not wait_for_replies(watcher, WARMUP, time.monotonic() + 60):
            raise SystemExit("the warm-up comments were not acknowledged within 60 s: is the worker running?")

        load_before = os.getloadavg()[0]
        started = time.monotonic()
        records = post_paced(fake, texts[WARMUP:], WARMUP, args.rate, started + posting * 3 + 30)
        posted_for = time.monotonic() - started
        complete = wait_for_replies(watcher, WARMUP + len(records), time.monotonic() + posting + args.drain)
        time.sleep(1.0)  # the reply call has returned on the fake; let the worker write sent_at
        try:
            watcher.read()  # the newest 40 comments' replies, as the fake recorded them
        except Exception:
            pass
        load_after = os.getloadavg()[0]
        watcher.stop.set()
    finally:
        if watcher is not None:
            watcher.stop.set()
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in processes.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if watcher is not None:
            watcher.join(timeout=15)

    db = django_json(env, EXTRACT)
    return {
        "records": records, "db": db, "fake_reply_at": dict(watcher.reply_at), "posted_for": posted_for,
        "complete": complete, "load": (load_before, load_after),
    }


def report(name: str, r: dict, args) -> None:
    records, db = r["records"], r["db"]
    received, acks, outcomes = db["received"], db["acks"], db["outcomes"]
    total = len(records)
    latency, queue_wait, send_wait, end_to_end, missing, not_opened, fake_offsets = [], [], [], [], [], {}, []
    redelivered = sum(1 for rec in records if rec["first_status"] != 200)
    for rec in records:
        cid = rec["id"]
        ack = acks.get(cid)
        got = received.get(cid)
        if ack is None or ack["sent"] is None or got is None:
            missing.append(cid)
            latency.append(math.inf)
            end_to_end.append(math.inf)
            if ack is None:
                outcome = outcomes.get(cid, "not read" if got is not None else "not received")
                not_opened[outcome] = not_opened.get(outcome, 0) + 1
            else:
                key = f"ack {ack['status']}" + (f" ({ack['error'][:60]})" if ack["error"] else "")
                not_opened[key] = not_opened.get(key, 0) + 1
            continue
        latency.append(ack["sent"] - got)
        queue_wait.append(ack["queued"] - got)
        send_wait.append(ack["sent"] - ack["queued"])
        end_to_end.append(ack["sent"] - rec["posted"])
        if cid in r["fake_reply_at"]:
            fake_offsets.append(ack["sent"] - r["fake_reply_at"][cid])

    def row(label: str, values: list[float]) -> str:
        if not values:
            return f"  {label:<44}{'—':>9}{'—':>9}{'—':>9}"
        cells = [percentile(values, q) for q in (0.5, 0.99)] + [max(values)]
        return f"  {label:<44}" + "".join(f"{'not acked' if math.isinf(v) else f'{v:.3f} s':>10}" for v in cells)

    print(f"\nAcknowledgement latency on {name}")
    print(f"  Sigap: gunicorn, 2 sync workers, bench.settings (DEBUG off); ONE `sigap worker`, "
          f"SIGAP_WORKER_SLEEP={args.worker_sleep:g} s")
    print(f"  load: {total} Instagram comments (+{WARMUP} warm-up, not counted) via the fake's POST /_control/posts, "
          f"target {args.rate:g}/s, achieved {total / r['posted_for']:.1f}/s, {SENDERS} clients")
    print("  webhook receipt = Delivery.received_at (Sigap's clock: the webhook view stored the delivery)")
    print("  ack posted      = Reply.sent_at of the acknowledgement (Sigap's clock: the fake had accepted the reply)")
    print(f"  {'':<44}{'p50':>10}{'p99':>10}{'max':>10}")
    print(row("webhook receipt → ack posted", latency))
    print(row("  of which receipt → ack queued (intake)", queue_wait))
    print(row("  of which ack queued → ack posted (outbox)", send_wait))
    print(row("comment posted on the fake → ack posted", end_to_end))
    print(row("control POST round trip (incl. webhook call)", [rec["returned"] - rec["posted"] for rec in records]))
    acked = total - len(missing)
    sent_times = [acks[rec["id"]]["sent"] for rec in records if rec["id"] not in missing]
    first_receipt = min((received[rec["id"]] for rec in records if rec["id"] in received), default=None)
    if sent_times and first_receipt is not None and max(sent_times) > first_receipt:
        print(f"  sustained: {len(sent_times) / (max(sent_times) - first_receipt):.1f} acknowledgements/s from the first "
              f"receipt to the last ack, against {args.rate:g} comments/s offered (below it, the backlog and so the "
              "latency grow with --events)")
    print(f"  acknowledged {acked} of {total}" + ("" if r["complete"] else " (stopped waiting: no new reply for "
                                                   f"{STALL:g} s or the drain time of {args.drain:g} s ran out)"))
    if not_opened:
        print("  not acknowledged: " + ", ".join(f"{k}: {v}" for k, v in sorted(not_opened.items())))
    if redelivered:
        print(f"  {redelivered} webhooks were not accepted on the first try (the fake redelivers after 1 s, "
              "receipt counts from the first stored delivery)")
    print(f"  deliveries by status at the end (the city's echoed replies included): {db['deliveries']}")
    print(f"  machine load average (1 min) before/after: {r['load'][0]:.1f} / {r['load'][1]:.1f} on {os.cpu_count()} CPUs "
          "(other jobs on the machine make these figures noisy)")
    if fake_offsets:
        fake_offsets.sort()
        print(f"  cross-check: the fake's own record of the reply (Item.created, via /_control/state) was seen for "
              f"{len(fake_offsets)} comments; Reply.sent_at is later by median {fake_offsets[len(fake_offsets) // 2] * 1000:.0f} ms, "
              f"max {fake_offsets[-1] * 1000:.0f} ms")
    p99 = percentile(latency, 0.99) if latency else math.inf
    verdict = "meets" if p99 < TARGET_P99 else "MISSES"
    shown = "not acked" if math.isinf(p99) else f"{p99:.3f} s"
    print(f"  target p99 < {TARGET_P99:g} s (webhook receipt → ack posted): {shown} ({verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="Measured comments (default 1000).")
    parser.add_argument("--rate", type=float, default=20.0, help="Comments posted per second (default 20).")
    parser.add_argument("--worker-sleep", type=float, default=0.2, help="SIGAP_WORKER_SLEEP for the worker (default 0.2).")
    parser.add_argument("--drain", type=float, default=180.0,
                        help="At most this many seconds after the last post to wait for acknowledgements (default 180).")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only.")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only.")
    args = parser.parse_args()
    if not 1 <= args.events <= MAX_EVENTS:
        parser.error(f"--events must be between 1 and {MAX_EVENTS}")
    if not 0 < args.rate <= MAX_RATE:
        parser.error(f"--rate must be above 0 and at most {MAX_RATE:g}")
    if not 0 <= args.worker_sleep <= 10 or not 0 < args.drain <= 3600:
        parser.error("--worker-sleep must be within 0–10 s and --drain within 0–3600 s")
    tmp = Path(tempfile.mkdtemp(prefix="sigap-bench-ack-"))
    try:
        if args.no_sqlite:
            print("SQLite: skipped (--no-sqlite).")
        else:
            sqlite = tmp / "sqlite"
            sqlite.mkdir()
            report("SQLite", run_database("SQLite", f"sqlite:///{sqlite / 'bench.sqlite3'}", args, sqlite), args)
        if args.no_postgres:
            print("\nPostgreSQL: skipped (--no-postgres).")
        elif postgres_available():
            pg = tmp / "postgres"
            pg.mkdir()
            pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
            pg_admin(f"CREATE DATABASE {PG_NAME}")
            try:
                report("PostgreSQL", run_database("PostgreSQL", PG_URL, args, pg), args)
            finally:
                try:
                    pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
                except Exception as exc:
                    print(f"  (could not drop {PG_NAME}: {exc})")
        else:
            print("\nPostgreSQL does not answer on 127.0.0.1:5432: skipped.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
