"""The fake's API answers, byte for byte where the reference gives the shape: auth, limits, errors."""

import pytest

META = "/meta/v25.0"


def graph_error(response) -> dict:
    return response.json()["error"]


# Meta (§1.4)


def test_graph_without_a_valid_token_answers_code_190(fake, api):
    ig = fake.config.accounts["instagram"]["id"]
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = api.post(f"{META}/{ig}/messages", headers=headers, json={})
        assert response.status_code == 400 and graph_error(response)["code"] == 190
        assert graph_error(response)["type"] == "OAuthException" and "fbtrace_id" in graph_error(response)
        assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_graph_accepts_the_token_as_a_query_parameter(fake, api):
    ig = fake.config.accounts["instagram"]
    response = api.get(f"{META}/{ig['id']}", params={"access_token": fake.config.tokens["instagram"]})
    assert response.json() == {"id": ig["id"], "username": ig["handle"], "name": ig["name"]}


def test_graph_unknown_objects_answer_100_with_subcode_33(fake, api):
    response = api.post(
        f"{META}/18059999999999999/replies",
        params={"message": "hi"},
        headers={"Authorization": f"Bearer {fake.config.tokens['instagram']}"},
    )
    error = graph_error(response)
    assert (error["code"], error["error_subcode"]) == (100, 33) and "does not exist" in error["message"]


def test_instagram_dm_text_limit(fake, api):
    ig = fake.config.accounts["instagram"]["id"]
    dm = fake.citizen_says("instagram", "dm", "Halo min")
    body = {"recipient": {"id": dm.author["id"]}, "message": {"text": "x" * 1001}}
    response = api.post(
        f"{META}/{ig}/messages", json=body, headers={"Authorization": f"Bearer {fake.config.tokens['instagram']}"}
    )
    assert graph_error(response)["message"] == "(#100) Length of param message[text] must be less than or equal to 1000"


def test_meta_throttling_codes_are_per_product_and_switchable(fake, api):
    auth = {"Authorization": f"Bearer {fake.config.tokens['facebook']}"}
    page = fake.config.accounts["facebook"]["id"]
    fake.world.set_fault("facebook", "throttle")
    assert graph_error(api.get(f"{META}/{page}/feed", headers=auth))["code"] == 32
    fake.world.set_fault("facebook", "throttle", code="80001")
    response = api.get(f"{META}/{page}/feed", headers=auth)
    assert (
        graph_error(response)["code"] == 80001
        and "estimated_time_to_regain_access" in response.headers["X-Business-Use-Case-Usage"]
    )


def test_whatsapp_checks_the_body(fake, api):
    auth = {"Authorization": f"Bearer {fake.config.tokens['whatsapp']}"}
    url = f"{META}/{fake.config.accounts['whatsapp']['id']}/messages"
    message = fake.citizen_says("whatsapp", "dm", "Lapor")
    assert graph_error(api.post(url, headers=auth, json={"to": "1"}))["code"] == 100
    too_long = {
        "messaging_product": "whatsapp",
        "to": message.author["phone"],
        "type": "text",
        "text": {"body": "x" * 4097},
    }
    error = graph_error(api.post(url, headers=auth, json=too_long))
    assert error["error_data"]["details"] == "Param text['body'] must be at most 4096 characters long."
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": message.id}
    assert api.post(url, headers=auth, json=read).json() == {"success": True}


def test_whatsapp_media_is_downloaded_with_the_same_token(fake, api):
    auth = {"Authorization": f"Bearer {fake.config.tokens['whatsapp']}"}
    photo = fake.citizen_says("whatsapp", "dm", "Ini fotonya", media="image")
    info = api.get(f"{META}/{photo.extra['image']}", headers=auth).json()
    assert info["mime_type"] == "image/jpeg" and info["messaging_product"] == "whatsapp"
    assert api.get(info["url"]).status_code == 404
    download = api.get(info["url"], headers=auth)
    assert download.content[:2] == b"\xff\xd8" and len(download.content) == info["file_size"]


# X (§5.6)


def test_x_unauthorized_body(fake, api):
    response = api.post("/x/2/tweets", json={"text": "hi"})
    assert response.status_code == 401
    assert response.json() == {"title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank", "status": 401}


def test_x_validates_mentions_parameters_and_sends_rate_headers(fake, api):
    auth = {"Authorization": f"Bearer {fake.config.tokens['x']}"}
    url = f"/x/2/users/{fake.config.accounts['x']['id']}/mentions"
    bad = api.get(url, params={"max_results": 3}, headers=auth)
    assert bad.status_code == 400 and bad.json()["type"] == "https://api.x.com/2/problems/invalid-request"
    empty = api.get(url, headers=auth)
    assert empty.json() == {"meta": {"result_count": 0}}
    assert empty.headers["x-rate-limit-limit"] == "300" and empty.headers["x-rate-limit-remaining"] == "298"


def test_x_mentions_page_with_next_token_and_only_requested_fields(fake, api):
    auth = {"Authorization": f"Bearer {fake.config.tokens['x']}"}
    url = f"/x/2/users/{fake.config.accounts['x']['id']}/mentions"
    posts = [fake.citizen_says("x", "mention", f"aduan {n}") for n in range(7)]
    first = api.get(url, params={"max_results": 5}, headers=auth).json()
    assert [p["id"] for p in first["data"]] == [p.id for p in posts[::-1][:5]]
    assert set(first["data"][0]) == {"id", "text", "edit_history_tweet_ids"} and "includes" not in first
    rest = api.get(url, params={"max_results": 5, "pagination_token": first["meta"]["next_token"]}, headers=auth).json()
    assert [p["id"] for p in rest["data"]] == [posts[1].id, posts[0].id] and "next_token" not in rest["meta"]


def test_x_dm_sending_runs_into_its_rate_limit(fake, api):
    auth = {"Authorization": f"Bearer {fake.config.tokens['x']}"}
    dm = fake.citizen_says("x", "dm", "Min mau lapor")
    url = f"/x/2/dm_conversations/with/{dm.author['id']}/messages"
    statuses = [api.post(url, json={"text": f"balasan {n}"}, headers=auth).status_code for n in range(16)]
    assert statuses == [201] * 15 + [429]


def test_x_refuses_duplicates_and_overlong_posts(fake, api):
    auth = {"Authorization": f"Bearer {fake.config.tokens['x']}"}
    assert api.post("/x/2/tweets", json={"text": "Info CFD"}, headers=auth).status_code == 201
    duplicate = api.post("/x/2/tweets", json={"text": "Info CFD"}, headers=auth)
    assert duplicate.status_code == 403 and "duplicate" in duplicate.json()["detail"]
    emoji = api.post("/x/2/tweets", json={"text": "😡" * 141}, headers=auth)  # 282 weighted
    assert emoji.status_code == 403


# YouTube (§6)


def test_youtube_auth_filters_and_quota(fake, api):
    assert api.get("/youtube/v3/commentThreads").json()["error"]["errors"][0]["reason"] == "required"
    auth = {"Authorization": f"Bearer {fake.config.tokens['youtube']}"}
    api.post("/_control/rules", json={"youtube_quota": 2})  # invalid calls cost a unit too
    no_filter = api.get("/youtube/v3/commentThreads", params={"part": "snippet"}, headers=auth)
    assert no_filter.status_code == 400
    params = {"part": "snippet", "allThreadsRelatedToChannelId": fake.config.accounts["youtube"]["id"]}
    assert api.get("/youtube/v3/commentThreads", params=params, headers=auth).status_code == 200
    spent = api.get("/youtube/v3/commentThreads", params=params, headers=auth)
    assert spent.status_code == 403 and spent.json()["error"]["errors"][0]["reason"] == "quotaExceeded"


# Telegram (§8)


def test_telegram_errors(fake, api):
    token = fake.config.tokens["telegram"]
    assert api.post("/telegram/botwrong/getMe").json() == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }
    chat = int(fake.citizen_says("telegram", "dm", "Halo").thread)
    send = f"/telegram/bot{token}/sendMessage"
    assert api.post(send, json={"chat_id": 1, "text": "x"}).json()["description"] == "Bad Request: chat not found"
    assert (
        api.post(send, json={"chat_id": chat, "text": ""}).json()["description"] == "Bad Request: message text is empty"
    )
    assert api.post(send, json={"chat_id": chat, "text": "x" * 4097}).json()["description"] == (
        "Bad Request: message is too long"
    )
    quoted = {"chat_id": chat, "text": "ok", "reply_parameters": {"message_id": 1}}
    assert api.post(send, json=quoted).json()["description"] == "Bad Request: message to be replied not found"
    fake.world.set_fault("telegram", "throttle", code="3")
    assert api.post(send, json={"chat_id": chat, "text": "ok"}).json()["parameters"] == {"retry_after": 3}


# TikTok (§7)


def test_tiktok_answers_http_200_with_error_codes(fake, api):
    url = "/tiktok/open_api/v1.3/business/comment/reply/create/"
    missing = api.post(url, json={})
    assert missing.status_code == 200 and missing.json()["code"] == 40104
    comment = fake.citizen_says("tiktok", "comment", "jalan rusak")
    body = {
        "business_id": fake.config.accounts["tiktok"]["id"],
        "video_id": comment.thread,
        "comment_id": comment.id,
        "text": "x" * 151,
    }
    too_long = api.post(url, json=body, headers={"Access-Token": fake.config.tokens["tiktok"]})
    assert too_long.status_code == 200 and too_long.json()["code"] == 40002


def test_tiktok_comment_list_gives_the_words_webhooks_leave_out(fake, api):
    comment = fake.citizen_says("tiktok", "comment", "Sampah di Pasar Legi menumpuk")
    params = {"business_id": fake.config.accounts["tiktok"]["id"], "video_id": comment.thread}
    data = api.get(
        "/tiktok/open_api/v1.3/business/comment/list/",
        params=params,
        headers={"Access-Token": fake.config.tokens["tiktok"]},
    ).json()["data"]
    assert [(c["comment_id"], c["text"]) for c in data["comments"]] == [(comment.id, comment.text)]


@pytest.mark.parametrize("path", ["/nowhere", "/x/2/unknown", "/meta/v25.0/a/b/c/d"])
def test_unknown_paths_are_refused_not_crashed_on(fake, api, path):
    assert api.get(path).status_code in (400, 404)
