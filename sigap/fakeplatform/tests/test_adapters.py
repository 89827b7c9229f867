"""Sigap's own adapters (sigap.platforms.*) against the fake, over real HTTP on 127.0.0.1."""

import pytest

from sigap.fakeplatform.world import Item
from sigap.platforms.base import PlatformError

ACK = "Terima kasih, aduan Anda sudah kami terima dengan nomor lacak SKA-7K3M-9QX4."
DAY = 86400


def inbound(fake, adapter, item: Item):
    """The Inbound Sigap makes of a fake item: from its webhook body, or by polling when it has none."""
    events = fake.apis[item.platform].events(item, "create") if item.platform not in ("telegram", "youtube") else []
    found = adapter.parse(events[0][1]) if events else adapter.poll(None)[0]
    return next(i for i in found if i.external_id == item.id)


def answer(fake, adapter, item: Item, text: str = ACK, *, private: bool = False):
    message = inbound(fake, adapter, item)
    return adapter.send(adapter.reply_for(message, text, private=private))


def replies(fake, item: Item) -> list[str]:
    return [r.text for r in fake.world.replies_to(item.id)]


# Instagram (§2)


def test_instagram_public_reply_lands_under_the_comment(fake, sigap_wired):
    ig = sigap_wired("instagram")
    comment = fake.citizen_says("instagram", "comment", "Lampu PJU mati di Jl. Veteran")
    sent = answer(fake, ig, comment)
    (reply,) = fake.world.replies_to(comment.id)
    assert (sent.external_id, reply.text, reply.parent, reply.private) == (reply.id, ACK, comment.id, False)


def test_instagram_reply_to_a_reply_lands_on_the_top_level_comment(fake, sigap_wired):
    ig = sigap_wired("instagram")
    top = fake.citizen_says("instagram", "comment", "Sampah menumpuk")
    follow_up = fake.citizen_says("instagram", "comment", "Sampai sekarang belum diangkut", parent=top.id)
    answer(fake, ig, follow_up)
    assert fake.world.replies_to(top.id)[0].parent == top.id


def test_instagram_allows_one_private_reply_per_comment(fake, sigap_wired):
    ig = sigap_wired("instagram")
    comment = fake.citizen_says("instagram", "comment", "NIK saya 3372xxxx, bansos belum cair")
    answer(fake, ig, comment, "Mohon kirim data lewat DM", private=True)
    with pytest.raises(PlatformError) as second:
        answer(fake, ig, comment, "Sekali lagi", private=True)
    assert second.value.permanent and second.value.code == "10900"
    assert fake.world.replies_to(comment.id)[0].private


def test_instagram_private_reply_after_seven_days_is_refused(fake, sigap_wired):
    ig = sigap_wired("instagram")
    comment = fake.citizen_says("instagram", "comment", "Jalan rusak", age=8 * DAY)
    with pytest.raises(PlatformError) as refused:
        answer(fake, ig, comment, private=True)
    assert refused.value.permanent and "window" in refused.value.message


def test_instagram_dm_inside_and_outside_the_24_hour_window(fake, sigap_wired):
    ig = sigap_wired("instagram")
    fresh = fake.citizen_says("instagram", "dm", "Selamat siang, saya mau lapor")
    answer(fake, ig, fresh)
    assert replies(fake, fresh) == [ACK]
    stale = fake.citizen_says("instagram", "dm", "Halo min", age=25 * 3600)
    with pytest.raises(PlatformError) as closed:
        answer(fake, ig, stale)
    assert closed.value.permanent and closed.value.code == "10"


def test_instagram_mention_can_be_looked_up_and_answered(fake, sigap_wired):
    ig = sigap_wired("instagram")
    mention = fake.citizen_says("instagram", "mention", "jalan berlubang di Jl. Ahmad Yani")
    looked_up = ig.fetch_mention(inbound(fake, ig, mention))
    assert looked_up.text == mention.text and looked_up.author_handle == mention.author["handle"]
    ig.send(ig.reply_for(looked_up, ACK))
    assert replies(fake, mention) == [ACK]


# Facebook and Messenger (§3)


def test_facebook_comment_reply_and_private_reply_to_a_visitor_post(fake, sigap_wired):
    fb = sigap_wired("facebook")
    comment = fake.citizen_says("facebook", "comment", "Drainase di Jl. Kapten Mulyadi mampet")
    answer(fake, fb, comment)
    post = fake.citizen_says("facebook", "post", "Pohon tumbang di depan Balai Kota")
    answer(fake, fb, post, "Mohon kirim nomor HP lewat pesan", private=True)
    assert replies(fake, comment) == [ACK]
    assert [(r.private, r.thread) for r in fake.world.replies_to(post.id)] == [(True, post.author["psid"])]


def test_messenger_reply_inside_the_window_and_refused_after_it(fake, sigap_wired):
    messenger = sigap_wired("messenger")
    fresh = fake.citizen_says("messenger", "dm", "Pak, pohon tumbang di depan Balai Kota")
    answer(fake, messenger, fresh)
    assert replies(fake, fresh) == [ACK]
    stale = fake.citizen_says("messenger", "dm", "Halo", age=2 * DAY)
    with pytest.raises(PlatformError) as closed:
        answer(fake, messenger, stale)
    assert closed.value.permanent and "window" in closed.value.message


# WhatsApp (§4)


def test_whatsapp_text_reply_is_accepted_and_delivered(fake, sigap_wired):
    wa = sigap_wired("whatsapp")
    message = fake.citizen_says("whatsapp", "dm", "Lapor, air PDAM tidak mengalir sejak pagi")
    sent = answer(fake, wa, message)
    (reply,) = fake.world.replies_to(message.id)
    assert sent.external_id == reply.id and reply.id.startswith("wamid.")
    assert reply.status == "delivered"


def test_whatsapp_free_text_after_24_hours_fails_by_status_webhook(pushing_fake, recorder, settings):
    settings.SIGAP_PLATFORMS = pushing_fake.sigap_platforms()
    from sigap.platforms.connect import build

    wa = build(
        "whatsapp",
        account_id=pushing_fake.config.accounts["whatsapp"]["id"],
        token=pushing_fake.config.tokens["whatsapp"],
    )
    message = pushing_fake.citizen_says("whatsapp", "dm", "Lapor jalan rusak", age=30 * 3600)
    sent = answer(pushing_fake, wa, message)  # the Cloud API answers 200 first (§4.2)
    pushing_fake.deliverer.run_due(now=float("inf"))
    statuses = [i for r in recorder.requests[1:] for i in wa.parse(r.content)]
    assert [(s.kind, s.status["status"], s.status["errors"][0]["code"]) for s in statuses] == [
        ("status", "failed", 131047)
    ]
    assert statuses[0].status["message_id"] == sent.external_id


def test_whatsapp_template_goes_out_after_24_hours_and_unknown_ones_are_refused(fake, sigap_wired):
    wa = sigap_wired("whatsapp")
    message = fake.citizen_says("whatsapp", "dm", "Lapor sampah", age=3 * DAY)
    reply = wa.reply_for(inbound(fake, wa, message), "")
    reply.template = {
        "name": "jawaban_pengaduan",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "SKA-7K3M-9QX4"}, {"type": "text", "text": "Dinas PUPR"}],
            }
        ],
    }
    wa.send(reply)
    assert fake.world.replies_to(message.id)[0].status == "delivered"
    reply.template = {"name": "promo", "language": {"code": "id"}, "components": []}
    with pytest.raises(PlatformError) as refused:
        wa.send(reply)
    assert refused.value.permanent and refused.value.code == "132001"


# X (§5)


def test_x_mentions_are_polled_with_since_id(fake, sigap_wired):
    x = sigap_wired("x")
    first = [fake.citizen_says("x", "mention", f"jalan berlubang nomor {n}") for n in range(3)]
    items, cursor = x.poll(None)
    assert {i.external_id for i in items} == {p.id for p in first} and cursor == first[-1].id
    later = fake.citizen_says("x", "mention", "lampu PJU mati")
    items, cursor = x.poll(cursor)
    assert [i.external_id for i in items] == [later.id] and cursor == later.id
    assert x.poll(cursor) == ([], cursor)


def test_x_reply_to_a_mention_is_posted_and_billed(fake, sigap_wired):
    x = sigap_wired("x")
    mention = fake.citizen_says("x", "mention", "sampah di TPS Jebres belum diangkut")
    answer(fake, x, mention, "Sudah kami teruskan ke DLH, nomor SKA-7K3M-9QX4.")
    (reply,) = fake.world.replies_to(mention.id)
    assert reply.extra["cost_usd"] == 0.010 and reply.extra["in_reply_to"] == mention.id


def test_x_refuses_replies_to_posts_that_did_not_summon_the_city(fake, sigap_wired):
    x = sigap_wired("x")
    mention = fake.citizen_says("x", "mention", "jalan rusak")
    message = inbound(fake, x, mention)
    mention.text = "jalan rusak"  # as if the author had not tagged the city
    with pytest.raises(PlatformError) as refused:
        x.send(x.reply_for(message, ACK))
    assert refused.value.permanent and "mentioned" in refused.value.message


def test_x_posts_with_a_link_cost_more_or_are_refused_when_switched(fake, sigap_wired, api):
    x = sigap_wired("x")
    mention = fake.citizen_says("x", "mention", "PJU mati")
    answer(fake, x, mention, "Pantau di https://sigap.test/lacak/SKA-7K3M-9QX4")
    assert fake.world.replies_to(mention.id)[0].extra["cost_usd"] == 0.20
    api.post("/_control/rules", json={"x_refuse_links": True})
    with pytest.raises(PlatformError) as refused:
        answer(fake, x, mention, "Lagi: https://sigap.test/lacak/SKA-7K3M-9QX4")
    assert refused.value.permanent


def test_x_dm_reply(fake, sigap_wired):
    x = sigap_wired("x")
    dm = fake.citizen_says("x", "dm", "Min, mau lapor pungli parkir")
    reply = x.reply_for(
        type(
            "Dm",
            (),
            {
                "kind": "dm",
                "external_id": dm.id,
                "author_id": dm.author["id"],
                "thread_id": dm.author["id"],
                "parent_id": "",
            },
        )(),
        ACK,
    )
    assert x.send(reply).external_id == fake.world.replies_to(dm.id)[0].id


# YouTube (§6)


def test_youtube_comments_are_polled_and_answered_under_the_thread(fake, sigap_wired):
    yt = sigap_wired("youtube")
    comment = fake.citizen_says("youtube", "comment", "Kapan perbaikan jembatan Jurug selesai?")
    own_reply = fake.citizen_says("youtube", "comment", "Sudah sebulan belum selesai", parent=comment.id)
    items, cursor = yt.poll(None)
    assert [(i.external_id, i.kind) for i in items] == [(comment.id, "comment"), (own_reply.id, "reply")]
    yt.send(yt.reply_for(items[1], ACK))  # comments.insert names the thread, not the reply (§6.2)
    (reply,) = fake.world.replies_to(comment.id)
    assert reply.parent == comment.id and fake.apis["youtube"].quota_used == 1 + 50
    assert yt.poll(cursor)[0] == []  # the city's own reply is not news


# Telegram (§8)


def test_telegram_updates_are_polled_and_answered_quoting_the_message(fake, sigap_wired):
    tg = sigap_wired("telegram")
    message = fake.citizen_says("telegram", "dm", "Mau lapor PJU mati di Jl. Veteran")
    items, offset = tg.poll(None)
    assert [i.external_id for i in items] == [message.id]
    tg.send(tg.reply_for(items[0], ACK))
    assert replies(fake, message) == [ACK]
    assert tg.poll(offset) == ([], offset)


def test_telegram_get_updates_conflicts_with_a_webhook(fake, sigap_wired, api):
    token = fake.config.tokens["telegram"]
    api.post(f"/telegram/bot{token}/setWebhook", json={"url": "http://sigap.test/webhooks/telegram"})
    with pytest.raises(PlatformError) as conflict:
        sigap_wired("telegram").poll(None)
    assert conflict.value.code == "409"


# TikTok (§7)


def test_tiktok_dm_and_comment_replies(fake, sigap_wired):
    tt = sigap_wired("tiktok")
    dm = fake.citizen_says("tiktok", "dm", "Min, lampu lalu lintas di Panggung mati")
    answer(fake, tt, dm)
    comment = fake.citizen_says("tiktok", "comment", "jalan rusak depan pasar")
    answer(fake, tt, comment, "Terima kasih, nomor lacak SKA-7K3M-9QX4")
    assert replies(fake, dm) == [ACK]
    assert replies(fake, comment) == ["Terima kasih, nomor lacak SKA-7K3M-9QX4"]


# Faults: what the adapters make of each switch


def target(fake, platform: str) -> Item:
    kind = {
        "instagram": "comment",
        "facebook": "comment",
        "x": "mention",
        "youtube": "comment",
        "tiktok": "comment",
    }.get(platform, "dm")
    return fake.citizen_says(platform, kind, "Lampu PJU mati di Jl. Slamet Riyadi")


@pytest.mark.parametrize(
    "platform", ["instagram", "facebook", "messenger", "whatsapp", "x", "youtube", "telegram", "tiktok"]
)
@pytest.mark.parametrize(
    "fault, permanent", [("outage", False), ("throttle", False), ("token", True), ("deleted", True)]
)
def test_faults_are_classified_as_the_adapters_expect(fake, sigap_wired, platform, fault, permanent):
    adapter = sigap_wired(platform)
    item = target(fake, platform)
    message = inbound(fake, adapter, item)
    fake.world.set_fault(platform, fault)
    if platform == "whatsapp" and fault == "deleted":
        adapter.send(adapter.reply_for(message, ACK))  # accepted, then failed by status (131026, §4.2)
        assert fake.world.replies_to(item.id)[0].error.startswith("131026")
        return
    with pytest.raises(PlatformError) as failed:
        adapter.send(adapter.reply_for(message, ACK))
    assert failed.value.permanent is permanent
    assert fake.world.replies_to(item.id) == []


def test_a_counted_fault_passes_after_its_calls(fake, sigap_wired):
    ig = sigap_wired("instagram")
    comment = fake.citizen_says("instagram", "comment", "Sampah belum diangkut")
    fake.world.set_fault("instagram", "outage", count=1)
    with pytest.raises(PlatformError):
        answer(fake, ig, comment)
    answer(fake, ig, comment)
    assert replies(fake, comment) == [ACK] and "instagram" not in fake.world.faults


def test_wrong_tokens_get_each_platforms_error(fake, sigap_wired):
    from sigap.platforms.connect import build

    codes = {}
    for platform in ("instagram", "x", "youtube", "telegram", "tiktok"):
        message = inbound(fake, sigap_wired(platform), target(fake, platform))
        stale = build(platform, account_id=fake.config.accounts[platform]["id"], token="stolen-or-stale")
        with pytest.raises(PlatformError) as refused:
            stale.send(stale.reply_for(message, ACK))
        codes[platform] = (refused.value.code, refused.value.permanent)
    assert codes == {
        "instagram": ("190", True),
        "x": ("http_401", True),
        "youtube": ("http_401", True),
        "telegram": ("http_401", True),
        "tiktok": ("40105", True),
    }
