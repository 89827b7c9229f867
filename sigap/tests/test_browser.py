"""One complaint through SOP steps 2 to 7 in a real browser (Debian's Chromium, driven by Playwright).

Screenshots of every main page go to /tmp/sigap-shots/ for a person to look at.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.utils import timezone

from sigap.agencies.models import Agency
from sigap.people.models import Role, User
from sigap.people.tests.authenticator import totp

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SHOTS = Path("/tmp/sigap-shots")
PASSWORD = "sigap-demo-2026"


@pytest.fixture
def chromium(monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    # Django's live server runs in a thread; Playwright's sync API runs an event loop in this one.
    # (monkeypatch: set for this test only, or a later `sigap check --deploy` subprocess inherits it.)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def demo_users():
    if "demo" in get_commands():
        call_command("demo", stdout=open(os.devnull, "w"))
        return
    agencies = {a.code: a for a in Agency.objects.filter(code__in=["DISHUB", "DLH", "DPUPR"])}
    for username, role, code in [
        ("admin", Role.ADMIN, None), ("operator", Role.PROCESSOR, None), ("penelaah", Role.REVIEWER, None),
        ("dishub", Role.LIAISON, "DISHUB"), ("dlh", Role.LIAISON, "DLH"), ("dpupr", Role.LIAISON, "DPUPR"),
        ("supervisor", Role.SUPERVISOR, None),
    ]:
        User.objects.create_user(
            username=username, password=PASSWORD, role=role, agency=agencies.get(code),
            is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
        )


class Person:
    """One user's browser window."""

    def __init__(self, browser, base_url: str, username: str, landing: str = "/", **context):
        self.base = base_url
        self.context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900}, **context)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.go("/masuk/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.submit("form[action='/masuk/']")
        # An administrator lands on setting up two-step verification first (sigap.people.twofactor).
        assert self.page.url.split("?")[0] == self.base + landing, f"{username} could not log in: {self.page.url}"

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def submit(self, form: str):
        with self.page.expect_navigation():
            self.page.click(f"{form} button[type=submit]")

    def shot(self, name: str):
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def flash(self) -> str:
        return self.page.locator(".messages").inner_text()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_complaint_goes_through_steps_2_to_7_in_the_browser(chromium, live_server):
    demo_users()
    base = live_server.url

    # The login page, before anyone is in.
    visitor = chromium.new_context(locale="id-ID", viewport={"width": 1280, "height": 800}).new_page()
    visitor.goto(base + "/masuk/")
    assert "Masuk ke Sigap" in visitor.content()
    visitor.screenshot(path=str(SHOTS / "01-login.png"), full_page=True)

    # Step 2: the operator fills in the Form Aduan Media Sosial.
    operator = Person(chromium, base, "operator")
    operator.shot("02-queues-operator")
    page = operator.go("/aduan/baru/")
    posted = timezone.localtime() - timedelta(minutes=12)
    page.select_option("#id_platform", "instagram")
    page.fill("#id_posted_at", posted.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_permalink", "https://www.instagram.com/p/C5olo123/")
    page.fill("#id_handle", "@warga_laweyan")
    page.fill("#id_name", "Dwi Astuti")
    page.fill("#id_text", "Lampu lalu lintas di simpang Purwosari mati sejak pagi, kendaraan saling serobot. Mohon segera diperbaiki.")
    page.fill("#id_links", "https://www.instagram.com/p/C5olo123/media/1")
    operator.shot("03-receive-form")
    operator.submit("form[enctype='multipart/form-data']")
    assert "Aduan diterima dengan nomor lacak" in operator.flash()
    number = page.locator("h1 .tracking").inner_text().strip()
    assert re.fullmatch(r"SKA-[0-9A-Z]{4}-[0-9A-Z]{4}", number)
    complaint_path = page.url.removeprefix(base)
    operator.shot("04-complaint-received")

    # Step 3: register and inform, then forward to Dishub.
    page.fill("#id_register-ack_via", "Balasan komentar Instagram")
    page.fill("#id_register-ack_link", "https://www.instagram.com/p/C5olo123/c/77/")
    operator.submit("form.action-register")
    assert "langkah 3 selesai" in operator.flash()
    dishub = Agency.objects.get(code="DISHUB")
    page.select_option("#id_forward-agency", str(dishub.pk))
    page.fill("#id_forward-note", "Mohon dicek petugas lapangan.")
    operator.submit("form.action-forward")
    assert "didisposisikan" in operator.flash()

    # Step 4: the Dishub liaison finds it in the queue and answers.
    liaison = Person(chromium, base, "dishub")
    assert number in liaison.page.content()
    liaison.shot("05-queues-dishub")
    liaison.page.click(f"text={number}")
    liaison.page.fill("#id_answer-text", "Terima kasih. Petugas Dishub sudah memperbaiki lampu lalu lintas di simpang Purwosari pukul 10.00.")
    liaison.submit("form.action-answer")
    assert "Jawaban dikirim untuk ditelaah" in liaison.flash()

    # The reviewer approves the answer.
    reviewer = Person(chromium, base, "penelaah")
    reviewer.go(complaint_path)
    reviewer.shot("06-complaint-review")
    reviewer.submit("form.action-approve")
    assert "Jawaban disetujui" in reviewer.flash()

    # Step 5: the operator posts it and records the link.
    page = operator.go(complaint_path)
    operator.shot("07-complaint-post")
    page.fill("#id_post-link", "https://www.instagram.com/p/C5olo123/c/78/")
    operator.submit("form.action-post")
    assert "langkah 5 selesai" in operator.flash()

    # Step 6: a recap of this month up to now.
    page = operator.go("/rekap/baru/")
    operator.shot("08-recap-create")
    operator.submit("form.form-card")
    assert "langkah 6 selesai" in operator.flash()
    assert number in page.content()
    recap_path = page.url.removeprefix(base)

    # Step 7: the reviewer archives it.
    page = reviewer.go(recap_path)
    page.fill("#id_reference", "ARSIP/ADUAN-MEDSOS/2026/11")
    reviewer.submit("form.action-archive")
    assert "langkah 7 selesai" in reviewer.flash()
    reviewer.shot("09-recap-archived")

    # The complaint's timeline: steps 2 to 7 all completed.
    page = operator.go(complaint_path)
    for n in range(2, 8):
        row = page.locator(f".step-row[data-step='{n}']")
        assert row.count() == 1, f"step {n} is missing from the timeline"
        assert "is-done" in row.get_attribute("class"), f"step {n} is not completed"
    operator.shot("10-complaint-done")

    # The other main pages, as they look after the walk.
    operator.go("/aduan/")
    operator.shot("11-complaints")
    operator.go("/terlambat/")
    operator.shot("12-overdue")
    operator.go("/notifikasi/")
    operator.shot("13-notifications")
    operator.go("/rekap/")
    operator.shot("14-recaps")
    for step in (4, 5):
        operator.go(f"/?step={step}")
        operator.shot(f"15-queue-step-{step}")

    # A form refusing bad input, in Indonesian.
    page = operator.go("/aduan/baru/")
    page.fill("#id_posted_at", (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_permalink", "javascript:alert(1)")
    operator.submit("form[enctype='multipart/form-data']")
    assert "Waktu unggah tidak boleh di masa depan." in page.content()
    assert "http:// atau https://" in page.content()
    operator.shot("16-receive-errors")

    # The language switch, and the same pages on a phone.
    operator.go(complaint_path)
    with operator.page.expect_navigation():
        operator.page.click("form.lang-switch button[value='en']")
    assert "What you can do now" in operator.page.content()
    operator.shot("17-complaint-english")
    phone = Person(chromium, base, "dishub", is_mobile=True, has_touch=True)
    phone.page.set_viewport_size({"width": 390, "height": 844})
    phone.shot("18-phone-queues")
    phone.go(complaint_path)
    phone.page.screenshot(path=str(SHOTS / "19-phone-complaint.png"))
    phone.page.locator("#h-steps").scroll_into_view_if_needed()
    phone.page.screenshot(path=str(SHOTS / "19-phone-complaint-steps.png"))

    # Admin configuration pages render, once the administrator has set up two-step verification.
    admin = Person(chromium, base, "admin", landing="/akun/verifikasi-dua-langkah/")
    # The key is folded away in <details>, so text_content(): inner_text() of a hidden element is empty.
    admin.page.fill("#id_code", totp(admin.page.locator("code.enrol-key").text_content()))
    admin.submit("form[action^='/akun/verifikasi-dua-langkah/']")
    assert "Kode pemulihan" in admin.page.content()
    admin.go("/admin/sop/sopversion/1/change/")
    admin.shot("20-admin-sop")
