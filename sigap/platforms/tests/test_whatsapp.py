"""WhatsApp Cloud API: messages and statuses in, texts and templates out (platform-apis §4)."""

import pytest

from sigap.platforms.base import OutboundReply, PlatformError
from sigap.platforms.tests.helpers import Recorder, assert_items, at, fixture, fixture_names, reply
from sigap.platforms.whatsapp import WhatsApp

NUMBER = "110000000000001"  # phone-number id
BSUID = "ID.1502576394655843"
GRAPH = "https://graph.facebook.com/v25.0"

EXPECTED = {
    "text": [
        dict(
            platform="whatsapp",
            account_id=NUMBER,
            external_id="wamid.HBgNNjI4MTMwMDAwMDAwMRUCABIYFjNFQjBBQ0I1",
            kind="dm",
            thread_id=BSUID,
            author_id=BSUID,
            author_handle="6281300000001",
            author_name="Sri Wahyuni",
            text="Lapor, air PDAM tidak mengalir sejak pagi di Kel. Jebres",
            posted_at=at(1790003000),
            parent_id="",
        )
    ],
    "image": [
        dict(
            text="Jalan berlubang di depan Pasar Legi",
            parent_id="wamid.HBgNNjI4MTMwMDAwMDAwMRUCABIYFjNFQjBBQ0I1",
            media=[
                {
                    "type": "image",
                    "id": "1290000000000001",
                    "mime_type": "image/jpeg",
                    "sha256": "u2Yw1n2XqZ0Wl6xkJ0Kq3bO7vQyJ9Z0kVtqQ5sW0f8E=",
                }
            ],
        )
    ],
    "document": [
        dict(
            text="Surat keluhan RT 03",
            media=[
                {
                    "type": "document",
                    "id": "1290000000000002",
                    "mime_type": "application/pdf",
                    "filename": "surat-keluhan.pdf",
                    "sha256": "m0Lq2X0vJ8c=",
                }
            ],
        )
    ],
    "voice_note": [
        dict(
            text="",
            media=[
                {"type": "audio", "id": "1290000000000003", "mime_type": "audio/ogg; codecs=opus", "sha256": "a1b2c3=="}
            ],
        )
    ],
    "location": [dict(text="", location={"latitude": -7.5666, "longitude": 110.8166})],
    "location_place": [
        dict(
            text="Pasar Gede Hardjonagoro",
            location={
                "latitude": -7.5693,
                "longitude": 110.8287,
                "name": "Pasar Gede Hardjonagoro",
                "address": "Jl. Jend. Urip Sumoharjo, Sudiroprajan",
                "url": "https://maps.example/pasar-gede",
            },
        )
    ],
    "contacts": [
        dict(
            contact={
                "name": {"formatted_name": "Pak RT Wiyono", "first_name": "Wiyono"},
                "phones": [{"phone": "+62 813 0000 0099", "type": "CELL", "wa_id": "6281300000099"}],
            },
            posted_at=at(1790003100),
        )
    ],
    "button_reply": [dict(kind="dm", text="Sudah beres")],
    "reaction": [],
    "unsupported": [dict(kind="dm", text="", external_id="wamid.HBgNNjI4MTMwMDAwMDAwMRUCABIYFjNFQjBBQ0JE")],
    "username_without_phone": [
        dict(
            author_id="ID.1502576394659999",
            thread_id="ID.1502576394659999",
            author_handle="",
            author_name="Rina",
            text="Sampah di TPS Mojosongo belum diangkut 3 hari",
        )
    ],
    "status_delivered": [
        dict(
            kind="status",
            external_id="wamid.HBgNNjI4MTMwMDAwMDAwMRUCABEYEjQ4QzY:delivered",
            parent_id="wamid.HBgNNjI4MTMwMDAwMDAwMRUCABEYEjQ4QzY",
            author_id="6281300000001",
            posted_at=at(1790003600),
            status={"message_id": "wamid.HBgNNjI4MTMwMDAwMDAwMRUCABEYEjQ4QzY", "status": "delivered", "errors": []},
        )
    ],
    "status_failed": [
        dict(
            kind="status",
            external_id="wamid.HBgNNjI4MTMwMDAwMDAwMRUCABEYEjQ4QzZ:failed",
            author_id=BSUID,
            status={
                "message_id": "wamid.HBgNNjI4MTMwMDAwMDAwMRUCABEYEjQ4QzZ",
                "status": "failed",
                "errors": [
                    {
                        "code": 131047,
                        "title": "Re-engagement message",
                        "message": "Re-engagement message",
                        "error_data": {
                            "details": "Message failed to send because more than 24 hours have passed "
                            "since the customer last replied to this number."
                        },
                        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                    }
                ],
            },
        )
    ],
    "batch": [
        dict(external_id="wamid.BATCH1", author_name="Sri Wahyuni", text="Lampu taman Balekambang mati"),
        dict(external_id="wamid.BATCH2", author_id="ID.1502576394650002", author_name="Bambang"),
        dict(external_id="wamid.OURS1:read", kind="status"),
    ],
    "account_update": [],
}


@pytest.mark.parametrize("name", fixture_names("whatsapp"))
def test_it_reads_the_captured_payload(name):
    assert_items(WhatsApp(account_id=NUMBER).parse(fixture("whatsapp", name)), EXPECTED[name])


def item(name: str):
    return WhatsApp(account_id=NUMBER).parse(fixture("whatsapp", name))[0]


def setup(*responses):
    recorder = Recorder(*responses)
    return WhatsApp(account_id=NUMBER, token="wa-token", client=recorder.client), recorder


SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "6281300000001", "wa_id": "6281300000001"}],
    "messages": [{"id": "wamid.HBgNNjI4MTMwMDAwMDAwMRUCABEYEjQ4QzY"}],
}


def test_it_answers_by_phone_number_quoting_the_citizens_message():
    platform, recorder = setup(reply(200, SENT))
    text = "Terima kasih, laporan Anda tercatat dengan nomor SKA-7K3M-9QX4."
    sent = platform.send(platform.reply_for(item("text"), text))

    assert sent.external_id == "wamid.HBgNNjI4MTMwMDAwMDAwMRUCABEYEjQ4QzY"
    assert str(recorder.last.url) == f"{GRAPH}/{NUMBER}/messages"
    assert recorder.last.headers["Authorization"] == "Bearer wa-token"
    assert recorder.sent_json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281300000001",
        "type": "text",
        "context": {"message_id": "wamid.HBgNNjI4MTMwMDAwMDAwMRUCABIYFjNFQjBBQ0I1"},
        "text": {"body": text, "preview_url": False},
    }


def test_it_answers_a_user_without_a_phone_number_by_bsuid():
    platform, recorder = setup(reply(200, SENT))
    platform.send(platform.reply_for(item("username_without_phone"), "Baik"))

    body = recorder.sent_json()
    assert "to" not in body
    assert body["recipient"] == "ID.1502576394659999"


def test_it_sends_a_template_outside_the_window():
    template = {
        "name": "jawaban_pengaduan",
        "language": {"code": "id"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "SKA-7K3M-9QX4"}]}],
    }
    platform, recorder = setup(reply(200, SENT))
    platform.send(OutboundReply(text="", in_reply_to="", recipient_id="6281300000001", template=template))

    assert recorder.sent_json() == {
        "messaging_product": "whatsapp",
        "to": "6281300000001",
        "type": "template",
        "template": template,
    }


def test_it_says_in_plain_words_that_the_24_hour_window_has_closed():
    error = {
        "error": {
            "message": "(#131047) Re-engagement message",
            "type": "OAuthException",
            "code": 131047,
            "error_data": {
                "messaging_product": "whatsapp",
                "details": "Message failed to send because more than 24 hours have passed",
            },
            "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
        }
    }
    platform, _ = setup(reply(400, error))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("text"), "Halo"))
    assert raised.value.permanent
    assert raised.value.code == "131047"
    assert "only an approved template" in raised.value.message


@pytest.mark.parametrize("code", [130429, 131056, 131048, 131000, 80007, 4])
def test_it_retries_throughput_and_rate_errors(code):
    platform, _ = setup(reply(400, {"error": {"message": "rate", "code": code}}))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("text"), "Halo"))
    assert not raised.value.permanent


@pytest.mark.parametrize("code", [131026, 131051, 132001, 131062, 190])
def test_it_does_not_retry_what_cannot_succeed(code):
    platform, _ = setup(reply(400, {"error": {"message": "no", "code": code}}))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("text"), "Halo"))
    assert raised.value.permanent


def test_it_retries_a_server_error():
    platform, _ = setup(reply(503, {}))
    with pytest.raises(PlatformError) as raised:
        platform.send(platform.reply_for(item("text"), "Halo"))
    assert not raised.value.permanent


def test_it_cannot_be_polled():
    assert not WhatsApp.can_poll
    with pytest.raises(NotImplementedError):
        WhatsApp(account_id=NUMBER).poll(None)


def test_it_splits_at_4096_characters():
    platform = WhatsApp(account_id=NUMBER)
    assert platform.split("a" * 4096) == ["a" * 4096]
    parts = platform.split("Sampah menumpuk. " * 300)
    assert len(parts) == 2
    assert all(len(part) <= 4096 for part in parts)
