"""Sensitive fields are encrypted at rest; audit rows are append-only."""

from __future__ import annotations

import pytest
from django.db import connection

from haven.core.models import AuditEntry
from haven.lib.crypto import open_sealed, seal
from tests.conftest import Network, make_application

pytestmark = pytest.mark.django_db


def test_sensitive_answers_are_not_stored_in_plaintext(network: Network) -> None:
    application = make_application(
        contact="@marker_contact_7731", situation="marker situation 7731"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.answers, p.contact FROM core_application a "
            "JOIN core_person p ON p.id = a.person_id WHERE a.id = %s",
            [application.pk],
        )
        answers_raw, contact_raw = cursor.fetchone()
    assert "7731" not in answers_raw
    assert "7731" not in contact_raw
    application.refresh_from_db()
    assert application.answers["situation"] == "marker situation 7731"
    assert application.person.contact == "@marker_contact_7731"


def test_sealed_values_are_randomised_and_tamper_evident() -> None:
    assert seal("same") != seal("same")
    token = seal("secret")
    assert open_sealed(token) == "secret"
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception):  # noqa: B017, PT011 - cryptography raises InvalidTag
        open_sealed(tampered)


def test_audit_entries_cannot_be_changed_or_deleted(network: Network) -> None:
    make_application()
    entry = AuditEntry.objects.get()
    entry.action = "something.else"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(action="x")
    assert AuditEntry.objects.get().action == "application.submitted"
