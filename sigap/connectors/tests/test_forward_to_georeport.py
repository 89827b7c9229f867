"""Forwarding to a plain GeoReport v2 server (a token first, no updates extension), its failures and
its forged or malformed answers."""

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from sigap.cases import actions
from sigap.cases.models import Event, Status
from sigap.connectors import forwarding
from sigap.connectors.models import Connector, ForwardLink
from sigap.connectors.remote import MAX_ATTEMPTS
from sigap.connectors.tests.conftest import form_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def connector(db, georeport):
    return Connector.objects.create(
        name="GeoReport Kota",
        kind=Connector.Kind.OPEN311,
        url="https://city.test/georeport/v2",
        secret_env="SIGAP_TEST_GEOREPORT_KEY",
        jurisdiction_id="city.test",
        service_codes={"penerangan-jalan-umum": "STREETLIGHT"},
        default_service_code="OTHER",
    )


@pytest.fixture
def forwarded(make_complaint, walk_to, category, connector):
    def make(**fields):
        return walk_to(make_complaint(category=category, **fields), Status.FORWARDED)

    return make


def test_a_token_becomes_an_id_and_the_closing_notes_become_the_answer(forwarded, transport, georeport, connector, reviewer, travel):
    transport.use(georeport)
    complaint = forwarded()
    assert forwarding.forward_one()
    link = complaint.forward_links.get()
    assert (link.state, link.token, link.remote_id) == (ForwardLink.State.SENT, "tok-1", "")
    sent = georeport.posted[0]
    assert sent["jurisdiction_id"] == "city.test" and sent["api_key"] == "georeport-key"

    forwarding.poll_one_connector()  # the server has no id for the token yet
    link.refresh_from_db()
    assert link.remote_id == "" and link.state == ForwardLink.State.SENT

    georeport.assign_ids = True
    travel.shift(timedelta(minutes=6))
    forwarding.poll_one_connector()
    link.refresh_from_db()
    connector.refresh_from_db()
    assert link.remote_id == "638344"
    assert connector.use_updates is False  # its 404 for servicerequestupdates.json was understood

    georeport.close("638344", "Lampu sudah diganti oleh petugas.")
    travel.shift(timedelta(minutes=6))
    forwarding.poll_one_connector()
    complaint.refresh_from_db()
    assert complaint.status == Status.ANSWERED and complaint.answers.get().text == "Lampu sudah diganti oleh petugas."
    actions.answer_approve(complaint=complaint, by=reviewer)
    assert complaint.steps.get(number=4).completed_at is not None


def test_the_service_code_is_mapped(forwarded, transport, georeport, category):
    from sigap.open311.models import ServiceCode
    from sigap.open311.services import ensure_codes

    transport.use(georeport)
    ensure_codes()
    code = ServiceCode.objects.get(category=category).code
    Connector.objects.update(service_codes={code: "STREETLIGHT"})
    forwarded()
    forwarding.forward_one()
    assert georeport.posted[0]["service_code"] == "STREETLIGHT"


def test_a_complaint_without_a_category_uses_the_default_code_or_waits_for_one(make_complaint, walk_to, transport, georeport, connector):
    transport.use(georeport)
    walk_to(make_complaint(), Status.FORWARDED)
    forwarding.forward_one()
    assert georeport.posted[0]["service_code"] == "OTHER"
    Connector.objects.update(default_service_code="")
    complaint = walk_to(make_complaint(text="Sampah menumpuk di pasar."), Status.FORWARDED)
    forwarding.forward_one()
    link = complaint.forward_links.get()
    assert link.state == ForwardLink.State.FAILED
    assert "category" in link.last_error.lower() or "kategori" in link.last_error.lower()


def test_closed_there_without_notes_asks_a_person(forwarded, transport, georeport, travel):
    transport.use(georeport)
    georeport.assign_ids = True
    complaint = forwarded()
    forwarding.forward_one()
    forwarding.poll_one_connector()
    georeport.close("638344", None)
    travel.shift(timedelta(minutes=6))
    forwarding.poll_one_connector()
    link = complaint.forward_links.get()
    assert link.state == ForwardLink.State.FAILED and link.last_error
    complaint.refresh_from_db()
    assert complaint.status == Status.FORWARDED and not complaint.answers.exists()


def test_an_answer_given_here_first_is_kept_and_theirs_is_only_shown(forwarded, transport, georeport, liaison_dishub, travel):
    transport.use(georeport)
    georeport.assign_ids = True
    complaint = forwarded()
    forwarding.forward_one()
    forwarding.poll_one_connector()
    actions.complaint_answer(complaint=complaint, by=liaison_dishub, text="Dijawab di Sigap.")
    georeport.close("638344", "Dijawab di sana.")
    travel.shift(timedelta(minutes=6))
    forwarding.poll_one_connector()
    link = complaint.forward_links.get()
    assert link.state == ForwardLink.State.ANSWERED and link.last_error
    assert [a.text for a in complaint.answers.all()] == ["Dijawab di Sigap."]
    assert link.updates.get().description == "Dijawab di sana."


# Retries and failures ---------------------------------------------------------------------------


def test_timeouts_and_server_errors_are_retried_with_backoff_and_nothing_is_lost(forwarded, transport, georeport, travel):
    answers = iter(["timeout", 500, 503, "ok"])

    def flaky(request):
        what = next(answers)
        if what == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        if what == "ok":
            return georeport(request)
        return httpx.Response(what, text="Service Unavailable", headers={"Retry-After": "120"} if what == 503 else {})

    transport.use(flaky)
    complaint = forwarded()
    link = complaint.forward_links.get()
    waits = []
    for _ in range(3):
        assert forwarding.forward_one()
        link.refresh_from_db()
        assert link.state == ForwardLink.State.PENDING and link.last_error
        assert not forwarding.forward_one()  # not due yet
        waits.append(link.next_attempt_at - timezone.now())
        travel.move_to(link.next_attempt_at)
    assert [w.total_seconds() for w in waits] == [30, 60, 120]  # backoff, then the server's Retry-After
    assert forwarding.forward_one()
    link.refresh_from_db()
    assert (link.state, link.attempts, link.token) == (ForwardLink.State.SENT, 4, "tok-1")
    assert len(georeport.posted) == 1


def test_a_refusal_is_permanent_and_can_be_retried_from_the_admin(forwarded, transport, admin_user):
    from django.test import Client

    transport.use(lambda r: httpx.Response(400, json=[{"code": 400, "description": "service_code STREETLIGHT not found"}]))
    complaint = forwarded()
    forwarding.forward_one()
    link = complaint.forward_links.get()
    assert link.state == ForwardLink.State.FAILED and "STREETLIGHT not found" in link.last_error
    assert Event.objects.filter(complaint=complaint, kind="forward_failed").count() == 1
    assert not forwarding.forward_one()

    client = Client()
    client.force_login(admin_user)
    client.post("/admin/connectors/forwardlink/", {"action": "retry", "_selected_action": [link.pk]})
    link.refresh_from_db()
    assert link.state == ForwardLink.State.PENDING and link.attempts == 0


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_temporary(forwarded, transport, status):
    transport.use(lambda r: httpx.Response(status, headers={"Retry-After": "5"}))
    complaint = forwarded()
    forwarding.forward_one()
    assert complaint.forward_links.get().state == ForwardLink.State.PENDING


def test_after_the_last_attempt_a_person_is_asked(forwarded, transport):
    transport.use(lambda r: httpx.Response(502))
    complaint = forwarded()
    ForwardLink.objects.update(attempts=MAX_ATTEMPTS - 1)
    forwarding.forward_one()
    assert complaint.forward_links.get().state == ForwardLink.State.FAILED


@pytest.mark.parametrize(
    "response, words",
    [
        (httpx.Response(200, text="<html>Welcome to nginx</html>"), "JSON"),
        (httpx.Response(201, json={"service_requests": "nope"}), "GeoReport"),
        (httpx.Response(201, json=[{"service_notice": "ok"}]), "service_request_id"),
        (httpx.Response(201, json=[{"service_request_id": "x" * 5000}]), "service_request_id"),
        (httpx.Response(201, json=[{"service_request_id": "bad\x00id"}]), "service_request_id"),
        (httpx.Response(201, json=[]), "service request"),
        (httpx.Response(201, content=b"[" + b" " * (3 * 1024 * 1024) + b"]"), "2097152"),
    ],
)
def test_an_unreadable_answer_to_a_post_is_recorded_clearly_and_not_sent_twice(forwarded, transport, response, words):
    transport.use(lambda r: response)
    complaint = forwarded()
    assert forwarding.forward_one()
    link = complaint.forward_links.get()
    assert link.state == ForwardLink.State.FAILED
    assert words in link.last_error
    assert len(transport.requests) == 1


@pytest.mark.parametrize(
    "body, error",
    [
        (b"not json at all", "JSON"),
        (b'{"a": 1}', "GeoReport"),
        (b"[" + b" " * (3 * 1024 * 1024) + b"]", "2097152"),
        (b'[1, "two", null, {"service_request_id": null}]', ""),
        (b'[{"service_request_id": "638344", "status": "closed", "status_notes": {"evil": true}}]', ""),
        (b'[{"service_request_id": "638344", "status": "' + b"c" * 10000 + b'"}]', ""),
    ],
)
def test_forged_or_malformed_poll_answers_are_recorded_without_a_crash(forwarded, transport, georeport, body, error, travel):
    transport.use(georeport)
    georeport.assign_ids = True
    complaint = forwarded()
    forwarding.forward_one()
    forwarding.poll_one_connector()
    transport.use(lambda r: httpx.Response(200, content=body, headers={"Content-Type": "application/json"}))
    travel.shift(timedelta(minutes=6))
    assert forwarding.poll_one_connector()
    link = complaint.forward_links.get()
    assert link.state in (ForwardLink.State.SENT, ForwardLink.State.FAILED)
    assert not complaint.answers.exists()
    last_error = Connector.objects.get().last_error
    assert (error in last_error) if error else last_error == ""


def test_a_nul_byte_in_their_notes_is_stored_without_it(forwarded, transport, georeport, travel):
    transport.use(georeport)
    georeport.assign_ids = True
    complaint = forwarded()
    forwarding.forward_one()
    forwarding.poll_one_connector()
    georeport.close("638344", "Sudah\x00 diperbaiki\x07.")
    travel.shift(timedelta(minutes=6))
    forwarding.poll_one_connector()
    assert complaint.answers.get().text == "Sudah diperbaiki."


def test_a_connector_switched_off_keeps_its_queue_visible(forwarded, transport, georeport):
    transport.use(georeport)
    complaint = forwarded()
    Connector.objects.update(active=False)
    forwarding.forward_one()
    link = complaint.forward_links.get()
    assert link.state == ForwardLink.State.FAILED and link.last_error
    assert georeport.posted == []


def test_confidential_complaints_stay_inside_unless_allowed(forwarded, transport, georeport, connector):
    transport.use(georeport)
    complaint = forwarded(confidential=True)
    assert complaint.forward_links.get().state == ForwardLink.State.SKIPPED
    assert not forwarding.forward_one()
    Connector.objects.update(include_confidential=True, share_full_text=True)
    other = forwarded(confidential=True, text="Saya Budi, HP 081234567890, lampu mati.")
    forwarding.forward_one()
    assert other.forward_links.get().state == ForwardLink.State.SENT
    assert "081234567890" not in georeport.posted[0]["description"]


def test_only_the_chosen_agencies_go_there(make_complaint, walk_to, transport, georeport, connector, agencies):
    connector.agencies.set([agencies["DLH"]])
    walk_to(make_complaint(), Status.FORWARDED, agency_code="DISHUB")
    assert not ForwardLink.objects.exists()
    walk_to(make_complaint(text="Sampah menumpuk."), Status.FORWARDED, agency_code="DLH")
    assert ForwardLink.objects.count() == 1


def test_forwarding_again_to_another_agency_files_it_once(forwarded, reviewer, agencies):
    complaint = forwarded()
    actions.complaint_forward(complaint=complaint, by=reviewer, agency=agencies["DLH"])
    assert complaint.forward_links.count() == 1


def test_a_fault_in_the_connectors_never_blocks_the_desk(forwarded, monkeypatch):
    from sigap.connectors import webhooks

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(forwarding, "enqueue", broken)
    monkeypatch.setattr(webhooks, "enqueue", broken)
    complaint = forwarded()
    assert complaint.status == Status.FORWARDED and not ForwardLink.objects.exists()


def test_form_fields_are_form_encoded_per_the_spec(forwarded, transport, georeport):
    transport.use(georeport)
    forwarded()
    forwarding.forward_one()
    request = transport.requests[0]
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert str(request.url) == "https://city.test/georeport/v2/requests.json"
    assert form_of(request)["description"]


def test_a_crash_on_one_link_does_not_stop_the_others(make_complaint, walk_to, category, transport, georeport, monkeypatch, travel):
    transport.use(georeport)
    georeport.assign_ids = True
    Connector.objects.create(
        name="GeoReport Kota", kind="open311", url="https://city.test/georeport/v2", secret_env="SIGAP_TEST_GEOREPORT_KEY"
    )
    first = walk_to(make_complaint(category=category), Status.FORWARDED)
    second = walk_to(make_complaint(category=category, text="Lampu mati di Jl. Adi Sucipto."), Status.FORWARDED)
    forwarding.forward_one()
    forwarding.forward_one()
    forwarding.poll_one_connector()
    georeport.close("638344", "Sudah.")
    georeport.close("638345", "Sudah juga.")
    real = forwarding._answer

    def broken_for_the_first(link, text):
        if link.complaint_id == first.pk:
            raise RuntimeError("bug")
        return real(link, text)

    monkeypatch.setattr(forwarding, "_answer", broken_for_the_first)
    travel.shift(timedelta(minutes=6))
    forwarding.poll_one_connector()
    assert "RuntimeError" in first.forward_links.get().last_error
    assert first.forward_links.get().state == ForwardLink.State.SENT and not first.answers.exists()
    assert second.answers.get().text == "Sudah juga."
