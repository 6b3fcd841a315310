"""Forms of the staff pages. Objects are chosen by public UUID, never by database id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haven.core.models import (
    Activity,
    Application,
    Bed,
    EvidenceItem,
    HostCountry,
    Shelter,
    Stay,
)
from haven.core.services import review

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
    # Nobody reads 100,000 applications deep; filters narrow the list instead.
    page = forms.IntegerField(min_value=1, max_value=4_000, required=False)

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


DECISION_LABELS = {
    review.ACCEPT: _("accept"),
    review.REJECT: _("propose to reject (a second reviewer must confirm it)"),
    review.CONFIRM: _("confirm the rejection"),
    review.OVERTURN: _("overturn the proposal and accept"),
}


class DecisionForm(forms.Form):
    """A reviewer's decision; :meth:`offer` sets the decisions shown.

    Any known decision is accepted, so a decision made stale by someone else acting meanwhile
    reaches the service, which re-checks the status under lock and says what happened.
    """

    decision = forms.ChoiceField(
        label=_("Decision"), choices=list(DECISION_LABELS.items()), widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Kept with the decision. Write what a colleague would need to know."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def offer(self, decisions: Sequence[str]) -> None:
        widget = self.fields["decision"].widget
        assert isinstance(widget, forms.RadioSelect)
        widget.choices = [(value, DECISION_LABELS[value]) for value in decisions]


class EraseForm(forms.Form):
    """Erasing a person cannot be undone: the admin types the application code to confirm."""

    reason = forms.ChoiceField(
        label=_("Why"),
        choices=[
            ("request", _("the person asked for their data to be deleted")),
            ("duplicate", _("a duplicate of another application")),
            ("mistake", _("entered by mistake")),
        ],
        widget=forms.RadioSelect,
    )
    confirm = forms.CharField(
        label=_("Type the application code to confirm"), max_length=20, strip=True
    )

    def __init__(self, data: QueryDict | None = None, *, reference: str) -> None:
        super().__init__(data)
        self.reference = reference

    def clean_confirm(self) -> str:
        typed = str(self.cleaned_data["confirm"]).upper()
        if typed != self.reference.upper():
            raise forms.ValidationError(
                gettext("This is not the code of this application."), code="mismatch"
            )
        return typed


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Question for the applicant"),
        help_text=_(
            "They read it on the status page exactly as you write it, so write it in their "
            "language. The application leaves the queue until they answer."
        ),
        max_length=review.QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, auto_id="id_question_%s")


class EvidenceForm(forms.Form):
    """One line of the vetting checklist; field ids carry the claim (one form per line)."""

    claim = forms.ChoiceField(choices=EvidenceItem.Claim.choices, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Result"), choices=EvidenceItem.Status.choices)
    note = forms.CharField(
        label=_("How it was checked"),
        help_text=_("For example: court record seen on a video call. Needed once checked."),
        required=False,
        max_length=review.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        claim: str,
        status: str = EvidenceItem.Status.CLAIMED,
        note: str = "",
    ) -> None:
        known = claim if claim in EvidenceItem.Claim.values else "unknown"
        initial = {"claim": claim, "status": status, "note": note}
        super().__init__(data, auto_id=f"id_evidence_{known}_%s", initial=initial)


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


class _PersonAndBedForm(forms.Form):
    """A person from the waitlist and a bed: the fields placing and changing an offer share."""

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


class PlacementForm(_PersonAndBedForm):
    """Put an accepted applicant from the waitlist into a bed of one shelter.

    Only applicants waiting in the shelter's country are offered: they are there already, and
    coordinators do not see the names of the whole network's waitlist.

    The bed list offers the beds free now; any in-service bed of this shelter is accepted, so
    a bed taken since the page was loaded reaches the service, which re-checks it under lock.
    """

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


class RunPlacementForm(forms.Form):
    """Which shelters a placement run offers free beds of (those the user places people in)."""

    shelters = forms.ModelMultipleChoiceField(
        label=_("Shelters"),
        queryset=Shelter.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one shelter.")},
    )

    def __init__(self, data: QueryDict | None = None, *, shelters: Iterable[Shelter]) -> None:
        shelters = list(shelters)
        super().__init__(data, initial={"shelters": [s.public_id for s in shelters]})
        field = self.fields["shelters"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Shelter.objects.filter(pk__in=[s.pk for s in shelters])
        field.choices = [(s.public_id, str(s)) for s in shelters]


class OfferCheckInForm(forms.Form):
    check_in = forms.DateField(label=_("Check-in date"), widget=DATE_INPUT)

    def __init__(self, data: QueryDict | None = None, *, today: date) -> None:
        super().__init__(data, prefix="arrive", initial={"check_in": today})
        self.fields["check_in"].validators.append(_NotInFuture(today))


class ChangeOfferForm(_PersonAndBedForm):
    """Offer the bed to someone else, or this person another bed of the same shelter."""

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        people: Sequence[Application],
        beds: Sequence[Bed],
        current: tuple[Application, Bed],
    ) -> None:
        initial = {"application": current[0].public_id, "bed": current[1].public_id}
        super().__init__(data, prefix="change", initial=initial)
        applicant = self.fields["application"]
        assert isinstance(applicant, WaitlistField)
        applicant.queryset = Application.objects.filter(pk__in=[a.pk for a in people])
        applicant.choices = [(a.public_id, applicant.label_from_instance(a)) for a in people]
        bed = self.fields["bed"]
        assert isinstance(bed, forms.ModelChoiceField)
        bed.queryset = Bed.objects.filter(pk__in=[b.pk for b in beds]).select_related("room")
        bed.choices = [(b.public_id, str(b)) for b in beds]


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class ChoreForm(forms.Form):
    name = forms.CharField(label=_("Chore"), max_length=80)
    people = forms.IntegerField(label=_("People each time"), min_value=1, max_value=10, initial=1)
    weight = forms.IntegerField(
        label=_("Units of work"),
        min_value=1,
        max_value=5,
        initial=1,
        help_text=_("Count a heavy chore (cooking for everyone) as 2 or 3."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[day for day, _label in WEEKDAYS],
    )

    def __init__(self, data: QueryDict | None = None, *, taken: Iterable[str]) -> None:
        super().__init__(data, prefix="chore")
        self.taken = {name.casefold() for name in taken}

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if name.casefold() in self.taken:
            raise forms.ValidationError(_("This house already has a chore with this name."))
        return name


class AbsenceForm(forms.Form):
    person = forms.ChoiceField(label=_("Who"))
    first_day = forms.DateField(label=_("First day away"), widget=DATE_INPUT)
    last_day = forms.DateField(label=_("Last day away"), widget=DATE_INPUT)

    def __init__(
        self, data: QueryDict | None = None, *, residents: Sequence[tuple[str, str]]
    ) -> None:
        """``residents``: (public id, name) of the people staying in the house."""
        super().__init__(data, prefix="away")
        field = self.fields["person"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "---------"), *residents]

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        first, last = self.cleaned_data.get("first_day"), self.cleaned_data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day cannot be before the first day."))
        return cleaned


class NoticeForm(forms.Form):
    text = forms.CharField(
        label=_("Notice"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone in the house can be told this; do not write anything private."),
    )
    until = forms.DateField(label=_("Show until"), required=False, widget=DATE_INPUT)

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, prefix="notice")


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    day = forms.DateField(label=_("Day"), widget=DATE_INPUT)
    starts = forms.TimeField(
        label=_("Starts at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, prefix="activity")


class AttendanceForm(forms.Form):
    people = forms.MultipleChoiceField(
        label=_("Who came"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        activity: Activity,
        residents: Sequence[tuple[str, str]],
        present: Iterable[str] = (),
    ) -> None:
        """``residents``: (public id, name) of the people staying in the house that day."""
        super().__init__(data, prefix=f"came-{activity.pk}", initial={"people": list(present)})
        field = self.fields["people"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(residents)
