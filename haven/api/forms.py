"""Query parameters the API checks with Django forms, so messages come translated."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 366
DEFAULT_DAYS = 30
DATE_ERRORS = {"invalid": _("Please enter a date as YYYY-MM-DD, for example 2026-10-01.")}


class OccupancyRangeForm(forms.Form):
    """From ``start`` to ``end`` (inclusive, at most ``MAX_DAYS`` days, not after today).

    Without ``end``: today in the shelter's country. Without ``start``: ``DEFAULT_DAYS`` days
    up to ``end``.
    """

    start = forms.DateField(required=False, input_formats=["%Y-%m-%d"], error_messages=DATE_ERRORS)
    end = forms.DateField(required=False, input_formats=["%Y-%m-%d"], error_messages=DATE_ERRORS)

    def __init__(self, data: Any, *, today: date) -> None:
        super().__init__(data)
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        end: date = cleaned.get("end") or self.today
        start: date = cleaned.get("start") or date.fromordinal(
            max(1, end.toordinal() - DEFAULT_DAYS + 1)
        )
        if end > self.today:
            self.add_error("end", _("This date is in the future: occupancy is known up to today."))
        elif start > end:
            self.add_error("start", _("The start must not be after the end."))
        elif (end - start).days >= MAX_DAYS:
            self.add_error(
                "start",
                _("At most %(days)s days at a time: move the start closer to the end.")
                % {"days": MAX_DAYS},
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A bound form's errors as the API shows them: messages per field, in this language."""
    return {
        ("non_field_errors" if field == "__all__" else field): [str(message) for message in errors]
        for field, errors in form.errors.items()
    }
