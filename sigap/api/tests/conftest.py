import pytest
from ninja.testing import TestClient

from sigap.api.models import ApiToken
from sigap.api.views import api


@pytest.fixture
def token_for(db):
    """The raw token of a fresh API token for `user`."""

    def make(user, name="test") -> str:
        return ApiToken.issue(user=user, name=name)[1]

    return make


@pytest.fixture
def client_for(token_for):
    """ninja's test client acting with a token of `user`."""

    def make(user) -> TestClient:
        return TestClient(api, headers={"Authorization": f"Bearer {token_for(user)}"})

    return make


@pytest.fixture
def anonymous_client():
    return TestClient(api)
