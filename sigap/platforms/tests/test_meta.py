"""Meta's shared webhook and error mechanics (platform-apis §1), used by Instagram, Facebook, Messenger, WhatsApp."""

import hashlib
import hmac
import json

import httpx
import pytest

from sigap.platforms.facebook import Facebook
from sigap.platforms.instagram import Instagram
from sigap.platforms.meta import verify_signature
from sigap.platforms.tests.helpers import Recorder, fixture, reply
from sigap.platforms.whatsapp import WhatsApp

SECRET = "test-app-secret"  # §1.2 test vectors
VECTOR_BODY = (
    b'{"object":"page","entry":[{"id":"1029384756","time":1790000000,"changes":[{"field":"feed",'
    b'"value":{"item":"comment","verb":"add","message":"Jalan rusak"}}]}]}'
)
VECTOR_SIGNATURE = "sha256=4dd2183059b1fd676e5a7e8d6686175cbb189fc23140362a3ad39763294bf82d"
ESCAPED_BODY = b'{"text":"Lampu jalan mati di Jl. Slamet Riyadi \\ud83d\\ude21"}'


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def page(**kwargs) -> Facebook:
    return Facebook(account_id="104000000000001", secret=SECRET, **kwargs)


# Signature (§1.2)


def test_it_accepts_the_reference_signature_vector():
    assert page().verify({"X-Hub-Signature-256": VECTOR_SIGNATURE}, VECTOR_BODY)


def test_it_reads_the_signature_header_whatever_its_case():
    assert page().verify({"x-hub-signature-256": VECTOR_SIGNATURE}, VECTOR_BODY)


def test_it_signs_escaped_unicode_as_sent_not_as_decoded():
    escaped = "sha256=ce64bdf0310e3a00b7469003bf4f9954adbcb98201621ff97d5be642b86b2b7c"
    utf8 = "sha256=f7d6ef08846aca1e85bcea9237ffba6d58cd1e6990c4d024c842dee60ab4437c"
    raw_utf8 = json.dumps(json.loads(ESCAPED_BODY), ensure_ascii=False, separators=(",", ":")).encode()

    assert verify_signature(SECRET, escaped, ESCAPED_BODY)
    assert verify_signature(SECRET, utf8, raw_utf8)
    # Re-serialising before verifying would break the check: the two byte strings differ.
    assert not verify_signature(SECRET, escaped, raw_utf8)


def test_it_reads_escaped_unicode_after_verifying():
    body = fixture("instagram", "comment")
    signature = sign(body)
    platform = Instagram(account_id="17841400000000001", secret=SECRET)

    assert b"\\ud83d\\ude21" in body
    assert platform.verify({"X-Hub-Signature-256": signature}, body)
    assert platform.parse(body)[0].text.endswith("seminggu \U0001f621")


def test_it_rejects_a_forged_signature():
    forged = "sha256=" + "0" * 64
    assert not page().verify({"X-Hub-Signature-256": forged}, VECTOR_BODY)


def test_it_rejects_a_signature_over_a_changed_body():
    assert not page().verify({"X-Hub-Signature-256": VECTOR_SIGNATURE}, VECTOR_BODY.replace(b"rusak", b"bagus"))


def test_it_rejects_a_missing_or_legacy_sha1_signature():
    assert not page().verify({}, VECTOR_BODY)
    assert not page().verify({"X-Hub-Signature": "sha1=0123456789abcdef0123456789abcdef01234567"}, VECTOR_BODY)


def test_it_rejects_everything_when_no_app_secret_is_configured():
    assert not Facebook(account_id="1").verify({"X-Hub-Signature-256": VECTOR_SIGNATURE}, VECTOR_BODY)


def test_it_rejects_a_non_ascii_signature_header_without_raising():
    assert not page().verify({"X-Hub-Signature-256": "sha256=é" + "0" * 63}, VECTOR_BODY)


def test_it_verifies_and_parses_a_one_megabyte_body():
    text = "Jalan berlubang di Jl. Slamet Riyadi \U0001f621 " * 22_000
    payload = json.loads(fixture("whatsapp", "text"))
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = text
    body = json.dumps(payload).encode()  # ensure_ascii, like Meta
    signature = sign(body)
    platform = WhatsApp(account_id="110000000000001", secret=SECRET)

    assert len(body) > 1_000_000
    assert platform.verify({"X-Hub-Signature-256": signature}, body)
    assert platform.parse(body)[0].text == text


# Handshake (§1.1)


def test_it_answers_the_subscription_handshake_with_the_bare_challenge():
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "kota-solo-verify"}
    assert page(verify_token="kota-solo-verify").handshake(params) == (200, "text/plain", "1158201444")


def test_it_refuses_the_handshake_with_a_wrong_verify_token():
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "guess"}
    assert page(verify_token="kota-solo-verify").handshake(params) == (403, "text/plain", "Forbidden")


def test_it_refuses_the_handshake_when_no_verify_token_is_configured():
    params = {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""}
    assert page().handshake(params)[0] == 403


def test_it_leaves_a_get_without_hub_parameters_alone():
    assert page().handshake({"foo": "bar"}) is None


# Envelope (§1.3)


def test_it_refuses_bytes_that_are_not_json():
    with pytest.raises(ValueError):
        page().parse(b'{"object": "page", "entry": [')


def test_it_refuses_json_that_is_not_a_meta_envelope():
    with pytest.raises(ValueError):
        page().parse(b'{"hello": "world"}')
    with pytest.raises(ValueError):
        page().parse(b'["object", "page"]')


def test_it_leaves_another_products_delivery_to_that_product():
    assert Instagram(account_id="1").parse(fixture("facebook", "comment")) == []
    assert page().parse(fixture("whatsapp", "text")) == []


def test_it_reads_every_entry_and_change_of_a_batch():
    items = WhatsApp(account_id="110000000000001").parse(fixture("whatsapp", "batch"))
    assert [item.external_id for item in items] == ["wamid.BATCH1", "wamid.BATCH2", "wamid.OURS1:read"]


# Graph errors (§1.4)


def graph_error(code: int, status: int = 400, subcode: int | None = None, headers: dict | None = None, **extra):
    error = {"message": f"(#{code}) something", "type": "OAuthException", "code": code, "fbtrace_id": "AbC", **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error}, headers=headers)


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001, 80002, 80006, 80007])
def test_it_backs_off_on_meta_throttling_codes(code):
    error = page().classify_error(graph_error(code))
    assert not error.permanent
    assert error.code == str(code)


def test_it_waits_as_long_as_business_use_case_throttling_says():
    usage = {"102290129340398": [{"type": "whatsapp", "call_count": 100, "estimated_time_to_regain_access": 12}]}
    response = graph_error(80007, headers={"X-Business-Use-Case-Usage": json.dumps(usage)})
    error = WhatsApp(account_id="1").classify_error(response)
    assert not error.permanent
    assert error.retry_after == 720


def test_it_treats_an_expired_token_as_permanent():
    error = page().classify_error(graph_error(190, status=401, subcode=463))
    assert error.permanent
    assert error.code == "190"
    assert "token has expired" in error.message


@pytest.mark.parametrize("code", [1, 2])
def test_it_retries_temporary_service_errors(code):
    assert not page().classify_error(graph_error(code, status=500)).permanent


def test_it_retries_what_meta_marks_transient():
    assert not page().classify_error(graph_error(9999, is_transient=True)).permanent


def test_it_says_in_plain_words_that_the_reply_window_has_closed():
    response = graph_error(10, subcode=2018278, message="(#10) This message is sent outside of allowed window.")
    error = page().classify_error(response)
    assert error.permanent
    assert "reply window has closed" in error.message


def test_it_says_in_plain_words_that_the_comment_was_deleted():
    response = graph_error(100, subcode=33, message="Unsupported post request. Object with ID '1_2' does not exist")
    error = page().classify_error(response)
    assert error.permanent
    assert "no longer exists" in error.message


@pytest.mark.parametrize("code", [10, 200, 299, 368, 100])
def test_it_does_not_retry_what_a_person_must_fix(code):
    assert page().classify_error(graph_error(code)).permanent


def test_it_falls_back_to_http_status_when_the_body_is_not_a_graph_error():
    assert not page().classify_error(httpx.Response(502, text="<html>Bad Gateway</html>")).permanent
    error = page().classify_error(httpx.Response(429, headers={"Retry-After": "30"}))
    assert not error.permanent
    assert error.retry_after == 30


def test_it_sends_the_token_as_a_bearer_header_not_in_the_url():
    recorder = Recorder(reply(200, {"id": "900"}))
    platform = page(token="page-token", client=recorder.client)
    platform.send(platform.reply_for(platform.parse(fixture("facebook", "comment"))[0], "Siap"))
    assert recorder.last.headers["Authorization"] == "Bearer page-token"
    assert "page-token" not in str(recorder.last.url)
