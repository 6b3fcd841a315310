"""A person's consents to share their file, and sharing it (docs/permissions.md, "Consent").

Nothing about a person leaves Haven without a current consent: ``export_person`` re-checks
the consent under a row lock, gathers only the sections its scope needs and writes
``person.exported`` in the same transaction. Audit entries name the person and the consent by
public id and say the scope; never the recipient, the answers or anything else about them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import (
    Application,
    BorderCrossing,
    Consent,
    Person,
    ResidentDocument,
    Stay,
)
from haven.core.services import audit
from haven.core.services.legal import PersonClock, evaluate_clock, local_today

# The sections of a person's file, and which of them each scope needs. Where someone sleeps
# goes to nobody but the person; another organisation gets who they are and their legal
# situation, and can ask the person for the rest.
PERSON = "person"  # chosen name, gender, year of birth, citizenship, contact, where they are
ANSWERS = "answers"  # their answers in the application
LEGAL = "legal"  # border crossings, documents (never notes), the legal-stay clock
STAYS = "stays"  # stays in Haven's shelters
SECTIONS = (PERSON, ANSWERS, LEGAL, STAYS)
SCOPE_SECTIONS: Mapping[str, tuple[str, ...]] = {
    Consent.Scope.UNHCR: (PERSON, ANSWERS, LEGAL),
    Consent.Scope.EMBASSY: (PERSON, ANSWERS, LEGAL),
    Consent.Scope.NGO: (PERSON, LEGAL),
    Consent.Scope.SELF: (PERSON, ANSWERS, LEGAL, STAYS),
}

RECIPIENT_MAX_LENGTH = 200


class ConsentError(Exception):
    """A consent could not be recorded or used; ``message`` is for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ConsentFacts:
    scope: str
    recipient: str
    given_on: date
    method: str


def record_consent(person: Person, facts: ConsentFacts, *, actor: User) -> Consent:
    """Record that ``person`` agreed to share their file within ``facts.scope``."""
    if facts.scope not in Consent.Scope.values:
        raise ConsentError(_("Choose with whom the file may be shared from the list."))
    if facts.method not in Consent.Method.values:
        raise ConsentError(_("Choose how the consent was given from the list."))
    recipient = facts.recipient.strip()
    if not recipient and facts.scope != Consent.Scope.SELF:
        raise ConsentError(_("Name the office or organisation the person agreed to."))
    if len(recipient) > RECIPIENT_MAX_LENGTH:
        raise ConsentError(_("Name the recipient in 200 characters or fewer."))
    application = Application.objects.select_related("host_country").filter(person=person).first()
    if facts.given_on > local_today(application.host_country if application else None):
        raise ConsentError(_("A consent cannot be given on a day still to come."))
    with transaction.atomic():
        consent = Consent.objects.create(
            person=person,
            scope=facts.scope,
            recipient=recipient,
            given_on=facts.given_on,
            method=facts.method,
            recorded_by=actor,
        )
        audit.record(
            "consent.recorded",
            consent,
            actor=actor,
            person=str(person.public_id),
            scope=consent.scope,
            method=consent.method,
        )
    return consent


def _locked_current(consent: Consent, withdrawn: Promise) -> Consent:
    """``consent`` locked for this transaction; ``ConsentError(withdrawn)`` if it is not current."""
    locked = (
        Consent.objects.select_for_update(no_key=True).select_related("person").get(pk=consent.pk)
    )
    if not locked.is_current:
        raise ConsentError(withdrawn)
    return locked


def withdraw_consent(consent: Consent, *, actor: User) -> Consent:
    """Mark ``consent`` withdrawn: from now on nothing can be shared under it."""
    with transaction.atomic():
        locked = _locked_current(consent, _("This consent was withdrawn already."))
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit.record(
            "consent.withdrawn",
            locked,
            actor=actor,
            person=str(locked.person.public_id),
            scope=locked.scope,
        )
    return locked


@dataclass(frozen=True)
class PersonFile:
    """What one export holds: only the sections asked for (the others stay empty)."""

    consent: Consent
    person: Person
    sections: tuple[str, ...]
    application: Application | None = None
    answers: Mapping[str, object] = field(default_factory=dict)
    crossings: Sequence[BorderCrossing] = ()
    documents: Sequence[ResidentDocument] = ()
    clock: PersonClock | None = None
    stays: Sequence[Stay] = ()


def export_person(consent: Consent, *, sections: Sequence[str], actor: User) -> PersonFile:
    """Gather ``sections`` of the person's file to share under ``consent``, audited.

    Refuses (``ConsentError``) when the consent was withdrawn, even a moment ago, or when a
    section is not one its scope needs. The caller decides which of the scope's sections this
    user may see (``SCOPE_SECTIONS`` gives the most a scope allows).
    """
    with transaction.atomic():
        locked = _locked_current(
            consent, _("This consent was withdrawn: nothing about the person was shared.")
        )
        allowed = SCOPE_SECTIONS[locked.scope]
        if not set(sections) <= set(allowed):
            raise ConsentError(_("The file would hold more than the person agreed to share."))
        person = locked.person
        chosen = tuple(section for section in allowed if section in sections)
        application = (
            Application.objects.select_related("host_country").filter(person=person).first()
            if PERSON in chosen or ANSWERS in chosen
            else None
        )
        crossings = list(person.crossings.select_related("country")) if LEGAL in chosen else []
        documents = (
            list(person.documents.select_related("country").defer("note"))
            if LEGAL in chosen
            else []
        )
        person_file = PersonFile(
            consent=locked,
            person=person,
            sections=chosen,
            application=application,
            answers=dict(application.answers) if application and ANSWERS in chosen else {},
            crossings=crossings,
            documents=documents,
            clock=evaluate_clock(person.nationality, crossings, documents)
            if LEGAL in chosen
            else None,
            stays=list(
                person.stays.heads().select_related("bed__room__shelter").order_by("check_in")
            )
            if STAYS in chosen
            else [],
        )
        audit.record(
            "person.exported",
            person,
            actor=actor,
            consent=str(locked.public_id),
            scope=locked.scope,
            sections=list(chosen),
        )
    return person_file
