"""Schemathesis against the API's own OpenAPI schema, through WSGI (no network, no server).

The schema is loaded from the running app (GET /api/v1/schema/) and every operation gets
generated requests, valid and invalid ones, sent with a network admin's token (every
capability, so every endpoint's real code runs). Each response must pass the stateless checks:
no server error, a documented status code, the documented content type, a body that matches
the documented schema. The examples are bounded so the whole run takes seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from haven.core.models import Offer, RateCount
from tests.api.conftest import token_of
from tests.conftest import Network, Personas
from tests.staff.conftest import accepted, resident

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 40
OPERATIONS = {
    "GET /api/v1/shelters/",
    "GET /api/v1/shelters/{shelter_id}/beds/",
    "GET /api/v1/shelters/{shelter_id}/occupancy/",
    "GET /api/v1/waitlist/",
    "POST /api/v1/applications/",
}


@pytest.fixture
def app() -> Iterator[WSGIHandler]:
    """Haven's WSGI application, keeping the test's database connection between requests.

    A real server closes stale connections when a request starts and ends; that would close
    the connection holding the test's transaction (on PostgreSQL), so the two signal handlers
    are off while the test runs, as Django's own test client does.
    """
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


@pytest.fixture
def api_schema(db: Any, app: WSGIHandler, network: Network, personas: Personas) -> BaseSchema:
    """Shelters with people in beds, an offer and a waitlist, then the schema from the app."""
    resident(network.almaty_beds[0], personas.admin)
    Offer.objects.create(
        application=accepted(personas.admin, display_name="Offered"),
        bed=network.almaty_beds[1],
        priority=10,
    )
    accepted(personas.admin, display_name="Waiting")
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", app)


def cases(operation: Any, shelters: list[str]) -> st.SearchStrategy[Any]:
    """Valid and invalid requests; where a shelter id goes, also the real shelters' ids
    (generated ids almost never name one)."""
    variants: list[dict[str, str]] = [{}]
    if any(parameter.name == "shelter_id" for parameter in operation.path_parameters):
        variants += [{"shelter_id": shelter} for shelter in shelters]
    return st.one_of(
        [
            operation.as_strategy(mode, path_parameters=fixed or None)
            for mode in GenerationMode
            for fixed in variants
        ]
    )


def test_the_api_keeps_to_its_schema(
    api_schema: BaseSchema, network: Network, personas: Personas, subtests: Any
) -> None:
    token = token_of(personas.admin)
    shelters = [str(network.almaty.public_id), str(network.astana.public_id)]
    # .ok() raises if the schema has an operation Schemathesis cannot read.
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[union-attr]
    assert {operation.label for operation in operations} == OPERATIONS

    for operation in operations:

        @given(case=cases(operation, shelters))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def keeps_to_schema(case: Any) -> None:
            # Rate limits (tested in test_auth and test_applications) must not hide what the
            # endpoints do: every generated request starts with fresh windows.
            RateCount.objects.all().delete()
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        with subtests.test(operation.label):
            keeps_to_schema()
