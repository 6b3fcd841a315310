"""Form fields copied cheaply for each form built: the application form is built for every
post of the form and of the API.

Django deep-copies every field of a form class for each form it builds (``copy.deepcopy``
of the class's fields), and its choice widgets normalise their choices again. Building the
application form took 183 µs; most of it was the copying machinery, not the copies.

- ``SharedChoices``: choices kept as a tuple that every copy shares (121 µs).
- ``CheapCopies``: a form metaclass whose forms copy their fields as Django's own
  ``__deepcopy__`` of a field and its widget would (the field, its widget, the widget's
  attributes, the error messages and the validators list each copied once, one level deep),
  without ``deepcopy``'s dispatch (64 µs). A field or widget class with a copy of its own
  (``MultiValueField``, a ``Select`` widget) is still deep-copied as Django does it.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass
from django.utils.choices import normalize_choices


class SharedChoices:
    """A choice field whose choices every copy of its form shares, as a tuple.

    Django deep-copies each field of a form for every form it makes, choices included, and
    its choice widgets normalise a copy of the choices again. That was a third of building
    the application form (183 µs, 121 µs with the choices shared), which is built for every
    post of the form and of the API. These choices are tuples, so that no form can change
    them in place for the next one; a form that needs other choices (the host countries)
    assigns new ones to its own copy of the field.
    """

    _choices: Any
    widget: Any
    error_messages: dict[str, Any]
    validators: list[Any]

    @property
    def choices(self) -> Any:
        return self._choices

    @choices.setter
    def choices(self, value: Any) -> None:
        # As ChoiceField does, but normalised once (not again by the widget), into a tuple.
        choices = normalize_choices(value)
        if isinstance(choices, list):
            choices = tuple(choices)
        self._choices = self.widget._choices = choices

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        # Django's Field.__deepcopy__, with the widget copied as a plain widget (its attrs
        # copied, its choices shared) instead of with its choices normalised again.
        return _one_level(self, memo)


class FixedChoiceField(SharedChoices, forms.ChoiceField):
    pass


class FixedTypedChoiceField(SharedChoices, forms.TypedChoiceField):
    pass


def _plain_copy(cls: Any) -> bool:
    """Whether ``copy.copy`` of a ``cls`` object is a new object with a copy of its
    ``__dict__``, and nothing else: no slots and no copy or pickling methods of its own."""
    return (
        not any("__slots__" in vars(base) for base in cls.__mro__)
        and not hasattr(cls, "__copy__")
        and all(
            getattr(cls, name) is getattr(object, name)
            for name in ("__reduce_ex__", "__reduce__", "__getstate__")
        )
    )


_FIELD_COPY = forms.Field.__deepcopy__  # type: ignore[attr-defined]  # not in the stubs
_WIDGET_COPY = forms.Widget.__deepcopy__
# Per field class and widget class: whether _copy may copy them (_copied_as_django_does).
_plain_pairs: dict[tuple[type, type], bool] = {}


def _copied_as_django_does(field_class: Any, widget_class: Any) -> bool:
    """Whether a field of ``field_class`` with a ``widget_class`` widget is copied by
    Django's own ``Field.__deepcopy__`` and ``Widget.__deepcopy__`` (or SharedChoices's,
    which is the same with the widget's choices shared), which ``_copy`` repeats."""
    known = _plain_pairs.get((field_class, widget_class))
    if known is None:
        shared = field_class.__deepcopy__ is SharedChoices.__deepcopy__
        known = (
            (shared or field_class.__deepcopy__ is _FIELD_COPY)
            and (shared or widget_class.__deepcopy__ is _WIDGET_COPY)
            and _plain_copy(field_class)
            and _plain_copy(widget_class)
        )
        _plain_pairs[(field_class, widget_class)] = known
    return known


def _shallow(obj: Any) -> Any:
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _copy(field: forms.Field, memo: dict[int, Any]) -> forms.Field:
    if not _copied_as_django_does(type(field), type(field.widget)):
        return copy.deepcopy(field, memo)
    return _one_level(field, memo)


def _one_level(field: Any, memo: dict[int, Any]) -> Any:
    """What Django's ``Field.__deepcopy__`` and ``Widget.__deepcopy__`` copy: the field, its
    widget, the widget's attributes, the error messages and the validators list."""
    result = _shallow(field)
    widget = _shallow(field.widget)
    widget.attrs = field.widget.attrs.copy()
    result.widget = widget
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    memo[id(field)], memo[id(field.widget)] = result, widget
    return result


class FieldCopies(dict[str, forms.Field]):
    """A form class's fields; ``copy.deepcopy`` of them (what each new form does) copies
    each field with ``_copy``."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: _copy(field, memo) for name, field in self.items()}


class CheapCopies(DeclarativeFieldsMetaclass):
    """The metaclass of a form whose fields are copied with ``_copy`` (module doc)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> type:
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = FieldCopies(new_class.base_fields)  # type: ignore[attr-defined]
        return new_class
