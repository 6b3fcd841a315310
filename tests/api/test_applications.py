"""Sending in applications through the API: the public form's validation and messages, its
idempotency (the Idempotency-Key header), nothing stored on bad input, intake partners only."""

# Russian text is what some of these tests check, so Cyrillic letters that look Latin are
# expected.

from __future__ import annotations

import uuid
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from haven.api.auth import ApplicationThrottle, RequestThrottle
from haven.core.models import Application, AuditEntry
from haven.core.services.applications import find_for_applicant
from haven.lib.passphrases import check_passphrase
from haven.lib.ratelimit import Limit
from tests.api.conftest import api, post_json, token_of
from tests.conftest import Network, Personas
from tests.public.conftest import stored_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

URL = "/api/v1/applications/"


def body(**changes: Any) -> dict[str, Any]:
    """A complete, valid application as JSON; ``None`` values stay (they mean empty)."""
    data: dict[str, Any] = {
        "display_name": "Артём",
        "contact": "@artem_example",
        "gender": "man",
        "birth_year": 1994,
        "host_country": "KZ",
        "city": "Алматы",
        "entered_on": "2026-10-01",
        "document": "ru_internal_passport",
        "dependants": 1,
        "savings_days": 14,
        "no_income": True,
        "no_housing": True,
        "draft_notice": True,
        "protests": True,
        "situation": "Повестка пришла родителям.",
        "consent": True,
    }
    data.update(changes)
    return data


def send(secret: str, data: object, key: str | None = None, language: str = "en") -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return post_json(api(secret, language=language), URL, data, **headers)


def test_an_intake_partner_sends_in_an_application(network: Network, intake: User) -> None:
    key = str(uuid.uuid4())

    response = send(token_of(intake), body(), key, language="ru")

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    codes = response.json()
    assert set(codes) == {"reference", "passphrase", "status_url"}
    assert codes["status_url"] == "http://testserver/ru/status/"
    application = Application.objects.get()
    assert application.reference == codes["reference"]
    assert check_passphrase(codes["passphrase"], application.passphrase_hash).matches
    assert find_for_applicant(codes["reference"], codes["passphrase"]) == application
    assert application.language == "ru"
    assert application.person.display_name == "Артём"
    assert application.answers["dependants"] == 1
    assert application.answers["savings_days"] == 14
    entry = AuditEntry.objects.get(action="application.submitted")
    assert entry.actor == intake
    # The key itself is not stored; only a hash of the partner's namespaced key.
    assert key not in application.idempotency_hash


def test_the_same_key_again_returns_the_first_application(network: Network, intake: User) -> None:
    secret, key = token_of(intake), str(uuid.uuid4())
    other_secret = token_of(intake)
    first = send(secret, body(), key)
    rows = stored_rows()

    again = send(secret, body(), key)
    # Another token of the same account, and the key written another way, are the same key.
    other_token = send(other_secret, body(), key.upper())

    assert (first.status_code, again.status_code, other_token.status_code) == (201, 200, 200)
    assert again.json() == first.json() == other_token.json()
    assert stored_rows() == rows
    assert Application.objects.count() == 1


def test_a_key_reused_for_another_person_is_refused(network: Network, intake: User) -> None:
    secret, key = token_of(intake), str(uuid.uuid4())
    send(secret, body(), key)
    rows = stored_rows()

    response = send(secret, body(display_name="Someone else"), key)

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This Idempotency-Key was used before for another person's application. "
        "Use a new key for each person.",
        "code": "conflict",
    }
    assert "passphrase" not in response.content.decode()
    assert stored_rows() == rows


def test_keys_of_different_accounts_never_meet(
    network: Network, intake: User, personas: Personas
) -> None:
    key = str(uuid.uuid4())

    mine = send(token_of(intake), body(), key)
    theirs = send(token_of(personas.admin), body(), key)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["reference"] != theirs.json()["reference"]
    assert mine.json()["passphrase"] != theirs.json()["passphrase"]


@pytest.mark.parametrize(
    ("changes", "language", "errors"),
    [
        (
            {"display_name": "", "gender": "robot"},
            "en",
            {
                "display_name": ["Please fill this in."],
                "gender": ["Please choose one of the options."],
            },
        ),
        (
            {"display_name": "", "consent": False},
            "ru",
            {
                "display_name": ["Пожалуйста, заполните это поле."],
                "consent": ["Без вашего согласия мы не можем принять заявку."],
            },
        ),
        (
            {"entered_on": "2026-11-26"},
            "en",
            {"entered_on": ["This date is in the future. Please check it."]},
        ),
        (
            {"host_country": "AM"},
            "en",
            {"host_country": ["Please choose a country from the list."]},
        ),
        (
            {"contact": "a\u202eb", "dependants": 21},
            "en",
            {
                "contact": [
                    "This text contains hidden control characters. Please type it again by "
                    "hand instead of pasting it."
                ],
                "dependants": ["Please enter at most 20; tell us about a larger family below."],
            },
        ),
        (
            {"birth_year": "1994", "no_income": "yes", "city": 5, "website": "", "x": 1},
            "en",
            {
                "birth_year": ["Please send this as a whole number."],
                "no_income": ["Please send this as true or false."],
                "city": ["Please send this as text."],
                "website": ["This is not a question of the application form."],
                "x": ["This is not a question of the application form."],
            },
        ),
        (
            {"savings_days": True, "dependants": 1.5, "display_name": None},
            "en",
            {
                "savings_days": ["Please send this as a whole number."],
                "dependants": ["Please send this as a whole number."],
                "display_name": ["Please fill this in."],
            },
        ),
    ],
)
def test_bad_answers_get_the_forms_messages_and_store_nothing(
    network: Network,
    intake: User,
    changes: dict[str, Any],
    language: str,
    errors: dict[str, list[str]],
) -> None:
    secret = token_of(intake)
    rows = stored_rows()

    response = send(secret, body(**changes), str(uuid.uuid4()), language=language)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"] == errors
    assert stored_rows() == rows


@pytest.mark.parametrize("key", [None, "", "not-a-uuid", "1234"])
def test_an_idempotency_key_is_required(network: Network, intake: User, key: str | None) -> None:
    secret = token_of(intake)
    rows = stored_rows()

    response = send(secret, body(), key)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "Idempotency-Key": [
            "Send a new UUID in the Idempotency-Key header for each person, and the same one "
            "again when you retry."
        ]
    }
    assert stored_rows() == rows


@pytest.mark.parametrize(
    ("payload", "content_type", "status", "detail"),
    [
        ("{not json", "application/json", 400, "The request body is not valid JSON."),
        ("[1, 2]", "application/json", 400, "Send the answers as one JSON object."),
        ("display_name=A", "application/x-www-form-urlencoded", 415, "Send the request body"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    network: Network, intake: User, payload: str, content_type: str, status: int, detail: str
) -> None:
    response = api(token_of(intake)).post(
        URL, payload, content_type=content_type, headers={"Idempotency-Key": str(uuid.uuid4())}
    )

    assert response.status_code == status
    assert detail in str(response.json())
    assert not Application.objects.exists()


def test_applications_per_account_are_limited(
    network: Network,
    intake: User,
    frozen_clock: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every attempt counts (a smaller limit here, to keep the test fast)."""
    monkeypatch.setattr(ApplicationThrottle, "applications", Limit("api.applications", 2, 600))
    secret = token_of(intake)

    statuses = [send(secret, body(), str(uuid.uuid4())).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert Application.objects.count() == 2


def test_applications_count_as_requests_too(
    network: Network,
    intake: User,
    frozen_clock: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An application sent uses the account's request budget, as any other request does."""
    monkeypatch.setattr(RequestThrottle, "limit", Limit("api.user", count=3, seconds=60))
    secret = token_of(intake)
    api(secret).get("/api/v1/shelters/")

    statuses = [send(secret, body(), str(uuid.uuid4())).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert Application.objects.count() == 2
    # Refused by the shorter of the two limits: told to wait for that one alone.
    refused = send(secret, body(), str(uuid.uuid4()))
    assert 0 < int(refused["Retry-After"]) <= 60
