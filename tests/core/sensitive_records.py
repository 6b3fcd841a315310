"""A person with something written in every encrypted field, through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

from django.apps import apps
from django.db import models

from haven.core.models import Application, ResidentDocument
from haven.core.services import review
from haven.core.services.consent import ConsentFacts, record_consent
from haven.core.services.legal import DocumentFacts, record_document
from haven.core.services.pathways import open_case, record_appointment
from haven.lib.crypto import EncryptedField
from tests.conftest import Personas


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedField]]:
    """Every encrypted field of every installed model."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedField):
                yield model, field


def fill_every_encrypted_field(application: Application, personas: Personas, marker: str) -> None:
    """Ask, answer, check, accept, record a document, a case, an appointment and a consent,
    each with ``marker`` in its text (the contact and the answers were given on the form)."""
    staff = personas.reviewer
    question = review.ask_question(application, f"Which court? {marker}", actor=staff)
    review.answer_question(application, question.public_id, f"Basmanny {marker}", actor=None)
    review.record_evidence(application, "identity", "verified", f"Video {marker}", actor=staff)
    review.accept_application(application, f"Draft notice {marker}", actor=staff)
    person = application.person
    record_document(
        person,
        ResidentDocument.Kind.INTERNATIONAL_PASSPORT,
        DocumentFacts(ResidentDocument.Status.APPLIED, None, None, None, note=f"Lost {marker}"),
        actor=personas.admin,
    )
    case = open_case(
        person,
        kind="humanitarian_visa",
        destination=None,
        steps=f"Letter {marker}",
        actor=personas.admin,
    )
    record_appointment(
        case,
        kind="embassy",
        place="Almaty",
        starts_at=datetime(2026, 12, 3, 5, tzinfo=UTC),
        tz_name="Asia/Almaty",
        notes=f"Bring photos {marker}",
        actor=personas.admin,
    )
    record_consent(
        person,
        ConsentFacts(
            scope="unhcr",
            recipient=f"UNHCR Almaty {marker}",
            given_on=date(2026, 11, 1),
            method="in_person",
        ),
        actor=personas.admin,
    )
