"""The stay-rules pages: every version's rules as a table, and publishing edited rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from haven.core.models import AuditEntry, StayRuleSet
from haven.core.services.stay_rules import built_in_text
from tests.conftest import Personas, login

RULES = "/en/staff/stay-rules/"
EDIT = "/en/staff/stay-rules/edit/"
NOTE = "Kazakhstan: 30 days per entry from now on (test)."


def edited(per_stay_days: int = 30) -> str:
    document: dict[str, Any] = json.loads(built_in_text())
    for rule in document["stay_rules"]:
        if rule["id"] == "kz-ru-stay-2023":
            rule["per_stay_days"] = per_stay_days
    return json.dumps(document, indent=2)


def test_urls() -> None:
    assert reverse("staff:stay_rules") == RULES
    assert reverse("staff:stay_rules_edit") == EDIT


def test_only_network_admins_reach_the_stay_rules(personas: Personas) -> None:
    for url in (RULES, EDIT):
        assert login(personas.admin).get(url).status_code == 200
        for persona in (personas.reviewer, personas.coordinator, personas.volunteer):
            assert login(persona).get(url).status_code == 403
        assert login(personas.nobody).get(url).status_code == 404
    data = {"document": edited(), "note": NOTE}
    assert login(personas.coordinator).post(EDIT, data).status_code == 403
    assert not StayRuleSet.objects.exists()


def test_navigation_offers_the_stay_rules_to_admins_only(personas: Personas) -> None:
    link = f'href="{RULES}"'
    assert link in login(personas.admin).get("/en/staff/shelters/").content.decode()
    assert link not in login(personas.reviewer).get("/en/staff/shelters/").content.decode()


def test_the_built_in_rules_are_listed_with_sources_as_text(personas: Personas) -> None:
    html = login(personas.admin).get(RULES).content.decode()
    assert "Built-in rules" in html
    assert "in force" in html
    assert "kz-ru-stay-2023" in html
    assert "ge-ru-stay" in html
    assert "90 days per entry; 90 days in any 180" in html
    assert "2023-01-27 – …" in html
    assert "ru_internal_passport" in html
    assert "https://" in html  # the sources' addresses, as text
    assert 'href="http' not in html


def test_the_edit_page_holds_the_rules_in_force(personas: Personas) -> None:
    html = login(personas.admin).get(EDIT).content.decode()
    assert "kz-ru-stay-2023" in html
    assert "<textarea" in html


def test_publishing_edited_rules(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EDIT, {"document": edited(), "note": NOTE})
    assert response.status_code == 302
    assert response["Location"] == RULES
    row = StayRuleSet.objects.get()
    assert (row.version, row.note, row.created_by) == (1, NOTE, personas.admin)
    assert AuditEntry.objects.filter(action="stay_rules.published").count() == 1
    page = client.get(RULES).content.decode()
    assert "Version 1" in page
    assert NOTE in page
    assert "30 days per entry" in page
    assert "is in force" in page  # the success message
    # The edit form now opens with the published version.
    assert "&quot;per_stay_days&quot;: 30" in client.get(EDIT).content.decode()


@pytest.mark.parametrize(
    ("document", "note", "shown"),
    [
        ("{oops", NOTE, "not valid JSON"),
        (edited(-1), NOTE, "kz-ru-stay-2023"),
        (edited(), "", "This field is required."),
    ],
)
def test_invalid_rules_are_shown_and_nothing_saved(
    personas: Personas, document: str, note: str, shown: str
) -> None:
    response = login(personas.admin).post(EDIT, {"document": document, "note": note})
    assert response.status_code == 200
    html = response.content.decode()
    assert shown in html
    assert escape(document)[:40] in html  # what was typed stays in the form
    assert not StayRuleSet.objects.exists()
    assert not AuditEntry.objects.filter(action="stay_rules.published").exists()


def test_invalid_rules_get_a_translated_message(personas: Personas) -> None:
    client = login(personas.admin)
    response = client.post("/ru/staff/stay-rules/edit/", {"document": "{oops", "note": NOTE})
    assert response.status_code == 200
    assert "not valid JSON" in response.content.decode()  # the checker's detail
