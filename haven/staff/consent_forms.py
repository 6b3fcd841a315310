"""Forms of the consent page: recording a consent, and choosing the one a file is shared under.

The rules (a recipient for third parties, no date to come, a consent still current) are the
service's (``ConsentError``); the forms check shape and turn a withdrawn choice into a clear
message before the user is asked to confirm it is them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.http import QueryDict
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haven.core.models import Consent
from haven.core.services.consent import RECIPIENT_MAX_LENGTH, ConsentFacts
from haven.staff.forms import DATE_INPUT

NO_CONSENT = _(
    "Choose a current consent of this person: without one, nothing about them can be shared."
)


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("The person agreed to share their file with"),
        choices=Consent.Scope.choices,
        widget=forms.RadioSelect,
    )
    recipient = forms.CharField(
        label=_("Which office or organisation"),
        help_text=_("For example: UNHCR office in Almaty. Leave empty for a copy to the person."),
        max_length=RECIPIENT_MAX_LENGTH,
        required=False,
    )
    given_on = forms.DateField(label=_("Given on"), widget=DATE_INPUT)
    method = forms.ChoiceField(
        label=_("How it was given"), choices=Consent.Method.choices, widget=forms.RadioSelect
    )

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, prefix="consent")

    def facts(self) -> ConsentFacts:
        data = self.cleaned_data
        return ConsentFacts(
            scope=data["scope"],
            recipient=data["recipient"],
            given_on=data["given_on"],
            method=data["method"],
        )


class ConsentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Consent) -> str:
        return gettext("%(scope)s: %(recipient)s, given on %(day)s") % {
            "scope": obj.get_scope_display(),
            "recipient": obj.recipient or gettext("the person"),
            "day": date_format(obj.given_on, "SHORT_DATE_FORMAT"),
        }


class ExportForm(forms.Form):
    """Which consent the file is shared under; the radio buttons offer the current ones."""

    consent = ConsentChoiceField(
        label=_("Share under this consent"),
        queryset=Consent.objects.none(),
        to_field_name="public_id",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": NO_CONSENT, "invalid_choice": NO_CONSENT},
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        consents: Sequence[Consent],
        initial: str | None = None,
    ) -> None:
        super().__init__(data, prefix="share", initial={"consent": initial})
        field = self.fields["consent"]
        assert isinstance(field, ConsentChoiceField)
        # Any of the person's consents is accepted so that a withdrawn one gets its own message.
        field.queryset = Consent.objects.filter(pk__in=[c.pk for c in consents])
        field.choices = [
            (c.public_id, field.label_from_instance(c)) for c in consents if c.is_current
        ]

    def clean_consent(self) -> Consent:
        consent: Consent = self.cleaned_data["consent"]
        if not consent.is_current:
            raise forms.ValidationError(
                gettext(
                    "This consent was withdrawn: nothing can be shared under it. Record a new "
                    "consent if the person agrees again."
                ),
                code="withdrawn",
            )
        return consent
