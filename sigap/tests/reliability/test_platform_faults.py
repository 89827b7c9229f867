"""Platform faults: a platform down for an hour (5xx, timeouts), throttling, tokens expiring mid-run.

The outbox is driven as `sigap worker` drives it, against the fake platform answering with each
platform's own error bodies and codes (platform-apis §1.4, §5.6, §7, §8); the clock is moved on
with time-machine. What must hold: the backlog waits (one call probes for the platform's return,
with growing pauses or the wait the platform asked for), nothing is dropped, it drains oldest first
once the platform answers again, and the staff see the backlog and why.
"""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from django.conf import settings

from sigap.cases import outbox
from sigap.cases.models import Reply, Status
from sigap.platforms.models import Account
from sigap.tests.reliability.conftest import FIGURES

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # Tuesday 09:00 WIB
COMPLAINTS = [
    "Lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati sudah seminggu",
    "Sampah di TPS Jebres belum diangkut tiga hari, baunya sampai jalan",
    "Jalan berlubang besar di Jl. Kapten Mulyadi dekat Pasar Kliwon, bahaya untuk motor",
    "Saluran air di Gandekan mampet, tiap hujan banjir sampai rumah warga",
    "Lampu lalu lintas di perempatan Panggung mati sejak pagi",
]


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def work(clock, seconds: float, step: float = 30.0) -> None:
    """Run the outbox as the worker does, every `step` seconds of simulated time, for `seconds`."""
    end = datetime.now(UTC) + timedelta(seconds=seconds)
    while True:
        while outbox.send_one_reply():
            pass
        outbox.flag_one_stale_sending()
        if datetime.now(UTC) >= end:
            return
        clock.shift(timedelta(seconds=min(step, (end - datetime.now(UTC)).total_seconds())))


def calls(fake, prefix: str) -> list[dict]:
    return [c for c in fake.world.calls if c["path"].startswith(f"/{prefix}/") and c["method"] == "POST"]


def open_acks(citizen_complaint, platform: str, kind: str, n: int = len(COMPLAINTS)):
    made = [citizen_complaint(platform, kind, text) for text in COMPLAINTS[:n]]
    replies = [Reply.objects.get(complaint=complaint, kind=Reply.Kind.ACK) for _item, complaint in made]
    return made, replies


def assert_drained_in_order(fake, made, replies, platform: str) -> None:
    """Every acknowledgement sent once, in the order the complaints came in, each step 3 done."""
    for reply in replies:
        reply.refresh_from_db()
        assert reply.status == Reply.Status.SENT, (reply.status, reply.last_error)
        assert reply.complaint.status == Status.REGISTERED
    for item, _complaint in made:
        assert len(fake.world.replies_to(item.id)) == 1  # posted once, never twice
    city_replies = [r for r in fake.world.of(platform, by_city=True) if r.answers]
    answered = [r.answers for r in city_replies]
    assert answered == [item.id for item, _complaint in made]  # oldest first


def test_a_platform_down_for_an_hour_holds_the_backlog_and_drains_it_in_order_afterwards(
    clock, fake_live, citizen_complaint, admin_user, processor, client
):
    fake_live.world.set_fault("instagram", "outage")
    made, replies = open_acks(citizen_complaint, "instagram", "comment")

    work(clock, 3600)

    # An hour of HTTP 500 (Graph code 2, is_transient): nothing failed, nothing sent, nothing lost.
    assert {r.status for r in Reply.objects.all()} == {Reply.Status.PENDING}
    assert "temporary failure" in Reply.objects.order_by("-attempts").first().last_error
    probes = calls(fake_live, "meta")
    # One reply probes with growing pauses (30 s, 1 min, 2 min …); the rest wait behind it.
    assert len(probes) <= 9 and {c["status"] for c in probes} == {500}
    gaps = [b["at"] - a["at"] for a, b in zip(probes, probes[1:])]
    assert gaps == sorted(gaps) and gaps[0] == 30
    FIGURES["platform calls during an hour's outage (5 replies waiting)"] = len(probes)

    # What the staff see meanwhile: the home page, and /metrics.
    client.force_login(processor)
    assert "Instagram: 5 balasan menunggu" in client.get("/").content.decode()  # Indonesian by default
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/").content.decode()
    assert "Replies waiting for the platforms" in page and "Instagram: 5 replies waiting" in page
    assert "Instagram had a temporary failure" in page
    client.force_login(admin_user)
    metrics = client.get("/metrics").content.decode()
    assert 'sigap_replies{status="pending"} 5' in metrics

    fake_live.world.clear_fault("instagram")
    work(clock, 3600)
    assert_drained_in_order(fake_live, made, replies, "instagram")
    client.force_login(processor)
    assert "Replies waiting for the platforms" not in client.get("/").content.decode()
    FIGURES["platform faults survived"] += 1


def test_timeouts_hold_the_backlog_where_a_retry_is_safe_and_hand_an_unknown_outcome_to_a_person(
    clock, fake_live, citizen_complaint, monkeypatch
):
    # The platform hangs: its gateway answers 504 after 0.4 s, Sigap stops waiting after 0.1 s.
    monkeypatch.setattr("sigap.lib.http.TIMEOUT", httpx.Timeout(0.1))
    fake_live.world.set_fault("instagram", "timeout", code="0.4")
    fake_live.world.set_fault("x", "timeout", code="0.4")
    made, replies = open_acks(citizen_complaint, "instagram", "comment", n=3)
    (x_item, x_complaint), = [citizen_complaint("x", "mention", "@PEMKOT_SOLO " + COMPLAINTS[3])]

    work(clock, 600)
    # Instagram: a comment reply posted twice is a duplicate nobody wants, but Graph did not act on
    # a call it never answered, so a retry is safe: held, not failed.
    assert {r.status for r in Reply.objects.filter(platform="instagram")} == {Reply.Status.PENDING}
    # X: a post is not idempotent (§5.5); with no answer it may be out already. Not sent again.
    x_reply = Reply.objects.get(complaint=x_complaint)
    assert x_reply.status == Reply.Status.FAILED and "check on the platform" in x_reply.last_error
    assert fake_live.world.replies_to(x_item.id) == []

    fake_live.world.clear_fault()
    monkeypatch.setattr("sigap.lib.http.TIMEOUT", httpx.Timeout(5.0))
    work(clock, 3600)
    assert_drained_in_order(fake_live, made, replies, "instagram")
    x_reply.refresh_from_db()
    assert x_reply.status == Reply.Status.FAILED  # never resent blindly
    FIGURES["platform faults survived"] += 2


@pytest.mark.parametrize(
    "platform, kind, code, wait",
    [
        ("telegram", "dm", "90", 90),  # 429 with parameters.retry_after (§8)
        ("x", "dm", "", 900),  # 429 with x-rate-limit-reset, the end of the 15-minute window (§5.6)
        ("instagram", "comment", "", 30),  # Graph code 4, no wait given: backoff (§1.4)
        ("whatsapp", "dm", "80007", 60),  # BUC throttling: estimated_time_to_regain_access, 1 minute
    ],
)
def test_throttling_waits_as_long_as_the_platform_asks_and_then_drains_in_order(
    clock, fake_live, citizen_complaint, platform, kind, code, wait
):
    made, replies = open_acks(citizen_complaint, platform, kind, n=3)
    fake_live.world.set_fault(platform, "throttle", count=1, code=code)

    work(clock, 0)
    assert {r.status for r in replies_of(replies)} == {Reply.Status.PENDING}
    assert len({r.send_after for r in replies_of(replies)}) == 1  # the whole backlog waits together
    work(clock, wait - 1, step=wait - 1)
    assert {r.status for r in replies_of(replies)} == {Reply.Status.PENDING}  # not a second early
    work(clock, 1, step=1)
    assert_drained_in_order(fake_live, made, replies, platform)
    FIGURES["platform faults survived"] += 1


def replies_of(replies):
    return Reply.objects.filter(pk__in=[r.pk for r in replies])


@pytest.mark.parametrize(
    "platform, kind, words",
    [
        ("instagram", "comment", "access token has expired"),  # Graph 190, subcode 463 (§1.4)
        ("tiktok", "dm", "access token has expired"),  # code 40102, HTTP 200 (§7)
        ("telegram", "dm", "rejected the access token"),  # 401 Unauthorized (§8)
        ("x", "dm", "rejected the access token"),  # 401
    ],
)
def test_a_token_expiring_mid_run_holds_the_backlog_until_the_account_is_reconnected(
    clock, fake_live, citizen_complaint, processor, client, platform, kind, words
):
    first_item, first = citizen_complaint(platform, kind, COMPLAINTS[0])
    work(clock, 0)
    assert Reply.objects.get(complaint=first).status == Reply.Status.SENT
    fake_live.world.set_fault(platform, "token")  # expires now, for every call until reconnected
    made, replies = open_acks(citizen_complaint, platform, kind, n=3)

    work(clock, 8 * 3600, step=300)  # a night: longer than MAX_ATTEMPTS of backoff would allow
    account = Account.objects.get(platform=platform)
    assert words in account.last_error
    assert {r.status for r in replies_of(replies)} == {Reply.Status.PENDING}
    client.force_login(processor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/").content.decode()
    assert "3 replies waiting" in page and words in page and "reconnect the account" in page

    fake_live.world.clear_fault(platform)  # an administrator reconnected the account
    work(clock, 3600, step=300)
    everything = [Reply.objects.get(complaint=first), *replies]
    assert_drained_in_order(fake_live, [(first_item, first), *made], everything, platform)
    account.refresh_from_db()
    assert account.last_error == ""
    FIGURES["platform faults survived"] += 1


def test_a_comment_whose_words_cannot_be_fetched_waits_for_a_person_instead_of_nobody(
    clock, fake_live, connect, webhooks
):
    """A TikTok comment webhook carries ids only (§7.1); with the token expired its words cannot be fetched."""
    from sigap.cases.models import Message, TriageState
    from sigap.platforms import intake
    from sigap.tests.reliability.conftest import deliver

    connect("tiktok")
    fake_live.world.set_fault("tiktok", "token")
    item = fake_live.citizen_says("tiktok", "comment", "Jalan depan Pasar Legi berlubang")
    (request,) = webhooks.requests
    assert deliver(request).status_code == 200
    while intake.process_one_delivery():
        pass
    message = Message.objects.get(platform="tiktok", external_id=item.id)
    assert message.triage_state == TriageState.PENDING  # in the triage queue, not stored and forgotten
    assert "access token" in message.raw["_unfetched"]
    FIGURES["platform faults survived"] += 1
