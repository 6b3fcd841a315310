"""Haven's default legal-stay rule data, with its sources, from ``data/stay_rules.json``.

The JSON is derived from the research file ``shared/reference/stay_rules.yaml`` (records copied
with their sources, confidence, status and verified dates; Haven's reading added in fields named
``documents``, ``retroactive``, ``haven_note``, ``research_*``, ``creates_task``,
``condition``).  It is read once at import with ``importlib.resources`` and checked strictly:
an unknown key, a bad date or two rules in force on one day raise ``StayDataError`` at import,
not on a resident's deadline.  ``load_rule_data`` parses the same shape from any text, so
edited rule data can be checked before use.

How the research's ``rule_kind`` becomes an engine shape (``SHAPE_OF_KIND``): a
``visa_required`` record gives no visa-free days to count, so it computes nothing ("unknown").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from importlib import resources
from types import MappingProxyType
from typing import Any, cast

from haven.rules.stay_engine import validate_rules
from haven.rules.stay_types import (
    DutyRule,
    EntryDocument,
    Provenance,
    Shape,
    Source,
    StayDataError,
    StayRule,
)

__all__ = [
    "DEFAULT_RULE_DATA",
    "DUTY_RULES",
    "ENTRY_DOCUMENTS",
    "KAZAKHSTAN_RULES",
    "RULE_SETS",
    "SHAPE_OF_KIND",
    "STAY_RULES",
    "VISA_FREE_DOCUMENTS",
    "RuleData",
    "load_rule_data",
    "rule_by_id",
]

SHAPE_OF_KIND: Mapping[str, Shape] = MappingProxyType(
    {
        "fixed_per_entry": "fixed",
        "rolling_window": "rolling",
        "per_entry_and_rolling_window": "both",
        "per_year_unclear": "unclear",
        "unknown": "unknown",
        "visa_required": "unknown",
    }
)

_PROVENANCE_KEYS = frozenset(
    {"status", "confidence", "verified_on", "latest_source_date", "notes", "uncertainties"}
)
_STAY_KEYS = _PROVENANCE_KEYS | {
    "id", "host", "nationality", "regime", "rule_kind", "per_stay_days", "window_days",
    "window_limit", "window_anchor", "exit_resets_per_entry_clock", "effective_from",
    "effective_to", "retroactive", "documents", "documents_basis", "suspended_by", "extension",
    "legal_basis", "overstay_penalty", "day_count_convention", "haven_note", "research_host",
    "research_effective_from", "research_effective_to", "sources",
}  # fmt: skip
_DOCUMENT_KEYS = _PROVENANCE_KEYS | {
    "id", "host", "nationality", "document", "accepted", "age_min", "age_max",
    "effective_from", "effective_to", "sources",
}  # fmt: skip
_DUTY_KEYS = _PROVENANCE_KEYS | {
    "id", "host", "nationality", "obligation", "due_within", "trigger", "responsible",
    "channel", "applies_if_stay_longer_than_days", "condition", "effective_from",
    "effective_to", "creates_task", "haven_note", "derived_from", "sources",
}  # fmt: skip
# Research fields folded into Provenance.notes, with the label they get there.
_NOTE_FIELDS = (
    ("notes", ""),
    ("extension", "Extension: "),
    ("legal_basis", "Legal basis: "),
    ("overstay_penalty", "Overstay penalty: "),
    ("day_count_convention", "Day count: "),
)


@dataclass(frozen=True)
class RuleData:
    """Everything in one rule-data file, checked."""

    compiled_on: date | None
    stay_rules: tuple[StayRule, ...]
    entry_documents: tuple[EntryDocument, ...]
    duties: tuple[DutyRule, ...]  # only duties that create a task

    def rule_sets(self) -> dict[tuple[str, str], tuple[StayRule, ...]]:
        """Stay rules by (host, nationality), in order of ``effective_from``."""
        sets: dict[tuple[str, str], list[StayRule]] = {}
        for rule in self.stay_rules:
            sets.setdefault((rule.host, rule.nationality), []).append(rule)
        return {
            key: tuple(sorted(rules, key=lambda rule: rule.effective_from or date.min))
            for key, rules in sets.items()
        }

    @cached_property
    def sets(self) -> Mapping[tuple[str, str], tuple[StayRule, ...]]:
        """``rule_sets()``, computed once per ``RuleData``."""
        return MappingProxyType(self.rule_sets())

    @cached_property
    def rules_by_id(self) -> Mapping[str, StayRule]:
        """Stay rules by id."""
        return MappingProxyType({rule.id: rule for rule in self.stay_rules})


class _Record:
    """One JSON record with typed, checked field access."""

    def __init__(self, raw: object, allowed: frozenset[str], what: str) -> None:
        if not isinstance(raw, dict):
            raise StayDataError(f"{what}: expected an object")
        self.raw: dict[str, Any] = raw
        self.id = raw.get("id") if isinstance(raw.get("id"), str) else what
        unknown = set(raw) - allowed
        if unknown:
            raise StayDataError(f"{self.id}: unknown keys {sorted(unknown)}")

    def fail(self, message: str) -> StayDataError:
        return StayDataError(f"{self.id}: {message}")

    def text(self, key: str, *, optional: bool = False) -> str:
        value = self.raw.get(key)
        if optional and value in (None, ""):
            return ""
        if not isinstance(value, str) or not value:
            raise self.fail(f"{key!r} must be a non-empty string")
        return value

    def number(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{key!r} must be an integer or null")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false")
        return value

    def day(self, key: str) -> date | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, str) and len(value) == len("YYYY-MM-DD"):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(f"{key!r} must be a date YYYY-MM-DD or null")

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"{key!r} must be a list of strings")
        return tuple(value)

    def provenance(self) -> Provenance:
        sources = self.raw.get("sources")
        if not isinstance(sources, list):
            raise self.fail("'sources' must be a list")
        notes = " ".join(
            label + self.text(key, optional=True)
            for key, label in _NOTE_FIELDS
            if self.text(key, optional=True)
        )
        try:
            return Provenance(
                confidence=cast(Any, self.text("confidence")),
                status=cast(Any, self.raw.get("status")),
                sources=tuple(_source(self, raw) for raw in sources),
                verified_on=self.day("verified_on"),
                latest_source_date=self.text("latest_source_date", optional=True) or None,
                notes=notes,
                uncertainties=self.strings("uncertainties"),
            )
        except StayDataError as error:
            raise self.fail(str(error)) from None


def _source(record: _Record, raw: object) -> Source:
    if not isinstance(raw, dict) or not {"url", "title", "publisher"} <= set(raw):
        raise record.fail("each source needs url, title and publisher")
    unknown = set(raw) - {"url", "title", "publisher", "date", "note"}
    if unknown:
        raise record.fail(f"unknown source keys {sorted(unknown)}")
    if not all(isinstance(value, str) for value in raw.values() if value is not None):
        raise record.fail("source fields must be strings")
    return Source(
        url=raw["url"],
        title=raw["title"],
        publisher=raw["publisher"],
        date=raw.get("date"),
        note=raw.get("note", ""),
    )


def _stay_rule(raw: object, index: int) -> StayRule:
    record = _Record(raw, _STAY_KEYS, f"stay_rules[{index}]")
    kind = record.text("rule_kind")
    if kind not in SHAPE_OF_KIND:
        raise record.fail(f"unknown rule_kind {kind!r}")
    try:
        return StayRule(
            id=record.text("id"),
            host=record.text("host"),
            nationality=record.text("nationality"),
            shape=SHAPE_OF_KIND[kind],
            per_stay_days=record.number("per_stay_days"),
            window_days=record.number("window_days"),
            window_limit=record.number("window_limit"),
            effective_from=record.day("effective_from"),
            effective_to=record.day("effective_to"),
            note=record.text("haven_note", optional=True),
            retroactive=record.flag("retroactive", True),
            documents=frozenset(record.strings("documents")),
            suspended_by=record.strings("suspended_by"),
            regime=record.text("regime"),
            provenance=record.provenance(),
        )
    except StayDataError as error:
        raise record.fail(str(error).removeprefix(f"{record.id}: ")) from None


def _entry_document(raw: object, index: int) -> EntryDocument:
    record = _Record(raw, _DOCUMENT_KEYS, f"entry_documents[{index}]")
    accepted = record.raw.get("accepted")
    if not isinstance(accepted, bool):
        raise record.fail("'accepted' must be true or false")
    return EntryDocument(
        id=record.text("id"),
        host=record.text("host"),
        nationality=record.text("nationality"),
        document=record.text("document"),
        accepted=accepted,
        provenance=record.provenance(),
        age_min=record.number("age_min"),
        age_max=record.number("age_max"),
        effective_from=record.text("effective_from", optional=True) or None,
        effective_to=record.text("effective_to", optional=True) or None,
    )


def _duty(raw: object, index: int) -> DutyRule | None:
    record = _Record(raw, _DUTY_KEYS, f"duties[{index}]")
    if not record.flag("creates_task", False):
        return None
    due = record.raw.get("due_within")
    if due is not None and not (
        isinstance(due, dict)
        and set(due) == {"value", "unit"}
        and isinstance(due["value"], int)
        and not isinstance(due["value"], bool)
    ):
        raise record.fail("'due_within' must be {value: integer, unit} or null")
    try:
        return DutyRule(
            id=record.text("id"),
            host=record.text("host"),
            nationality=record.text("nationality"),
            obligation=record.text("obligation"),
            due_value=None if due is None else due["value"],
            due_unit=None if due is None else due["unit"],
            trigger=record.text("trigger"),
            responsible=record.text("responsible"),
            provenance=record.provenance(),
            channel=record.text("channel", optional=True),
            applies_if_stay_longer_than_days=record.number("applies_if_stay_longer_than_days"),
            condition=record.text("condition", optional=True) or None,
            effective_from=record.day("effective_from"),
            effective_to=record.day("effective_to"),
            note=record.text("haven_note", optional=True),
        )
    except StayDataError as error:
        raise record.fail(str(error).removeprefix(f"{record.id}: ")) from None


def _records(data: Mapping[str, Any], key: str) -> Sequence[object]:
    value = data.get(key)
    if not isinstance(value, list):
        raise StayDataError(f"{key!r} must be a list")
    return value


def load_rule_data(text: str) -> RuleData:
    """Parse and check rule data in the shape of ``data/stay_rules.json``.

    Raises ``StayDataError`` on any problem: unknown keys, bad values, duplicate ids, two rules
    of one host and nationality in force on one day, or a rule that applies to a document the
    research says the host refuses.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise StayDataError(f"rule data is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise StayDataError("rule data must be a JSON object")
    research = data.get("research")
    compiled = research.get("compiled_on") if isinstance(research, dict) else None
    rules = tuple(_stay_rule(raw, i) for i, raw in enumerate(_records(data, "stay_rules")))
    documents = tuple(
        _entry_document(raw, i) for i, raw in enumerate(_records(data, "entry_documents"))
    )
    duties = tuple(
        duty
        for i, raw in enumerate(_records(data, "duties"))
        if (duty := _duty(raw, i)) is not None
    )
    ids = [rule.id for rule in rules] + [doc.id for doc in documents] + [d.id for d in duties]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        raise StayDataError(f"duplicate ids: {duplicates}")
    result = RuleData(
        compiled_on=date.fromisoformat(compiled) if isinstance(compiled, str) else None,
        stay_rules=rules,
        entry_documents=documents,
        duties=duties,
    )
    refused = {(doc.host, doc.nationality, doc.document) for doc in documents if not doc.accepted}
    for (host, nationality), rule_set in result.rule_sets().items():
        validate_rules(rule_set)
        for rule in rule_set:
            for document in sorted(rule.documents):
                if (host, nationality, document) in refused:
                    raise StayDataError(f"{rule.id}: the research says {host} refuses {document}")
    return result


DEFAULT_RULE_DATA: RuleData = load_rule_data(
    resources.files("haven.rules").joinpath("data/stay_rules.json").read_text(encoding="utf-8")
)
"""The rule data shipped with Haven."""

STAY_RULES: tuple[StayRule, ...] = DEFAULT_RULE_DATA.stay_rules
ENTRY_DOCUMENTS: tuple[EntryDocument, ...] = DEFAULT_RULE_DATA.entry_documents

RULE_SETS: Mapping[tuple[str, str], tuple[StayRule, ...]] = MappingProxyType(
    DEFAULT_RULE_DATA.rule_sets()
)
"""Stay rules by (host ISO2, nationality ISO2), in order of ``effective_from``."""

VISA_FREE_DOCUMENTS: Mapping[tuple[str, str], frozenset[str]] = MappingProxyType(
    {
        key: frozenset().union(*(rule.documents for rule in rules))
        for key, rules in RULE_SETS.items()
    }
)
"""Documents on which a stay runs on the stay clock, by (host, nationality): the union of the
rules' ``documents``.  Any other document (a residence permit, a national visa, something
unrecorded) has its own end date, which this clock does not know, so it gets "needs_check"."""

DUTY_RULES: Mapping[tuple[str, str], tuple[DutyRule, ...]] = MappingProxyType(
    {
        key: tuple(
            duty for duty in DEFAULT_RULE_DATA.duties if (duty.host, duty.nationality) == key
        )
        for key in sorted({(duty.host, duty.nationality) for duty in DEFAULT_RULE_DATA.duties})
    }
)
"""Duties that create a task, by (host, nationality)."""

KAZAKHSTAN_RULES: tuple[StayRule, ...] = RULE_SETS[("KZ", "RU")]

_BY_ID: Mapping[str, StayRule] = MappingProxyType({rule.id: rule for rule in STAY_RULES})


def rule_by_id(rule_id: str, *, data: RuleData | None = None) -> StayRule:
    """The default stay rule with this id (e.g. from ``ClockResult.rule_ids``), or the one in
    ``data`` when given (e.g. rules edited by an admin); ``KeyError`` if there is none."""
    if data is None:
        return _BY_ID[rule_id]
    return data.rules_by_id[rule_id]
