"""Forms of the staff pages. Objects are chosen by public UUID, never by database id."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haven.core.models import Application, Assessment, Bed, HostCountry, Shelter, Stay

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QueueFilterForm(forms.Form):
    """Filters of the review queue. Unknown values fall back to the plain queue, never a 500."""

    status = forms.ChoiceField(
        label=_("Status"), choices=Application.Status.choices, required=False
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    flag = forms.ChoiceField(
        label=_("Flag"),
        required=False,
        choices=[
            ("", _("any")),
            ("duplicates", _("possible duplicate")),
            ("answered", _("applicant answered a question")),
        ],
    )
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [
            ("", gettext("all")),
            *HostCountry.objects.filter(shelters__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("code", "name"),
        ]

    def value(self, name: str) -> str:
        """A field's cleaned value, or "" when it is missing or invalid (only that filter drops)."""
        self.is_valid()  # cleaned_data keeps the fields that are valid
        return str(self.cleaned_data.get(name) or "")

    def chosen_status(self) -> str:
        """The chosen status; anything missing or unknown shows the review queue."""
        return self.value("status") or Application.Status.SUBMITTED

    def page_number(self) -> int:
        return int(self.value("page") or 1)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Assessment.Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Kept with the decision. Write what a colleague would need to know."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class _NotInFuture:
    """Dates a person was checked in or out on: today (in the shelter's country) or earlier.

    A date in the future would leave a bed looking free (or taken) before it really is.
    """

    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self, value: date) -> None:
        if value > self.today:
            raise forms.ValidationError(_("This date is in the future."), code="future")


class WaitlistField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Application) -> str:
        # Gender and city help the coordinator match a room; the priority orders the list.
        return gettext("%(name)s (%(gender)s, %(city)s, priority %(priority)s, %(reference)s)") % {
            "name": obj.person.display_name,
            "gender": obj.person.get_gender_display(),
            "city": obj.city or "—",
            "priority": obj.priority,
            "reference": obj.reference,
        }


class PlacementForm(forms.Form):
    """Put an accepted applicant from the waitlist into a bed of one shelter.

    Only applicants waiting in the shelter's country are offered: they are there already, and
    coordinators do not see the names of the whole network's waitlist.

    The bed list offers the beds free now; any in-service bed of this shelter is accepted, so
    a bed taken since the page was loaded reaches the service, which re-checks it under lock.
    """

    application = WaitlistField(
        label=_("Person"),
        queryset=Application.objects.none(),
        to_field_name="public_id",
        error_messages={"invalid_choice": _("Choose someone waiting for a bed in this country.")},
    )
    bed = forms.ModelChoiceField(
        label=_("Bed"),
        queryset=Bed.objects.none(),
        to_field_name="public_id",
        error_messages={"invalid_choice": _("Choose a bed of this shelter.")},
    )
    check_in = forms.DateField(label=_("Check-in date"), widget=DATE_INPUT)

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        shelter: Shelter,
        free_beds: Iterable[Bed],
        today: date,
    ) -> None:
        super().__init__(data, prefix="place", initial={"check_in": today})
        applicant = self.fields["application"]
        assert isinstance(applicant, WaitlistField)
        applicant.queryset = (
            Application.objects.waitlist()
            .filter(host_country_id=shelter.country_id)
            .select_related("person")
            .defer("answers", "priority_parts", "person__contact")
        )
        bed = self.fields["bed"]
        assert isinstance(bed, forms.ModelChoiceField)
        bed.queryset = Bed.objects.filter(room__shelter=shelter, in_service=True).select_related(
            "room"
        )
        bed.choices = [("", "---------"), *((b.public_id, str(b)) for b in free_beds)]
        self.fields["check_in"].validators.append(_NotInFuture(today))


class CheckOutForm(forms.Form):
    check_out = forms.DateField(label=_("Check-out date"), widget=DATE_INPUT)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Stay.Outcome.choices)

    def __init__(self, data: QueryDict | None = None, *, stay: Stay, today: date) -> None:
        # One form per occupied bed on a page: the prefix keeps their field ids apart.
        super().__init__(data, prefix=f"out-{stay.public_id}", initial={"check_out": today})
        self.fields["check_out"].validators.append(_NotInFuture(today))
