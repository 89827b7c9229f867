"""Personas shared by every test: plain ORM users, one per role, and a complaint maker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sigap.agencies.models import Agency
from sigap.people.models import Role, User
from sigap.sop.models import SopVersion


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
    return _user("admin", Role.ADMIN, is_staff=True, is_superuser=True)


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
