"""Fixtures for the two-step verification tests."""

import re

import pytest

from sigap.people.tests.authenticator import key_on_page, totp


@pytest.fixture
def enrolled(as_user):
    """Set up two-step verification for a user through the real pages; returns (key, recovery codes)."""

    def enrol(user):
        client = as_user(user)
        key = key_on_page(client.get("/akun/verifikasi-dua-langkah/").text)
        page = client.post("/akun/verifikasi-dua-langkah/", {"code": totp(key)}).text
        codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", page)
        assert len(codes) == 10, page
        return key, codes

    return enrol
