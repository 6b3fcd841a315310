"""The OpenAPI schema: public, generated from the code without warnings, in English whatever
the request's language, with the token scheme and an error body for every refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.api.conftest import api

pytestmark = pytest.mark.django_db


def schema(language: str = "en") -> dict[str, Any]:
    response = api(None, language=language).get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json"
    result: dict[str, Any] = response.json()
    return result


def test_the_schema_generates_without_warnings_and_validates(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.stat().st_size > 0


def test_the_schema_is_public_and_in_english() -> None:
    english, russian = schema("en"), schema("ru")

    assert english == russian
    description = english["components"]["schemas"]["ApplicationRequest"]["properties"][
        "display_name"
    ]["description"]
    assert description == (
        "Your name or nickname — What should we call you? A first name or a nickname is enough."
    )


def test_every_operation_needs_the_token_and_documents_its_errors() -> None:
    result = schema()
    assert result["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
    expected = {
        ("get", "/api/v1/shelters/"): {"200", "401", "429"},
        ("get", "/api/v1/shelters/{shelter_id}/beds/"): {"200", "401", "403", "404", "429"},
        ("get", "/api/v1/shelters/{shelter_id}/occupancy/"): {
            "200",
            "400",
            "401",
            "403",
            "404",
            "429",
        },
        ("get", "/api/v1/waitlist/"): {"200", "401", "403", "404", "429"},
        ("post", "/api/v1/applications/"): {
            "200",
            "201",
            "400",
            "401",
            "403",
            "404",
            "409",
            "415",
            "429",
        },
    }
    found = {
        (method, path): set(operation["responses"])
        for path, operations in result["paths"].items()
        for method, operation in operations.items()
    }
    assert found == expected
    for path, operations in result["paths"].items():
        for operation in operations.values():
            assert operation["security"] == [{"tokenAuth": []}], path
            for code, response in operation["responses"].items():
                if code >= "400":
                    body = response["content"]["application/json"]["schema"]
                    assert body == {"$ref": "#/components/schemas/Error"}, (path, code)


def test_the_application_body_is_the_forms_questions() -> None:
    body = schema()["components"]["schemas"]["ApplicationRequest"]
    assert body["additionalProperties"] is False
    assert set(body["required"]) == {
        "display_name",
        "contact",
        "gender",
        "host_country",
        "entered_on",
        "document",
        "dependants",
        "savings_days",
        "consent",
    }
    assert "website" not in body["properties"]
    assert "idempotency_key" not in body["properties"]
    assert body["properties"]["dependants"] == {
        "type": "integer",
        "maximum": 20,
        "minimum": 0,
        "description": "How many people who depend on you are with you? — Children or other "
        "relatives you look after. Enter 0 if there is no one.",
    }
