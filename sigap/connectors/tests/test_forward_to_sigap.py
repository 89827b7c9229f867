"""Forwarding to a second Sigap through its Open311 endpoint, and pulling its answer back into step 4.

The second Sigap is this one, served through Django's test client behind httpx.MockTransport:
the same database holds both sides, told apart by the complaint's origin (the other side's copy
arrived through Open311 with the connector's api_key, and carries our tracking number).
"""

from datetime import timedelta

import pytest

from sigap.cases import actions
from sigap.cases.models import Answer, Complaint, Event, Status
from sigap.connectors import forwarding
from sigap.connectors.models import ForwardLink, RemoteUpdate
from sigap.connectors.tests.conftest import django_handler, form_of
from sigap.open311.models import Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def forwarded(make_complaint, walk_to, category, open311_connector):
    def make(**connector_fields):
        connector = open311_connector(**connector_fields)
        complaint = make_complaint(category=category, text="Lampu PJU di Jl. Slamet Riyadi mati, kata Pak Budi 081234567890.")
        return connector, walk_to(complaint, Status.FORWARDED)

    return make


def the_other_side_answers(remote, walk_to, liaison_dishub):
    """The second Sigap works the copy through its own SOP: registered, forwarded, answered, approved."""
    return walk_to(remote, Status.APPROVED, liaison=liaison_dishub)


def test_a_forwarded_complaint_is_answered_by_the_other_sigap_and_step_4_completes(
    forwarded, transport, walk_to, liaison_dishub, travel
):
    transport.use(django_handler)
    connector, complaint = forwarded(auto_approve=True)
    link = complaint.forward_links.get()
    assert link.state == ForwardLink.State.PENDING

    assert forwarding.forward_one()
    link.refresh_from_db()
    assert link.state == ForwardLink.State.SENT and link.remote_id and link.remote_id != complaint.tracking_number
    remote = Complaint.objects.get(tracking_number=link.remote_id)
    assert remote.platform == "other" and remote.text.startswith(f"[{complaint.tracking_number}] ")
    assert Submission.objects.get(complaint=remote).api_token.user.username == "ulas-intake"
    assert Event.objects.filter(complaint=complaint, kind="forward_sent", data__remote_id=link.remote_id).exists()

    the_other_side_answers(remote, walk_to, liaison_dishub)
    assert not remote.forward_links.exists()  # the copy is not sent round again

    travel.shift(timedelta(minutes=1))
    assert forwarding.poll_one_connector()
    complaint.refresh_from_db()
    link.refresh_from_db()
    connector.refresh_from_db()
    assert link.state == ForwardLink.State.ANSWERED
    assert complaint.status == Status.APPROVED
    answer = complaint.answers.get()
    assert answer.text == "Sudah kami perbaiki." and answer.status == Answer.Status.APPROVED
    assert answer.created_by == connector.actor and answer.reviewed_by == connector.actor
    step4 = complaint.steps.get(number=4)
    assert step4.completed_at is not None and step4.completed_by == connector.actor
    assert complaint.steps.get(number=5).completed_at is None
    assert Event.objects.get(complaint=complaint, kind="answered").actor == connector.actor
    assert RemoteUpdate.objects.filter(link=link, applied=True).count() == 1


def test_without_auto_approval_the_reviewer_still_approves(forwarded, transport, walk_to, liaison_dishub, reviewer, travel):
    transport.use(django_handler)
    connector, complaint = forwarded()
    forwarding.forward_one()
    remote = Complaint.objects.get(tracking_number=complaint.forward_links.get().remote_id)
    the_other_side_answers(remote, walk_to, liaison_dishub)
    travel.shift(timedelta(minutes=1))
    forwarding.poll_one_connector()
    complaint.refresh_from_db()
    assert complaint.status == Status.ANSWERED
    assert complaint.steps.get(number=4).completed_at is None
    actions.answer_approve(complaint=complaint, by=reviewer)
    assert complaint.steps.get(number=4).completed_by == reviewer


def test_the_same_updates_read_again_are_never_applied_twice(forwarded, transport, walk_to, liaison_dishub, travel):
    transport.use(django_handler)
    connector, complaint = forwarded(auto_approve=True)
    forwarding.forward_one()
    link = complaint.forward_links.get()
    the_other_side_answers(Complaint.objects.get(tracking_number=link.remote_id), walk_to, liaison_dishub)
    travel.shift(timedelta(minutes=1))
    forwarding.poll_one_connector()
    kept = RemoteUpdate.objects.filter(link=link).count()
    assert kept >= 4  # received, registered, forwarded, approved over there
    # Read everything again from the start, as after a lost cursor; the link is put back to be safe.
    ForwardLink.objects.filter(pk=link.pk).update(state=ForwardLink.State.SENT)
    connector.refresh_from_db()
    type(connector).objects.filter(pk=connector.pk).update(updates_since=None, next_poll_at=None)
    forwarding.poll_one_connector()
    assert Answer.objects.filter(complaint=complaint).count() == 1
    assert RemoteUpdate.objects.filter(link=link).count() == kept


def test_only_the_masked_text_and_no_identity_leaves(forwarded, transport):
    transport.use(django_handler)
    _connector, complaint = forwarded()
    forwarding.forward_one()
    sent = form_of(transport.requests[0])
    assert set(sent) <= {"service_code", "description", "address_string", "lat", "long", "jurisdiction_id", "api_key"}
    assert "Budi" not in sent["description"] and "081234567890" not in sent["description"]
    assert "warga_solo" not in str(sent) and "Warga Solo" not in str(sent)
    assert sent["service_code"] == complaint.category.open311.code
    assert sent["address_string"] == "Surakarta"


def test_a_connector_may_send_the_full_text(forwarded, transport):
    transport.use(django_handler)
    forwarded(share_full_text=True)
    forwarding.forward_one()
    assert "081234567890" in form_of(transport.requests[0])["description"]


def test_the_other_sigap_refusing_the_key_is_permanent_and_visible(forwarded, transport, monkeypatch):
    transport.use(django_handler)
    monkeypatch.setenv("SIGAP_TEST_ULAS_KEY", "sgp_not-a-key")
    _connector, complaint = forwarded()
    forwarding.forward_one()
    link = complaint.forward_links.get()
    assert link.state == ForwardLink.State.FAILED and "403" in link.last_error
    assert Event.objects.filter(complaint=complaint, kind="forward_failed").exists()
    assert not forwarding.forward_one()


def test_reopening_forwards_the_new_round(forwarded, transport, walk_to, liaison_dishub, processor, travel):
    transport.use(django_handler)
    _connector, complaint = forwarded(auto_approve=True)
    forwarding.forward_one()
    remote = Complaint.objects.get(tracking_number=complaint.forward_links.get().remote_id)
    the_other_side_answers(remote, walk_to, liaison_dishub)
    travel.shift(timedelta(minutes=1))
    forwarding.poll_one_connector()
    complaint.refresh_from_db()
    actions.complaint_post_answer(complaint=complaint, by=processor, link="https://instagram.com/p/x/c/1")
    actions.complaint_reopen(complaint=complaint, by=processor, reason="Masih mati")
    assert complaint.forward_links.filter(round=2, state=ForwardLink.State.PENDING).exists()
    travel.shift(timedelta(minutes=1))
    forwarding.forward_one()
    assert form_of(transport.requests[-1])["description"].startswith(f"[{complaint.tracking_number} #2] ")
