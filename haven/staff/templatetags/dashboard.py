"""Template filters for the dashboard: table cells in the reader's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import template
from django.utils.formats import date_format, number_format

register = template.Library()


@register.filter
def cell(value: object) -> str:
    """A table cell: numbers grouped in thousands (one decimal for shares and medians, two
    for money), dates in full, nothing known as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, float):
        return number_format(value, decimal_pos=1, force_grouping=True)
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, force_grouping=True)
    if isinstance(value, date):
        return date_format(value, "j M Y")
    return str(value)


@register.filter
def is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
