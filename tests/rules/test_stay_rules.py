"""The default rule data: coverage of the research, sources kept, and a strict loader."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from haven.rules.stay_clock import (
    DEFAULT_RULE_DATA,
    ENTRY_DOCUMENTS,
    RULE_SETS,
    STAY_RULES,
    VISA_FREE_DOCUMENTS,
    DutyRule,
    EntryDocument,
    StayDataError,
    StayRule,
    load_rule_data,
    rule_by_id,
    rules_for,
)
from haven.rules.stay_rules import SHAPE_OF_KIND

RAW_TEXT = resources.files("haven.rules").joinpath("data/stay_rules.json").read_text("utf-8")
INTERNAL = "ru_internal_passport"
INTERNATIONAL = "ru_international_passport"


def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RAW_TEXT)
    return data


def test_every_host_in_the_research_has_rules() -> None:
    assert set(RULE_SETS) == {
        (host, "RU")
        for host in ("KZ", "KG", "AM", "GE", "TR", "UZ", "RS", "ME", "MN", "AE", "IL", "PL")
    }
    assert DEFAULT_RULE_DATA.compiled_on == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("rule_id", "shape", "numbers"),
    [
        ("kz-ru-stay-pre2023", "fixed", (90, None, None)),
        ("kz-ru-stay-2023", "both", (90, 180, 90)),
        ("kg-ru-stay-pre2023", "unknown", (None, None, None)),
        ("kg-ru-stay-2023", "rolling", (None, 180, 90)),
        ("am-ru-stay", "unclear", (None, 365, 180)),
        ("ge-ru-stay", "fixed", (365, None, None)),
        ("tr-ru-stay", "both", (60, 180, 90)),
        ("uz-ru-stay", "unknown", (None, None, None)),
        ("rs-ru-stay", "fixed", (30, None, None)),
        ("me-ru-stay", "fixed", (30, None, None)),
        ("me-ru-stay-visa-regime-planned", "unknown", (None, None, None)),
        ("mn-ru-stay", "both", (30, 180, 90)),
        ("ae-ru-stay-2017", "fixed", (30, None, None)),
        ("ae-ru-stay-2019", "rolling", (None, 180, 90)),
        ("il-ru-stay", "rolling", (None, 180, 90)),
        ("schengen-ru-short-stay", "rolling", (None, 180, 90)),
    ],
)
def test_rule_shapes_follow_the_research(
    rule_id: str, shape: str, numbers: tuple[int | None, ...]
) -> None:
    rule = rule_by_id(rule_id)
    assert rule.shape == shape
    assert (rule.per_stay_days, rule.window_days, rule.window_limit) == numbers


def test_every_record_keeps_its_sources_confidence_and_verified_date() -> None:
    records: list[StayRule | EntryDocument | DutyRule] = [
        *STAY_RULES,
        *ENTRY_DOCUMENTS,
        *DEFAULT_RULE_DATA.duties,
    ]
    assert len(STAY_RULES) == 16
    for record in records:
        provenance = record.provenance
        assert provenance is not None
        assert provenance.sources, record.id
        assert all(source.url.startswith(("https://", "http://")) for source in provenance.sources)
        assert provenance.confidence in ("high", "medium", "low")
        assert provenance.verified_on == date(2026, 11, 24)


def test_rule_dates_follow_the_research() -> None:
    assert rule_by_id("kz-ru-stay-2023").effective_from == date(2023, 1, 27)
    assert rule_by_id("kg-ru-stay-2023").effective_from == date(2023, 10, 28)
    assert rule_by_id("kg-ru-stay-pre2023").effective_to == date(2023, 10, 27)
    assert rule_by_id("ae-ru-stay-2017").effective_to == date(2019, 2, 16)
    assert rule_by_id("ae-ru-stay-2019").effective_from == date(2019, 2, 17)
    assert rule_by_id("tr-ru-stay").effective_from == date(2013, 5, 17)
    # Haven's reading: Montenegro's visa-free rule is known only up to the newest source.
    assert rule_by_id("me-ru-stay").effective_to == date(2025, 11, 29)
    assert rule_by_id("me-ru-stay-visa-regime-planned").effective_from == date(2025, 11, 30)


@pytest.mark.parametrize(
    ("host", "internal_ok"),
    [
        ("KZ", True),
        ("KG", True),
        ("AM", True),
        ("GE", False),
        ("TR", False),
        ("UZ", False),
        ("RS", False),
        ("ME", False),
        ("MN", False),
        ("AE", False),
        ("IL", False),
    ],
)
def test_documents_per_host(host: str, internal_ok: bool) -> None:
    assert (INTERNAL in VISA_FREE_DOCUMENTS[(host, "RU")]) == internal_ok
    assert INTERNATIONAL in VISA_FREE_DOCUMENTS[(host, "RU")]
    assert bool(rules_for(host, "RU", INTERNAL)) == internal_ok


def test_schengen_runs_on_a_short_stay_visa_only() -> None:
    assert VISA_FREE_DOCUMENTS[("PL", "RU")] == frozenset({"schengen_short_stay_visa"})
    assert rules_for("PL", "RU", INTERNATIONAL) == ()
    assert rules_for("PL", "RU", "visa") == ()  # a D visa is a pause, not this clock


def test_no_rule_applies_to_a_document_the_research_says_is_refused() -> None:
    for document in ENTRY_DOCUMENTS:
        if not document.accepted:
            assert rules_for(document.host, document.nationality, document.document) == ()


def test_review_flags_follow_confidence_and_status() -> None:
    flagged = {rule.id for rule in STAY_RULES if rule.needs_review}
    assert flagged == {
        "kg-ru-stay-pre2023",  # medium
        "am-ru-stay",  # medium
        "tr-ru-stay",  # medium, disputed
        "uz-ru-stay",  # low
        "rs-ru-stay",  # medium
        "me-ru-stay",  # medium, unverified_current
        "me-ru-stay-visa-regime-planned",  # announced
        "ae-ru-stay-2019",  # medium
    }


def test_the_shipped_file_parses_to_the_defaults() -> None:
    assert load_rule_data(RAW_TEXT) == DEFAULT_RULE_DATA
    with pytest.raises(KeyError):
        rule_by_id("nope")


def test_every_research_kind_maps_to_a_shape() -> None:
    assert SHAPE_OF_KIND["visa_required"] == "unknown"
    assert {rule["rule_kind"] for rule in raw()["stay_rules"]} <= set(SHAPE_OF_KIND)


def edited(section: str, rule_id: str, **changes: Any) -> str:
    data = raw()
    for record in data[section]:
        if record["id"] == rule_id:
            record.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        (json.dumps(raw() | {"stay_rules": {}}), "'stay_rules' must be a list"),
        (edited("stay_rules", "ge-ru-stay", colour="red"), "unknown keys"),
        (edited("stay_rules", "ge-ru-stay", rule_kind="weekly"), "unknown rule_kind"),
        (edited("stay_rules", "ge-ru-stay", effective_to="2024"), "'effective_to'"),
        (edited("stay_rules", "ge-ru-stay", effective_to="2024-02-30"), "'effective_to'"),
        (edited("stay_rules", "ge-ru-stay", per_stay_days="365"), "'per_stay_days'"),
        (edited("stay_rules", "ge-ru-stay", per_stay_days=None), "per_stay_days"),
        (edited("stay_rules", "ge-ru-stay", retroactive="no"), "'retroactive'"),
        (edited("stay_rules", "ge-ru-stay", confidence="certain"), "confidence"),
        (edited("stay_rules", "ge-ru-stay", status="rumoured"), "record status"),
        (edited("stay_rules", "ge-ru-stay", sources=[{"url": "x"}]), "source"),
        (
            edited(
                "stay_rules",
                "ge-ru-stay",
                sources=[{"url": "https://a", "title": 1, "publisher": "p"}],
            ),
            "strings",
        ),
        (
            edited("duties", "kz-ru-host-notification", due_within={"value": "3", "unit": "hours"}),
            "due_within",
        ),
        (
            edited(
                "stay_rules",
                "ge-ru-stay",
                sources=[{"url": "ftp://a", "title": "t", "publisher": "p"}],
            ),
            "http",
        ),
        (edited("stay_rules", "ge-ru-stay", documents=[INTERNAL]), "refuses"),
        (edited("stay_rules", "kz-ru-stay-2023", effective_from="2023-01-26"), "overlap"),
        (edited("stay_rules", "ge-ru-stay", id="kz-ru-stay-2023"), "duplicate"),
        (edited("entry_documents", "ge-ru-doc-internal-passport", accepted="no"), "'accepted'"),
        (edited("duties", "kz-ru-host-notification", due_within={"value": 3}), "due_within"),
        (
            edited("duties", "kz-ru-host-notification", due_within={"value": 3, "unit": "weeks"}),
            "unit",
        ),
        (
            edited("duties", "kz-ru-host-notification", due_within={"value": 0, "unit": "hours"}),
            ">= 1",
        ),
    ],
)
def test_bad_rule_data_is_refused(text: str, message: str) -> None:
    with pytest.raises(StayDataError, match=message):
        load_rule_data(text)


def test_duties_without_a_task_are_not_loaded() -> None:
    loaded = {duty.id for duty in DEFAULT_RULE_DATA.duties}
    in_file = {duty["id"] for duty in raw()["duties"]}
    assert in_file - loaded == {"am-ru-registration", "ge-registration"}


def test_the_rules_package_never_imports_django() -> None:
    package = Path(resources.files("haven.rules"))  # type: ignore[arg-type]
    for module in package.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "import django" not in text, module.name
        assert "from django" not in text, module.name
