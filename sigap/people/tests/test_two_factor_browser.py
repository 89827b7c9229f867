"""In a real browser: an administrator sets up two-step verification and logs in with a code, and no
page breaks the Content-Security-Policy (Debian's Chromium through Playwright).

Screenshots go to /tmp/sigap-shots/2fa-*.png for a person to look at.
"""

import time

import pytest

from sigap.people.tests.authenticator import totp
from sigap.tests.test_browser import PASSWORD, Person, chromium, demo_users  # noqa: F401

pytestmark = pytest.mark.browser

PAGES = [
    "/", "/aduan/", "/aduan/baru/", "/terlambat/", "/notifikasi/", "/triase/", "/rekap/", "/laporan/",
    "/akun/verifikasi-dua-langkah/", "/admin/", "/admin/cases/complaint/", "/admin/sop/sopversion/1/change/",
    "/admin/people/user/add/", "/api/v1/docs", "/lacak/",
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_administrator_sets_up_two_step_verification_and_no_page_breaks_the_csp(chromium, live_server):  # noqa: F811
    demo_users()
    base = live_server.url
    admin = Person(chromium, base, "admin", landing="/akun/verifikasi-dua-langkah/")
    violations = []
    admin.page.on("console", lambda m: violations.append(f"{admin.page.url}: {m.text}") if "Content Security Policy" in m.text else None)
    assert admin.page.locator(".enrol-qr svg").is_visible()
    admin.shot("2fa-01-setup")

    # The key is folded away in <details>, so text_content(): inner_text() of a hidden element is empty.
    key = admin.page.locator("code.enrol-key").text_content()
    admin.page.fill("#id_code", "000000")
    admin.submit("form[action^='/akun/verifikasi-dua-langkah/']")
    assert "Kode itu salah" in admin.page.content()
    admin.page.fill("#id_code", totp(key))
    admin.submit("form[action^='/akun/verifikasi-dua-langkah/']")
    assert admin.page.locator(".recovery-codes li").count() == 10
    admin.shot("2fa-02-recovery-codes")
    with admin.page.expect_navigation():
        admin.page.click("text=Sudah saya simpan, lanjutkan")
    assert admin.page.url == base + "/"

    for path in PAGES:
        admin.go(path)
        assert "Server Error" not in admin.page.content(), path
    admin.go("/api/v1/docs")
    admin.page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)  # the API docs' script ran

    # Log out and in again: the password, then the code (the next one: a code works once).
    admin.go("/")
    with admin.page.expect_navigation():
        admin.page.click("form[action='/keluar/'] button")
    admin.go("/masuk/")
    admin.page.fill("#id_username", "admin")
    admin.page.fill("#id_password", PASSWORD)
    admin.submit("form[action='/masuk/']")
    assert admin.page.url == base + "/masuk/kode/"
    admin.shot("2fa-03-code")
    admin.page.fill("#id_code", totp(key, at=time.time() + 30))
    admin.submit("form[action='/masuk/kode/']")
    assert admin.page.url == base + "/"
    assert violations == []
