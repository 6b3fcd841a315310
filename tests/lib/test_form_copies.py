"""Cheap field copies: each form still gets fields of its own, as with Django's deep copy."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.validators import MaxLengthValidator

from haven.api.applications import ApiApplicationForm
from haven.lib.form_copies import CheapCopies, SharedChoices, _copied_as_django_does
from haven.public.forms import ApplicationForm
from tests.conftest import Network


class Probe(forms.Form, metaclass=CheapCopies):
    name = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"class": "wide"}))
    colour = forms.ChoiceField(choices=[("red", "Red"), ("blue", "Blue")])  # Select: its own
    when = forms.SplitDateTimeField(required=False)  # a field with fields of its own


def tamper(form: forms.Form) -> None:
    """Change, in place, everything a form may change about its own fields."""
    for field in form.fields.values():
        field.required = True
        field.label = "Tampered"
        field.widget.attrs["data-tampered"] = "yes"
        field.error_messages["required"] = "Tampered message"
        field.validators.append(MaxLengthValidator(1))
        if isinstance(field, forms.ChoiceField) and isinstance(field.choices, list):
            field.choices.append(("tampered", "Tampered"))
        if isinstance(field, forms.MultiValueField):
            field.fields[0].widget.attrs["data-tampered"] = "yes"


@pytest.mark.parametrize("form_class", [ApplicationForm, ApiApplicationForm, Probe])
def test_a_form_that_changes_its_fields_changes_no_other_form(
    form_class: type[forms.Form], network: Network
) -> None:
    first = form_class()
    tamper(first)
    second = form_class()
    for name, field in second.fields.items():
        base: Any = form_class.base_fields[name]
        assert field is not base
        assert field.widget is not base.widget
        assert field is not first.fields[name]
        assert field.label != "Tampered"
        assert "data-tampered" not in field.widget.attrs
        assert field.error_messages.get("required") != "Tampered message"
        assert not any(
            isinstance(v, MaxLengthValidator) and v.limit_value == 1 for v in field.validators
        )
        if isinstance(field, forms.ChoiceField):
            assert "tampered" not in dict(field.choices)  # type: ignore[arg-type]
    assert "Tampered" not in str(second)
    if form_class is Probe:
        assert Probe({"name": "Long enough", "colour": "blue"}).is_valid()
        assert not Probe({"name": "x", "colour": "tampered"}).is_valid()


def test_every_field_of_the_application_form_is_copied_without_deepcopy(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cheap copy covers the whole application form (built for every post of the form
    and of the API): a field that fell back to ``deepcopy`` would cost its time again."""
    for form_class in (ApplicationForm, ApiApplicationForm):
        for name, field in form_class.base_fields.items():
            assert _copied_as_django_does(type(field), type(field.widget)), name

    def refused(*args: object) -> None:
        raise AssertionError("a field was deep-copied")

    for copying in (forms.Field, forms.Widget, SharedChoices):
        monkeypatch.setattr(copying, "__deepcopy__", refused)
    assert ApplicationForm().fields.keys() == ApplicationForm.base_fields.keys()
    assert ApiApplicationForm().fields
    with pytest.raises(AssertionError, match="deep-copied"):
        Probe()
    assert not _copied_as_django_does(forms.ChoiceField, forms.Select)
    assert not _copied_as_django_does(forms.SplitDateTimeField, forms.SplitDateTimeWidget)
