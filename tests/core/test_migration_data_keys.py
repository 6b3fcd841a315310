"""Migration person_data_keys gives everyone a data key and re-seals their values; and back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from haven.core import models as current
from haven.lib.crypto import open_sealed

pytestmark = pytest.mark.django_db(transaction=True)


def _person_data_keys() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The migration (whatever its number) and the core migration it follows."""
    loader = MigrationLoader(None)  # the files only: no database at import time
    (key,) = [k for k in loader.disk_migrations if k[1].endswith("_person_data_keys")]
    before = [dep for dep in loader.disk_migrations[key].dependencies if dep[0] == "core"]
    return before, [key]


BEFORE, AFTER = _person_data_keys()
PARTS = {"danger.arrested": 25, "urgency.days_left": 14, "waiting.days_waiting": 2}


def _migrate(targets: list[tuple[str, str]]) -> Apps:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0007() -> Iterator[Apps]:
    apps = _migrate(BEFORE)
    try:
        yield apps
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _people(apps: Apps) -> None:
    """Two people as 0007 stored them, every encrypted field filled (sealed by a master key)."""
    model = apps.get_model
    user = model("auth", "User").objects.create(username="reviewer")
    country = model("core", "HostCountry").objects.create(code="KZ", name="KZ", timezone="UTC")
    for name in ("Vera", "Oleg"):
        person = model("core", "Person").objects.create(
            display_name=name, gender="woman", contact=f"@{name}"
        )
        application = model("core", "Application").objects.create(
            reference=f"HV-{name}",
            passphrase_hash="x",
            idempotency_hash=name,
            person=person,
            language="ru",
            host_country=country,
            answers={"situation": f"{name} fled"},
            priority=41,
            priority_parts=PARTS,
            priority_static=25,
            rubric_version="2026.1",
        )
        model("core", "Assessment").objects.create(
            application=application,
            rubric_version="2026.1",
            total=41,
            parts=PARTS,
            decision="accept",
            reason=f"{name} eligible",
            reviewer=user,
        )
        question = model("core", "Question")
        question.objects.create(application=application, text=f"{name}?", asked_by=user)
        question.objects.create(
            application=application, text="Again?", answer=f"{name} answered", asked_by=user
        )
        model("core", "EvidenceItem").objects.create(
            application=application, claim="identity", note=f"{name} seen"
        )
        model("core", "ResidentDocument").objects.create(
            person=person, kind="visa", note=f"{name} visa", created_by=user
        )
        case = model("core", "PathwayCase").objects.create(
            person=person, kind="asylum", steps=f"{name} steps", created_by=user
        )
        model("core", "Appointment").objects.create(
            case=case,
            kind="embassy",
            place="Almaty",
            starts_at=datetime(2026, 12, 1, tzinfo=UTC),
            notes=f"{name} notes",
            created_by=user,
        )
        model("core", "Consent").objects.create(
            person=person,
            scope="unhcr",
            recipient=f"{name} UNHCR",
            given_on=date(2026, 11, 1),
            method="in_person",
            recorded_by=user,
        )


def _raw(table: str, column: str) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


COLUMNS = [
    ("core_person", "contact"),
    ("core_application", "answers"),
    ("core_application", "priority_parts"),
    ("core_assessment", "parts"),
    ("core_assessment", "reason"),
    ("core_question", "text"),
    ("core_question", "answer"),
    ("core_evidenceitem", "note"),
    ("core_residentdocument", "note"),
    ("core_pathwaycase", "steps"),
    ("core_appointment", "notes"),
    ("core_consent", "recipient"),
]


def _what_each_person_has() -> dict[str, list[Any]]:
    """Everything readable of each person through today's models."""
    seen = {}
    for person in current.Person.objects.all():
        application = current.Application.objects.get(person=person)
        case = current.PathwayCase.objects.get(person=person)
        seen[person.display_name] = [
            person.contact,
            application.answers,
            application.priority_parts,
            application.score_parts,
            application.priority_static,
            [(a.parts, a.reason) for a in application.assessments.all()],
            sorted((q.text, q.answer or "") for q in application.questions.all()),
            [item.note for item in application.evidence.all()],
            [document.note for document in person.documents.all()],
            case.steps,
            [appointment.notes for appointment in case.appointments.all()],
            [consent.recipient for consent in person.consents.all()],
        ]
    return seen


def test_forwards_seals_with_data_keys_and_backwards_with_the_master_key(
    at_0007: Apps,
) -> None:
    _people(at_0007)
    assert {token[:5] for table, column in COLUMNS for token in _raw(table, column)} == {"enc1:"}

    _migrate(AFTER)

    assert {token[:5] for table, column in COLUMNS for token in _raw(table, column)} == {"enc2:"}
    assert len(set(_raw("core_person", "data_key"))) == 2  # one key each, not the default
    static = {"danger.arrested": 25}
    assert _what_each_person_has() == {
        name: [
            f"@{name}",
            {"situation": f"{name} fled"},
            static,
            PARTS,
            25,
            [(PARTS, f"{name} eligible")],
            [("Again?", f"{name} answered"), (f"{name}?", "")],
            [f"{name} seen"],
            [f"{name} visa"],
            f"{name} steps",
            [f"{name} notes"],
            [f"{name} UNHCR"],
        ]
        for name in ("Vera", "Oleg")
    }

    _migrate(BEFORE)

    assert {token[:5] for table, column in COLUMNS for token in _raw(table, column)} == {"enc1:"}
    assert [json.loads(open_sealed(t)) for t in _raw("core_application", "priority_parts")] == [
        PARTS,
        PARTS,
    ]
    assert sorted(open_sealed(t) for t in _raw("core_question", "answer")) == [
        "Oleg answered",
        "Vera answered",
    ]
