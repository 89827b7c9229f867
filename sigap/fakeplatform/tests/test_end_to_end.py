"""The whole loop against a live Sigap: signed webhook → complaint → acknowledgement under the comment."""

import pytest
from django.core.management import call_command

from sigap.cases.models import Complaint, Reply
from sigap.fakeplatform.accounts import TOKEN_ENV
from sigap.fakeplatform.tests.conftest import make_fake
from sigap.platforms.models import Account, Delivery


@pytest.fixture
def wired(live_server, settings, monkeypatch):
    """A fake delivering to Sigap's live server, and Sigap's adapters calling the fake."""
    fake = make_fake(deliver_to=live_server.url)
    settings.SIGAP_PLATFORMS = fake.sigap_platforms()
    settings.PUBLIC_URL = live_server.url
    for platform, name in TOKEN_ENV.items():
        monkeypatch.setenv(name, fake.config.tokens[platform])
    yield fake
    fake.stop()


def connect(fake, platform: str) -> Account:
    account = fake.config.accounts[platform]
    return Account.objects.create(
        platform=platform, external_id=account["id"], name=account["name"], token_env=TOKEN_ENV[platform]
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_instagram_comment_gets_its_tracking_number_under_it(wired):
    connect(wired, "instagram")
    comment = wired.citizen_says("instagram", "comment", "Min, lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati 😡")
    job = wired.deliverer.job(comment.deliveries[0])
    assert (job.state, job.attempts[-1]["status"]) == ("delivered", 200)  # signature accepted on the first try
    assert bytes(Delivery.objects.get().body) == job.body

    call_command("worker", "--once")

    complaint = Complaint.objects.get()
    (ack,) = wired.world.replies_to(comment.id)
    assert complaint.tracking_number and complaint.tracking_number in ack.text
    assert (ack.parent, ack.private) == (comment.id, False)  # public, under the comment
    reply = Reply.objects.get(complaint=complaint)
    assert (reply.status, reply.external_id) == (Reply.Status.SENT, ack.id)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_outage_delays_the_ack_until_the_platform_is_back(wired):
    connect(wired, "instagram")
    comment = wired.citizen_says("instagram", "comment", "Sampah di TPS Jebres belum diangkut 3 hari")
    wired.world.set_fault("instagram", "outage")
    call_command("worker", "--once")
    reply = Reply.objects.get()
    assert (reply.status, reply.attempts) == (Reply.Status.PENDING, 1) and "temporary" in reply.last_error
    assert wired.world.replies_to(comment.id) == []
