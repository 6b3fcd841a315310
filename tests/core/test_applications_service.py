"""Receiving and deciding applications through the service layer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from haven.core.models import Application, AuditEntry, BorderCrossing, Person
from haven.core.services.applications import (
    ApplicationError,
    find_for_applicant,
    passphrase_for,
    submit_application,
)
from haven.lib.passphrases import check_passphrase
from tests.conftest import ANSWERS, Network, make_application

pytestmark = pytest.mark.django_db


def test_submission_stores_one_application_with_hashed_passphrase(network: Network) -> None:
    submission = submit_application(ANSWERS, idempotency_key="k-1", language="ru")

    application = Application.objects.get()
    assert submission.created
    assert application.reference.startswith("HV-")
    assert submission.passphrase not in application.passphrase_hash
    assert check_passphrase(submission.passphrase, application.passphrase_hash).matches
    assert application.person.display_name == "Artem"
    crossing = BorderCrossing.objects.get(person=application.person)
    assert (crossing.country.code, crossing.entered_on) == ("KZ", ANSWERS.entered_on)
    assert AuditEntry.objects.filter(action="application.submitted").count() == 1


def test_resubmitting_the_same_form_returns_the_first_application(network: Network) -> None:
    first = submit_application(ANSWERS, idempotency_key="k-2", language="ru")
    again = submit_application(
        replace(ANSWERS, display_name="Other"), idempotency_key="k-2", language="en"
    )

    assert not again.created
    assert again.application.pk == first.application.pk
    assert again.passphrase == first.passphrase
    assert Application.objects.count() == Person.objects.count() == 1


def test_passphrase_depends_on_the_form_key() -> None:
    assert passphrase_for("a") == passphrase_for("a")
    assert passphrase_for("a") != passphrase_for("b")
    assert len(passphrase_for("a")) == 14


def test_priority_and_its_parts_are_stored(network: Network) -> None:
    application = make_application()
    parts = application.score_parts
    assert application.priority == sum(parts.values()) > 0
    # The answers' parts are encrypted; the calendar's are plain columns beside them.
    assert application.priority_static == sum(application.priority_parts.values())
    assert "urgency.days_left" not in application.priority_parts
    assert parts["urgency.days_left"] == application.priority_urgency > 0
    assert application.rubric_version
    calmer = make_application(protests=False, draft_notice=False)
    assert calmer.priority < application.priority


def test_unknown_country_is_refused_and_stores_nothing(network: Network) -> None:
    with pytest.raises(ApplicationError):
        submit_application(replace(ANSWERS, host_country="XX"), idempotency_key="k", language="ru")
    assert not Person.objects.exists()


def test_status_lookup_needs_both_codes(network: Network) -> None:
    submission = submit_application(ANSWERS, idempotency_key="k-3", language="ru")
    reference = submission.application.reference

    assert find_for_applicant(reference, submission.passphrase) == submission.application
    assert find_for_applicant(reference.lower(), submission.passphrase.upper())
    assert find_for_applicant(reference, "wrong-pass-word") is None
    assert find_for_applicant("HV-XXXX-XXXX", submission.passphrase) is None
