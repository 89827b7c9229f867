"""`make bench-scale`: Sigap's pages at a million complaints, and beside django-helpdesk 2.6.1.

Part 1 loads 1,000,000 complaints (`sigap generate`) into a throwaway PostgreSQL database and
times every page and API endpoint a person waits for: each SOP step's queue, the overdue list,
a complaint's page, text search, the dashboard, the staff list and the API.

Part 2 loads 100,000 complaints into Sigap and 100,000 tickets with 2 follow-ups each into
django-helpdesk 2.6.1 (installed from PyPI into its own virtual environment, its project in
bench/helpdesk_project/) on the same PostgreSQL server, and times the operations both have:
the staff list's data, one ticket's staff page, the public lookup by number, creating one
through the API. Requests to the two alternate, so a busy machine slows both alike.

Both run under gunicorn with 2 sync workers and production settings. The figure is server
time: the Server-Timing header of bench/timing.py, the same middleware first in both projects
(the time inside Django, not the loopback). Figures, never a pass/fail.

    .venv/bin/python bench/scale.py [--complaints 1000000] [--compare 100000] [--requests 100]
        [--reuse] [--skip-helpdesk] [--only-compare]
"""

import argparse
import base64
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("SIGAP_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
BIG_DB, CMP_DB, HELPDESK_DB = "sigap_bench_scale", "sigap_bench_scale_cmp", "sigap_bench_scale_helpdesk"
HELPDESK_VERSION = "2.6.1"
HELPDESK_VENV = Path(tempfile.gettempdir()) / f"sigap-bench-helpdesk-{HELPDESK_VERSION}"
STATIC_ROOT = Path(tempfile.gettempdir()) / "sigap-bench-scale-static"  # production serves collected, hashed files
TEXTS = ROOT.parent / "shared" / "data" / "surabaya-complaints" / "complaints_train.csv"
PASSWORD = "sigap-demo-2026"  # `sigap demo`'s users
HELPDESK_PASSWORD = "helpdesk-bench-2026"
# What people type in the search box: common words, several words, slang, typos, names, places, a number's part.
SEARCHES = [
    "sampah", "lampu mati", "jalan berlubang", "gak diangkut", "bansos belum cair", "pdam keruh", "parkir liar",
    "smapah", "lampu pju", "Santoso", "Kapten Mulyadi", "banjir", "pohon tumbang", "jukir", "bau", "trotoar rusak",
    "ktp", "puskesmas antrean", "jalan", "kel. jebres",
]  # fmt: skip
TARGET_PAGE, TARGET_SEARCH = 50, 150  # p95 ms, from the issue
HELPDESK_REFERENCE = {"list": 406, "page": 33, "lookup": 11, "create": 20}  # p95 ms measured when the issue was written


# Databases and servers -----------------------------------------------------------------------------


def url(db: str) -> str:
    return f"{PG_SERVER}/{db}"


def recreate(db: str) -> None:
    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db}")


def count_complaints(db: str) -> int:
    try:
        with psycopg.connect(url(db), connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM cases_complaint").fetchone()[0]
    except psycopg.Error:
        return 0


def sigap_env(db: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.scale_settings",
        "SIGAP_DATABASE_URL": url(db),
        "PYTHONPATH": str(ROOT),
        "SIGAP_STATIC_ROOT": str(STATIC_ROOT),
        # Persistent connections, as the deployment guide's sigap.env.example sets (django-helpdesk
        # gets the same: bench/helpdesk_project/settings.py); otherwise every request connects anew.
        "SIGAP_DB_CONN_MAX_AGE": "60",
        # One client makes every request here: the per-client limits would stop the benchmark, not a person.
        "SIGAP_TRACK_RATE_LIMIT": "1000000/600",
        "SIGAP_API_RATE_LIMIT": "1000000/600",
        "SIGAP_LOGIN_RATE_LIMIT": "1000/900",
        "SIGAP_LOGIN_IP_RATE_LIMIT": "1000/900",
    }


def sigap(db: str, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sigap", *args], env=sigap_env(db), cwd=ROOT, check=True, text=True,
        stdout=subprocess.PIPE if capture else None,
    )  # fmt: skip
    return done.stdout or ""


def load_sigap(db: str, complaints: int, reuse: bool) -> None:
    if reuse and count_complaints(db) >= complaints:
        print(f"  reusing {db} ({count_complaints(db):,} complaints)", flush=True)
        sigap(db, "migrate", "-v0")
        return
    print(f"  loading {complaints:,} complaints into {db} …", flush=True)
    recreate(db)
    started = time.monotonic()
    sigap(db, "migrate", "-v0")
    sigap(db, "demo")
    texts = ["--texts", str(TEXTS)] if TEXTS.exists() else []
    sigap(db, "generate", "--complaints", str(complaints), *texts)
    print(f"  loaded in {(time.monotonic() - started) / 60:.1f} min", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the benchmark server stopped while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the benchmark server did not start")


def serve_sigap(db: str) -> tuple[subprocess.Popen, str]:
    sigap(db, "collectstatic", "--noinput", "-v0")
    # As `make serve` runs it (sigap/gunicorn_conf.py: preloaded, garbage-collector freeze), with
    # the same 2 sync workers as django-helpdesk, which ships no gunicorn configuration of its own.
    config = ["-c", "python:sigap.gunicorn_conf", "--access-logfile", "/dev/null"]
    return gunicorn(sys.executable, "sigap.wsgi:application", sigap_env(db), config)


def gunicorn(python: str, app: str, env: dict, config: list[str] = ()) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [python, "-m", "gunicorn", *config, "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "120", app],
        env=env, cwd=ROOT,
    )  # fmt: skip
    wait_for(port, process)
    return process, f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


# Measuring ------------------------------------------------------------------------------------------


def server_ms(response: httpx.Response) -> float:
    match = re.search(r"dur=([0-9.]+)", response.headers.get("server-timing", ""))
    if match is None:
        raise SystemExit(f"{response.request.url}: no Server-Timing header (HTTP {response.status_code})")
    return float(match.group(1))


def call(client: httpx.Client, request, expect=(200,)) -> float:
    method, path, kwargs = request() if callable(request) else request
    response = client.request(method, path, **kwargs)
    if response.status_code not in expect:
        raise SystemExit(f"{method} {path}: HTTP {response.status_code}: {response.text[:300]}")
    return server_ms(response)


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def login(base: str, path: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120, follow_redirects=False)
    page = client.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit(f"{path}: no login form (HTTP {page.status_code})")
    done = client.post(
        path, data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        headers={"Referer": base + path},
    )  # fmt: skip
    if done.status_code != 302:
        raise SystemExit(f"{path}: login as {username} failed (HTTP {done.status_code})")
    return client


def sample(db: str, sql: str, n: int = 300) -> list:
    with psycopg.connect(url(db)) as conn:
        return [row[0] for row in conn.execute(sql + " ORDER BY random() LIMIT %s", [n]).fetchall()]


def sigap_token(db: str) -> str:
    out = sigap(db, "token", "create", "operator", "--name", f"bench-scale-{time.time():.0f}", capture=True)
    match = re.search(r"sgp_[A-Za-z0-9_\-]+", out)
    if match is None:
        raise SystemExit(f"no token in: {out}")
    return match.group(0)


def new_complaint(n: int) -> tuple:
    body = {
        "platform": "instagram",
        "text": f"Lampu PJU di Jl. Slamet Riyadi depan gang {n} mati sejak kemarin, gelap kalau malam.",
        "handle": f"warga_bench_{n}",
        "name": "Warga Bench",
    }
    return "POST", "/api/v1/complaints", {"json": body}


# Part 1: Sigap at a million -------------------------------------------------------------------------


def part_one(args) -> None:
    print(f"\n## Part 1: Sigap with {args.complaints:,} complaints (PostgreSQL)\n", flush=True)
    load_sigap(BIG_DB, args.complaints, args.reuse)
    with psycopg.connect(url(BIG_DB), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load, done now rather than mid-run
    token = sigap_token(BIG_DB)
    pks = sample(BIG_DB, "SELECT id FROM cases_complaint")
    numbers = sample(BIG_DB, "SELECT tracking_number FROM cases_complaint WHERE tracking_number IS NOT NULL")
    used = "FROM agencies_agency a WHERE EXISTS (SELECT 1 FROM cases_complaint c WHERE c.agency_id = a.id)"
    agencies, agency_ids = sample(BIG_DB, f"SELECT code {used}", 20), sample(BIG_DB, f"SELECT id {used}", 20)
    server, base = serve_sigap(BIG_DB)
    try:
        processor = login(base, "/masuk/", "operator", PASSWORD)
        supervisor = login(base, "/masuk/", "supervisor", PASSWORD)
        api = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"})
        public = httpx.Client(base_url=base, timeout=120)
        first = api.get("/api/v1/complaints", params={"limit": 20}).json()
        cursors = []
        for _ in range(5):  # a few pages deep, for realistic cursors
            cursors.append(first["next_cursor"])
            first = api.get("/api/v1/complaints", params={"limit": 20, "cursor": first["next_cursor"]}).json()
        rnd = random.Random(7)

        def get(path, params=None):
            return lambda: ("GET", path() if callable(path) else path, {"params": params() if callable(params) else params})

        # What the machine costs per request before Sigap does anything (bench/urls.py's no-op view).
        rows = [("Baseline: a no-op view", public, get("/bench/noop"), TARGET_PAGE)]
        rows += [(f"Queue, step {n}", processor, get("/", {"step": n}), TARGET_PAGE) for n in (2, 3, 4, 5, 6, 7)]
        rows += [
            ("Overdue list", supervisor, get("/terlambat/"), TARGET_PAGE),
            ("Complaint page", processor, get(lambda: f"/aduan/{rnd.choice(pks)}/"), TARGET_PAGE),
            ("Staff list", processor, get("/aduan/"), TARGET_PAGE),
            ("Staff list, filtered", processor, get("/aduan/", lambda: {"status": "posted", "agency": rnd.choice(agency_ids)}), TARGET_PAGE),
            ("Dashboard", supervisor, get("/laporan/"), TARGET_PAGE),
            ("Public lookup by number", public, get(lambda: f"/lacak/{rnd.choice(numbers)}"), TARGET_PAGE),
            ("API list", api, get("/api/v1/complaints", {"limit": 20}), TARGET_PAGE),
            ("API list, next pages", api, get("/api/v1/complaints", lambda: {"limit": 20, "cursor": rnd.choice(cursors)}), TARGET_PAGE),
            ("API list, filtered", api, get("/api/v1/complaints", lambda: {"status": ["forwarded", "posted"], "agency": rnd.choice(agencies)}), TARGET_PAGE),
            ("API one complaint", api, get(lambda: f"/api/v1/complaints/{rnd.choice(numbers)}"), TARGET_PAGE),
            ("API create", api, lambda: new_complaint(rnd.randrange(10**9)), TARGET_PAGE),
            ("Text search, staff list", processor, get("/aduan/", lambda: {"q": rnd.choice(SEARCHES)}), TARGET_SEARCH),
            ("Text search, API", api, get("/api/v1/complaints", lambda: {"q": rnd.choice(SEARCHES)}), TARGET_SEARCH),
        ]  # fmt: skip
        print(f"  server time over {args.requests} requests each (after {args.warmup} unmeasured)\n")
        print(f"  | {'page or endpoint':<26} | p50 ms | p95 ms | target p95 |")
        print(f"  |{'-' * 28}|-------:|-------:|-----------:|")
        for name, client, request, target in rows:
            expect = (201,) if name == "API create" else (200,)
            for _ in range(args.warmup):
                call(client, request, expect)
            times, budget = [], time.monotonic() + args.row_seconds
            while len(times) < args.requests and (len(times) < 10 or time.monotonic() < budget):
                times.append(call(client, request, expect))
            p50, p95 = percentiles(times)
            mark = "" if p95 < target else "  (over)"
            fewer = f"  ({len(times)} requests)" if len(times) < args.requests else ""
            print(f"  | {name:<26} | {p50:6.1f} | {p95:6.1f} | < {target:>5} ms |{mark}{fewer}", flush=True)
        computed = sample(BIG_DB, "SELECT compute_seconds FROM recaps_livefigures WHERE scope = 'all'", 1)
        if computed:
            # The page reads what the worker computed (sigap.recaps.live); this is what computing costs.
            print(f"\n  Dashboard figures (today, week, month; city-wide) computed by the first, unmeasured view in "
                  f"{computed[0]:.1f} s; the worker recomputes them every {max(60, 10 * computed[0]):.0f} s.")
    finally:
        stop(server)


# Part 2: beside django-helpdesk ---------------------------------------------------------------------


def helpdesk_python() -> str:
    python = HELPDESK_VENV / "bin" / "python"
    if not python.exists():
        print(f"  installing django-helpdesk {HELPDESK_VERSION} into {HELPDESK_VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(HELPDESK_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             f"django-helpdesk=={HELPDESK_VERSION}", "gunicorn", "psycopg[binary]"],
            check=True, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    return str(python)


def helpdesk_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGAP_", "DJANGO_"))}
    pg = re.match(r"postgres(?:ql)?://([^@]+)@([^:/]+):(\d+)", PG_SERVER)
    user, host, port = pg.groups() if pg else ("postgres", "127.0.0.1", "5432")
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.helpdesk_project.settings",
        "PYTHONPATH": str(ROOT),
        "HELPDESK_DB": HELPDESK_DB,
        "HELPDESK_DB_USER": user,
        "HELPDESK_DB_HOST": host,
        "HELPDESK_DB_PORT": port,
    }


def load_helpdesk(python: str, texts: Path) -> dict:
    print(f"  loading as many tickets (2 follow-ups each) into {HELPDESK_DB} …", flush=True)
    recreate(HELPDESK_DB)
    env = helpdesk_env()
    started = time.monotonic()
    subprocess.run([python, "-m", "django", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    out = subprocess.run(
        [python, "-m", "bench.helpdesk_project.load", str(texts), HELPDESK_PASSWORD],
        env=env, cwd=ROOT, check=True, text=True, stdout=subprocess.PIPE,
    ).stdout  # fmt: skip
    with psycopg.connect(url(HELPDESK_DB), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"  loaded in {(time.monotonic() - started) / 60:.1f} min", flush=True)
    return json.loads(out.strip().splitlines()[-1])


def export_texts(path: Path) -> None:
    """The Sigap side's complaints as ticket material, so both systems hold the same words."""
    with psycopg.connect(url(CMP_DB)) as conn, path.open("w", encoding="utf-8") as f:
        for posted, status, text in conn.execute("SELECT posted_at, status, text FROM cases_complaint ORDER BY id"):
            f.write(json.dumps([posted.isoformat(), status, text]) + "\n")


def part_two(args) -> None:
    print(f"\n## Part 2: Sigap and django-helpdesk {HELPDESK_VERSION}, {args.compare:,} each (same PostgreSQL)\n", flush=True)
    load_sigap(CMP_DB, args.compare, args.reuse)
    with psycopg.connect(url(CMP_DB), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    python = helpdesk_python()
    with tempfile.TemporaryDirectory() as tmp:
        texts = Path(tmp) / "texts.jsonl"
        export_texts(texts)
        helpdesk = load_helpdesk(python, texts)
    token = sigap_token(CMP_DB)
    pks = sample(CMP_DB, "SELECT id FROM cases_complaint")
    numbers = sample(CMP_DB, "SELECT tracking_number FROM cases_complaint WHERE tracking_number IS NOT NULL")
    tickets = []
    with psycopg.connect(url(HELPDESK_DB)) as conn:
        tickets = conn.execute(
            "SELECT id, submitter_email, secret_key FROM helpdesk_ticket ORDER BY random() LIMIT 300"
        ).fetchall()
    sigap_server, sigap_base = serve_sigap(CMP_DB)
    hd_server, hd_base = gunicorn(python, "bench.helpdesk_project.wsgi:application", helpdesk_env())
    try:
        processor = login(sigap_base, "/masuk/", "operator", PASSWORD)
        sigap_api = httpx.Client(base_url=sigap_base, timeout=120, headers={"Authorization": f"Bearer {token}"})
        sigap_public = httpx.Client(base_url=sigap_base, timeout=120)
        agent = login(hd_base, "/helpdesk/login/", "agent", HELPDESK_PASSWORD)
        hd_api = httpx.Client(base_url=hd_base, timeout=120, headers={"Authorization": f"Token {helpdesk['token']}"})
        hd_public = httpx.Client(base_url=hd_base, timeout=120)
        # The ticket list's data as its page asks for it: all tickets, newest first, the first 25.
        query = base64.b64encode(
            json.dumps({"filtering": {}, "filtering_null": {}, "sorting": "created", "sortreverse": True, "search_string": ""}).encode()
        ).decode()
        datatables = {"draw": 1, "start": 0, "length": 25, "order[0][column]": 5, "order[0][dir]": "desc"}
        rnd = random.Random(11)

        def hd_ticket():
            pk, email, key = rnd.choice(tickets)
            return "GET", "/helpdesk/view/", {"params": {"ticket": f"{helpdesk['slug']}-{pk}", "email": email, "key": key}}

        def hd_create():
            n = rnd.randrange(10**9)
            body = {"queue": helpdesk["queue"], "title": f"Lampu PJU mati {n}", "priority": 3,
                    "description": new_complaint(n)[2]["json"]["text"], "submitter_email": f"warga{n}@example.test"}
            return "POST", "/helpdesk/api/tickets/", {"json": body}

        ops = [
            ("list", "Staff list's data, page", (processor, ("GET", "/aduan/", {}), (200,)),
             (agent, ("GET", f"/helpdesk/datatables_ticket_list/{query}", {"params": datatables}), (200,))),
            # The same data as JSON, as django-helpdesk's list page fetches it: Sigap's API list.
            ("list", "Staff list's data, JSON", (sigap_api, ("GET", "/api/v1/complaints", {"params": {"limit": 25}}), (200,)),
             (agent, ("GET", f"/helpdesk/datatables_ticket_list/{query}", {"params": datatables}), (200,))),
            ("page", "One ticket's staff page", (processor, lambda: ("GET", f"/aduan/{rnd.choice(pks)}/", {}), (200,)),
             (agent, lambda: ("GET", f"/helpdesk/tickets/{rnd.choice(tickets)[0]}/", {}), (200,))),
            ("lookup", "Public lookup by number", (sigap_public, lambda: ("GET", f"/lacak/{rnd.choice(numbers)}", {}), (200,)),
             (hd_public, hd_ticket, (200,))),
            ("create", "Create one through the API", (sigap_api, lambda: new_complaint(rnd.randrange(10**9)), (201,)),
             (hd_api, hd_create, (201,))),
        ]  # fmt: skip
        print(f"\n  server time over {args.requests} requests each, the two systems alternating\n")
        print(f"  | {'operation':<27} | Sigap p50 | Sigap p95 | helpdesk p50 | helpdesk p95 | p95 ratio | helpdesk p95 when the issue was written |")
        print(f"  |{'-' * 29}|----------:|----------:|-------------:|-------------:|----------:|------:|")
        for key, name, (s_client, s_req, s_ok), (h_client, h_req, h_ok) in ops:
            for _ in range(args.warmup):
                call(s_client, s_req, s_ok)
                call(h_client, h_req, h_ok)
            sigap_times, helpdesk_times = [], []
            for _ in range(args.requests):
                sigap_times.append(call(s_client, s_req, s_ok))
                helpdesk_times.append(call(h_client, h_req, h_ok))
            s50, s95 = percentiles(sigap_times)
            h50, h95 = percentiles(helpdesk_times)
            print(
                f"  | {name:<27} | {s50:9.1f} | {s95:9.1f} | {h50:12.1f} | {h95:12.1f} | {h95 / s95:8.1f}× | {HELPDESK_REFERENCE[key]:>5} |",
                flush=True,
            )
        print("\n  ratio: how many times faster Sigap's p95 is (target ≥ 3×; the staff list's data p95 ≤ 20 ms)")
    finally:
        stop(sigap_server)
        stop(hd_server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--compare", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="measured requests per row")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--row-seconds", type=float, default=120, help="stop a slow row after this long (10 requests at least)")
    parser.add_argument("--reuse", action="store_true", help="keep a database already loaded with enough complaints")
    parser.add_argument("--skip-helpdesk", action="store_true", help="part 1 only")
    parser.add_argument("--only-compare", action="store_true", help="part 2 only")
    args = parser.parse_args()
    # Stopped from outside: still stop the servers (the `finally` blocks), not leave them running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        psycopg.connect(url("postgres"), connect_timeout=5).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL is not reachable at {PG_SERVER} ({exc}); set SIGAP_BENCH_PG.")
        return 1
    print(f"bench/scale.py — {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.only_compare:
        part_one(args)
    if not args.skip_helpdesk:
        part_two(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
