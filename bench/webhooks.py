"""Webhook intake throughput: signed Meta comment events per second, each durably stored.

Measured beside two baselines under the same gunicorn (2 sync workers) in the same run:
a no-op Django view and a view that inserts one row. Target: ≥ 0.85 × the insert-one-row view.
Run on SQLite and, where it answers, PostgreSQL.

    .venv/bin/python bench/webhooks.py [--requests 3000] [--threads 8]
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-app-secret"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgres://postgres@127.0.0.1:5432/sigap_bench"
ROUNDS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def comment_body(n: int) -> bytes:
    body = {
        "object": "instagram",
        "entry": [{
            "id": "17841400000000001",
            "time": 1790001234,
            "changes": [{"field": "comments", "value": {
                "id": f"1805{n:014d}",
                "from": {"id": f"62{n:014d}", "username": f"warga{n}"},
                "text": f"Min, lampu PJU di Jl. Slamet Riyadi no {n} mati sudah seminggu \U0001F621",
                "media": {"id": "18070000000000001", "media_product_type": "FEED"}}}],
        }],
    }
    return json.dumps(body).encode()


def signed(body: bytes) -> dict:
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"}


def load(port: int, path: str, bodies: list[bytes], threads: int, sign: bool) -> float:
    """Send every body once, spread over `threads` clients; requests per second."""
    errors: list[str] = []
    chunks = [bodies[i::threads] for i in range(threads)]

    def client(chunk: list[bytes]) -> None:
        for body in chunk:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = signed(body) if sign else {"Content-Type": "application/json"}
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                errors.append(f"{path}: HTTP {response.status}")

    workers = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return len(bodies) / elapsed


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the benchmark server did not start")


def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
        return True
    except Exception:
        return False


def recreate_pg_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS sigap_bench")
        conn.execute("CREATE DATABASE sigap_bench")


def run_database(name: str, url: str, requests: int, threads: int) -> dict:
    static = Path(tempfile.mkdtemp(prefix="sigap-bench-static-"))  # exists, if empty: no whitenoise warning
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "SIGAP_DATABASE_URL": url, "PYTHONPATH": str(ROOT),
           "SIGAP_STATIC_ROOT": str(static)}
    python = sys.executable
    subprocess.run([python, "-m", "sigap", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "sigap.wsgi:application"],
        env=env, cwd=ROOT,
    )
    try:
        wait_for(port)
        warm = [comment_body(10_000_000 + i) for i in range(200)]
        load(port, "/bench/noop", warm, threads, sign=False)
        load(port, "/webhooks/meta", warm, threads, sign=True)
        # Interleaved rounds, median of each: the table grows and the machine's load drifts during
        # a run, and neither should favour whichever endpoint happens to be measured first.
        per_round = max(requests // ROUNDS, 1)
        runs = {"no-op view": [], "insert-one-row view": [], "signed Meta webhook": []}
        for r in range(ROUNDS):
            bodies = [comment_body(r * per_round + i) for i in range(per_round)]
            runs["no-op view"].append(load(port, "/bench/noop", bodies, threads, sign=False))
            runs["insert-one-row view"].append(load(port, "/bench/insert", bodies, threads, sign=False))
            runs["signed Meta webhook"].append(load(port, "/webhooks/meta", bodies, threads, sign=True))
        results = {name: statistics.median(rates) for name, rates in runs.items()}
        requests = per_round * ROUNDS
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = int(
        subprocess.run(
            [python, "-m", "sigap", "shell", "-c",
             "from sigap.platforms.models import Delivery; print(Delivery.objects.filter(endpoint='meta').count())"],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
    )
    results["stored"] = stored
    results["expected"] = requests + len(warm)
    return results


def report(name: str, r: dict) -> None:
    insert = r["insert-one-row view"]
    print(f"\nWebhook intake on {name} (gunicorn, 2 sync workers; median of {ROUNDS} interleaved rounds)")
    print(f"  {'endpoint':<24}{'req/s':>10}{'× insert-one-row':>20}")
    for key in ("no-op view", "insert-one-row view", "signed Meta webhook"):
        print(f"  {key:<24}{r[key]:>10.0f}{r[key] / insert:>20.2f}")
    ratio = r["signed Meta webhook"] / insert
    verdict = "meets" if ratio >= 0.85 else "MISSES"
    print(f"  target ≥ 0.85 × insert-one-row: {ratio:.2f} ({verdict}); stored {r['stored']} of {r['expected']} webhooks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sigap-bench-"))
    try:
        report("SQLite", run_database("SQLite", f"sqlite:///{tmp / 'bench.sqlite3'}", args.requests, args.threads))
        if postgres_available():
            recreate_pg_database()
            report("PostgreSQL", run_database("PostgreSQL", PG_URL, args.requests, args.threads))
        else:
            print("\nPostgreSQL does not answer on 127.0.0.1:5432: skipped.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
