"""Script injection: hostile text through every channel, then every page that shows it.

Each channel gets its own marked payloads: a script tag, an attribute breaker and a javascript:
link. They go in through the platforms' webhooks (texts, names, handles, links), the staff forms
(the Form Aduan Media Sosial, action notes and reasons, the agency's answer), the public tracking
page's forms, the REST API and Open311. Then every page that can show them is fetched as the
people who see them: the raw payload must appear nowhere, its escaped form somewhere (it was shown,
not dropped), and no link may point at javascript:.
"""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sigap.cases import actions
from sigap.cases.models import Complaint, Message, Status, TriageState
from sigap.platforms import intake
from sigap.tests.reliability.conftest import FIGURES, deliver

pytestmark = pytest.mark.django_db


def payloads(channel: str) -> list[str]:
    return [f"<script>alert('{channel}')</script>", f'"><img src=x onerror=alert("{channel}")>']


def escaped(text: str) -> set[str]:
    """The forms a correctly escaped payload takes in HTML (Django escapes ' as &#x27;)."""
    html = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return {html.replace("'", "&#x27;"), html.replace("'", "&#39;"), html}


@pytest.fixture
def hostile(fake_live, connect, webhooks, processor, reviewer, liaison_dishub, agencies, walk_to, settings):
    settings.SIGAP_TRACK_RATE_LIMIT = "100000/600"
    channels: dict[str, list[str]] = {}

    # 1. Webhooks: the citizen's words on every platform that pushes, through the real endpoints.
    for platform, kind in [
        ("instagram", "comment"), ("facebook", "comment"), ("messenger", "dm"), ("whatsapp", "dm"),
        ("x", "mention"), ("telegram", "dm"), ("tiktok", "comment"),
    ]:  # fmt: skip
        connect("facebook" if platform == "messenger" else platform)
        channel = f"webhook-{platform}"
        channels[channel] = payloads(channel)
        text = "Lampu PJU mati di Jl. Veteran " + " ".join(channels[channel])
        fake_live.citizen_says(platform, kind, text)
    # Names, handles and links are the platform's to send, and a forged account can send anything.
    channel = "webhook-names"
    channels[channel] = payloads(channel)
    script, breaker = channels[channel]
    update = {
        "update_id": 990001,
        "message": {
            "message_id": 77, "date": int(timezone.now().timestamp()), "text": "Sampah menumpuk di Pasar Legi " + script,
            "from": {"id": 5099, "is_bot": False, "first_name": breaker, "username": script},
            "chat": {"id": 5099, "type": "private", "first_name": breaker},
        },
    }  # fmt: skip
    body = json.dumps(update).encode()
    token = fake_live.config.secrets["telegram_secret_token"]
    assert Client().post("/webhooks/telegram", body, content_type="application/json",
                         headers={"X-Telegram-Bot-Api-Secret-Token": token}).status_code == 200  # fmt: skip
    for request in webhooks.requests:
        assert deliver(request).status_code == 200
    while intake.process_one_delivery():
        pass
    for message in Message.objects.filter(complaint=None):
        if message.triage_state == TriageState.PENDING and message.platform == "facebook":
            continue  # one left in the triage queue, shown there
        actions.complaint_open_from_message(message=message)

    # 2. Staff forms: the Form Aduan Media Sosial, then notes, reasons and the agency's answer.
    channel = "staff-form"
    channels[channel] = payloads(channel)
    script, breaker = channels[channel]
    staff = Client()
    staff.force_login(processor)
    response = staff.post("/aduan/baru/", {
        "platform": "instagram", "text": f"Got mampet {script}", "name": breaker, "handle": script,
        "contact": breaker, "posted_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "permalink": "javascript:alert(1)",
    })  # fmt: skip
    assert response.status_code == 200 and "permalink" in response.context["form"].errors  # javascript: refused
    response = staff.post("/aduan/baru/", {
        "platform": "instagram", "text": f"Got mampet {script}", "name": breaker, "handle": script,
        "contact": breaker, "posted_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "links": "https://example.test/a\"><svg/onload=alert('staff-link')>",  # a valid URL: no spaces
    })  # fmt: skip
    channels[channel].append("\"><svg/onload=alert('staff-link')>")
    assert response.status_code == 302, response.context["form"].errors
    form_complaint = Complaint.objects.get(text__contains=script)
    staff.post(f"/aduan/{form_complaint.pk}/register/", {"register-ack_via": breaker, "register-note": script})
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    forward = {"forward-agency": agencies["DISHUB"].pk, "forward-note": breaker}
    reviewer_client.post(f"/aduan/{form_complaint.pk}/forward/", forward)
    liaison = Client()
    liaison.force_login(liaison_dishub)
    liaison.post(f"/aduan/{form_complaint.pk}/answer/", {"answer-text": f"Sudah diperbaiki {script} {breaker}"})
    reviewer_client.post(f"/aduan/{form_complaint.pk}/return/", {"return-reason": script})
    liaison.post(f"/aduan/{form_complaint.pk}/answer/", {"answer-text": f"Sudah kami perbaiki {script} {breaker}"})
    reviewer_client.post(f"/aduan/{form_complaint.pk}/approve/", {})
    staff.post(f"/aduan/{form_complaint.pk}/post/", {"post-link": "https://www.instagram.com/p/C0ffee/c/1"})
    form_complaint.refresh_from_db()
    assert form_complaint.status == Status.POSTED

    # 3. The public tracking page's forms: a rating comment and a reopen reason.
    channel = "public-form"
    channels[channel] = payloads(channel)
    script, breaker = channels[channel]
    public = Client()
    number = form_complaint.tracking_number
    public.post(f"/lacak/{number}/nilai", {"rating": "2", "comment": f"{script} {breaker}"})
    public.post(f"/lacak/{number}/buka-kembali", {"reason": f"Belum beres {script} {breaker}"})

    # 4. The REST API and Open311.
    from sigap.api.models import ApiToken

    channel = "api"
    channels[channel] = payloads(channel)
    script, breaker = channels[channel]
    api_token = ApiToken.issue(user=processor, name="ulas")[1]
    response = Client().post(
        "/api/v1/complaints",
        json.dumps({"platform": "instagram", "text": f"Trotoar rusak {script}", "handle": breaker, "name": script,
                    "posted_at": (timezone.now() - timedelta(hours=1)).isoformat()}),
        content_type="application/json", headers={"Authorization": f"Bearer {api_token}"},
    )  # fmt: skip
    assert response.status_code in (200, 201), response.content
    channel = "open311"
    channels[channel] = payloads(channel)
    script, breaker = channels[channel]
    from sigap.open311.services import ensure_codes

    ensure_codes()
    from sigap.open311.models import ServiceCode

    response = Client().post("/open311/v2/requests.json", {
        "api_key": api_token, "service_code": ServiceCode.objects.first().code,
        "address_string": f"Jl. Veteran {breaker}", "description": f"Lampu mati {script} {breaker}", "first_name": script,
    })  # fmt: skip
    assert response.status_code < 300, response.content

    # A recap over them all, so the recap page lists them.
    from sigap.recaps.actions import recap_create

    recap = recap_create(by=processor, period_start=timezone.now() - timedelta(days=1), period_end=timezone.now())
    return {"channels": channels, "recap": recap, "form_complaint": form_complaint}


def pages(hostile, users) -> list[tuple[str, str, str]]:
    """(who, url, html) of every page that shows complaints, messages, answers, events or feedback."""
    seen = []
    complaints = list(Complaint.objects.all())
    for who, user in users.items():
        client = Client()
        client.force_login(user)
        urls = ["/", "/aduan/", "/aduan/?q=script", "/terlambat/", "/notifikasi/", "/triase/",
                "/triase/?tab=questions", "/triase/?tab=decided", "/rekap/", f"/rekap/{hostile['recap'].pk}/"]  # fmt: skip
        urls += [f"/?step={n}" for n in (2, 3, 4, 5, 6, 7)]
        urls += [f"/aduan/{c.pk}/" for c in complaints]
        if user.is_admin:
            urls += ["/admin/cases/complaint/", "/admin/cases/message/", "/admin/cases/event/",
                     f"/admin/cases/complaint/{hostile['form_complaint'].pk}/change/"]  # fmt: skip
        for url in urls:
            response = client.get(url)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                seen.append((who, url, response.content.decode()))
    public = Client()
    for complaint in complaints:
        response = public.get(f"/lacak/{complaint.tracking_number}")
        seen.append(("public", f"/lacak/{complaint.tracking_number}", response.content.decode()))
    return seen


def test_hostile_text_from_every_channel_is_shown_escaped_on_every_page(
    hostile, processor, reviewer, liaison_dishub, supervisor, admin_user
):
    users = {"processor": processor, "reviewer": reviewer, "liaison": liaison_dishub, "supervisor": supervisor,
             "admin": admin_user}  # fmt: skip
    shown = pages(hostile, users)
    assert len(shown) > 40
    every = [p for texts in hostile["channels"].values() for p in texts]
    for who, url, html in shown:
        for payload in every:
            assert payload not in html, f"{payload!r} unescaped on {url} as {who}"
        assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I), f"javascript: link on {url}"
    for channel, texts in hostile["channels"].items():
        for payload in texts:
            where = [url for _who, url, html in shown if any(form in html for form in escaped(payload))]
            assert where, f"{channel}: {payload!r} is shown nowhere (dropped rather than escaped?)"
    FIGURES["script-injection payloads"] = sum(len(t) for t in hostile["channels"].values())
    FIGURES["script-injection pages checked"] = len(shown)
