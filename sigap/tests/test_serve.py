"""`sigap serve` (what `make serve` runs): production mode, gunicorn and workers, stopped by Ctrl-C.

It runs against a throwaway SQLite database of its own: the server is a separate process tree,
and what is tested is the serving, not the database.
"""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTTPS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}  # what nginx adds in front


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def children(pid: int) -> list[int]:
    """The process's children and their children (Linux /proc); [] where /proc is not there."""
    found = []
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in map(int, listed):
        found += [child, *children(child)]
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def production_env(tmp_path):
    """Production settings (not the test settings), on a fresh SQLite file under tmp_path."""
    # Only what a service starts with: no SIGAP_* of this shell, no test-only switches of the test run.
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    (tmp_path / "var").mkdir()
    env |= {
        "DJANGO_SETTINGS_MODULE": "sigap.settings",
        "PYTHONPATH": str(ROOT),
        "SIGAP_VAR_DIR": str(tmp_path / "var"),
        "SIGAP_STATIC_ROOT": str(tmp_path / "static"),
        "SIGAP_MEDIA_ROOT": str(tmp_path / "media"),
        "SIGAP_MODEL_DIR": str(tmp_path / "models"),
        "SIGAP_WORKER_SLEEP": "0.5",
    }
    return env


def sigap(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sigap", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_serve_refuses_to_start_without_a_secret_key_or_with_migrations_missing(production_env):
    done = sigap(production_env, "serve")
    assert done.returncode != 0
    assert "SIGAP_SECRET_KEY_FILE" in done.stderr and "Traceback" not in done.stderr

    keyed = production_env | {"SIGAP_SECRET_KEY": secrets.token_urlsafe(50)}
    done = sigap(keyed, "serve")
    assert done.returncode != 0
    assert "sigap migrate" in done.stderr and "Traceback" not in done.stderr

    done = sigap(keyed | {"SIGAP_WORKERS": "none"}, "serve")
    assert done.returncode != 0 and "SIGAP_WORKERS must be a whole number" in done.stderr

    done = sigap(keyed | {"SIGAP_DATABASE_URL": "postgres://sigap@127.0.0.1:1/sigap"}, "serve")
    assert done.returncode != 0
    assert "Cannot reach the database" in done.stderr and "Traceback" not in done.stderr


def test_serve_answers_through_gunicorn_serves_static_files_for_good_and_stops_on_ctrl_c(production_env):
    env = production_env | {"SIGAP_SECRET_KEY": secrets.token_urlsafe(50)}
    assert sigap(env, "migrate", "--no-input", "-v0").returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sigap", "serve", "--bind", f"127.0.0.1:{port}", "--web-workers", "2", "--workers", "1"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group, as a terminal gives it: Ctrl-C goes to the group
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, f"sigap serve exited: {server.stdout.read()}"
            assert time.monotonic() < deadline, "sigap serve did not answer within 180 s"
            try:
                status, headers, body = get(port, "/healthz", HTTPS)
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200 and headers["server"] == "gunicorn"
        assert json.loads(body)["database"] == "ok"
        # Production mode: plain http:// is sent to https:// (nginx says which one the client used).
        status, headers, _ = get(port, "/healthz", {"Host": "127.0.0.1"})
        assert status == 301 and headers["location"].startswith("https://")

        # The collected files: hashed names for good, compressed for clients that take it.
        manifest = json.loads((Path(env["SIGAP_STATIC_ROOT"]) / "staticfiles.json").read_text())["paths"]
        hashed = manifest["sigap/sigap.css"]
        status, headers, body = get(port, f"/static/{hashed}", HTTPS | {"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-type"].startswith("text/css")
        assert "max-age=315360000" in headers["cache-control"] and "immutable" in headers["cache-control"]
        assert headers.get("content-encoding") == "gzip"
        status, headers, _ = get(port, "/static/sigap/sigap.css", HTTPS)
        assert status == 200 and "immutable" not in headers["cache-control"]

        # The worker runs beside the web processes: its heartbeat reaches /healthz.
        deadline = time.monotonic() + 60
        while get(port, "/healthz?require=worker", HTTPS)[0] != 200:
            assert time.monotonic() < deadline, "no worker heartbeat within 60 s"
            time.sleep(0.5)

        # gunicorn, its 2 web processes, 1 worker: gunicorn forks its processes one after the other,
        # so on a busy machine the second may still be starting when the first already answers.
        deadline = time.monotonic() + 30
        while len(family := children(server.pid)) < 4:
            assert time.monotonic() < deadline, f"only {len(family)} processes under sigap serve"
            time.sleep(0.3)
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C
        output, _ = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 0, output
    assert "Sigap stopped." in output and "Traceback" not in output
    assert not [pid for pid in family if alive(pid)], "processes left running after Ctrl-C"
    with pytest.raises(OSError):
        get(port, "/healthz", HTTPS)
