import httpx
import pytest
from django.test import override_settings

from sigap.platforms import intake
from sigap.platforms.base import Inbound
from sigap.platforms.connect import adapter_for
from sigap.platforms.models import Account
from sigap.platforms.tiktok import TikTok

pytestmark = pytest.mark.django_db


def item(platform, account_id, **extra):
    return Inbound(platform=platform, account_id=account_id, external_id="m1", kind="dm", thread_id="t", author_id="u", **extra)


def test_a_messenger_message_goes_to_the_messenger_account_of_a_shared_page():
    Account.objects.create(platform="facebook", external_id="PAGE", name="Page")
    messenger = Account.objects.create(platform="messenger", external_id="PAGE", name="Messenger")
    assert intake.find_account(item("messenger", "PAGE")) == messenger


def test_with_only_a_page_account_messenger_replies_still_use_the_messenger_adapter():
    page = Account.objects.create(platform="facebook", external_id="PAGE", name="Page")
    assert intake.find_account(item("messenger", "PAGE")) == page
    assert adapter_for(page, platform="messenger").name == "messenger"


def test_a_telegram_update_naming_no_bot_belongs_to_the_only_bot():
    bot = Account.objects.create(platform="telegram", external_id="sigapbot", name="Bot")
    assert intake.find_account(item("telegram", "")) == bot
    Account.objects.create(platform="telegram", external_id="otherbot", name="Other")
    assert intake.find_account(item("telegram", "")) is None


def test_a_tiktok_comment_event_gets_its_words_from_the_comment_list():
    def handler(request):
        assert request.url.path.endswith("/business/comment/list/")
        assert request.url.params["video_id"] == "v1"
        comments = [{"comment_id": "c9", "user_id": "u9", "username": "warga", "text": "Jalan rusak", "create_time": 1790000000}]
        return httpx.Response(200, json={"code": 0, "message": "OK", "data": {"comments": comments, "has_more": False}})

    tiktok = TikTok(account_id="biz", token="t", api_url="https://tt.test", client=httpx.Client(transport=httpx.MockTransport(handler)))
    bare = Inbound(platform="tiktok", account_id="biz", external_id="c9", kind="comment", thread_id="v1", author_id="")
    full = tiktok.complete(bare)
    assert (full.text, full.author_id, full.author_handle) == ("Jalan rusak", "u9", "warga")


def test_an_unreadable_delivery_can_be_read_again_from_the_admin(admin_client):
    from sigap.platforms.models import Delivery

    stuck = Delivery.objects.create(endpoint="meta", body=b"{}", status=Delivery.Status.UNREADABLE, error="TypeError: x")
    done = Delivery.objects.create(endpoint="meta", body=b"{}", status=Delivery.Status.DONE)
    response = admin_client.post(
        "/admin/platforms/delivery/", {"action": "read_again", "_selected_action": [stuck.pk, done.pk]}
    )
    assert response.status_code == 302
    stuck.refresh_from_db(), done.refresh_from_db()
    assert stuck.status == Delivery.Status.PENDING and stuck.error == ""
    assert done.status == Delivery.Status.DONE
