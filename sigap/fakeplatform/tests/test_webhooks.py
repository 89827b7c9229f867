"""Webhooks as the platforms send them: the reference's signature test vectors, the bodies, retries."""

import json

import httpx
import pytest
from django.test import override_settings

from sigap.fakeplatform.tests.conftest import SECRETS, Recorder, make_fake
from sigap.fakeplatform.webhooks import meta_signature, tiktok_signature, x_crc_response, x_signature
from sigap.platforms.connect import build
from sigap.platforms.registry import webhook_platforms

# platform-apis §1.2, §5.2, §7.1 (computed there for these secrets).
META_BODY = (
    b'{"object":"page","entry":[{"id":"1029384756","time":1790000000,"changes":[{"field":"feed","value":'
    b'{"item":"comment","verb":"add","message":"Jalan rusak"}}]}]}'
)
ANGRY = "Lampu jalan mati di Jl. Slamet Riyadi \U0001f621"


def test_meta_signature_matches_the_reference_vector():
    assert meta_signature("test-app-secret", META_BODY) == (
        "sha256=4dd2183059b1fd676e5a7e8d6686175cbb189fc23140362a3ad39763294bf82d"
    )


def test_meta_signs_the_escaped_unicode_form_as_meta_sends_it():
    escaped = json.dumps({"text": ANGRY}, separators=(",", ":")).encode()
    raw = json.dumps({"text": ANGRY}, ensure_ascii=False, separators=(",", ":")).encode()
    assert b"\\ud83d\\ude21" in escaped
    assert meta_signature("test-app-secret", escaped).endswith(
        "ce64bdf0310e3a00b7469003bf4f9954adbcb98201621ff97d5be642b86b2b7c"
    )
    assert meta_signature("test-app-secret", raw).endswith(
        "f7d6ef08846aca1e85bcea9237ffba6d58cd1e6990c4d024c842dee60ab4437c"
    )


def test_x_crc_and_signature_match_the_reference_vectors():
    assert (
        x_crc_response("test-consumer-secret", "ZmFrZS1jcmMtdG9rZW4")
        == "sha256=gwmYR9BFl5S3D3End0R2F7fav+GflJonouV4IdgZJcA="
    )
    body = b'{"for_user_id":"1500000000000000001","tweet_create_events":[]}'
    assert x_signature("test-consumer-secret", body) == "sha256=uWcdt/LAlBKR8Y2PBw20sqI5v2vpqJOJDXxJjS52pD0="


def test_tiktok_signature_matches_the_reference_vector():
    body = b'{"event":"im_receive_msg","user_openid":"-000TESTBIZ","content":"{}"}'
    assert tiktok_signature("test-tiktok-app-secret", body, 1790000000) == (
        "t=1790000000,s=26f6cd99aae48b1c464fad3c01b92fb739ed50e8aed036620cb25d7b576e67cd"
    )


@pytest.mark.parametrize(
    "platform, kind, group",
    [
        ("instagram", "comment", "meta"),
        ("instagram", "dm", "meta"),
        ("facebook", "comment", "meta"),
        ("messenger", "dm", "meta"),
        ("whatsapp", "dm", "meta"),
        ("x", "mention", "x"),
        ("x", "dm", "x"),
        ("tiktok", "dm", "tiktok"),
        ("telegram", "dm", "telegram"),
    ],
)
def test_each_delivery_is_accepted_and_read_by_sigaps_adapter(pushing_fake, recorder, platform, kind, group):
    item = pushing_fake.citizen_says(platform, kind, ANGRY)
    request = recorder.requests[-1]
    assert request.url.path == f"/webhooks/{group}"
    with override_settings(SIGAP_PLATFORMS=pushing_fake.sigap_platforms()):
        names = webhook_platforms(group, request.content)
        assert build(names[0]).verify(request.headers, request.content)
        adapter = build(platform, account_id=pushing_fake.config.accounts[platform]["id"])
        parsed = adapter.parse(request.content)
    assert [(i.external_id, i.text) for i in parsed] == [(item.id, item.text)]
    assert ANGRY in item.text


def test_meta_bodies_are_ascii_with_escaped_unicode(pushing_fake, recorder):
    pushing_fake.citizen_says("instagram", "comment", ANGRY)
    body = recorder.requests[-1].content
    assert body.isascii() and b"\\ud83d\\ude21" in body
    assert recorder.requests[-1].headers["X-Hub-Signature-256"] == meta_signature(SECRETS["meta_app_secret"], body)


def test_an_instagram_mention_carries_only_ids(pushing_fake, recorder):
    item = pushing_fake.citizen_says("instagram", "mention", "jalan rusak di Jl. Veteran")
    change = json.loads(recorder.requests[-1].content)["entry"][0]["changes"][0]
    assert change == {"field": "mentions", "value": {"media_id": item.thread, "comment_id": item.id}}


def test_facebook_edits_and_deletions_arrive_as_verbs(pushing_fake, recorder):
    item = pushing_fake.citizen_says("facebook", "comment", "Got mampet di Kel. Jebres")
    pushing_fake.citizen_edits(item.id, "Got mampet di Kel. Jebres, RT 03")
    pushing_fake.citizen_deletes(item.id)
    verbs = [json.loads(r.content)["entry"][0]["changes"][0]["value"]["verb"] for r in recorder.requests]
    assert verbs == ["add", "edited", "remove"]


def test_a_failed_delivery_is_retried_then_given_up_within_bounds():
    recorder = Recorder(503, 500, 502, 503, 200)
    fake = make_fake(deliver_to="http://sigap.test", client=recorder.client)
    try:
        item = fake.citizen_says("telegram", "dm", "Lampu PJU mati")
        job = fake.deliverer.job(item.deliveries[0])
        assert fake.deliverer.run_due(now=job.next_at - 0.01) == 0  # not yet
        for _ in range(10):  # more rounds than retries: the loop must stop by itself
            fake.deliverer.run_due(now=float("inf"))
        assert [a["status"] for a in job.attempts] == [503, 500, 502, 503]  # 1 try + 3 retries, then no more
        assert job.state == "gave_up"
    finally:
        fake.stop()


def test_a_retry_that_succeeds_marks_the_delivery_done():
    recorder = Recorder(500)
    fake = make_fake(deliver_to="http://sigap.test", client=recorder.client)
    try:
        item = fake.citizen_says("whatsapp", "dm", "Air PDAM mati")
        fake.deliverer.run_due(now=float("inf"))
        job = fake.deliverer.job(item.deliveries[0])
        assert [a["status"] for a in job.attempts] == [500, 200] and job.state == "delivered"
        assert recorder.requests[0].content == recorder.requests[1].content  # the same bytes again
    finally:
        fake.stop()


def test_tiktok_retries_are_signed_afresh(pushing_fake, recorder):
    now = [1790000000.0]
    pushing_fake.world.clock = lambda: now[0]
    recorder.statuses = [500]
    pushing_fake.citizen_says("tiktok", "dm", "Lampu lalu lintas di Panggung mati")
    now[0] += 5
    pushing_fake.deliverer.run_due()
    stamps = [r.headers["Tiktok-Signature"].split(",")[0] for r in recorder.requests]
    assert stamps == ["t=1790000000", "t=1790000005"]


def test_polled_platforms_send_no_webhooks(recorder):
    fake = make_fake(deliver_to="http://sigap.test", poll={"x", "telegram"}, client=recorder.client)
    try:
        fake.citizen_says("x", "mention", "jalan berlubang")
        fake.citizen_says("telegram", "dm", "sampah menumpuk")
        fake.citizen_says("youtube", "comment", "kapan jembatan selesai?")
        assert recorder.requests == []
    finally:
        fake.stop()


def test_subscription_checks_pass_against_a_correct_endpoint(pushing_fake, recorder):
    def answer(request):
        recorder.requests.append(request)
        params = dict(request.url.params)
        if "hub.challenge" in params:
            ok = params["hub.verify_token"] == SECRETS["meta_verify_token"]
            return httpx.Response(200 if ok else 403, text=params["hub.challenge"])
        token = x_crc_response(SECRETS["x_consumer_secret"], params["crc_token"])
        return httpx.Response(200, json={"response_token": token})

    pushing_fake.deliverer.client = httpx.Client(transport=httpx.MockTransport(answer))
    assert {g: s["ok"] for g, s in pushing_fake.deliverer.verify_subscriptions().items()} == {"meta": True, "x": True}
