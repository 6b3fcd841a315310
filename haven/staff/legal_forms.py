"""Forms of the legal-clock pages: crossings, documents, ticking duties done.

Dates are checked against "today" in the host country by the services (``LegalRecordError``);
the forms check shape only.  Documents never ask for a number (data minimisation).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from haven.core.models import BorderCrossing, HostCountry, ResidentDocument
from haven.core.services.legal import DocumentFacts

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOTE_MAX_LENGTH = 1000


class CountryField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: HostCountry) -> str:
        return obj.name


def _country_field(label: Any, *, required: bool) -> CountryField:
    return CountryField(
        label=label,
        queryset=HostCountry.objects.order_by("name"),
        to_field_name="code",
        required=required,
    )


class CrossingForm(forms.Form):
    """An entry into a host country, with the exit day for a stay that already ended."""

    country = _country_field(_("Country"), required=True)
    entered_on = forms.DateField(label=_("Entered on"), widget=DATE_INPUT)
    exited_on = forms.DateField(
        label=_("Left on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Leave empty if they are still there."),
    )
    document = forms.ChoiceField(label=_("Entered with"), choices=BorderCrossing.Document.choices)

    def __init__(self, data: QueryDict | None = None, *, initial: dict[str, Any] | None = None):
        super().__init__(data, prefix="crossing", initial=initial)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        entered, exited = cleaned.get("entered_on"), cleaned.get("exited_on")
        if entered and exited and exited < entered:
            self.add_error("exited_on", _("They cannot leave before they entered."))
        return cleaned


class ExitForm(forms.Form):
    exited_on = forms.DateField(label=_("Left the country on"), widget=DATE_INPUT)

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, prefix="exit")


class DocumentForm(forms.Form):
    """A document: its kind (when first recorded), status, issuer and dates, and a note."""

    kind = forms.ChoiceField(label=_("Document"), choices=ResidentDocument.Kind.choices)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ResidentDocument.Status.choices,
        initial=ResidentDocument.Status.ISSUED,
    )
    country = _country_field(_("Issued by (for a residence permit or visa)"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE_INPUT)
    valid_to = forms.DateField(label=_("Valid until (expires)"), required=False, widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Note"),
        help_text=_("Optional, stored encrypted. Never write the document number."),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        document: ResidentDocument | None = None,
    ) -> None:
        initial: dict[str, Any] = {}
        if document is not None:
            initial = {
                "kind": document.kind,
                "status": document.status,
                "country": document.country.code if document.country else None,
                "valid_from": document.valid_from,
                "valid_to": document.valid_to,
                "note": document.note,
            }
        super().__init__(data, prefix="document", initial=initial)
        if document is not None:
            del self.fields["kind"]  # a document's kind does not change

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The document cannot expire before it is valid."))
        return cleaned

    def facts(self) -> DocumentFacts:
        data = self.cleaned_data
        return DocumentFacts(
            status=data["status"],
            country=data.get("country"),
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            note=data.get("note", ""),
        )


class ConfirmForm(forms.Form):
    """A button that must say what it does: an empty POST changes nothing."""

    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)

    def __init__(self, data: QueryDict | None = None, *, prefix: str | None = None) -> None:
        super().__init__(data, prefix=prefix)
