"""Four real `sigap worker` processes against one PostgreSQL: every queued reply is posted exactly once.

The workers, the fake platform and this test are separate processes sharing a committed database
(a transactional test, so the workers see the rows), as in production. SQLite serialises its
writers and is not what several machines share, so this runs on PostgreSQL only.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from sigap.cases import actions
from sigap.cases.models import Complaint, Message, Reply
from sigap.fakeplatform import wiring
from sigap.fakeplatform.accounts import CITY_ACCOUNTS, TOKEN_ENV
from sigap.platforms.models import Account

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
REPLIES = 10_000
COMMENTS = 250  # citizen comments on the fake; each gets REPLIES / COMMENTS replies
DEADLINE = 900  # seconds: a generous ceiling for a busy 2-core CI machine, not a performance target

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="several workers sharing one queue is a PostgreSQL deployment; SQLite serialises its writers "
    "(run with SIGAP_DATABASE_URL=postgres://…)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the fake platform exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def call(port: int, method: str, path: str, body: dict | None = None, token: str = ""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
        response = conn.getresponse()
        payload = response.read()
    finally:
        conn.close()
    assert response.status < 300, f"{method} {path}: HTTP {response.status} {payload[:300]!r}"
    return json.loads(payload)


def database_url() -> str:
    """The test database itself (test_…), which the worker processes must share with this test."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(processes: list[subprocess.Popen]) -> None:
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_four_workers_post_ten_thousand_queued_replies_each_exactly_once(tmp_path):
    port = free_port()
    env = wiring.apply(dict(os.environ), wiring.fake_environment(f"127.0.0.1:{port}"))
    env |= {
        "SIGAP_DATABASE_URL": database_url(),
        "SIGAP_WORKER_SLEEP": "0.2",
        "SIGAP_VAR_DIR": str(tmp_path / "var"),
        "SIGAP_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    sigap = [sys.executable, "-m", "sigap"]
    fake = subprocess.Popen(
        [*sigap, "fakeplatform", "--addr", f"127.0.0.1:{port}", "--no-citizens"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
    )
    workers: list[subprocess.Popen] = []
    try:
        wait_for_port(port, fake)
        comments, account = queue_replies(port)
        started = time.monotonic()
        workers = [
            subprocess.Popen([*sigap, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
            for _ in range(WORKERS)
        ]
        while time.monotonic() - started < DEADLINE:
            left = Reply.objects.filter(status__in=[Reply.Status.PENDING, Reply.Status.SENDING]).count()
            if not left or any(w.poll() is not None for w in workers):
                break
            time.sleep(1)
        elapsed = time.monotonic() - started
        assert all(w.poll() is None for w in workers), "a worker exited early"
        cpu = sum(cpu_seconds(w.pid) for w in workers)
        stop(workers)

        statuses = Counter(Reply.objects.values_list("status", flat=True))
        print(f"\n{REPLIES} replies by {WORKERS} workers on PostgreSQL: {elapsed:.1f} s, {REPLIES / elapsed:.0f} replies/s, "
              f"workers' CPU {cpu:.1f} s ({1000 * cpu / REPLIES:.1f} ms a reply, start-up included), "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {dict(statuses)}")
        assert statuses == {Reply.Status.SENT: REPLIES}

        # What the platform received, by its own API: every reply's words exactly once under its comment.
        token = env[TOKEN_ENV["instagram"]]
        graph = env["SIGAP_META_GRAPH_URL"].split(f":{port}", 1)[1]
        received = Counter()
        for c in comments:
            for r in call(port, "GET", f"{graph}/{c['id']}/replies", token=token)["data"]:
                received[(c["id"], r["text"])] += 1
        expected = Counter(Reply.objects.values_list("message__external_id", "text"))
        assert received == expected
        assert call(port, "GET", "/_control/state")["stats"].get("city:instagram:reply") == REPLIES
        # And each row carries the id of the one post the platform made for it.
        assert len(set(Reply.objects.values_list("external_id", flat=True))) == REPLIES
    finally:
        stop([*workers, fake])


def queue_replies(port: int):
    """Citizens comment on the city's Instagram post; Sigap holds each comment as a Message, and the
    outbox holds REPLIES replies spread over them."""
    comments = [
        call(port, "POST", "/_control/posts", {"platform": "instagram", "kind": "comment", "person": n + 1,
                                               "text": f"Min, jalan di gang {n} berlubang"})["item"]
        for n in range(COMMENTS)
    ]
    city = CITY_ACCOUNTS["instagram"]
    account = Account.objects.create(
        platform="instagram", external_id=city["id"], name=city["name"], token_env=TOKEN_ENV["instagram"]
    )
    now = timezone.now()
    messages = Message.objects.bulk_create(
        Message(
            platform="instagram", account=account, external_id=c["id"], kind="comment", thread_id=c["thread"],
            author_id=c["author"]["id"], author_handle=c["author"]["handle"], text=c["text"],
            posted_at=now - timedelta(minutes=5),
        )
        for c in comments
    )
    Reply.objects.bulk_create(
        (
            Reply(
                message=messages[n % COMMENTS], kind=Reply.Kind.AUTO, platform="instagram", account=account,
                text=f"Terima kasih, Sobat Solo. Balasan uji {n}.", send_after=now - timedelta(seconds=1),
            )
            for n in range(REPLIES)
        ),
        batch_size=2000,
    )
    return comments, account


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_reading_one_citizens_two_comments_at_once_open_one_complaint():
    city = CITY_ACCOUNTS["instagram"]
    account = Account.objects.create(
        platform="instagram", external_id=city["id"], name=city["name"], token_env=TOKEN_ENV["instagram"]
    )
    first, second = (
        Message.objects.create(
            platform="instagram", account=account, external_id=f"180500000000000{n}", kind="comment",
            thread_id="18070000000000001", author_id="6200000000000042", text=text, posted_at=timezone.now(),
        )
        for n, text in enumerate(["Lampu PJU di gang 3 mati", "Sudah tiga malam gelap"])
    )
    looked, opened, errors = threading.Event(), {}, []

    def worker(name, message, before_opening):
        try:
            with transaction.atomic():
                if before_opening:
                    before_opening()
                opened[name] = actions.complaint_open_from_message(message=message).pk
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    def look_then_wait():
        # Worker A has looked for the thread's open complaint (none yet), then is slow to open one.
        assert actions.thread_complaint(first) is None
        looked.set()
        time.sleep(1.0)

    a = threading.Thread(target=worker, args=("a", first, look_then_wait))
    a.start()
    assert looked.wait(30)
    b = threading.Thread(target=worker, args=("b", second, None))  # B looks while A is still opening
    b.start()
    a.join(60)
    b.join(60)
    assert not errors, errors
    assert opened["a"] == opened["b"] == Complaint.objects.get().pk
    assert set(Message.objects.values_list("complaint_id", flat=True)) == {opened["a"]}
