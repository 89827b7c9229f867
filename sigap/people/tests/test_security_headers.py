"""Security headers on every response, cookies in production, and pages that need no inline code."""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

SIGAP = Path(__file__).resolve().parents[2]


def test_every_response_carries_the_security_headers(client):
    for path in ["/masuk/", "/lacak/", "/api/v1/agencies", "/open311/v2/services.json", "/healthz", "/tidak-ada/"]:
        response = client.get(path)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp, path
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]


def test_https_responses_ask_browsers_to_stay_on_https(client):
    response = client.get("/masuk/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_session_and_csrf_cookies_are_secure_httponly_and_lax(client, processor):
    client.get("/masuk/")
    client.post("/masuk/", {"username": "operator", "password": "pw-operator"})
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        cookie = client.cookies[name]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax", name
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 10 * 3600


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on…= event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: link"),
]


def inline_code(html: str) -> list[str]:
    return [what for pattern, what in INLINE if pattern.search(html)]


def test_no_template_has_inline_script_or_style():
    # The Content-Security-Policy forbids them, so the browser would ignore them: put them in
    # sigap/static or the app's static/ folder instead.
    found = {
        str(path.relative_to(SIGAP)): inline_code(path.read_text())
        for path in SIGAP.rglob("templates/**/*.html")
        if inline_code(path.read_text())
    }
    assert found == {}


def test_pages_as_rendered_have_no_inline_script_or_style(as_user, processor, make_complaint):
    complaint = make_complaint()
    client = as_user(processor)
    for path in ["/", "/aduan/", f"/aduan/{complaint.pk}/", "/aduan/baru/", "/terlambat/", "/triase/", "/rekap/", "/laporan/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.text) == [], path
    assert inline_code(client.get("/akun/verifikasi-dua-langkah/").text) == []


def _settings_in(env: dict) -> dict:
    code = (
        "import json, sigap.settings as s; print(json.dumps({k: getattr(s, k, None) for k in ["
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS',"
        "'SECURE_PROXY_SSL_HEADER', 'CSRF_TRUSTED_ORIGINS', 'SESSION_COOKIE_AGE']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    clean.update(SIGAP_VAR_DIR=tempfile.mkdtemp(prefix="sigap-settings-"), **env)
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True)
    import json

    return json.loads(out.stdout)


def test_production_settings_come_from_the_environment():
    prod = _settings_in(
        {
            "SIGAP_SECRET_KEY": "x" * 60,
            "SIGAP_CSRF_TRUSTED_ORIGINS": "https://sigap.surakarta.go.id",
            "SIGAP_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "SIGAP_SESSION_HOURS": "9",
        }
    )
    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"] and prod["SECURE_SSL_REDIRECT"]
    assert prod["SECURE_HSTS_SECONDS"] == 31536000
    assert prod["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert prod["CSRF_TRUSTED_ORIGINS"] == ["https://sigap.surakarta.go.id"]
    assert prod["SESSION_COOKIE_AGE"] == 9 * 3600
    dev = _settings_in({"SIGAP_DEBUG": "1"})
    assert dev["DEBUG"] is True and not dev["SESSION_COOKIE_SECURE"] and not dev["SECURE_SSL_REDIRECT"]
    assert dev["SECURE_HSTS_SECONDS"] == 0
