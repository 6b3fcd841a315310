"""The consent service: a file only under a current consent, never beyond its scope."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import pytest

from haven.core.models import AuditEntry, Consent, Person
from haven.core.services.consent import (
    SCOPE_SECTIONS,
    SECTIONS,
    ConsentError,
    ConsentFacts,
    export_person,
    record_consent,
    withdraw_consent,
)
from haven.core.services.erasure import erase_person
from tests.conftest import Personas, make_application


def _consent(person: Person, personas: Personas, scope: str) -> Consent:
    facts = ConsentFacts(scope, "Recipient", date(2026, 1, 5), Consent.Method.BY_MESSAGE)
    return record_consent(person, facts, actor=personas.admin)


def test_a_consent_withdrawn_after_the_form_was_checked_still_stops_the_export(
    personas: Personas,
) -> None:
    person = make_application().person
    consent = _consent(person, personas, Consent.Scope.UNHCR)
    stale = Consent.objects.get(pk=consent.pk)  # what the page loaded
    withdraw_consent(consent, actor=personas.reviewer)

    with pytest.raises(ConsentError, match="withdrawn: nothing about the person was shared"):
        export_person(stale, sections=["person"], actor=personas.admin)

    assert not AuditEntry.objects.filter(action="person.exported").exists()


def test_every_scope_shares_exactly_the_sections_it_needs(personas: Personas) -> None:
    person = make_application().person
    for scope in Consent.Scope.values:
        consent = _consent(person, personas, scope)
        allowed = set(SCOPE_SECTIONS[scope])
        for size in range(1, len(SECTIONS) + 1):
            for asked in combinations(SECTIONS, size):
                if set(asked) <= allowed:
                    shared = export_person(consent, sections=asked, actor=personas.admin)
                    assert set(shared.sections) == set(asked)
                    assert bool(shared.answers) == ("answers" in asked)
                    assert shared.clock is None or "legal" in asked
                else:
                    with pytest.raises(ConsentError, match="more than the person agreed"):
                        export_person(consent, sections=asked, actor=personas.admin)
    # Where someone sleeps goes only to the person themselves.
    assert [scope for scope, sections in SCOPE_SECTIONS.items() if "stays" in sections] == ["self"]


def test_consents_are_erased_with_the_person(personas: Personas) -> None:
    person = make_application().person
    _consent(person, personas, Consent.Scope.SELF)
    erase_person(person, actor=personas.admin, reason="request")
    assert not Consent.objects.exists()
