"""The forms on their own: how codes and free text are cleaned."""

# Russian text is what these tests check, so Cyrillic letters that look Latin are expected.

from __future__ import annotations

import unicodedata
from typing import Any, cast

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from haven.core.models import Person
from haven.public.forms import (
    BIDI_CONTROLS,
    ApplicationForm,
    PlainTextField,
    StatusForm,
    compact_code,
)


@pytest.mark.parametrize(
    ("typed", "reference"),
    [
        ("HV-ABCD-2345", "HV-ABCD-2345"),
        ("hv-abcd-2345", "HV-ABCD-2345"),
        ("hv abcd 2345", "HV-ABCD-2345"),
        ("ABCD2345", "HV-ABCD-2345"),
        ("НV–АВСD—2З45", "HV-ABCD-2345"),  # Cyrillic Н, А, В, С, З and typographic dashes
        ("HV-ABC", "HVABC"),
    ],
)
def test_reference_is_normalised(typed: str, reference: str) -> None:
    form = StatusForm({"reference": typed, "passphrase": "abcd-efgh-jkmn"})

    assert form.is_valid()
    assert form.cleaned_data["reference"] == reference


@pytest.mark.parametrize(
    ("typed", "passphrase"),
    [
        ("abcd-efgh-2345", "abcd-efgh-2345"),
        ("ABCD EFGH 2345", "abcd-efgh-2345"),
        ("abcdefgh2345", "abcd-efgh-2345"),
        ("аbсd-еfgh-2345", "abcd-efgh-2345"),  # Cyrillic а, с, е
    ],
)
def test_passphrase_is_normalised(typed: str, passphrase: str) -> None:
    form = StatusForm({"reference": "HV-ABCD-2345", "passphrase": typed})

    assert form.is_valid()
    assert form.cleaned_data["passphrase"] == passphrase


def test_compact_code_drops_every_kind_of_separator() -> None:
    assert compact_code(" a-b\u2013c\u2014d_e.f\tg ") == "ABCDEFG"


def test_single_line_text_is_trimmed() -> None:
    assert PlainTextField().clean("  Артём ") == "Артём"


@pytest.mark.parametrize("bad", ["a\nb", "a\tb", "a\x00b", "a\x7fb", "a\x85b", "a\u2066b"])
def test_single_line_text_refuses_control_characters(bad: str) -> None:
    with pytest.raises(ValidationError) as error:
        PlainTextField().clean(bad)

    assert error.value.code == "control"


# Controls, their neighbours, the bidirectional controls and their neighbours, combining marks.
EDGES = [chr(c) for c in (*range(0x00, 0x21), *range(0x7E, 0xA1), *range(0x2028, 0x2070))]


@given(
    st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(EDGES))),
    st.booleans(),
)
def test_text_is_refused_exactly_when_it_holds_a_control_character(
    text: str, multiline: bool
) -> None:
    """What Unicode calls a control character (category Cc), or a bidirectional control,
    is refused wherever it is; a text without one is kept (as NFC)."""
    field = PlainTextField(multiline=multiline, required=False)
    kept = text.strip()
    if multiline:
        kept = kept.replace("\r\n", "\n").replace("\r", "\n")
    allowed = "\n\t" if multiline else ""
    refused = any(
        char in BIDI_CONTROLS or (unicodedata.category(char) == "Cc" and char not in allowed)
        for char in unicodedata.normalize("NFC", kept)
    )
    if refused:
        with pytest.raises(ValidationError) as error:
            field.clean(text)
        assert error.value.code == "control"
    else:
        assert field.clean(text) == unicodedata.normalize("NFC", kept)


@pytest.mark.parametrize("bad", ["a\x0bb", "a\x0cb", "a\x1fb", "a\x85b", "a\x9fb", "a\u202eb"])
def test_multiline_text_refuses_other_control_characters(bad: str) -> None:
    with pytest.raises(ValidationError) as error:
        PlainTextField(multiline=True).clean(bad)

    assert error.value.code == "control"


def test_multiline_text_keeps_line_breaks_and_tabs() -> None:
    field = PlainTextField(multiline=True)

    assert field.clean("a\r\nb\rc\td\n") == "a\nb\nc\td"
    assert field.clean("e\u0301") == "\u00e9"  # composed (NFC)


@pytest.mark.django_db
def test_no_form_changes_the_choices_of_the_next_one() -> None:
    """The application form's choices are shared by every form made, not copied for each (a
    third of building the form), so they must be impossible to change in place."""
    first, second = ApplicationForm(), ApplicationForm()
    for name in ("gender", "document", "savings_days", "origin_region"):
        field = first.fields[name]
        assert isinstance(field, forms.ChoiceField)
        with pytest.raises(AttributeError):
            cast(Any, field.choices).append(("smuggled", "Smuggled"))
        shared = ApplicationForm.base_fields[name].choices  # type: ignore[attr-defined]
        assert field.choices is shared
        assert second.fields[name].choices is shared  # type: ignore[attr-defined]
        assert field.widget.choices is shared

    # A form that needs other choices, or other attributes, changes its own copy alone.
    gender = first.fields["gender"]
    assert isinstance(gender, forms.ChoiceField)
    gender.choices = [("smuggled", "Smuggled")]
    gender.widget.attrs["data-smuggled"] = "yes"
    later = ApplicationForm({"gender": "smuggled"})
    later.is_valid()
    assert "gender" in later.errors
    assert "data-smuggled" not in later.fields["gender"].widget.attrs
    rendered = str(later["gender"])
    assert "smuggled" not in rendered
    for value in Person.Gender.values:
        assert f'value="{value}"' in rendered
