"""The control API and the page: what tests and demos drive the fake with."""

from sigap.fakeplatform.world import TRACKING_NUMBER


def test_state_lists_citizen_items_with_the_citys_replies(fake, api):
    item = api.post("/_control/posts", json={"platform": "instagram", "kind": "comment", "text": "PJU mati"}).json()
    token = fake.config.tokens["instagram"]
    api.post(
        f"/meta/v25.0/{item['item']['id']}/replies",
        params={"message": "Nomor lacak SKA-7K3M-9QX4"},
        headers={"Authorization": f"Bearer {token}"},
    )
    state = api.get("/_control/state").json()
    (shown,) = state["platforms"]["instagram"]
    assert shown["text"] == "PJU mati" and shown["replies"][0]["tracking_numbers"] == ["SKA-7K3M-9QX4"]
    assert state["calls"][-1]["status"] == 200


def test_faults_switch_on_and_off_by_json_and_by_form(fake, api):
    assert api.post("/_control/faults", json={"platform": "meta", "fault": "outage"}).json()["faults"].keys() == {
        "instagram",
        "facebook",
        "messenger",
        "whatsapp",
    }
    form = api.post("/_control/faults", data={"platform": "x", "fault": "throttle", "count": "2"})
    assert form.status_code == 303 and fake.world.faults["x"].remaining == 2
    api.delete("/_control/faults")
    assert fake.world.faults == {}
    assert api.post("/_control/faults", json={"platform": "myspace", "fault": "outage"}).status_code == 400


def test_edits_deletions_and_simulation_on_demand(fake, api):
    post = api.post("/_control/posts", json={"platform": "facebook", "kind": "comment", "text": "Got mampet"}).json()
    item_id = post["item"]["id"]
    assert api.post(f"/_control/items/{item_id}/edit", json={"text": "Got mampet, RT 03"}).json()["item"]["edits"] == [
        "Got mampet"
    ]
    assert api.post(f"/_control/items/{item_id}/delete").json()["item"]["deleted"]
    steps = api.post("/_control/simulate", json={"count": 3}).json()["steps"]
    assert len(steps) == 3 and all(s["text"] is not None for s in steps)
    assert api.post("/_control/posts", json={"platform": "youtube", "kind": "dm", "text": "x"}).status_code == 400


def test_the_page_shows_posts_replies_tracking_numbers_and_switches(fake, api):
    comment = fake.citizen_says("instagram", "comment", "Sampah <b>menumpuk</b>")
    token = fake.config.tokens["instagram"]
    api.post(
        f"/meta/v25.0/{comment.id}/replies",
        params={"message": "Nomor lacak SKA-7K3M-9QX4"},
        headers={"Authorization": f"Bearer {token}"},
    )
    fake.world.set_fault("tiktok", "token")
    page = api.get("/")
    assert page.status_code == 200 and 'http-equiv="refresh"' in page.text
    assert "Sampah &lt;b&gt;menumpuk&lt;/b&gt;" in page.text  # escaped
    assert "<mark>SKA-7K3M-9QX4</mark>" in page.text
    assert "<button class=on>token</button>" in page.text
    assert "https://" not in page.text.split("<body>")[0]  # no CDN


def test_tracking_numbers_are_recognised_in_replies():
    assert TRACKING_NUMBER.findall("nomor lacak SKA-7K3M-9QX4. Pantau di https://x/lacak/SKA-7K3M-9QX4") == [
        "SKA-7K3M-9QX4",
        "SKA-7K3M-9QX4",
    ]
