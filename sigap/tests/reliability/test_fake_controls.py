"""The fake platform's switches the reliability tests use: hung calls, slow answers, full records."""

import time

import httpx
import pytest

from sigap.fakeplatform.tests.conftest import make_fake


@pytest.fixture
def fake():
    fake = make_fake()
    yield fake
    fake.stop()


def test_a_timeout_fault_holds_each_call_then_answers_504_without_acting(fake):
    comment = fake.citizen_says("instagram", "comment", "Lampu mati")
    token = fake.config.tokens["instagram"]
    fault = {"platform": "instagram", "fault": "timeout", "code": "0.3", "count": 1}
    assert httpx.post(f"{fake.url}/_control/faults", json=fault).status_code == 200
    started = time.monotonic()
    response = httpx.post(f"{fake.url}/meta/v25.0/{comment.id}/replies", params={"message": "Nomor lacak SKA-7K3M-9QX4"},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 504 and time.monotonic() - started >= 0.3
    assert fake.world.replies_to(comment.id) == []  # nothing was posted
    response = httpx.post(f"{fake.url}/meta/v25.0/{comment.id}/replies", params={"message": "Nomor lacak SKA-7K3M-9QX4"},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 200  # the fault was for one call


def test_an_api_delay_answers_late_but_acts_at_once(fake):
    comment = fake.citizen_says("instagram", "comment", "Lampu mati")
    assert httpx.post(f"{fake.url}/_control/rules", json={"api_delay": 0.4}).json()["api_delay"] == 0.4
    assert httpx.post(f"{fake.url}/_control/rules", json={"api_delay": 99}).status_code == 400
    token = fake.config.tokens["instagram"]
    with httpx.Client(timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.post(f"{fake.url}/meta/v25.0/{comment.id}/replies", params={"message": "Terima kasih"},
                    headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert len(fake.world.replies_to(comment.id)) == 1  # posted, though the caller never heard so


def test_the_record_lists_every_citizen_item_and_every_webhook_job(fake):
    for n in range(50):  # more than the page's newest 40
        fake.citizen_says("instagram", "comment", f"Aduan {n}")
    record = httpx.get(f"{fake.url}/_control/record").json()
    assert len([i for i in record["items"] if i["platform"] == "instagram"]) == 50
    assert all(set(i) >= {"id", "deliveries", "replies"} for i in record["items"])
    stats = httpx.get(f"{fake.url}/_control/stats").json()
    assert stats["citizen:instagram:comment"] == 50
