"""Words for the rubric's part keys and the applicant's answers, as reviewers read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import BorderCrossing

# One label per key of haven.rules.scoring.PART_KEYS (a test keeps the two in step).
PART_LABELS: Mapping[str, Promise] = {
    "financial.no_income": _("No income"),
    "financial.no_housing": _("Nowhere to sleep"),
    "financial.low_savings": _("Little or no savings"),
    "danger.protests": _("Took part in protests"),
    "danger.opposition_member": _("Opposition member or volunteer"),
    "danger.arrested": _("Arrested or detained"),
    "danger.draft_notice": _("Draft notice received"),
    "danger.prosecution": _("Criminal or administrative case"),
    "household.dependants": _("Children or dependants"),
    "household.health_condition": _("Health condition or disability"),
    "urgency.days_left": _("Days left on the legal stay"),
    "waiting.days_waiting": _("Time waiting"),
}

# The sensitive answers stored on an application (haven.core.services.applications).
ANSWER_LABELS: Mapping[str, Promise] = {
    "entered_on": _("Entered the host country on"),
    "document": _("Document"),
    "dependants": _("Children or dependants"),
    "health_condition": _("Health condition or disability"),
    "no_income": _("No income"),
    "no_housing": _("Nowhere to sleep"),
    "savings_days": _("Days they can pay for themselves"),
    "protests": _("Took part in protests"),
    "opposition_member": _("Opposition member or volunteer"),
    "arrested": _("Arrested or detained"),
    "draft_notice": _("Draft notice received"),
    "prosecution": _("Criminal or administrative case"),
    "situation": _("Their situation, in their words"),
}


@dataclass(frozen=True)
class Line:
    label: Promise | str
    value: object


def score_lines(parts: Mapping[str, int]) -> list[Line]:
    """The parts that scored, in rubric order; keys of an older rubric keep their raw name."""
    known = [key for key in PART_LABELS if key in parts]
    unknown = sorted(key for key in parts if key not in PART_LABELS)
    return [Line(PART_LABELS.get(key, key), parts[key]) for key in known + unknown if parts[key]]


def answer_lines(answers: Mapping[str, object]) -> list[Line]:
    """Every answer, labelled and readable, in a fixed order (unknown keys last, by name)."""
    known = [key for key in ANSWER_LABELS if key in answers]
    unknown = sorted(key for key in answers if key not in ANSWER_LABELS)
    return [
        Line(ANSWER_LABELS.get(key, key), _readable(key, answers[key])) for key in known + unknown
    ]


def _readable(key: str, value: object) -> object:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "document" and isinstance(value, str) and value in BorderCrossing.Document.values:
        return BorderCrossing.Document(value).label
    return value
