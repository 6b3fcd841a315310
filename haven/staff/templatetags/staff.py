"""Template helpers for the staff pages."""

from __future__ import annotations

from django import template

from haven.accounts import access
from haven.accounts.models import Capability

register = template.Library()


@register.simple_tag(takes_context=True)
def can_review(context: template.Context) -> bool:
    """Whether to offer the review queue in the navigation (memberships are cached per user)."""
    return Capability.REVIEW in access.network_capabilities(context["request"].user)


@register.simple_tag(takes_context=True)
def has_network_capability(context: template.Context, capability: str) -> bool:
    """Whether the user holds ``capability`` network-wide (to offer admin pages in the nav)."""
    return capability in access.network_capabilities(context["request"].user)


@register.simple_tag(takes_context=True)
def has_capability_somewhere(context: template.Context, capability: str) -> bool:
    """Whether the user holds ``capability`` in some shelter (e.g. to offer placement)."""
    return access.has_capability_somewhere(context["request"].user, capability)
