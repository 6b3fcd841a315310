"""Forms of the pathway pages: cases, appointments, destination checks, the calendar feed."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from haven.core.models import Appointment, Destination, PathwayCase
from haven.core.services.pathways import CaseChange, NewSource

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
TEXT_MAX_LENGTH = 4000


class DestinationField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Destination) -> str:
        return obj.name


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of case"), choices=PathwayCase.Kind.choices)
    destination = DestinationField(
        label=_("Destination"),
        queryset=Destination.objects.order_by("name"),
        to_field_name="public_id",
        required=False,
    )
    steps = forms.CharField(
        label=_("Steps"),
        help_text=_("What has to happen, in order. Stored encrypted."),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, prefix="case")


class CaseUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PathwayCase.Status.choices)
    steps = forms.CharField(
        label=_("Steps"),
        help_text=_("Stored encrypted."),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=PathwayCase.Outcome.choices, required=False
    )
    outcome_on = forms.DateField(label=_("Outcome on"), required=False, widget=DATE_INPUT)

    def __init__(self, data: QueryDict | None = None, *, case: PathwayCase) -> None:
        initial = {
            "status": case.status,
            "steps": case.steps,
            "outcome": case.outcome,
            "outcome_on": case.outcome_on,
        }
        super().__init__(data, prefix="update", initial=initial)

    def change(self) -> CaseChange:
        data = self.cleaned_data
        return CaseChange(
            status=data["status"],
            outcome=data.get("outcome") or "",
            outcome_on=data.get("outcome_on"),
            steps=data.get("steps", ""),
        )


class AppointmentForm(forms.Form):
    """Day, time and the time zone they are in (the embassy's, usually the host country's)."""

    kind = forms.ChoiceField(label=_("Where"), choices=Appointment.Kind.choices)
    place = forms.CharField(
        label=_("Place"),
        help_text=_("For example: German embassy, Almaty. Shown in coordinators' calendars."),
        max_length=200,
    )
    day = forms.DateField(label=_("Day"), widget=DATE_INPUT)
    time = forms.TimeField(label=_("Time"), widget=TIME_INPUT)
    tz_name = forms.ChoiceField(label=_("Time zone"))
    notes = forms.CharField(
        label=_("Notes"),
        help_text=_("Stored encrypted; never shown in calendars."),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        zones: Sequence[str],
        default_zone: str,
    ) -> None:
        super().__init__(data, prefix="appointment", initial={"tz_name": default_zone})
        field = self.fields["tz_name"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(zone, zone) for zone in zones]

    def starts_at(self) -> datetime:
        data = self.cleaned_data
        zone = zoneinfo.ZoneInfo(data["tz_name"])
        return datetime.combine(data["day"], data["time"], tzinfo=zone)


class DestinationCheckForm(forms.Form):
    """A staff member checked a destination's notes against the sources."""

    policy_notes = forms.CharField(
        label=_("Policy notes"), max_length=8000, widget=forms.Textarea(attrs={"rows": 10})
    )
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Destination.Confidence.choices)
    verified_on = forms.DateField(label=_("Verified on"), widget=DATE_INPUT)
    source_url = forms.URLField(
        label=_("New source: address"), required=False, max_length=500, assume_scheme="https"
    )
    source_title = forms.CharField(label=_("New source: title"), required=False, max_length=300)
    source_publisher = forms.CharField(
        label=_("New source: publisher"), required=False, max_length=200
    )
    source_date = forms.RegexField(
        label=_("New source: date"),
        help_text=_("YYYY, YYYY-MM or YYYY-MM-DD"),
        regex=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        required=False,
    )

    def __init__(
        self, data: QueryDict | None = None, *, destination: Destination, today: Any
    ) -> None:
        initial = {
            "policy_notes": destination.policy_notes,
            "confidence": destination.confidence,
            "verified_on": today,
        }
        super().__init__(data, prefix="verify", initial=initial)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("source_url") and not cleaned.get("source_title"):
            self.add_error("source_title", _("Give the source's title too."))
        return cleaned

    def source(self) -> NewSource | None:
        data = self.cleaned_data
        if not data.get("source_url"):
            return None
        return NewSource(
            url=data["source_url"],
            title=data["source_title"],
            publisher=data.get("source_publisher", ""),
            published=data.get("source_date", ""),
        )


class CalendarFeedForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("create", _("new address")), ("revoke", _("stop the address"))],
        widget=forms.HiddenInput,
    )
