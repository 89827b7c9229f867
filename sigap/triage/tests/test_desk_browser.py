"""The triage queue and the routing box in a real browser (Debian's Chromium through Playwright).

Screenshots go to /tmp/sigap-shots/triage-*.png for a person to look at.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from sigap.cases.models import Complaint, Status, TriageState
from sigap.platforms.models import Account
from sigap.tests.test_browser import SHOTS, Person, chromium, demo_users  # noqa: F401
from sigap.triage import decide
from sigap.triage.models import DuplicateLink, RoutingDecision
from sigap.triage.tests.desk import message, model_dir  # noqa: F401

pytestmark = pytest.mark.browser


def messages_arrive(account):
    """What the worker would have made of a few messages: some decided, some waiting."""
    texts = [
        ("Lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati sudah seminggu, gelap rawan jambret", "ani_solo"),
        ("PJU Jl. Slamet Riyadi depan Sriwedari mati sejak kemarin, gelap sekali kalau malam min", "budi.slo"),
        ("Jalan di depan balai kota", "tika_jebres"),  # too short to be sure
        ("Kapan jadwal pendaftaran SD negeri tahun ini min?", "yoga99"),  # a question no template answers
        ("Terima kasih responnya cepat min 🙏", "dewi.skh"),
        ("ini nomor saya 0812-2506-7171 min", "rina_solo"),  # a bare contact: doubtful, and personal data staff see
    ]
    now = timezone.now()
    for i, (text, handle) in enumerate(texts):
        posted = now - timedelta(minutes=75 - 12 * i)
        decide.triage_message(message=message(account, text, author=f"u{i}", handle=handle, name="", posted_at=posted))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_desk_triages_and_routes_in_the_browser(chromium, live_server):  # noqa: F811
    demo_users()
    account = Account.objects.get(platform="instagram")
    messages_arrive(account)
    base = live_server.url
    operator = Person(chromium, base, "operator")

    # The menu counts what waits; the queue shows it with the model's guess and one-click buttons.
    assert "Pemilahan" in operator.page.locator("nav.mainnav").inner_text()
    page = operator.go("/triase/")
    assert "Jalan di depan balai kota" in page.content() and "0812-2506-7171" in page.content()
    operator.shot("triage-queue")
    item = page.locator("article.triage-item", has_text="Jalan di depan balai kota")
    with page.expect_navigation():
        item.locator("button[value=aduan]").click()
    assert "dibuka" in operator.flash()
    opened = Complaint.objects.get(text="Jalan di depan balai kota")
    assert opened.created_by.username == "operator"

    # A question no template fits: answered by hand from the second tab.
    page = operator.go("/triase/?tab=questions")
    operator.shot("triage-questions")
    page.fill("article.triage-item textarea", "CFD Slamet Riyadi berlangsung setiap Minggu pagi.")
    with page.expect_navigation():
        page.click("article.triage-item form[action$='/jawab/'] button")
    assert "diantrekan" in operator.flash()
    operator.go("/triase/?tab=decided")
    operator.shot("triage-decided")

    # The complaint page: the routing box, confirmed in one click, and the duplicate, merged in one.
    later = Complaint.objects.get(complainant_handle="budi.slo")
    page = operator.go(later.get_absolute_url())
    box = page.locator("section.routing-box")
    assert "Penerangan Jalan Umum" in box.inner_text() and "DISHUB" in box.inner_text()
    operator.shot("triage-complaint-routing")
    box.screenshot(path=str(SHOTS / "triage-routing-box.png"))
    with page.expect_navigation():
        box.locator("form[action$='/rute/konfirmasi/'] button").click()
    assert "dikonfirmasi" in operator.flash()
    assert RoutingDecision.objects.get(complaint=later).by.username == "operator"
    dupes = page.locator("section.duplicates-box")
    assert Complaint.objects.get(complainant_handle="ani_solo").tracking_number in dupes.inner_text()
    with page.expect_navigation():
        dupes.locator("form[action$='/gabung/'] button").click()
    later.refresh_from_db()
    assert later.status == Status.MERGED and DuplicateLink.objects.get().state == "merged"
    operator.shot("triage-complaint-after")

    # On a phone.
    operator.page.set_viewport_size({"width": 390, "height": 844})
    operator.go("/triase/")
    operator.shot("triage-queue-phone")
    operator.go(Complaint.objects.get(complainant_handle="ani_solo").get_absolute_url())
    operator.page.locator("section.routing-box").screenshot(path=str(SHOTS / "triage-routing-box-phone.png"))

    # A liaison has no triage menu and no way in.
    liaison = Person(chromium, base, "dishub")
    assert "Pemilahan" not in liaison.page.locator("nav.mainnav").inner_text()
    assert liaison.page.goto(base + "/triase/").status == 403
    assert TriageState.PENDING not in set(
        Complaint.objects.filter(pk=opened.pk).values_list("messages__triage_state", flat=True)
    )
