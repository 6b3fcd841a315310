"""The rubric pages: every version's numbers, and publishing a new version (admins only)."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from haven.core.models import Application, AuditEntry, RubricVersion
from haven.rules.scoring import RUBRIC_V1
from haven.staff.rubric_form import RubricForm
from tests.conftest import Personas, login, make_application

RUBRICS = "/en/staff/rubric/"  # reverse("staff:rubrics") under the english fixture
NEW = "/en/staff/rubric/new/"
NOTE = "Protests weigh more: people detained after protests are now charged."


def form_data(**changes: object) -> dict[str, object]:
    """What the new-version form holds when it opens (version 2026.2 suggested), changed."""
    form = RubricForm(rubric=RUBRIC_V1, version="2026.2")
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    return data | {"note": NOTE} | changes


def test_urls() -> None:
    assert reverse("staff:rubrics") == RUBRICS
    assert reverse("staff:rubric_new") == NEW


def test_only_network_admins_reach_the_rubric_pages(personas: Personas) -> None:
    for url in (RUBRICS, NEW):
        assert login(personas.admin).get(url).status_code == 200
        assert login(personas.reviewer).get(url).status_code == 403
        assert login(personas.coordinator).get(url).status_code == 403
        assert login(personas.nobody).get(url).status_code == 404
    assert login(personas.reviewer).post(NEW, form_data()).status_code == 403
    assert not RubricVersion.objects.exists()


def test_navigation_offers_the_admin_pages_to_admins_only(personas: Personas) -> None:
    admin_html = login(personas.admin).get("/en/staff/shelters/").content.decode()
    reviewer_html = login(personas.reviewer).get("/en/staff/shelters/").content.decode()
    for link in (f'href="{RUBRICS}"', 'href="/en/staff/fairness/"'):
        assert link in admin_html
        assert link not in reviewer_html


def test_built_in_version_is_listed_with_all_its_numbers(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    client = login(personas.admin)
    with django_assert_max_num_queries(5):  # session, user, device, memberships, versions
        html = client.get(RUBRICS).content.decode()

    assert "Version 2026.1" in html
    assert "in force" in html
    assert "Built in" in html
    row = re.search(r"Took part in protests</th>\s*<td>(\d+)</td>", html)
    assert row is not None
    assert row.group(1) == "12"
    assert "savings for up to 7 days: 8<br>savings for up to 30 days: 5" in html
    assert "up to 7 days left: 25" in html
    assert "not known: 12" in html
    assert "4 for each, at most 12" in html
    assert "1 for each full week, at most 12" in html
    assert "<td>179</td>" in html  # highest possible priority


def test_form_opens_with_the_numbers_in_force(personas: Personas) -> None:
    html = login(personas.admin).get(NEW).content.decode()
    assert 'name="version" value="2026.2"' in html
    assert 'name="weight-danger-protests" value="12"' in html
    assert 'name="urgency-3-up_to" value="60"' in html
    assert 'name="urgency-4-up_to" min' in html  # one empty row, to add a band
    assert "never re-scored" in html
    assert "the daily job recomputes only the parts of their priority" in html


def test_publishing_a_version(personas: Personas, transactional_db: None) -> None:
    # Real commits (transactional_db): the re-scoring runs on commit, as in production.
    waiting = make_application()
    client = login(personas.admin)
    data = form_data(
        **{
            "weight-danger-protests": 30,
            # A new band typed in the spare row, out of order: sorted before publishing.
            "urgency-4-up_to": 3,
            "urgency-4-points": 30,
            # The last savings band dropped.
            "savings-2-up_to": "",
            "savings-2-points": "",
        }
    )
    response = client.post(NEW, data)

    assert response.status_code == 302
    assert response["Location"] == RUBRICS
    row = RubricVersion.objects.get()
    assert row.version == "2026.2"
    assert row.note == NOTE
    assert row.definition["weights"]["danger.protests"] == 30
    assert row.definition["urgency_bands"] == [[3, 30], [7, 25], [14, 18], [30, 12], [60, 6]]
    assert row.definition["savings_bands"] == [[7, 8], [30, 5]]
    assert AuditEntry.objects.filter(action="rubric.published", actor=personas.admin).exists()
    waiting.refresh_from_db()
    assert waiting.rubric_version == "2026.2"  # re-scored once published

    html = client.get(RUBRICS).content.decode()
    assert "Version 2026.2 published: it scores new applications, and every application" in html
    assert html.index("Version 2026.2") < html.index("Version 2026.1")
    assert NOTE in html
    changed = re.findall(r'<tr class="changed">\s*<th scope="row">([^<]+)', html)
    assert [label.strip() for label in changed] == [
        "Little or no savings",
        "Took part in protests",
        "Days left on the legal stay",
    ]
    assert make_application().rubric_version == "2026.2"


def test_a_long_queue_is_left_to_the_nightly_job(
    personas: Personas, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("haven.core.services.rubrics.RESCORE_BUDGET_SECONDS", -1.0)
    waiting = make_application()
    client = login(personas.admin)

    client.post(NEW, form_data(**{"weight-danger-protests": 30}))

    waiting.refresh_from_db()
    assert waiting.rubric_version == "2026.1"  # out of time before the first batch
    html = client.get(RUBRICS).content.decode()
    assert "Many applications are waiting" in html
    assert "manage.py rescore_pending" in html
    call_command("rescore_pending", stdout=StringIO())
    waiting.refresh_from_db()
    assert waiting.rubric_version == "2026.2"


def test_invalid_bands_are_refused_with_the_reason(personas: Personas) -> None:
    data = form_data(**{"savings-1-points": 9})  # 30 days of savings would score more than 7
    response = login(personas.admin).post(NEW, data)

    assert response.status_code == 200
    assert "Savings bands: each band must cover more days than the one before it" in (
        response.content.decode()
    )
    assert not RubricVersion.objects.exists()


def test_form_errors(personas: Personas) -> None:
    client = login(personas.admin)
    cases: list[tuple[dict[str, object], str]] = [
        ({"savings-3-up_to": 120}, "Fill in both numbers of a band, or leave both empty."),
        ({"note": ""}, "This field is required."),
        ({"version": "2026.1"}, "Version 2026.1 exists already: choose a new name."),
        ({"version": "new rubric"}, "Use letters, digits, dots, dashes or underscores"),
        ({"weight-danger-protests": -1}, "greater than or equal to 0"),
        ({}, "These are the numbers of version 2026.1, the one in force."),
    ]
    for changes, message in cases:
        response = client.post(NEW, form_data(**changes))
        assert response.status_code == 200
        assert message in response.content.decode(), changes
    assert not RubricVersion.objects.exists()
    assert not Application.objects.exists()
