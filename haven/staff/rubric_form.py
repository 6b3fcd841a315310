"""The form for a new rubric version: one field per number, prefilled from the version in force.

Kept apart from ``haven.staff.forms`` because it is built from a rubric rather than declared.
Whether the numbers make a valid rubric is decided by ``haven.rules.scoring.Rubric`` (through
``haven.core.services.rubrics.publish_rubric``); this form only checks each number on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haven.core.services.rubrics import VERSION_MAX_LENGTH, VERSION_PATTERN
from haven.rules.scoring import PART_KEYS, Rubric
from haven.staff.labels import PART_LABELS

MAX_POINTS = 1000
MAX_DAYS = 3650
SPARE_BANDS = 1  # empty rows offered below the current bands, to add one

# Band lists of the rubric: prefix of their fields -> (Rubric attribute, smallest "up to").
# Days left may be 0 or negative (an overstay); days of savings may not.
BAND_LISTS = {"savings": ("savings_bands", 0), "urgency": ("urgency_bands", -MAX_DAYS)}


def _points(label: Any, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=MAX_POINTS, **kwargs)


def _weight_name(key: str) -> str:
    return "weight-" + key.replace(".", "-")


@dataclass(frozen=True)
class BandRow:
    up_to: forms.BoundField
    points: forms.BoundField


class RubricForm(forms.Form):
    """Bands are rows of (up to, points): a row left empty is dropped, and an empty row is
    offered to add a band. Rows are sorted by "up to", so the order they are typed in does not
    matter. ``definition()`` gives what ``publish_rubric`` takes.
    """

    version = forms.CharField(
        label=_("Version"),
        max_length=VERSION_MAX_LENGTH,
        validators=[
            RegexValidator(
                VERSION_PATTERN,
                _("Use letters, digits, dots, dashes or underscores, e.g. 2026.2."),
            )
        ],
        help_text=_("A new name; published versions are never changed."),
    )
    per_dependant = _points(_("Points per child or dependant"))
    dependants_cap = _points(_("At most, for children and dependants"))
    urgency_unknown = _points(
        _("Points when the days left are unknown"),
        help_text=_("The legal clock needs a caseworker check (e.g. a country with no rule)."),
    )
    per_week_waiting = _points(_("Points per full week waiting"))
    waiting_cap = _points(_("At most, for waiting"))
    note = forms.CharField(
        label=_("What changed and why"),
        help_text=_("Shown to staff with the version. Say what changed and why."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, data: QueryDict | None = None, *, rubric: Rubric, version: str) -> None:
        initial: dict[str, Any] = {
            "version": version,
            "per_dependant": rubric.per_dependant,
            "dependants_cap": rubric.dependants_cap,
            "urgency_unknown": rubric.urgency_unknown,
            "per_week_waiting": rubric.per_week_waiting,
            "waiting_cap": rubric.waiting_cap,
        }
        super().__init__(data, initial=initial)
        self.weight_keys = [key for key in PART_KEYS if key in rubric.weights]
        for key in self.weight_keys:
            self.fields[_weight_name(key)] = _points(PART_LABELS[key])
            self.initial[_weight_name(key)] = rubric.weights[key]
        self.band_counts: dict[str, int] = {}
        for prefix, (attribute, lowest) in BAND_LISTS.items():
            bands = getattr(rubric, attribute)
            self.band_counts[prefix] = len(bands) + SPARE_BANDS
            for i in range(self.band_counts[prefix]):
                number = {"number": i + 1}
                self.fields[f"{prefix}-{i}-up_to"] = forms.IntegerField(
                    label=self._up_to_label(prefix) % number,
                    min_value=lowest,
                    max_value=MAX_DAYS,
                    required=False,
                )
                self.fields[f"{prefix}-{i}-points"] = _points(
                    gettext("Band %(number)s: points") % number, required=False
                )
                if i < len(bands):
                    self.initial[f"{prefix}-{i}-up_to"] = bands[i].up_to
                    self.initial[f"{prefix}-{i}-points"] = bands[i].points

    @staticmethod
    def _up_to_label(prefix: str) -> str:
        if prefix == "savings":
            return gettext("Band %(number)s: savings for up to this many days")
        return gettext("Band %(number)s: up to this many days left")

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[_weight_name(key)] for key in self.weight_keys]

    def band_rows(self, prefix: str) -> list[BandRow]:
        return [
            BandRow(self[f"{prefix}-{i}-up_to"], self[f"{prefix}-{i}-points"])
            for i in range(self.band_counts[prefix])
        ]

    def savings_rows(self) -> list[BandRow]:
        return self.band_rows("savings")

    def urgency_rows(self) -> list[BandRow]:
        return self.band_rows("urgency")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for prefix in BAND_LISTS:
            for i in range(self.band_counts[prefix]):
                up_to, points = f"{prefix}-{i}-up_to", f"{prefix}-{i}-points"
                if up_to in self.errors or points in self.errors:
                    continue
                if (cleaned.get(up_to) is None) != (cleaned.get(points) is None):
                    missing = up_to if cleaned.get(up_to) is None else points
                    self.add_error(
                        missing, _("Fill in both numbers of a band, or leave both empty.")
                    )
        return cleaned

    def _bands(self, prefix: str) -> list[list[int]]:
        rows = []
        for i in range(self.band_counts[prefix]):
            up_to = self.cleaned_data.get(f"{prefix}-{i}-up_to")
            points = self.cleaned_data.get(f"{prefix}-{i}-points")
            if up_to is not None and points is not None:
                rows.append([up_to, points])
        return sorted(rows)

    def definition(self) -> dict[str, object]:
        """The new version in ``haven.rules.scoring.rubric_to_dict``'s shape (after is_valid)."""
        data = self.cleaned_data
        return {
            "version": data["version"],
            "weights": {key: data[_weight_name(key)] for key in self.weight_keys},
            "savings_bands": self._bands("savings"),
            "per_dependant": data["per_dependant"],
            "dependants_cap": data["dependants_cap"],
            "urgency_bands": self._bands("urgency"),
            "urgency_unknown": data["urgency_unknown"],
            "per_week_waiting": data["per_week_waiting"],
            "waiting_cap": data["waiting_cap"],
        }
