"""Publishing stay rules: checked strictly, audited, and the clocks follow the rules in force."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from haven.core.models import AuditEntry, ResidentClock, StayRuleSet
from haven.core.services.legal import BUILT_IN_RULES, rules_in_force
from haven.core.services.stay_rules import (
    StayRulesError,
    built_in_text,
    publish_stay_rules,
    published_versions,
    text_in_force,
)
from haven.rules.stay_clock import DEFAULT_RULE_DATA, rules_for
from tests.conftest import Network, Personas
from tests.staff.conftest import resident

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
NOTE = "Kazakhstan now allows 30 days per entry (test)."
BAD_KIND = built_in_text().replace('"rule_kind": "fixed_per_entry"', '"rule_kind": "x"', 1)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def edited(per_stay_days: int = 30) -> str:
    """The built-in rules with Kazakhstan's per-entry limit for Russians (since 2023) changed."""
    document: dict[str, Any] = json.loads(built_in_text())
    for rule in document["stay_rules"]:
        if rule["id"] == "kz-ru-stay-2023":
            rule["per_stay_days"] = per_stay_days
    return json.dumps(document)


def test_without_a_published_set_the_built_in_rules_are_in_force() -> None:
    assert rules_in_force() is BUILT_IN_RULES
    assert rules_in_force().data is DEFAULT_RULE_DATA
    assert text_in_force() == built_in_text()
    [only] = published_versions()
    assert only.row is None
    assert only.data is DEFAULT_RULE_DATA


def test_rules_for_takes_explicit_rule_data(personas: Personas) -> None:
    row = publish_stay_rules(edited(), NOTE, actor=personas.admin)
    data = rules_in_force().data
    mine = {r.id: r for r in rules_for("KZ", "RU", "ru_internal_passport", data=data)}
    assert mine["kz-ru-stay-2023"].per_stay_days == 30
    default = {r.id: r for r in rules_for("KZ", "RU", "ru_internal_passport")}
    assert default["kz-ru-stay-2023"].per_stay_days == 90  # default callers are unchanged
    assert rules_in_force().rule_set_id == row.pk
    assert rules_in_force().version == 1


def test_publishing_saves_a_version_and_audits_it(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        row = publish_stay_rules(edited(), f"  {NOTE}  ", actor=personas.admin)
    assert (row.version, row.note, row.created_by) == (1, NOTE, personas.admin)
    assert row.document == json.loads(edited())
    entry = AuditEntry.objects.get(action="stay_rules.published")
    assert entry.actor == personas.admin
    assert entry.object_id == str(row.pk)
    assert entry.data["version"] == 1
    assert entry.data["previous"] is None
    assert entry.data["stay_rules"] == len(DEFAULT_RULE_DATA.stay_rules)
    assert AuditEntry.objects.order_by("-seq").first() == entry  # the last write
    second = publish_stay_rules(edited(45), "45 days.", actor=personas.admin)
    assert second.version == 2
    assert AuditEntry.objects.filter(action="stay_rules.published").count() == 2
    assert [v.row for v in published_versions()] == [second, row, None]
    assert json.loads(text_in_force()) == json.loads(edited(45))


@pytest.mark.parametrize(
    ("text", "note", "detail"),
    [
        ("{not json", NOTE, "not valid JSON"),
        ("[]", NOTE, "must be a JSON object"),
        (edited(-5), NOTE, "kz-ru-stay-2023"),
        (BAD_KIND, NOTE, "unknown rule_kind"),
        (edited(), "   ", ""),
        (built_in_text(), NOTE, ""),  # nothing changed
    ],
)
def test_invalid_rules_are_refused_and_nothing_is_saved(
    personas: Personas, text: str, note: str, detail: str
) -> None:
    with pytest.raises(StayRulesError) as refused:
        publish_stay_rules(text, note, actor=personas.admin)
    assert str(refused.value.message)  # a translated message for the page
    assert detail in refused.value.detail
    assert not StayRuleSet.objects.exists()
    assert not AuditEntry.objects.filter(action="stay_rules.published").exists()
    assert rules_in_force() is BUILT_IN_RULES


def test_the_rules_in_force_move_a_residents_last_legal_day(
    network: Network, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    stay = resident(network.almaty_beds[0], personas.admin)  # entered KZ on 1 Oct 2026
    clock = ResidentClock.objects.get(person=stay.person)
    assert clock.last_legal_day == date(2026, 12, 29)  # 90 days, both days counted
    with django_capture_on_commit_callbacks(execute=True):
        publish_stay_rules(edited(30), NOTE, actor=personas.admin)
    clock.refresh_from_db()
    assert clock.last_legal_day == date(2026, 10, 30)
    assert clock.status == "overstay"
    # Back to the researched numbers: a new version again, and the clock follows.
    with django_capture_on_commit_callbacks(execute=True):
        publish_stay_rules(edited(90), "Back to 90 days.", actor=personas.admin)
    clock.refresh_from_db()
    assert clock.last_legal_day == date(2026, 12, 29)
    assert StayRuleSet.objects.count() == 2


def test_the_parsed_set_is_cached_per_process(
    personas: Personas, django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_stay_rules(edited(), NOTE, actor=personas.admin)
    first = rules_in_force()
    calls: list[str] = []

    def spy(text: str) -> None:
        calls.append(text)
        raise AssertionError("parsed again")

    monkeypatch.setattr("haven.core.services.legal.load_rule_data", spy)
    with django_assert_num_queries(1):  # the newest set's pk only
        assert rules_in_force() is first
    assert calls == []


def test_a_stored_set_that_no_longer_loads_falls_back_to_the_built_in_rules(
    personas: Personas,
) -> None:
    StayRuleSet.objects.create(version=1, document={"stay_rules": "nope"}, note="broken")
    assert rules_in_force() is BUILT_IN_RULES
