"""Forms of the dashboard: what to download, and a shelter's monthly rent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from haven.core.models import Shelter
from haven.core.services.exports import STAYS, Format
from haven.rules.money import CURRENCIES, to_major, to_minor

EXPORT_CHOICES = [
    ("occupancy", _("Occupancy by shelter and week")),
    ("waitlist", _("Waitlist and waits by week")),
    ("deadlines", _("Residents by days left until their last legal day")),
    ("outcomes", _("Check-outs by month and outcome")),
    ("costs", _("Cost per occupied bed-night")),
    (STAYS, _("Every stay, pseudonymised (one row per stay)")),
]


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What"), choices=EXPORT_CHOICES, widget=forms.RadioSelect, initial="occupancy"
    )
    file_format = forms.ChoiceField(
        label=_("File format"), choices=Format.choices, widget=forms.RadioSelect, initial="csv"
    )

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, prefix="export")


class RentForm(forms.Form):
    """The rent in the currency's major units (e.g. 450000 tenge), or clearing it."""

    monthly_rent = forms.DecimalField(
        label=_("Monthly rent"),
        required=False,
        min_value=Decimal(0),
        max_digits=15,
        decimal_places=2,
        help_text=_("What the house costs a month, in the currency below."),
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=[("", "—"), *((code, code) for code in sorted(CURRENCIES))],
        required=False,
    )
    clear = forms.BooleanField(
        label=_("The rent is not known: clear it"),
        required=False,
    )

    def __init__(self, data: QueryDict | None = None, *, shelter: Shelter) -> None:
        initial: dict[str, Any] = {"currency": shelter.rent_currency}
        if shelter.monthly_rent is not None:
            initial["monthly_rent"] = to_major(shelter.monthly_rent, shelter.rent_currency)
        super().__init__(data, initial=initial)

    def clean(self) -> dict[str, Any]:
        """Sets ``minor`` (whole minor units, or None to clear) and ``currency``."""
        cleaned = super().clean() or {}
        if cleaned.get("clear"):
            cleaned["minor"], cleaned["currency"] = None, ""
            return cleaned
        amount, currency = cleaned.get("monthly_rent"), cleaned.get("currency")
        if amount is None:
            if "monthly_rent" not in self.errors:
                self.add_error("monthly_rent", _("Enter the rent, or tick that it is not known."))
            return cleaned
        if not currency:
            self.add_error("currency", _("Choose the currency the rent is paid in."))
            return cleaned
        try:
            cleaned["minor"] = to_minor(amount, currency)
        except ValueError:
            self.add_error("monthly_rent", _("This currency has fewer decimals."))
        return cleaned
