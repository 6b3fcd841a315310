"""Template filters for the legal-clock pages."""

from __future__ import annotations

from django import template

from haven.accounts import access
from haven.staff.duty_labels import condition_label, duty_label

register = template.Library()


@register.filter
def duty(description_key: str) -> str:
    """A task's description, translated (``{{ task.description_key|duty }}``)."""
    return duty_label(description_key)


@register.filter
def duty_condition(condition: str) -> str:
    return condition_label(condition) if condition else ""


@register.simple_tag(takes_context=True)
def is_member(context: template.Context) -> bool:
    """Whether the user holds any role (to offer network-wide pages such as destinations)."""
    return access.has_membership(context["request"].user)
