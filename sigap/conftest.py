"""Personas shared by every test: plain ORM users, one per role, and a complaint maker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sigap.agencies.models import Agency
from sigap.lib import memo
from sigap.people.models import Role, User
from sigap.sop.models import SopVersion


@pytest.fixture(autouse=True)
def _fresh_memo():
    """Each test starts from its own database: nothing remembered from another test's (sigap.lib.memo)."""
    memo.forget()
    yield
    memo.forget()


@pytest.fixture
def sop(db):
    return SopVersion.current()


@pytest.fixture
def agencies(db):
    return {a.code: a for a in Agency.objects.all()}


def _user(username, role, agency=None, **extra):
    user = User.objects.create_user(
        username=username, password="pw-" + username, email=f"{username}@example.test", role=role, agency=agency, **extra
    )
    return user


@pytest.fixture
def admin_user(db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = _user("admin", Role.ADMIN, is_staff=True, is_superuser=True)
    # Administrators must have two-step verification (sigap.people.twofactor) to use any page.
    TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
    return user


@pytest.fixture
def processor(db):
    return _user("operator", Role.PROCESSOR)


@pytest.fixture
def reviewer(db):
    return _user("penelaah", Role.REVIEWER)


@pytest.fixture
def liaison_dishub(agencies):
    return _user("dishub", Role.LIAISON, agencies["DISHUB"])


@pytest.fixture
def liaison_dlh(agencies):
    return _user("dlh", Role.LIAISON, agencies["DLH"])


@pytest.fixture
def supervisor(db):
    return _user("supervisor", Role.SUPERVISOR)


@pytest.fixture
def make_complaint(processor):
    """Receive a complaint through the real action, with sensible defaults."""
    from sigap.cases.actions import complaint_receive

    def make(**overrides):
        fields = {
            "by": processor,
            "platform": "instagram",
            "text": "Lampu PJU di Jl. Slamet Riyadi mati sejak kemarin.",
            "posted_at": timezone.now() - timedelta(minutes=10),
            "permalink": "https://www.instagram.com/p/C0ffee/",
            "handle": "warga_solo",
            "name": "Warga Solo",
        }
        fields.update(overrides)
        return complaint_receive(**fields)

    return make


@pytest.fixture
def as_user(db):
    """A fresh test client logged in as the given user (several can be used side by side)."""
    from django.test import Client

    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def walk_to(processor, reviewer, agencies):
    """Drive a complaint through the real actions up to a status (Status.REGISTERED … Status.POSTED)."""
    from sigap.cases import actions
    from sigap.cases.models import Status

    def walk(complaint, status, *, agency_code="DISHUB", liaison=None):
        order = [Status.REGISTERED, Status.FORWARDED, Status.ANSWERED, Status.APPROVED, Status.POSTED]
        for target in order[: order.index(status) + 1]:
            if target == Status.REGISTERED:
                actions.complaint_register(complaint=complaint, by=processor, ack_via="Instagram")
            elif target == Status.FORWARDED:
                actions.complaint_forward(complaint=complaint, by=reviewer, agency=agencies[agency_code])
            elif target == Status.ANSWERED:
                actions.complaint_answer(complaint=complaint, by=liaison or reviewer, text="Sudah kami perbaiki.")
            elif target == Status.APPROVED:
                actions.answer_approve(complaint=complaint, by=reviewer)
            elif target == Status.POSTED:
                actions.complaint_post_answer(complaint=complaint, by=processor, link="https://instagram.com/p/x/c/1")
        complaint.refresh_from_db()
        return complaint

    return walk

