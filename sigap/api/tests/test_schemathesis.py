"""Property-based run of the whole API against its own OpenAPI document (schemathesis).

Every operation gets a few generated requests, valid and invalid, sent in-process through the
WSGI application (no network); each answer must not be a 5xx, must have a documented status
and content type, and must match the documented schema. Deterministic and bounded (a few
examples per operation) so the suite stays fast.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(db, settings, processor, make_complaint, walk_to):
    settings.SIGAP_API_RATE_LIMIT = "1000000/600"
    settings.SIGAP_AUTH_FAILURE_RATE_LIMIT = "1000000/600"
    # Some data for the generated requests to find.
    from sigap.cases.models import Status

    walk_to(make_complaint(), Status.FORWARDED)
    make_complaint()
    # Requests go through Django's WSGI handler inside the test's transaction: like Django's
    # own test client, keep the handler from closing the connection after each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def auth_header(processor):
    from sigap.api.models import ApiToken

    return {"Authorization": f"Bearer {ApiToken.issue(user=processor, name='schemathesis')[1]}"}


def _operations() -> list[tuple[str, str]]:
    from sigap.api.views import api

    document = api.get_openapi_schema(path_prefix="/api/v1")
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


# schemathesis' own pytest loader needs pytest < 9, so each operation is driven with hypothesis
# directly from the operation's strategies: valid requests and deliberately invalid ones.
@pytest.mark.parametrize("method, path", _operations())
def test_the_api_answers_every_generated_request_as_documented(method, path, api_schema, auth_header):
    operation = api_schema[path][method]
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=8,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(headers=auth_header, checks=CHECKS)

    check()
