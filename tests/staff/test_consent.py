"""Consent to share a person's file, and sharing it: refused without a current consent,
behind re-authentication, holding only what the consent's scope needs, audited by ids."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from haven.core.models import AuditEntry, Consent, Person, ResidentDocument
from haven.core.services.consent import ConsentFacts, record_consent, withdraw_consent
from haven.core.services.legal import DocumentFacts, record_document
from tests.conftest import Network, Personas, login, make_application, reauthenticate
from tests.staff.conftest import resident

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SITUATION = "Left after the notice came to my parents' address."  # tests/conftest.py ANSWERS


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lev(network: Network, personas: Personas) -> Person:
    """A resident of Almaty (check-in records the entry from the application) with a
    residence permit on record."""
    person = resident(
        network.almaty_beds[0], personas.admin, display_name="Lev", contact="@lev_contact"
    ).person
    record_document(
        person,
        ResidentDocument.Kind.RESIDENCE_PERMIT,
        DocumentFacts(
            status="issued",
            country=network.kazakhstan,
            valid_from=date(2026, 11, 1),
            valid_to=date(2027, 10, 31),
            note="Number ZZ-SECRET-NOTE",
        ),
        actor=personas.admin,
    )
    return person


def _page(person: Person) -> str:
    return reverse("staff:consents", kwargs={"public_id": person.public_id})


def _share(client: Client, person: Person, consent: Any) -> Any:
    url = reverse("staff:share", kwargs={"public_id": person.public_id})
    return client.post(url, {"share-consent": str(getattr(consent, "public_id", consent))})


def _consent(person: Person, actor: Any, scope: str, recipient: str = "UNHCR Almaty") -> Consent:
    facts = ConsentFacts(scope, recipient, date(2026, 11, 20), Consent.Method.IN_PERSON)
    return record_consent(person, facts, actor=actor)


def _exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="person.exported"))


def test_coordinator_records_a_consent_from_the_resident_page(
    lev: Person, personas: Personas
) -> None:
    client = login(personas.coordinator)
    resident_page = client.get(reverse("staff:resident", kwargs={"public_id": lev.public_id}))
    assert _page(lev) in resident_page.content.decode()

    response = client.post(
        _page(lev),
        {
            "consent-scope": "embassy",
            "consent-recipient": "Consulate of Germany, Almaty",
            "consent-given_on": "2026-11-24",
            "consent-method": "in_writing",
        },
    )

    assert response.status_code == 302
    html = client.get(_page(lev)).content.decode()
    assert "An embassy or consulate: Consulate of Germany, Almaty" in html
    assert "Consent recorded." in html
    consent = Consent.objects.get(person=lev)
    entry = AuditEntry.objects.get(action="consent.recorded")
    assert entry.actor == personas.coordinator
    assert entry.object_id == str(consent.public_id)
    assert entry.data == {"person": str(lev.public_id), "scope": "embassy", "method": "in_writing"}
    # Reading the consents (recipients say where someone plans to go) is audited too.
    assert AuditEntry.objects.filter(action="person.consents.viewed").count() == 1
    # The recipient is encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient FROM core_consent")
        assert "Germany" not in cursor.fetchone()[0]


def test_a_consent_names_its_recipient_and_no_day_to_come(lev: Person, personas: Personas) -> None:
    client = login(personas.coordinator)
    form = {
        "consent-scope": "ngo",
        "consent-given_on": "2026-11-24",
        "consent-method": "by_message",
    }
    no_recipient = client.post(_page(lev), form).content.decode()
    assert "Name the office or organisation the person agreed to." in no_recipient
    future = client.post(
        _page(lev), {**form, "consent-recipient": "Memorial", "consent-given_on": "2026-11-27"}
    ).content.decode()
    assert "A consent cannot be given on a day still to come." in future
    assert not Consent.objects.exists()
    # A copy for the person themselves needs no recipient.
    client.post(_page(lev), {**form, "consent-scope": "self"})
    assert Consent.objects.get().scope == "self"


def test_sharing_is_refused_without_a_consent(
    lev: Person, network: Network, personas: Personas
) -> None:
    client = login(personas.coordinator)
    reauthenticate(client, personas.coordinator)
    page = client.get(_page(lev)).content.decode()
    assert "No current consent: nothing about this person can be shared." in page
    assert "Download the file" not in page
    # Another person's consent does not count.
    other = resident(network.almaty_beds[1], personas.admin)
    someone_else = _consent(other.person, personas.admin, Consent.Scope.UNHCR)

    for consent in ("", someone_else.public_id):
        response = _share(client, lev, consent)
        assert response.status_code == 200
        assert "Content-Disposition" not in response
        assert "Choose a current consent of this person" in response.content.decode()
    assert _exports() == []


def test_sharing_is_refused_once_the_consent_is_withdrawn(lev: Person, personas: Personas) -> None:
    consent = _consent(lev, personas.admin, Consent.Scope.UNHCR)
    client = login(personas.coordinator)
    reauthenticate(client, personas.coordinator)
    url = reverse("staff:withdraw_consent", kwargs={"public_id": consent.public_id})
    assert client.post(url, {"confirm": "True"}).status_code == 302
    entry = AuditEntry.objects.get(action="consent.withdrawn")
    assert entry.data == {"person": str(lev.public_id), "scope": "unhcr"}

    response = _share(client, lev, consent)

    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert "This consent was withdrawn: nothing can be shared under it." in (
        response.content.decode()
    )
    assert _exports() == []
    # Withdrawing twice says so.
    again = client.post(url, {"confirm": "True"}).content.decode()
    assert "This consent was withdrawn already." in again


def test_sharing_asks_to_confirm_it_is_you_then_downloads_only_the_scope(
    lev: Person, personas: Personas
) -> None:
    consent = _consent(lev, personas.coordinator, Consent.Scope.NGO, "Legal aid NGO")
    client = login(personas.coordinator)

    bounce = _share(client, lev, consent)

    assert bounce.status_code == 302
    assert bounce["Location"].startswith(reverse("staff:reauth"))
    assert _exports() == []
    back = reauthenticate(client, personas.coordinator, next_url=_page(lev) + "?consent=x")
    assert back["Location"] == _page(lev) + "?consent=x"

    response = _share(client, lev, consent)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="haven-file-ngo-2026-11-25.txt"'
    )
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "Lev" in text
    assert "@lev_contact" in text
    assert "Legal aid NGO" in text
    assert "Residence permit (issued), Kazakhstan" in text
    assert "entered Oct. 1, 2026" in text
    # Another organisation gets neither the answers nor where the person sleeps; no notes.
    assert SITUATION not in text
    assert "Dom 1" not in text
    assert "ZZ-SECRET-NOTE" not in text
    [entry] = _exports()
    assert entry.actor == personas.coordinator
    assert entry.object_id == str(lev.public_id)
    assert entry.data == {
        "consent": str(consent.public_id),
        "scope": "ngo",
        "sections": ["person", "legal"],
    }


def test_a_copy_for_the_person_holds_their_answers_and_stays(
    lev: Person, personas: Personas
) -> None:
    consent = _consent(lev, personas.coordinator, Consent.Scope.SELF, "")
    client = login(personas.coordinator)
    reauthenticate(client, personas.coordinator)

    text = _share(client, lev, consent).content.decode()

    assert SITUATION in text
    assert "Dom 1, Almaty: Oct. 2, 2026 to now" in text
    assert "Shared with: A copy of their own file, for them: the person themselves" in text
    assert _exports()[0].data["sections"] == ["person", "answers", "legal", "stays"]


def test_a_reviewer_file_leaves_out_what_their_role_does_not_show(
    lev: Person, personas: Personas
) -> None:
    consent = _consent(lev, personas.admin, Consent.Scope.UNHCR)
    client = login(personas.reviewer)
    reauthenticate(client, personas.reviewer)
    page = client.get(_page(lev)).content.decode()
    assert "Your role does not show you this person" in page

    text = _share(client, lev, consent).content.decode()

    assert SITUATION in text
    assert "Residence permit" not in text
    assert _exports()[0].data["sections"] == ["person", "answers"]


def test_the_application_page_links_to_consent_for_sensitive_roles(
    personas: Personas,
) -> None:
    application = make_application()
    url = reverse("staff:application", kwargs={"public_id": application.public_id})
    link = _page(application.person)
    assert link in login(personas.reviewer).get(url).content.decode()
    # An applicant not in a shelter is outside a coordinator's scope.
    assert login(personas.coordinator).get(link).status_code == 404


def test_nothing_about_the_person_is_in_the_audit_log(lev: Person, personas: Personas) -> None:
    consent = _consent(lev, personas.coordinator, Consent.Scope.SELF, "By hand")
    client = login(personas.coordinator)
    reauthenticate(client, personas.coordinator)
    _share(client, lev, consent)
    withdraw_consent(consent, actor=personas.coordinator)
    client.get(_page(lev))
    entries = AuditEntry.objects.filter(action__startswith="consent.") | AuditEntry.objects.filter(
        action__startswith="person."
    )
    assert {entry.action for entry in entries} == {
        "consent.recorded",
        "person.exported",
        "consent.withdrawn",
        "person.consents.viewed",
    }
    logged = " ".join(str(entry.data) for entry in entries)
    for secret in ("Lev", "@lev_contact", "By hand", SITUATION, "Dom 1"):
        assert secret not in logged
